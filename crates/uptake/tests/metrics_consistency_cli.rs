//! `uptake label --mentions` and `uptake evaluate` compute F1, sensitivity and specificity
//! from one confusion matrix with one rule for empty cases, so the same cells give the same
//! figures in both commands (a region without positives has no F1 in either).

use std::path::Path;
use std::process::Command;

/// (sentence, region, hand label); the regex baseline calls "Intense uptake" abnormal (1) and
/// "No uptake" normal (0).
const MENTIONS: [(&str, &str, u8); 7] = [
    ("Intense uptake in the liver.", "liver", 1),
    ("Intense uptake in the liver.", "liver", 0),
    ("No uptake in the liver.", "liver", 1),
    ("No uptake in the liver.", "liver", 0),
    ("No uptake in the liver.", "liver", 0),
    ("Intense uptake in the lungs.", "lungs", 0),
    ("No uptake in the lungs.", "lungs", 0),
];

fn uptake(args: &[&str], dir: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The same cells as region tables: one exam per mention, the regex call as the prediction.
fn write_inputs(dir: &Path) {
    let mut mentions = String::new();
    let (mut pred, mut truth) = (
        String::from("exam_id,liver,lungs\n"),
        String::from("exam_id,liver,lungs\n"),
    );
    for (i, (text, region, label)) in MENTIONS.iter().enumerate() {
        let start = text.find(region).unwrap();
        let span = format!(
            r#"{{"start": {start}, "end": {}, "region": "{region}", "label": {label}}}"#,
            start + region.len()
        );
        mentions.push_str(&format!(r#"{{"text": "{text}", "mentions": [{span}]}}"#));
        mentions.push('\n');
        let call = u8::from(text.starts_with("Intense"));
        let cells = |v: u8| {
            if *region == "liver" {
                format!("{v},")
            } else {
                format!(",{v}")
            }
        };
        pred.push_str(&format!("S{i},{}\n", cells(call)));
        truth.push_str(&format!("S{i},{}\n", cells(*label)));
    }
    std::fs::write(dir.join("mentions.jsonl"), mentions).unwrap();
    std::fs::write(dir.join("pred.csv"), pred).unwrap();
    std::fs::write(dir.join("truth.csv"), truth).unwrap();
}

/// (F1, sensitivity, specificity) of a region's row, `-` and `n/a` both read as undefined.
fn figures(row: &str, columns: [usize; 3]) -> [Option<String>; 3] {
    let cells: Vec<&str> = row.split_whitespace().collect();
    columns.map(|c| Some(cells[c].to_string()).filter(|v| v != "-" && v != "n/a"))
}

#[test]
fn label_mentions_and_evaluate_give_the_same_f1_sensitivity_and_specificity() {
    let dir = tempfile::tempdir().unwrap();
    write_inputs(dir.path());
    let by_label = uptake(
        &["label", "--mentions", "mentions.jsonl", "--method", "regex"],
        dir.path(),
    );
    let by_evaluate = uptake(
        &["evaluate", "--pred", "pred.csv", "--truth", "truth.csv"],
        dir.path(),
    );
    let row = |text: &str, region: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(region))
            .unwrap_or_else(|| panic!("no row {region} in\n{text}"))
            .to_string()
    };
    // label: region n pos AUROC F1 sens spec; evaluate: region n pos auroc precision recall f1 sens spec
    let liver = figures(&row(&by_label, "liver"), [4, 5, 6]);
    assert_eq!(liver, figures(&row(&by_evaluate, "liver"), [6, 7, 8]));
    assert_eq!(
        liver,
        ["0.500", "0.500", "0.667"].map(|v| Some(v.to_string()))
    );
    // No positive lungs mention, one false alarm: F1 and sensitivity undefined in both.
    let lungs = figures(&row(&by_label, "lungs"), [4, 5, 6]);
    assert_eq!(lungs, figures(&row(&by_evaluate, "lungs"), [6, 7, 8]));
    assert_eq!(lungs, [None, None, Some("0.500".to_string())]);
}
