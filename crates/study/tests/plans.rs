//! Plans as the library sees them: validation names the entry, settings hashes change exactly
//! with the settings, foreign run folders are never reused, and a run's lock is held once.

use std::path::Path;
use uptake_study::{
    Cohort, Experiment, Head, Plan, PlanStatus, Preset, RareStart, RunLock, RunStatus, Start,
    plan_for,
};

/// A tiny plan over an empty store folder and a three-region label table in `dir`.
fn plan_in(dir: &Path, preset: Preset) -> Plan {
    let labels = dir.join("weak.csv");
    std::fs::write(
        &labels,
        "exam_id,liver,lungs,neck\nE1,1,0,0\nE2,0,1,1\nE3,1,1,0\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("store")).unwrap();
    let cohort = Cohort::new(dir.join("store"), labels, None, None);
    plan_for(cohort, preset).unwrap()
}

fn entry_refused(plan: &Plan) -> (String, String) {
    let e = plan.validate().unwrap_err();
    (e.entry, e.problem)
}

#[test]
fn validation_names_the_entry_of_an_unknown_region() {
    let dir = tempfile::tempdir().unwrap();
    let mut plan = plan_in(dir.path(), Preset::Tiny);
    plan.experiments.push(Experiment::SingleTask {
        name: "single".into(),
        regions: vec!["liver".into(), "elbow".into()],
        init: Start::Random,
    });
    let (entry, problem) = entry_refused(&plan);
    assert_eq!(entry, "experiments.single");
    assert!(
        problem.contains("`elbow` is not a task region"),
        "{problem}"
    );
}

#[test]
fn the_default_worklists_are_full_and_the_two_most_prevalent_regions_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let mut plan = plan_in(dir.path(), Preset::Tiny);
    // liver and lungs are positive in 2 of 3 exams, neck in 1.
    let expected = ["full", "liver", "lungs"].map(String::from).to_vec();
    assert_eq!(plan.worklist_regions, Some(expected));
    plan.worklist_regions = Some(vec!["full".into(), "elbow".into()]);
    let (entry, problem) = entry_refused(&plan);
    assert_eq!(entry, "worklist_regions");
    assert!(
        problem.contains("`elbow` is not a task region"),
        "{problem}"
    );
}

#[test]
fn validation_names_a_missing_file_and_a_missing_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut plan = plan_in(dir.path(), Preset::Tiny);
    plan.cohort.hand_labels = Some(dir.path().join("no-such-hand.csv"));
    assert_eq!(entry_refused(&plan).0, "cohort.hand_labels");
    plan.cohort.hand_labels = None;
    plan.experiments.push(Experiment::RareRegion {
        name: "rare-2".into(),
        regions: vec!["neck".into()],
        start: RareStart::WholeBody {
            from: "no-such".into(),
        },
    });
    let (entry, problem) = entry_refused(&plan);
    assert_eq!(entry, "experiments.rare-2");
    assert!(
        problem.contains("`no-such`, which is no experiment"),
        "{problem}"
    );
}

#[test]
fn validation_refuses_kinetics_on_the_tiny_network_and_an_unknown_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let mut plan = plan_in(dir.path(), Preset::Tiny);
    plan.comparisons[0].b = "attention-free".into();
    assert_eq!(entry_refused(&plan).0, "comparisons[0]");
    plan.comparisons.clear();
    if let Experiment::MultiTask { init, .. } = &mut plan.experiments[0] {
        *init = Start::Kinetics;
    }
    let (entry, problem) = entry_refused(&plan);
    assert_eq!(entry, "experiments.weak");
    assert!(problem.contains("full network"), "{problem}");
}

#[test]
fn validation_refuses_a_split_that_leaves_too_few_exams() {
    let dir = tempfile::tempdir().unwrap();
    let mut plan = plan_in(dir.path(), Preset::Tiny);
    plan.split.test_fraction = 1.5;
    assert_eq!(entry_refused(&plan).0, "split");
    plan.seeds = 4_000_000_000;
    assert_eq!(entry_refused(&plan).0, "seeds");
}

/// The settings hash of every run, by id.
fn hashes(plan: &Plan) -> Vec<(String, String)> {
    (plan.runs().into_iter())
        .map(|r| (r.id, r.settings_hash))
        .collect()
}

/// The ids whose hash differs between two plans.
fn changed(a: &Plan, b: &Plan) -> Vec<String> {
    let (a, b) = (hashes(a), hashes(b));
    (a.iter().zip(&b))
        .filter(|(x, y)| x.1 != y.1)
        .map(|(x, _)| x.0.clone())
        .collect()
}

#[test]
fn the_settings_hash_changes_exactly_with_the_settings_of_the_run_and_its_start() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(dir.path(), Preset::Tiny);
    assert_eq!(hashes(&plan), hashes(&plan.clone()));
    let mut sum = plan.clone();
    if let Experiment::MultiTask { head, .. } = &mut sum.experiments[1] {
        *head = Head::MultiHead;
    }
    assert_eq!(changed(&plan, &sum), ["sum-heads-s0", "sum-heads-s1"]);
    // The rare-region runs start from the weak model: they change with it.
    let mut weak = plan.clone();
    if let Experiment::MultiTask { head, .. } = &mut weak.experiments[0] {
        *head = Head::Sum;
    }
    let expected = [
        "weak-s0",
        "weak-s1",
        "rare-from-multi-task-s0",
        "rare-from-multi-task-s1",
    ];
    assert_eq!(changed(&plan, &weak), expected);
    let mut epochs = plan.clone();
    epochs.epochs += 1;
    assert_eq!(changed(&plan, &epochs).len(), plan.runs().len());
}

#[test]
fn a_run_folder_of_another_plan_is_foreign_and_a_run_of_other_settings_stale() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(dir.path(), Preset::Tiny);
    let file = dir.path().join("plan.toml");
    plan.write(&file).unwrap();
    let run = &plan.runs()[0];
    let record = |plan_id: &str, hash: &str| {
        let mut spec = serde_json::to_value(run).unwrap();
        spec["settings_hash"] = hash.into();
        serde_json::json!({"plan_id": plan_id, "run": spec, "state": {"state": "done", "seconds": 1.0}})
    };
    let run_dir = dir.path().join("runs").join(&run.id);
    std::fs::create_dir_all(&run_dir).unwrap();
    let write = |value: serde_json::Value| {
        std::fs::write(run_dir.join("run.json"), value.to_string()).unwrap();
        PlanStatus::read(&file).unwrap().runs[0].1.clone()
    };
    assert_eq!(write(record(&plan.id, &run.settings_hash)), RunStatus::Done);
    let stale = write(record(&plan.id, "0123456789abcdef"));
    assert_eq!(
        stale,
        RunStatus::Stale {
            recorded: "0123456789abcdef".into()
        }
    );
    let foreign = write(record("another-plan", &run.settings_hash));
    assert!(
        matches!(&foreign, RunStatus::Foreign(why) if why.contains("another-plan")),
        "{foreign:?}"
    );
}

#[test]
fn a_run_lock_is_held_once_and_a_dead_process_lock_is_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("weak-s0");
    let lock = RunLock::acquire(&run).unwrap().expect("a free lock");
    assert!(RunLock::acquire(&run).unwrap().is_none(), "held twice");
    drop(lock);
    assert!(
        RunLock::acquire(&run).unwrap().is_some(),
        "released when dropped"
    );
    // A lock left by a process of this machine that is gone.
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    gone.wait().unwrap();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    std::fs::write(run.join("lock"), format!("{} {}\n", host.trim(), gone.id())).unwrap();
    assert!(
        RunLock::acquire(&run).unwrap().is_some(),
        "a dead process's lock"
    );
}

#[test]
fn a_plan_compares_with_the_paired_test_unless_it_names_the_studys() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(dir.path(), Preset::Tiny);
    assert_eq!(plan.test, uptake_stats::SeedTest::PairedSignFlip);
    let file = dir.path().join("plan.toml");
    plan.write(&file).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = text.replace("test = \"paired-sign-flip\"", "test = \"study\"");
    assert_ne!(edited, text, "the plan file names its test");
    std::fs::write(&file, edited).unwrap();
    let read = Plan::read(&file).unwrap();
    assert_eq!(read.test, uptake_stats::SeedTest::StudyUnpaired);
}

#[test]
fn a_run_killed_while_recording_its_start_is_pending_not_foreign() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(dir.path(), Preset::Tiny);
    let file = dir.path().join("plan.toml");
    plan.write(&file).unwrap();
    let run_dir = dir.path().join("runs").join(&plan.runs()[0].id);
    std::fs::create_dir_all(&run_dir).unwrap();
    // What a SIGKILL between the temporary file and its rename leaves: no run.json yet.
    std::fs::write(run_dir.join(".uptake-tmp-AbC123"), "{\"plan_id\"").unwrap();
    assert_eq!(
        PlanStatus::read(&file).unwrap().runs[0].1,
        RunStatus::Pending
    );
    std::fs::write(run_dir.join("weights.bin"), "x").unwrap();
    assert!(matches!(
        PlanStatus::read(&file).unwrap().runs[0].1,
        RunStatus::Foreign(_)
    ));
}
