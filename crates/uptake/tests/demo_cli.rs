//! `uptake demo` end to end on a 20-exam cohort (one scan-model epoch), with the report model
//! on the MiniLM weights that `scripts/setup` fetches.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// One demo run shared by the tests of this file (each is a few minutes of CPU): its folder
/// and what it printed.
fn shared_demo() -> &'static (PathBuf, String) {
    static RUN: OnceLock<(PathBuf, String)> = OnceLock::new();
    RUN.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("demo-cli");
        // Nothing of an earlier run may pass for this one's output.
        let _ = std::fs::remove_dir_all(&out);
        let stdout = demo(&out);
        (out, stdout)
    })
}

fn demo(out: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(["demo", "--exams", "20", "--scan-epochs", "1", "-q"])
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
    let (out, stdout) = shared_demo();
    let commands: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("$ uptake "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    let expected = [
        "synth",
        "label",
        "label",
        "report-model",
        "label",
        "label",
        "label",
        "evaluate",
        "evaluate",
        "evaluate",
        "evaluate",
        "evaluate",
        "ingest",
        "inspect",
        "train",
        "predict",
        "predict",
        "localise",
        "evaluate",
        "worklist",
        "predict",
        "survival",
        "report",
    ];
    assert_eq!(commands, expected);
    // The scan model the demo trains is the one its printed `train` line asks for.
    let train = stdout
        .lines()
        .find(|l| l.starts_with("$ uptake train "))
        .unwrap();
    assert!(train.contains("--pooling before-kept-blocks"), "{train}");
    assert!(train.contains("--head multi-head"), "{train}");
    assert!(train.contains("--position-bins 8"), "{train}");
    let config = std::fs::read_to_string(out.join("scan-model").join("config.json")).unwrap();
    assert!(
        config.contains(r#""pooling": "before_kept_blocks""#),
        "{config}"
    );
    assert!(config.contains(r#""kind": "multi_head""#), "{config}");
    assert!(config.contains(r#""position_bins": 8"#), "{config}");
    // Five held-out exams (a quarter of 20), predicted with every region column.
    let predictions = std::fs::read_to_string(out.join("predictions-test.csv")).unwrap();
    assert_eq!(predictions.lines().count(), 1 + 5);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("uptake demo") && html.contains("Weak labels (rules)"));
    assert!(
        stdout.contains("Scan model on 5 held-out exams"),
        "{stdout}"
    );
    // The rules and the label model over regex, rules and the report model label what the
    // reports say: their macro AUROC lines are printed.
    for method in ["rules ", "combined "] {
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(method))
            .unwrap();
        let auroc: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        assert!(auroc > 0.9, "{line}");
    }
}

#[test]
fn the_demo_labels_with_the_label_model_over_the_rules_and_the_report_model_anchored_by_hand_labels()
 {
    let (out, stdout) = shared_demo();
    let label = stdout
        .lines()
        .find(|l| l.starts_with("$ uptake label ") && l.contains("--method combined"))
        .unwrap();
    assert!(label.contains("--model"), "{label}");
    // The rules and the model, anchored by the starter mentions.
    assert!(
        label.contains("/starter-mentions.jsonl --leave-out regex "),
        "{label}"
    );
    assert!(
        stdout.contains("views: rules x model; identifiable: anchored by hand labels"),
        "{stdout}"
    );
    let table = std::fs::read_to_string(out.join("labels").join("combined.csv")).unwrap();
    assert_eq!(table.lines().count(), 1 + 20, "one row per exam");
    assert_eq!(table.lines().next().unwrap().split(',').count(), 1 + 30);
}

#[test]
fn the_demo_labels_are_those_its_printed_label_commands_give() {
    // The demo scores the mentions with its report model once and shares the scores between
    // the three methods that use it; each table must still be the one its command writes.
    let (out, stdout) = shared_demo();
    for method in ["model", "combined"] {
        let printed = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("$ uptake "))
            .find(|l| l.starts_with("label ") && l.contains(&format!("--method {method} ")))
            .unwrap();
        let mut args: Vec<String> = printed.split_whitespace().map(String::from).collect();
        let at = args.iter().position(|a| a == "--out").unwrap();
        let again = out.join(format!("again-{method}.csv"));
        args[at + 1] = again.display().to_string();
        let status = Command::new(env!("CARGO_BIN_EXE_uptake"))
            .args(&args)
            .arg("-q")
            .status()
            .unwrap();
        assert!(status.success(), "{printed}");
        let demo_table = std::fs::read_to_string(out.join("labels").join(format!("{method}.csv")));
        assert_eq!(
            demo_table.unwrap(),
            std::fs::read_to_string(&again).unwrap(),
            "{method}"
        );
    }
}
