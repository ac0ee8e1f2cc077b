//! The labelling run on a few synthetic reports, without report models: regex and rules
//! tables in the run folder, scored per region against the hand labels.

use crate::labelling::{DIAGNOSTICS_FILE, label_run, labels_file};
use crate::labelling_report::{diagnostics, f1_differences, score_run};
use crate::plan::Cohort;
use uptake_core::{Confusion, NoProgress, RegionTable};
use uptake_labels::LabellingMethod;
use uptake_synth::reports::{ReportsSettings, write_report_set};

/// A cohort of 16 synthetic reports whose truth table stands for the hand labels.
fn cohort(dir: &std::path::Path) -> Cohort {
    let settings = ReportsSettings {
        n: 16,
        seed: 11,
        ..ReportsSettings::default()
    };
    write_report_set(&settings, dir, &NoProgress).unwrap();
    Cohort {
        reports: Some(dir.join("reports.jsonl")),
        ..Cohort::new(
            dir.join("store"),
            dir.join("truth.csv"),
            Some(dir.join("truth.csv")),
            None,
        )
    }
}

/// The cohort of `dir` labelled into `dir/run`, and its hand labels.
fn labelled(dir: &std::path::Path) -> (std::path::PathBuf, RegionTable) {
    let cohort = cohort(dir);
    let run = dir.join("run");
    std::fs::create_dir_all(&run).unwrap();
    label_run(&cohort, None, &run, uptake_training::Device::Cpu).unwrap();
    (run, RegionTable::read_csv(&dir.join("truth.csv")).unwrap())
}

#[test]
fn a_labelling_run_without_models_writes_the_regex_and_rules_tables_and_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let (run, _) = labelled(dir.path());
    for method in [LabellingMethod::Regex, LabellingMethod::Rules] {
        let table = RegionTable::read_csv(&run.join(labels_file(method))).unwrap();
        assert_eq!(table.len(), 16, "{method}");
        assert!(table.regions().iter().any(|r| r == "liver"), "{method}");
    }
    assert!(!run.join(labels_file(LabellingMethod::Model)).exists());
    let diagnostics = std::fs::read_to_string(run.join(DIAGNOSTICS_FILE)).unwrap();
    assert!(diagnostics.starts_with("region,labeller,"), "{diagnostics}");
    assert!(diagnostics.contains(",regex,"), "{diagnostics}");
}

#[test]
fn each_methods_f1_per_region_is_the_confusion_f1_against_the_hand_labels() {
    let dir = tempfile::tempdir().unwrap();
    let (run, hand) = labelled(dir.path());
    let scores = score_run(&hand, &run, 0).unwrap();
    let abnormal = scores.iter().find(|s| s.metrics.positives > 0).unwrap();
    let region = abnormal.metrics.region.clone();
    let labels = RegionTable::read_csv(&run.join(labels_file(abnormal.method))).unwrap();
    let (mut probs, mut truth) = (Vec::new(), Vec::new());
    for (exam, row) in hand.rows() {
        let i = hand.regions().iter().position(|r| *r == region).unwrap();
        let j = labels.regions().iter().position(|r| *r == region).unwrap();
        if let (Some(t), Some(p)) = (row[i], labels.row(exam).unwrap()[j]) {
            truth.push(t >= 0.5);
            probs.push(p);
        }
    }
    assert_eq!(abnormal.metrics.n, 16);
    let expected = Confusion::at_threshold(&probs, &truth, 0.5).f1();
    assert!(expected.is_some());
    assert_eq!(abnormal.metrics.f1, expected);
    // Both methods are scored in every region, and differences are against regex.
    let methods = |m| scores.iter().filter(|s| s.method == m).count();
    assert_eq!(
        methods(LabellingMethod::Regex),
        methods(LabellingMethod::Rules)
    );
    let differences = f1_differences(&scores);
    assert!(
        differences
            .iter()
            .all(|d| d.method == "rules" && d.per_seed.len() == 1)
    );
    let f1 = |m: LabellingMethod, r: &str| {
        let s = (scores.iter()).find(|s| s.method == m && s.metrics.region == r);
        s.and_then(|s| s.metrics.f1)
    };
    let d = &differences[0];
    assert_eq!(
        Some(d.per_seed[0]),
        f1(LabellingMethod::Rules, &d.region)
            .zip(f1(LabellingMethod::Regex, &d.region))
            .map(|(a, b)| a - b)
    );
}

#[test]
fn the_labelling_part_holds_the_scores_the_diagnostics_and_the_f1_difference_figure() {
    let dir = tempfile::tempdir().unwrap();
    let (run, hand) = labelled(dir.path());
    let mut scores = score_run(&hand, &run, 0).unwrap();
    scores.retain(|s| s.metrics.positives > 0);
    let part = dir.path().join("part");
    crate::labelling_report::write_part(&scores, diagnostics(&run), &part, "labelling").unwrap();
    for file in [
        "summary.json",
        "f1-difference.svg",
        "f1-difference.png",
        "f1-difference.csv",
    ] {
        assert!(part.join(file).exists(), "{file}");
    }
    let csv = std::fs::read_to_string(part.join("f1-difference.csv")).unwrap();
    assert!(
        csv.starts_with("region,method,seed_index,f1_minus_regex\n"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 1 + f1_differences(&scores).len());
    let summary = std::fs::read_to_string(part.join("summary.json")).unwrap();
    assert!(
        summary.contains("\"F1\"") && summary.contains("learned_sensitivity"),
        "{summary}"
    );
    // Ids and figures only: no sentence of a report reaches the report.
    let reports = std::fs::read_to_string(dir.path().join("reports.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(reports.lines().next().unwrap()).unwrap();
    let sentence = first["text"]
        .as_str()
        .unwrap()
        .split('.')
        .max_by_key(|s| s.len())
        .unwrap();
    assert!(!summary.contains(sentence.trim()));
}

#[test]
fn a_labelling_run_with_a_report_model_adds_the_model_and_model_plus_rules_tables() {
    use uptake_textmodel::{BertConfig, Head, init_random_model};
    let dir = tempfile::tempdir().unwrap();
    let cohort = cohort(dir.path());
    // A tiny random model: what is checked is the path through the model, not its skill.
    let vocab = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "uptake", "in", "the", "liver", "no", ".",
    ];
    let model = dir.path().join("model");
    let config = BertConfig::tiny(vocab.len(), 16, 1, 2, 64);
    init_random_model(&model, &config, &vocab, 11, Head::With).unwrap();
    let run = dir.path().join("run");
    std::fs::create_dir_all(&run).unwrap();
    label_run(&cohort, Some(&model), &run, uptake_training::Device::Cpu).unwrap();
    let hand = RegionTable::read_csv(&dir.path().join("truth.csv")).unwrap();
    let scores = score_run(&hand, &run, 0).unwrap();
    for method in [LabellingMethod::Model, LabellingMethod::ModelRules] {
        let table = RegionTable::read_csv(&run.join(labels_file(method))).unwrap();
        assert_eq!(table.len(), 16, "{method}");
        assert!(scores.iter().any(|s| s.method == method), "{method}");
    }
    let differences = f1_differences(&scores);
    for method in ["rules", "model", "model+rules"] {
        assert!(differences.iter().any(|d| d.method == method), "{method}");
    }
}
