//! The weak-labelling pipeline as one library call: one report, and a report set into a table.

use uptake_core::{ExamId, NoProgress};
use uptake_labels::{
    LabelError, LabelSettings, LabellingMethod, MentionScorer, RulesSource, ScoreError,
    SentenceMentions, WeakLabeller,
};
use uptake_ontology::{Ontology, RegionSelection};
use uptake_reports::Report;

/// Gives every mention the same probability.
struct Constant(f64);

impl MentionScorer for Constant {
    fn name(&self) -> &str {
        "constant"
    }
    fn score(&mut self, sentences: &[SentenceMentions<'_>]) -> Result<Vec<Vec<f64>>, ScoreError> {
        Ok(sentences
            .iter()
            .map(|s| vec![self.0; s.spans.len()])
            .collect())
    }
}

/// Fails on every batch that has a mention.
struct Broken;

impl MentionScorer for Broken {
    fn name(&self) -> &str {
        "broken"
    }
    fn score(&mut self, sentences: &[SentenceMentions<'_>]) -> Result<Vec<Vec<f64>>, ScoreError> {
        if sentences.iter().all(|s| s.spans.is_empty()) {
            return Ok(vec![Vec::new(); sentences.len()]);
        }
        Err(ScoreError::Scorer {
            scorer: "broken".into(),
            source: "no device".into(),
        })
    }
}

fn labeller(scorer: Box<dyn MentionScorer>) -> (Ontology, WeakLabeller) {
    let ontology = Ontology::builtin();
    let labeller = WeakLabeller::for_ontology(&ontology, scorer).unwrap();
    (ontology, labeller)
}

fn rules() -> Box<dyn MentionScorer> {
    LabellingMethod::Rules
        .scorer(&RulesSource::Builtin, Vec::new())
        .unwrap()
}

#[test]
fn a_report_gets_its_mentions_combined_by_noisy_or_up_the_ontology() {
    let (o, mut labeller) = labeller(Box::new(Constant(0.5)));
    let report = Report::new(
        "E1",
        "HISTORY: Liver cancer.\nFINDINGS: Uptake in the liver. A second focus in the liver.\nIMPRESSION: Spleen.",
    );
    let labels = labeller.label_report(&report).unwrap();
    let p = |name: &str| labels.probability(o.id(name).unwrap());
    assert_eq!(labels.mentions().len(), 3, "the history is not tagged");
    assert_eq!(p("liver"), 0.75);
    assert_eq!(p("spleen"), 0.5);
    assert_eq!(p("abdomen"), 1.0 - 0.5 * 0.5 * 0.5);
    assert_eq!(p("lungs"), 0.0);
}

#[test]
fn the_rules_give_an_abnormal_and_a_negated_mention_their_scores() {
    let (o, mut labeller) = labeller(rules());
    let report = Report::new(
        "E1",
        "FINDINGS: Intense uptake in the liver. No uptake in the lungs.",
    );
    let labels = labeller.label_report(&report).unwrap();
    let p = |name: &str| labels.probability(o.id(name).unwrap());
    assert!(
        (p("liver") - 0.95).abs() < 1e-12,
        "the rules' `abnormal` score"
    );
    assert!(
        (p("lungs") - 0.01).abs() < 1e-12,
        "the rules' `negated` score"
    );
    assert!((p("full") - (1.0 - 0.05 * 0.99)).abs() < 1e-12);
    assert_eq!(labeller.scorer_name(), "rules");
}

#[test]
fn a_report_set_becomes_one_row_per_report_with_the_selected_columns_and_counts() {
    let (_, mut labeller) = labeller(Box::new(Constant(0.5)));
    let reports = [
        Report::new("E1", "FINDINGS: Uptake in the liver and the spleen."),
        Report::new("E2", "FINDINGS: Nothing of note."),
        Report::new("E3", "FINDINGS: Uptake in the left lung."),
    ];
    let settings = LabelSettings {
        regions: "lungs,liver".parse::<RegionSelection>().unwrap(),
        ..LabelSettings::default()
    };
    let set = labeller
        .label_reports(&reports, &settings, &NoProgress)
        .unwrap();
    assert_eq!(set.table.regions(), ["lungs", "liver"]);
    let exams: Vec<&str> = set.table.exams().iter().map(ExamId::as_str).collect();
    assert_eq!(exams, ["E1", "E2", "E3"]);
    let row = |exam: &str| set.table.row(&ExamId::new(exam).unwrap()).unwrap().to_vec();
    assert_eq!(row("E1"), [Some(0.0), Some(0.5)]);
    assert_eq!(row("E2"), [Some(0.0), Some(0.0)]);
    assert_eq!(row("E3"), [Some(0.5), Some(0.0)]);
    assert_eq!(set.counts.reports, 3);
    assert_eq!(set.counts.mentions, 3);
    assert_eq!(set.counts.reports_without_mentions, 1);
}

#[test]
fn the_task_selection_gives_the_30_task_columns() {
    let (_, mut labeller) = labeller(rules());
    let reports = [Report::new("E1", "FINDINGS: Avid nodes in the neck.")];
    let settings = LabelSettings {
        regions: RegionSelection::Tasks,
        ..LabelSettings::default()
    };
    let set = labeller
        .label_reports(&reports, &settings, &NoProgress)
        .unwrap();
    assert_eq!(set.table.regions().len(), 30);
    assert_eq!(set.table.regions()[0], "full");
}

#[test]
fn an_unknown_column_is_an_error_naming_it() {
    let (_, mut labeller) = labeller(rules());
    let settings = LabelSettings {
        regions: "liver,livr".parse::<RegionSelection>().unwrap(),
        ..LabelSettings::default()
    };
    let err = labeller
        .label_reports(&[], &settings, &NoProgress)
        .unwrap_err();
    assert!(matches!(err, LabelError::Regions(_)));
    assert!(err.to_string().contains("`livr`"), "{err}");
}

#[test]
fn a_failing_scorer_names_the_exam() {
    let (_, mut labeller) = labeller(Box::new(Broken));
    let reports = [
        Report::new("E1", "FINDINGS: Nothing of note."),
        Report::new("E2", "FINDINGS: Uptake in the liver."),
    ];
    let err = labeller
        .label_reports(&reports, &LabelSettings::default(), &NoProgress)
        .unwrap_err();
    assert!(
        matches!(&err, LabelError::Score { exam, .. } if exam.as_str() == "E2"),
        "{err:?}"
    );
}

#[test]
fn findings_under_a_combined_findings_and_impression_header_are_labelled() {
    let (o, mut labeller) = labeller(rules());
    let report = Report::new(
        "E1",
        "CLINICAL HISTORY: Lymphoma.\nTECHNIQUE: FDG PET/CT from the skull base to the mid-thigh.\nFINDINGS AND IMPRESSION: Hypermetabolic left axillary lymph nodes (SUVmax 9.1), consistent with lymphoma.",
    );
    let labels = labeller.label_report(&report).unwrap();
    let p = |name: &str| labels.probability(o.id(name).unwrap());
    assert!(
        p("axillary_lymph_node") > 0.9,
        "{}",
        p("axillary_lymph_node")
    );
    assert_eq!(
        p("head_neck"),
        0.0,
        "the technique's skull base is not a finding"
    );
}

#[test]
fn reports_that_fell_back_or_yielded_no_mention_are_counted_and_written() {
    let (_, mut labeller) = labeller(rules());
    let reports = [
        Report::new("E1", "FINDINGS: Avid liver lesion."),
        Report::new(
            "E2",
            "History: melanoma.\nADDITIONAL NOTES: none\nSIGNED BY: Dr X.",
        ),
        Report::new(
            "E3",
            "Clinical history: lymphoma.\nRECOMMENDATIONS: Biopsy of the avid left axillary node.",
        ),
        Report::new("E4", "FINDINGS: No abnormal uptake."),
    ];
    let set = labeller
        .label_reports(&reports, &LabelSettings::default(), &NoProgress)
        .unwrap();
    assert_eq!(
        (
            set.counts.reports,
            set.counts.reports_fell_back,
            set.counts.reports_without_mentions
        ),
        (4, 2, 2)
    );
    assert_eq!(set.counts.share(uptake_labels::Coverage::NoMention), 0.5);
    let flagged: Vec<(&str, bool, usize)> = set
        .flagged
        .iter()
        .map(|f| (f.exam_id.as_str(), f.fell_back, f.mentions))
        .collect();
    assert_eq!(
        flagged,
        [("E2", true, 0), ("E3", true, 1), ("E4", false, 0)]
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flagged.csv");
    set.write_flagged(&path).unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "exam_id,fell_back,mentions\nE2,1,0\nE3,1,1\nE4,0,0\n"
    );
}
