//! The labelling comparison in a plan: the default plan adds it with reports and hand labels,
//! and validation refuses its missing files and inputs, naming the entry.

use std::path::Path;
use uptake_study::{Cohort, Experiment, Plan, Preset, plan_for};

/// A tiny plan with hand labels and reports (both files written) in `dir`.
fn plan_in(dir: &Path) -> Plan {
    let labels = dir.join("weak.csv");
    std::fs::write(&labels, "exam_id,liver,lungs\nE1,1,0\nE2,0,1\nE3,1,1\n").unwrap();
    let reports = dir.join("reports.jsonl");
    std::fs::write(
        &reports,
        "{\"exam_id\":\"E1\",\"text\":\"FINDINGS: liver lesion.\"}\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("store")).unwrap();
    let cohort = Cohort {
        reports: Some(reports),
        ..Cohort::new(dir.join("store"), labels.clone(), Some(labels), None)
    };
    plan_for(cohort, Preset::Tiny).unwrap()
}

#[test]
fn the_default_plan_with_reports_and_hand_labels_has_one_labelling_run_without_models() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(dir.path());
    let labelling = Experiment::Labelling {
        name: "labelling".into(),
    };
    assert!(plan.experiments.contains(&labelling));
    let runs: Vec<_> = (plan.runs().into_iter())
        .filter(|r| r.experiment == "labelling")
        .collect();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].id, "labelling-s0");
}

#[test]
fn one_labelling_run_per_report_model_and_adding_them_reruns_no_scan_model() {
    let dir = tempfile::tempdir().unwrap();
    let mut plan = plan_in(dir.path());
    let before = plan.runs();
    plan.cohort.report_models = vec![dir.path().join("m0"), dir.path().join("m1")];
    let after = plan.runs();
    let labelling: Vec<_> = after
        .iter()
        .filter(|r| r.experiment == "labelling")
        .collect();
    assert_eq!(
        labelling.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["labelling-s0", "labelling-s1"]
    );
    for run in before.iter().filter(|r| r.experiment != "labelling") {
        let same = after.iter().find(|r| r.id == run.id).unwrap();
        assert_eq!(same.settings_hash, run.settings_hash, "{}", run.id);
    }
}

#[test]
fn validation_names_a_missing_reports_file_and_a_missing_report_model() {
    let dir = tempfile::tempdir().unwrap();
    let mut plan = plan_in(dir.path());
    plan.cohort.reports = Some(dir.path().join("no-such-reports.jsonl"));
    let refused = plan.validate().unwrap_err();
    assert_eq!(refused.entry, "cohort.reports");
    assert!(
        refused.problem.contains("no-such-reports.jsonl"),
        "{}",
        refused.problem
    );
    plan.cohort.reports = Some(dir.path().join("reports.jsonl"));
    plan.cohort.report_models = vec![dir.path().join("store"), dir.path().join("no-model")];
    assert_eq!(
        plan.validate().unwrap_err().entry,
        "cohort.report_models[1]"
    );
}

#[test]
fn validation_refuses_a_labelling_experiment_without_reports_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut plan = plan_in(dir.path());
    plan.cohort.reports = None;
    let refused = plan.validate().unwrap_err();
    assert_eq!(refused.entry, "experiments.labelling");
    assert!(
        refused.problem.contains("cohort.reports"),
        "{}",
        refused.problem
    );
}
