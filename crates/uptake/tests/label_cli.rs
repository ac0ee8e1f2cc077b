//! `uptake label --method model` as a real process, with one report model and with a seed
//! ensemble of two (`--model` given twice).

use std::path::Path;
use std::process::Command;
use uptake_textmodel::{BertConfig, init_random_model};

const REPORTS: &str = r#"{"exam_id": "EX1", "text": "FINDINGS: Intense uptake in the liver. No uptake in the lungs.\nIMPRESSION: Liver disease."}
{"exam_id": "EX2", "text": "FINDINGS: Avid nodes in the neck.\nIMPRESSION: Nodal disease in the neck."}
"#;

const VOCAB: &[&str] = &[
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "intense", "uptake", "in", "the", "liver", "no",
    "lungs", "disease", "avid", "nodes", "neck", "nodal", ".", ":",
];

fn label(reports: &Path, models: &[&Path], out: &Path) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_uptake"));
    cmd.args([
        "-q",
        "label",
        "--method",
        "model",
        "--regions",
        "tasks",
        "--reports",
    ])
    .arg(reports)
    .arg("--out")
    .arg(out);
    for m in models {
        cmd.arg("--model").arg(m);
    }
    let status = cmd.status().unwrap();
    assert!(status.success());
    std::fs::read_to_string(out).unwrap()
}

#[test]
fn an_ensemble_of_one_model_twice_labels_as_that_model_and_two_models_differ_from_each() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports.jsonl");
    std::fs::write(&reports, REPORTS).unwrap();
    let config = BertConfig::tiny(VOCAB.len(), 16, 1, 2, 64);
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    init_random_model(&a, &config, VOCAB, 11, true).unwrap();
    init_random_model(&b, &config, VOCAB, 12, true).unwrap();

    let only_a = label(&reports, &[&a], &dir.path().join("a.csv"));
    let a_twice = label(&reports, &[&a, &a], &dir.path().join("aa.csv"));
    let only_b = label(&reports, &[&b], &dir.path().join("b.csv"));
    let a_and_b = label(&reports, &[&a, &b], &dir.path().join("ab.csv"));

    assert_eq!(only_a, a_twice);
    assert_ne!(a_and_b, only_a);
    assert_ne!(a_and_b, only_b);
}
