//! Exact resumption of fine-tuning and pre-training on tiny random BERTs: an interrupted run
//! continued in a new process ends with the weights of an uninterrupted one; a checkpoint that
//! cannot be resumed from is a clear error.
//!
//! Dropout draws from burn's global RNG, which every training in this process shares, so the
//! tests of this file run one at a time (`serial`) and in their own test binary.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use uptake_core::{LabelledSentence, LabelledSpan};
use uptake_textmodel::pretrain::{PretrainOptions, pretrain};
use uptake_textmodel::train::{ModelInfo, TrainOptions};
use uptake_textmodel::{
    BertConfig, CpuTrainBackend, Head, ModelError, NoMetrics, TensorMap, TrainEvent,
    init_random_model,
};

const VOCAB: &[&str] = &[
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "no", "intense", "fdg", "uptake", "in", "the",
    "liver", "left", "lung",
];

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

type Weights = std::collections::BTreeMap<String, (Vec<usize>, Vec<f32>)>;

fn weights(path: &Path) -> Weights {
    TensorMap::read(path).unwrap().tensors
}

fn assert_same_weights(a: &Weights, b: &Weights) {
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, (shape, x)) in a {
        assert_eq!(shape, &b[name].0, "{name}");
        for (u, v) in x.iter().zip(&b[name].1) {
            assert!((u - v).abs() <= 1e-6, "{name}: {u} vs {v}");
        }
    }
}

fn tiny_base(dir: &Path, name: &str, hidden: usize) -> PathBuf {
    let base = dir.join(name);
    let config = BertConfig::tiny(VOCAB.len(), hidden, 2, 2, 32);
    init_random_model(&base, &config, VOCAB, 7, Head::Without).unwrap();
    base
}

fn sentences(n: usize) -> Vec<LabelledSentence> {
    (0..n)
        .map(|i| {
            let (text, label) = if i % 2 == 0 {
                ("intense fdg uptake in the liver", 1)
            } else {
                ("no uptake in the liver", 0)
            };
            let start = text.find("liver").unwrap();
            LabelledSentence {
                id: None,
                exam_id: None,
                section: None,
                text: text.into(),
                mentions: vec![LabelledSpan {
                    start,
                    end: start + 5,
                    region: "liver".into(),
                    label,
                }],
            }
        })
        .collect()
}

fn train(
    sentences: &[LabelledSentence],
    base: &Path,
    out: &Path,
    options: &TrainOptions,
    on_event: &mut dyn FnMut(TrainEvent<NoMetrics>),
) -> Result<ModelInfo, ModelError> {
    uptake_textmodel::train::train::<CpuTrainBackend>(
        sentences,
        base,
        out,
        options,
        &Default::default(),
        on_event,
    )
}

fn train_options(epochs: usize) -> TrainOptions {
    TrainOptions {
        epochs,
        mentions_per_epoch: 32,
        batch_size: 8,
        learning_rate: 3e-3,
        patience: 100,
        val_split: 0.25,
        ..Default::default()
    }
}

#[test]
fn an_interrupted_fine_tuning_resumes_to_exactly_the_weights_of_an_uninterrupted_one() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let base = tiny_base(dir.path(), "base", 16);
    let mentions = sentences(16);
    let straight = dir.path().join("straight");
    train(&mentions, &base, &straight, &train_options(6), &mut |_| {}).unwrap();
    // Stop after epoch 3 (as a crash after its checkpoint would), then run the full command.
    let resumed = dir.path().join("resumed");
    train(&mentions, &base, &resumed, &train_options(3), &mut |_| {}).unwrap();
    assert!(resumed.join("epoch-0003").join("optimizer.bin").is_file());
    let mut first_epoch = 0;
    train(&mentions, &base, &resumed, &train_options(6), &mut |e| {
        if let TrainEvent::Started { first_epoch: f, .. } = e {
            first_epoch = f
        }
    })
    .unwrap();
    assert_eq!(first_epoch, 4);
    assert_same_weights(
        &weights(&straight.join("epoch-0006").join("model.safetensors")),
        &weights(&resumed.join("epoch-0006").join("model.safetensors")),
    );
    // Only the last checkpoint is kept; the metrics cover every epoch once.
    assert!(!resumed.join("epoch-0003").exists());
    let lines = std::fs::read_to_string(resumed.join("metrics.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), 6);
}

#[test]
fn fine_tuning_on_swapped_and_joined_sentences_resumes_exactly_and_differs_from_plain() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let base = tiny_base(dir.path(), "base", 16);
    let mentions = sentences(16);
    let rewritten = |epochs| TrainOptions {
        swap_mentions: 0.5,
        join_sentences: 0.5,
        ..train_options(epochs)
    };
    let straight = dir.path().join("straight");
    train(&mentions, &base, &straight, &rewritten(4), &mut |_| {}).unwrap();
    let resumed = dir.path().join("resumed");
    train(&mentions, &base, &resumed, &rewritten(2), &mut |_| {}).unwrap();
    train(&mentions, &base, &resumed, &rewritten(4), &mut |_| {}).unwrap();
    let last = |run: &Path| weights(&run.join("epoch-0004").join("model.safetensors"));
    assert_same_weights(&last(&straight), &last(&resumed));
    let plain = dir.path().join("plain");
    train(&mentions, &base, &plain, &train_options(4), &mut |_| {}).unwrap();
    assert!(
        last(&straight) != last(&plain),
        "rewriting sentences changed nothing"
    );
}

#[test]
fn fine_tuning_with_other_options_in_the_same_folder_is_refused() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let base = tiny_base(dir.path(), "base", 16);
    let mentions = sentences(8);
    let out = dir.path().join("out");
    train(&mentions, &base, &out, &train_options(1), &mut |_| {}).unwrap();
    let other = TrainOptions {
        learning_rate: 1e-3,
        ..train_options(2)
    };
    let err = train(&mentions, &base, &out, &other, &mut |_| {}).unwrap_err();
    assert!(
        err.to_string()
            .contains("other settings (differs in: learning_rate)"),
        "{err}"
    );
}

/// Fine-tunes one epoch into `dir/name` from a base of `hidden` units; returns the path of
/// the checkpoint's optimizer state.
fn one_epoch(dir: &Path, name: &str, hidden: usize) -> PathBuf {
    let base = tiny_base(dir, &format!("base-{name}"), hidden);
    let mentions = sentences(8);
    let out = dir.join(name);
    train(&mentions, &base, &out, &train_options(1), &mut |_| {}).unwrap();
    out.join("epoch-0001").join("optimizer.bin")
}

/// The error of resuming `dir/name` for a second epoch.
fn resume_error(dir: &Path, name: &str) -> String {
    train(
        &sentences(8),
        &dir.join(format!("base-{name}")),
        &dir.join(name),
        &train_options(2),
        &mut |_| {},
    )
    .unwrap_err()
    .to_string()
}

#[test]
fn a_corrupt_optimizer_state_is_an_error_naming_the_file() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let optimizer = one_epoch(dir.path(), "run", 16);
    std::fs::write(&optimizer, b"not an optimizer state").unwrap();
    let err = resume_error(dir.path(), "run");
    assert!(
        err.contains("epoch-0001/optimizer.bin") && err.contains("corrupt"),
        "{err}"
    );
}

#[test]
fn an_optimizer_state_of_another_model_is_an_error_naming_the_file_and_shapes() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let optimizer = one_epoch(dir.path(), "run", 16);
    let narrow = one_epoch(dir.path(), "narrow", 8);
    std::fs::copy(&narrow, &optimizer).unwrap();
    let err = resume_error(dir.path(), "run");
    assert!(
        err.contains("epoch-0001/optimizer.bin")
            && err.contains("does not match the model")
            && err.contains("shape [14, 8] in the file, [14, 16] in the model"),
        "{err}"
    );
}

#[test]
fn a_missing_optimizer_state_is_an_error_naming_the_file() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let optimizer = one_epoch(dir.path(), "run", 16);
    std::fs::remove_file(&optimizer).unwrap();
    let err = resume_error(dir.path(), "run");
    assert!(
        err.contains("epoch-0001/optimizer.bin") && err.contains("missing"),
        "{err}"
    );
}

fn corpus() -> Vec<String> {
    (0..24)
        .map(|i| {
            if i % 2 == 0 {
                "intense uptake in the left lung".to_string()
            } else {
                "no uptake in the liver".to_string()
            }
        })
        .collect()
}

fn mlm(
    texts: &[String],
    base: &Path,
    out: &Path,
    options: &PretrainOptions,
    on_event: &mut dyn FnMut(TrainEvent<NoMetrics>),
) -> Result<f64, ModelError> {
    pretrain::<CpuTrainBackend>(texts, base, out, options, &Default::default(), on_event)
}

fn pretrain_options(epochs: usize) -> PretrainOptions {
    PretrainOptions {
        epochs,
        batch_size: 8,
        learning_rate: 1e-2,
        mask_fraction: 0.3,
        seed: 3,
        ..Default::default()
    }
}

#[test]
fn an_interrupted_pretraining_resumes_to_exactly_the_weights_of_an_uninterrupted_one() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let base = tiny_base(dir.path(), "base", 16);
    let texts = corpus();
    let straight = dir.path().join("straight");
    mlm(&texts, &base, &straight, &pretrain_options(4), &mut |_| {}).unwrap();
    // Stop after epoch 2 (as a crash after its checkpoint would), then run the full command.
    let resumed = dir.path().join("resumed");
    mlm(&texts, &base, &resumed, &pretrain_options(2), &mut |_| {}).unwrap();
    let (mut first_epoch, mut epochs_run) = (0, 0);
    mlm(
        &texts,
        &base,
        &resumed,
        &pretrain_options(4),
        &mut |e| match e {
            TrainEvent::Started { first_epoch: f, .. } => first_epoch = f,
            TrainEvent::Epoch(_) => epochs_run += 1,
            _ => {}
        },
    )
    .unwrap();
    assert_eq!((first_epoch, epochs_run), (3, 2));
    let a = weights(&straight.join("model.safetensors"));
    assert!(a.contains_key("cls.predictions.transform.dense.weight"));
    assert_same_weights(&a, &weights(&resumed.join("model.safetensors")));
}

#[test]
fn pretraining_writes_one_metrics_line_and_one_checkpoint_per_epoch() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let base = tiny_base(dir.path(), "base", 16);
    let out = dir.path().join("mlm");
    mlm(&corpus(), &base, &out, &pretrain_options(2), &mut |_| {}).unwrap();
    let text = std::fs::read_to_string(out.join("metrics.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["epoch"], i + 1);
        assert!(line["train_loss"].as_f64().unwrap() > 0.0);
        assert!(line["seconds"].as_f64().unwrap() >= 0.0);
    }
    assert!(out.join("epoch-0002").join("optimizer.bin").is_file());
    assert!(!out.join("epoch-0001").exists());
}

#[test]
fn pretraining_another_configuration_into_the_same_folder_is_refused() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let base = tiny_base(dir.path(), "base", 16);
    let out = dir.path().join("mlm");
    mlm(&corpus(), &base, &out, &pretrain_options(1), &mut |_| {}).unwrap();
    let other_lr = PretrainOptions {
        learning_rate: 1e-3,
        ..pretrain_options(2)
    };
    let err = mlm(&corpus(), &base, &out, &other_lr, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("state.json") && err.contains("differs in: learning_rate"),
        "{err}"
    );
    let mut other_corpus = corpus();
    other_corpus.push("no uptake in the left lung".into());
    let err = mlm(
        &other_corpus,
        &base,
        &out,
        &pretrain_options(2),
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("differs in: corpus.fingerprint, corpus.texts, corpus.windows"),
        "{err}"
    );
}
