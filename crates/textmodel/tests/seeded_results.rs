//! A seed gives the losses it gave before the training engine existed (recorded with the
//! hand-written loops of the previous version on this tiny random BERT): the engine keeps the
//! random streams, batch order, dropout seeds and split salt of the report model's training.
//!
//! Dropout draws from burn's global generator, which every training in this process shares, so
//! the tests run one at a time (`serial`).

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use uptake_core::{LabelledSentence, LabelledSpan};
use uptake_textmodel::pretrain::{PretrainOptions, pretrain};
use uptake_textmodel::train::{TrainOptions, train};
use uptake_textmodel::{BertConfig, CpuTrainBackend, Head, TrainEvent, init_random_model};

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

/// Three kinds of sentence in turn; the third holds an abnormal and a normal mention.
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

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn tiny_base(dir: &Path) -> std::path::PathBuf {
    let base = dir.join("base");
    let config = BertConfig::tiny(VOCAB.len(), 16, 2, 2, 32);
    init_random_model(&base, &config, VOCAB, 7, Head::Without).unwrap();
    base
}

fn assert_close(found: &[f64], recorded: &[f64]) {
    assert_eq!(found.len(), recorded.len(), "{found:?}");
    for (f, r) in found.iter().zip(recorded) {
        assert!((f - r).abs() < 1e-6, "{found:?} vs recorded {recorded:?}");
    }
}

#[test]
fn fine_tuning_with_rewritten_sentences_gives_the_recorded_losses() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let base = tiny_base(dir.path());
    let options = TrainOptions {
        epochs: 3,
        mentions_per_epoch: 24,
        batch_size: 5,
        learning_rate: 2e-3,
        patience: 100,
        val_split: 0.25,
        seed: 5,
        halve_every: 1,
        frozen_layers: 1,
        swap_mentions: 0.5,
        join_sentences: 0.5,
    };
    let mut losses = Vec::new();
    let out = dir.path().join("run");
    train::<CpuTrainBackend>(
        &sentences(18),
        &base,
        &out,
        &options,
        &Default::default(),
        &mut |e| {
            if let TrainEvent::Epoch(record) = e {
                losses.push(record.train_loss);
            }
        },
    )
    .unwrap();
    assert_close(
        &losses,
        &[0.6852194517850876, 0.6666811058918635, 0.6725833167632421],
    );
}

#[test]
fn pretraining_gives_the_recorded_losses() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let base = tiny_base(dir.path());
    let texts: Vec<String> = sentences(12).into_iter().map(|s| s.text).collect();
    let options = PretrainOptions {
        epochs: 2,
        batch_size: 4,
        learning_rate: 1e-2,
        mask_fraction: 0.3,
        seed: 3,
        ..Default::default()
    };
    let mut losses = Vec::new();
    let out = dir.path().join("mlm");
    pretrain::<CpuTrainBackend>(
        &texts,
        &base,
        &out,
        &options,
        &Default::default(),
        &mut |e| {
            if let TrainEvent::Epoch(record) = e {
                losses.push(record.train_loss);
            }
        },
    )
    .unwrap();
    assert_close(&losses, &[2.560135841369629, 2.280738115310669]);
}
