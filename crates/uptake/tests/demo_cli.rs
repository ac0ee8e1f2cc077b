//! `uptake demo` end to end on a 20-exam cohort (one scan-model epoch, no report model).

use std::path::Path;
use std::process::Command;

fn demo(out: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args([
            "demo",
            "--exams",
            "20",
            "--scan-epochs",
            "1",
            "--no-report-model",
            "-q",
        ])
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn the_demo_runs_every_step_and_prints_the_command_of_each() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let stdout = demo(&out);
    let commands: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("$ uptake "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    let expected = [
        "synth", "label", "label", "evaluate", "evaluate", "ingest", "inspect", "train", "predict",
        "predict", "localise", "evaluate", "worklist", "predict", "survival", "report",
    ];
    assert_eq!(commands, expected);
    // The scan model the demo trains is the one its printed `train` line asks for.
    let train = stdout
        .lines()
        .find(|l| l.starts_with("$ uptake train "))
        .unwrap();
    assert!(train.contains("--pooling before-kept-blocks"), "{train}");
    let config = std::fs::read_to_string(out.join("scan-model").join("config.json")).unwrap();
    assert!(
        config.contains(r#""pooling": "before_kept_blocks""#),
        "{config}"
    );
    // Five held-out exams (a quarter of 20), predicted with every region column.
    let predictions = std::fs::read_to_string(out.join("predictions-test.csv")).unwrap();
    assert_eq!(predictions.lines().count(), 1 + 5);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("uptake demo") && html.contains("Weak labels (rules)"));
    assert!(
        stdout.contains("Scan model on 5 held-out exams"),
        "{stdout}"
    );
    // The rules label what the reports say: their macro AUROC line is printed.
    let rules = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("rules "))
        .unwrap();
    let auroc: f64 = rules.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(auroc > 0.9, "{rules}");
}
