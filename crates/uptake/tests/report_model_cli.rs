//! `uptake report-model train`, `evaluate` and `cv` as real processes on a tiny random BERT and
//! eighteen hand-labelled sentences. The figures are those the commands gave before the
//! training engine and the library API existed (the same seed gives the same results).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use uptake_core::{LabelledSentence, LabelledSpan};
use uptake_textmodel::{BertConfig, Head, init_random_model};

const VOCAB: &[&str] = &[
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "no", "intense", "fdg", "uptake", "in", "the",
    "liver", "left", "lung",
];

fn span(text: &str, word: &str, region: &str, label: u8) -> LabelledSpan {
    let start = text.rfind(word).unwrap();
    LabelledSpan {
        start,
        end: start + word.len(),
        region: region.into(),
        label,
    }
}

/// Three kinds of sentence in turn; the third has an abnormal and a normal mention.
fn sentences(n: usize) -> Vec<LabelledSentence> {
    (0..n)
        .map(|i| {
            let (text, mentions) = match i % 3 {
                0 => {
                    let t = "intense fdg uptake in the liver";
                    (t, vec![span(t, "liver", "x", 1)])
                }
                1 => {
                    let t = "no uptake in the liver";
                    (t, vec![span(t, "liver", "x", 0)])
                }
                _ => {
                    let t = "intense uptake in the left lung, no uptake in the liver";
                    (
                        t,
                        vec![span(t, "left lung", "x", 1), span(t, "liver", "liver", 0)],
                    )
                }
            };
            LabelledSentence {
                id: Some(format!("s{i}")),
                exam_id: None,
                section: None,
                text: text.into(),
                mentions,
            }
        })
        .collect()
}

/// A base model and a mention file in `dir`.
fn inputs(dir: &Path) -> (PathBuf, PathBuf) {
    let base = dir.join("base");
    let config = BertConfig::tiny(VOCAB.len(), 16, 2, 2, 32);
    init_random_model(&base, &config, VOCAB, 7, Head::Without).unwrap();
    let mentions = dir.join("mentions.jsonl");
    uptake_core::mentions::write_mentions(&mentions, &sentences(18)).unwrap();
    (base, mentions)
}

const TRAINING: [&str; 10] = [
    "--epochs",
    "2",
    "--mentions-per-epoch",
    "16",
    "--batch-size",
    "8",
    "--lr",
    "3e-3",
    "--val-split",
    "0.25",
];

fn uptake(args: &[&str], paths: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_uptake"));
    cmd.args(args);
    for (flag, path) in paths {
        cmd.arg(flag).arg(path);
    }
    let output = cmd.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn train(base: &Path, mentions: &Path, out: &Path) -> Output {
    let output = train_with(base, mentions, out, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    output
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn assert_close(found: &serde_json::Value, expected: f64) {
    let found = found.as_f64().unwrap_or(f64::NAN);
    assert!((found - expected).abs() < 1e-6, "{found} vs {expected}");
}

#[test]
fn train_writes_a_run_folder_with_the_losses_of_the_seed_and_says_the_best_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let (base, mentions) = inputs(dir.path());
    let out = dir.path().join("model");
    let output = train(&base, &mentions, &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("best epoch 1 (validation AUROC 1.000)"),
        "{stderr}"
    );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(out.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_close(&lines[0]["train_loss"], 0.6348028481006622);
    assert_close(&lines[1]["train_loss"], 0.5627049803733826);
    let info = json(&out.join("report_model.json"));
    assert_eq!(
        (info["epoch"].as_u64(), info["val_sentences"].as_u64()),
        (Some(1), Some(5))
    );
    assert!(out.join("epoch-0002").join("optimizer.bin").is_file());
}

/// `report-model train` of the tiny run into `out` with `extra` options (not checked).
fn train_with(base: &Path, mentions: &Path, out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(["report-model", "train"])
        .args(TRAINING)
        .args(extra)
        .arg("--base")
        .arg(base)
        .arg("--mentions")
        .arg(mentions)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn train_on_the_cpu_device_gives_the_run_of_the_default_device() {
    let dir = tempfile::tempdir().unwrap();
    let (base, mentions) = inputs(dir.path());
    let (default, on_cpu) = (dir.path().join("default"), dir.path().join("cpu"));
    train(&base, &mentions, &default);
    let run = train_with(&base, &mentions, &on_cpu, &["--device", "cpu"]);
    assert!(run.status.success());
    let losses = |dir: &Path| -> Vec<(f64, Option<f64>)> {
        let text = std::fs::read_to_string(dir.join("metrics.jsonl")).unwrap();
        let epoch = |l: &str| serde_json::from_str::<serde_json::Value>(l).unwrap();
        let figures = |e: serde_json::Value| {
            (
                e["train_loss"].as_f64().unwrap(),
                e["validation_score"].as_f64(),
            )
        };
        text.lines().map(epoch).map(figures).collect()
    };
    assert_eq!(losses(&on_cpu), losses(&default));
    assert_eq!(losses(&default).len(), 2);
    let weights = |dir: &Path| std::fs::read(dir.join("model.safetensors")).unwrap();
    assert!(weights(&on_cpu) == weights(&default), "the same weights");
}

#[cfg(not(feature = "gpu"))]
#[test]
fn train_on_a_gpu_is_refused_by_a_cpu_build_saying_how_to_build_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (base, mentions) = inputs(dir.path());
    let out = dir.path().join("model");
    let run = train_with(&base, &mentions, &out, &["--device", "cuda"]);
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains(
            "cuda:0: this uptake was built without GPU support; build it with \
             `cargo build --release -p uptake --features gpu`"
        ),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn evaluate_prints_and_writes_the_model_beside_the_rules_and_their_calibration() {
    let dir = tempfile::tempdir().unwrap();
    let (base, mentions) = inputs(dir.path());
    let model = dir.path().join("model");
    train(&base, &mentions, &model);
    let (report, scores) = (dir.path().join("eval.json"), dir.path().join("scores.csv"));
    let output = uptake(
        &["report-model", "evaluate"],
        &[
            ("--mentions", &mentions),
            ("--model", &model),
            ("--json", &report),
            ("--scores", &scores),
            ("--out", &dir.path().join("eval")),
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("model            24  1.000  0.800  1.000  0.500"),
        "{stdout}"
    );
    // The saved temperature (at its bound on 5 validation sentences) overshoots here.
    assert!(stdout.contains("\nmodel         0.249\n"), "{stdout}");
    assert!(stdout.contains("\nrules         0.030\n"), "{stdout}");
    assert!(
        stdout.contains("model: 0.189 before its temperature 100.000, 0.249 after"),
        "{stdout}"
    );
    for file in ["reliability.svg", "reliability.png", "reliability.csv"] {
        assert!(dir.path().join("eval").join(file).is_file(), "{file}");
    }
    let evals = json(&report);
    let names: Vec<&str> = evals
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["method"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["model", "model+rules", "rules", "regex"]);
    assert_close(&evals[0]["overall"]["precision"], 2.0 / 3.0);
    assert_close(&evals[0]["minus_rules"]["f1"]["estimate"], -0.2);
    // Every measure is paired with the rules, calibration too (0.249 - 0.030 printed above).
    let overall = |k: usize, m: &str| evals[k]["overall"][m].as_f64().unwrap();
    let sens = overall(0, "sensitivity") - overall(2, "sensitivity");
    assert_close(&evals[0]["minus_rules"]["sensitivity"]["estimate"], sens);
    let ece = evals[0]["minus_rules"]["calibration_error"]["estimate"].as_f64();
    assert!((ece.unwrap() - 0.219).abs() < 0.0011, "{ece:?}");
    let minus = stdout
        .lines()
        .skip_while(|l| !l.starts_with("minus the rules"));
    let header: Vec<&str> = minus.clone().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(header, ["method", "AUROC", "F1", "sens", "spec", "ECE"]);
    let csv = std::fs::read_to_string(&scores).unwrap();
    assert_eq!(
        csv.lines().count(),
        1 + 24,
        "a header and one row per mention"
    );
    assert!(
        csv.starts_with("line,id,mention,region,start,end,label,model,model+rules,rules,regex")
    );
}

#[test]
fn cv_trains_each_fold_from_memory_and_pools_the_out_of_fold_scores() {
    let dir = tempfile::tempdir().unwrap();
    let (base, mentions) = inputs(dir.path());
    let out = dir.path().join("cv");
    let mut args = vec!["report-model", "cv", "--folds", "2"];
    args.extend(TRAINING);
    let output = uptake(
        &args,
        &[
            ("--base", &base),
            ("--mentions", &mentions),
            ("--out", &out),
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("2-fold cross-validation"), "{stdout}");
    let cv = json(&out.join("cv.json"));
    let folds = cv["per_fold_model"].as_array().unwrap();
    let mentions_per_fold: Vec<u64> = folds
        .iter()
        .map(|f| f["mentions"].as_u64().unwrap())
        .collect();
    assert_eq!(mentions_per_fold, [11, 13]);
    assert_close(&folds[0]["f1"], 0.875);
    assert_close(&cv["pooled"][0]["overall"]["f1"], 12.0 / 13.0);
    assert!(
        out.join("fold-1")
            .join("model")
            .join("model.safetensors")
            .is_file()
    );
    assert!(
        !out.join("fold-0").join("train.jsonl").exists(),
        "folds train from memory"
    );
}
