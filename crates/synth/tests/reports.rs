//! The synthetic report generator: reproducible, varied, and its truth agrees with its text.

use std::collections::HashSet;
use uptake_core::NoProgress;
use uptake_ontology::Ontology;
use uptake_reports::{Report, Tagger};
use uptake_synth::catalogue::{SITES, find_site, site_names};
use uptake_synth::reports::{
    ReportSetError, ReportsSettings, SyntheticReport, generate, generate_one, truth_table,
    write_report_set,
};
use uptake_synth::spec::ReportedAs;
use uptake_synth::taxonomy::{is_ancestor_or_self, task_region_names};

fn reports(n: usize, seed: u64) -> Vec<SyntheticReport> {
    generate(
        &ReportsSettings {
            n,
            seed,
            ..Default::default()
        },
        &NoProgress,
    )
}

#[test]
fn the_same_seed_gives_the_same_reports() {
    assert_eq!(reports(30, 7), reports(30, 7));
}

#[test]
fn different_seeds_give_different_reports() {
    let a: Vec<String> = reports(30, 7).into_iter().map(|r| r.text).collect();
    let b: Vec<String> = reports(30, 8).into_iter().map(|r| r.text).collect();
    assert!(a.iter().zip(&b).filter(|(x, y)| x != y).count() >= 29);
}

#[test]
fn an_exam_does_not_depend_on_the_size_of_the_data_set() {
    assert_eq!(reports(20, 3)[13], generate_one(3, 13));
}

#[test]
fn every_site_is_an_ontology_region_at_or_below_its_task_region() {
    let o = Ontology::builtin();
    for name in site_names() {
        let def = find_site(&name).unwrap();
        let site = o
            .id(&name)
            .unwrap_or_else(|| panic!("site `{name}` is not in the ontology"));
        let task = o.id(def.region).unwrap();
        assert!(
            o.is_ancestor_or_self(task, site),
            "{name} is not below {}",
            def.region
        );
    }
}

#[test]
fn every_way_of_naming_a_site_is_tagged_as_its_region() {
    let o = Ontology::builtin();
    let tagger = Tagger::new(&o).unwrap();
    for def in SITES {
        let task = o.id(def.region).unwrap();
        for template in def.names {
            let name = template
                .replace("{side}", "left")
                .replace("{t}", "11")
                .replace("{l}", "3")
                .replace("{c}", "5")
                .replace("{rib}", "fourth");
            let sentence = format!("Hypermetabolic {name} (SUVmax 6.1).");
            let mentions = tagger.tag_sentence(&sentence);
            assert!(
                mentions
                    .iter()
                    .any(|m| o.is_ancestor_or_self(task, m.region)),
                "`{name}` is not tagged as {} (tagged: {:?})",
                def.region,
                mentions
                    .iter()
                    .map(|m| o.name(m.region))
                    .collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn every_reported_lesion_is_mentioned_in_findings_or_impression() {
    let o = Ontology::builtin();
    let tagger = Tagger::new(&o).unwrap();
    for r in reports(300, 11) {
        let report = Report::new(r.spec.exam_id.as_str(), r.text.clone());
        let tagged: Vec<_> = tagger
            .tag_report(&report)
            .into_iter()
            .flat_map(|t| t.mentions)
            .collect();
        for lesion in r
            .spec
            .lesions
            .iter()
            .filter(|l| l.reported_as != ReportedAs::Missed)
        {
            let task = o.id(&lesion.region).unwrap();
            assert!(
                tagged.iter().any(|m| o.is_ancestor_or_self(task, m.region)),
                "exam {}: the {} lesion ({}) has no mention of its region",
                r.spec.exam_id,
                lesion.region,
                lesion.site
            );
        }
    }
}

#[test]
fn the_truth_table_marks_reported_lesions_and_their_ancestors_only() {
    let set = reports(200, 5);
    let truth = truth_table(&set);
    assert_eq!(truth.regions(), task_region_names());
    for r in &set {
        for region in task_region_names() {
            let expected = r.spec.lesions.iter().any(|l| {
                l.reported_as != ReportedAs::Missed && is_ancestor_or_self(&region, &l.region)
            });
            let value = truth.get(&r.spec.exam_id, &region).unwrap();
            assert_eq!(
                value,
                if expected { 1.0 } else { 0.0 },
                "{} {region}",
                r.spec.exam_id
            );
        }
    }
}

#[test]
fn missed_lesions_are_not_in_the_truth() {
    let set = reports(400, 9);
    let truth = truth_table(&set);
    let missed_only = set.iter().find(|r| {
        !r.spec.lesions.is_empty()
            && r.spec
                .lesions
                .iter()
                .all(|l| l.reported_as == ReportedAs::Missed)
    });
    let r = missed_only.expect("400 exams include one whose lesions were all missed");
    assert_eq!(truth.get(&r.spec.exam_id, "full"), Some(0.0));
}

#[test]
fn about_a_fifth_of_exams_are_normal_and_most_abnormal_ones_have_several_regions() {
    let set = reports(1000, 2);
    let normal = set.iter().filter(|r| r.spec.lesions.is_empty()).count();
    assert!((150..=250).contains(&normal), "{normal} normal of 1000");
    let several = set.iter().filter(|r| r.spec.lesions.len() >= 2).count();
    assert!(several >= 400, "{several} of 1000 with two or more lesions");
    let truth = truth_table(&set);
    for region in task_region_names() {
        let positives = truth
            .column(&region)
            .unwrap()
            .iter()
            .filter(|v| **v == Some(1.0))
            .count();
        assert!(positives > 0, "no exam is positive for {region}");
    }
}

#[test]
fn reports_come_in_several_styles_with_many_distinct_sentences() {
    let set = reports(300, 4);
    let has = |needle: &str| set.iter().filter(|r| r.text.contains(needle)).count();
    assert!(
        has("FINDINGS:") > 30 && has("Findings:") > 30,
        "upper and mixed case headers"
    );
    assert!(
        has("END OF IMPRESSION") > 20,
        "numbered impressions with an end marker"
    );
    assert!(
        set.iter().filter(|r| !r.text.contains("indings")).count() > 20,
        "reports without headers"
    );
    assert!(has("HEAD/NECK:") + has("NECK:") > 10, "organ sub-headers");
    let sentences: HashSet<&str> = set.iter().flat_map(|r| r.text.split(". ")).collect();
    assert!(
        sentences.len() > 1500,
        "{} distinct sentences in 300 reports",
        sentences.len()
    );
}

#[test]
fn the_clinical_history_names_prior_disease_that_is_not_a_finding() {
    let set = reports(300, 6);
    assert!(
        set.iter()
            .any(|r| r.text.contains("breast cancer status post"))
    );
}

#[test]
fn the_data_set_files_hold_every_exam() {
    let dir = tempfile::tempdir().unwrap();
    let set = reports(25, 1);
    let settings = ReportsSettings {
        n: 25,
        seed: 1,
        ..Default::default()
    };
    let summary = write_report_set(&settings, dir.path(), &NoProgress).unwrap();
    assert_eq!(summary.reports, 25);
    assert_eq!(
        summary.exams_without_lesions,
        set.iter().filter(|r| r.spec.lesions.is_empty()).count()
    );
    let reports = uptake_reports::read_reports(&dir.path().join("reports.jsonl")).unwrap();
    assert_eq!(reports.reports.len(), 25);
    assert_eq!(reports.reports[3].text, set[3].text);
    let truth = uptake_core::RegionTable::read_csv(&dir.path().join("truth.csv")).unwrap();
    assert_eq!(truth, truth_table(&set));
    let specs = std::fs::read_to_string(dir.path().join("specs.jsonl")).unwrap();
    let first: uptake_synth::spec::ExamSpec =
        serde_json::from_str(specs.lines().next().unwrap()).unwrap();
    assert_eq!(first, set[0].spec);
}

#[test]
fn a_report_set_of_no_reports_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let settings = ReportsSettings {
        n: 0,
        seed: 1,
        ..Default::default()
    };
    let err = write_report_set(&settings, dir.path(), &NoProgress).unwrap_err();
    assert!(matches!(err, ReportSetError::NoReports), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
