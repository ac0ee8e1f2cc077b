//! Each reader of user files against seeded mutants of valid inputs: refused or accepted,
//! never a panic. Bounded here (a few hundred cases per target); `uptake bench fuzz --seconds N`
//! runs the same for longer.

use uptake_fuzz::run::{Budget, FuzzReport, FuzzSettings, run_fuzz};
use uptake_fuzz::target::Target;

fn fuzz(target: Target, cases: u64) -> FuzzReport {
    let settings = FuzzSettings {
        targets: vec![target],
        budget: Budget::CasesPerTarget(cases),
        seed: 2026,
        findings_dir: None,
    };
    run_fuzz(&settings, &uptake_core::NoProgress).unwrap()
}

fn assert_no_panic(target: Target, cases: u64) {
    let report = fuzz(target, cases);
    let run = &report.targets[0];
    assert_eq!(run.cases, cases);
    assert_eq!(run.accepted + run.refused + run.panics.len() as u64, cases);
    assert!(run.panics.is_empty(), "{report}");
    // Mutants must reach past the first check: some are refused, and the seeds themselves
    // are valid, so the reader does accept inputs.
    assert!(run.refused > 0, "{report}");
}

#[test]
fn report_jsonl_reader_never_panics() {
    assert_no_panic(Target::ReportsJsonl, 400);
}

#[test]
fn report_csv_reader_never_panics() {
    assert_no_panic(Target::ReportsCsv, 400);
}

#[test]
fn region_table_reader_never_panics() {
    assert_no_panic(Target::RegionTable, 400);
}

#[test]
fn mention_file_reader_never_panics() {
    assert_no_panic(Target::Mentions, 400);
}

#[test]
fn ontology_reader_never_panics() {
    assert_no_panic(Target::Ontology, 150);
}

#[test]
fn rules_reader_never_panics() {
    assert_no_panic(Target::Rules, 150);
}

#[test]
fn exam_store_reader_never_panics() {
    assert_no_panic(Target::ExamStore, 400);
}

#[test]
fn torch_checkpoint_reader_never_panics() {
    assert_no_panic(Target::TorchCheckpoint, 400);
}

#[test]
fn dicom_reader_never_panics() {
    assert_no_panic(Target::Dicom, 300);
}

#[test]
fn the_seeds_themselves_are_accepted() {
    for target in Target::ALL {
        let dir = tempfile::tempdir().unwrap();
        let seeds = uptake_fuzz::seeds::seeds(target, dir.path()).unwrap();
        assert!(!seeds.is_empty(), "{target}");
        for seed in seeds {
            let path = dir.path().join(target.file_name());
            std::fs::write(&path, &seed).unwrap();
            let verdict = uptake_fuzz::readers::read(target, &path);
            assert_eq!(verdict, uptake_fuzz::readers::Verdict::Accepted, "{target}");
        }
    }
}

#[test]
fn the_same_seed_runs_the_same_cases() {
    let (a, b) = (
        fuzz(Target::RegionTable, 100),
        fuzz(Target::RegionTable, 100),
    );
    assert_eq!(a.targets[0].accepted, b.targets[0].accepted);
    assert_eq!(a.targets[0].refused, b.targets[0].refused);
}

#[test]
fn a_timed_run_visits_every_target() {
    let settings = FuzzSettings {
        targets: Target::ALL.to_vec(),
        budget: Budget::Time(std::time::Duration::from_millis(300)),
        seed: 9,
        findings_dir: None,
    };
    let report = run_fuzz(&settings, &uptake_core::NoProgress).unwrap();
    assert!(report.targets.iter().all(|t| t.cases >= 1), "{report}");
    assert!(report.to_string().contains("cases, 0 panics"), "{report}");
}
