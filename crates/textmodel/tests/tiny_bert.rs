//! Behaviour of the encoder, checkpoints, tokenisation and training on tiny random BERTs
//! (nothing downloaded).

use std::path::Path;
use uptake_core::{CharSpan, LabelledSentence, LabelledSpan};
use uptake_textmodel::train::{TrainOptions, train};
use uptake_textmodel::{
    BertConfig, CharMentions, CpuTrainBackend, Head, ReportModel, TensorMap, init_random_model,
};

const VOCAB: &[&str] = &[
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "[MASK]",
    "no",
    "intense",
    "uptake",
    "in",
    "the",
    "liver",
    "left",
    "lung",
    "node",
    "lymph",
    "fdg",
    "avid",
    "mild",
    "physiologic",
    "brain",
    "bone",
    ",",
    ".",
    "##s",
    "and",
];

fn tiny(dir: &Path, max_positions: usize, head: Head) -> BertConfig {
    let config = BertConfig::tiny(VOCAB.len(), 16, 2, 2, max_positions);
    init_random_model(dir, &config, VOCAB, 7, head).unwrap();
    config
}

#[test]
fn hidden_states_have_one_vector_of_hidden_size_per_token() {
    let dir = tempfile::tempdir().unwrap();
    tiny(dir.path(), 32, Head::Without);
    let model = ReportModel::load(dir.path()).unwrap();
    let (ids, hidden) = model.hidden_states("intense uptake in the liver").unwrap();
    assert_eq!(ids.len(), 7, "[CLS] + 5 words + [SEP]");
    assert_eq!(hidden.len(), 7);
    assert!(hidden.iter().all(|h| h.len() == 16));
}

#[test]
fn padding_does_not_change_the_states_of_real_tokens() {
    let dir = tempfile::tempdir().unwrap();
    tiny(dir.path(), 32, Head::Without);
    let model = ReportModel::load(dir.path()).unwrap();
    let short = vec![2, 6, 7, 3];
    let long = vec![2, 6, 7, 8, 9, 10, 11, 12, 3];
    let alone = model.hidden_states_batch(std::slice::from_ref(&short));
    let padded = model.hidden_states_batch(&[short.clone(), long]);
    for (a, b) in alone[0].iter().zip(&padded[0]) {
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-5, "{x} vs {y}");
        }
    }
}

#[test]
fn a_saved_model_loads_back_with_identical_outputs() {
    let dir = tempfile::tempdir().unwrap();
    tiny(dir.path(), 32, Head::With);
    let model = ReportModel::load_trained(dir.path()).unwrap();
    let sentence = [CharMentions {
        text: "intense uptake in the left lung",
        spans: vec![CharSpan::new(25, 31)],
    }];
    let before = model.score(&sentence).unwrap();
    // Round trip through the checkpoint writer: the copy must score the same.
    let copy = tempfile::tempdir().unwrap();
    let weights = TensorMap::read(&dir.path().join("model.safetensors")).unwrap();
    weights
        .write(&copy.path().join("model.safetensors"))
        .unwrap();
    for f in ["config.json", "vocab.txt"] {
        std::fs::copy(dir.path().join(f), copy.path().join(f)).unwrap();
    }
    let after = ReportModel::load_trained(copy.path())
        .unwrap()
        .score(&sentence)
        .unwrap();
    assert_eq!(before, after);
    assert!(before[0][0] > 0.0 && before[0][0] < 1.0);
}

#[test]
fn a_folder_without_weights_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    tiny(dir.path(), 32, Head::Without);
    std::fs::remove_file(dir.path().join("model.safetensors")).unwrap();
    let err = ReportModel::load(dir.path()).unwrap_err().to_string();
    assert!(err.contains("model.safetensors is missing"), "{err}");
}

#[test]
fn weights_of_the_wrong_shape_are_an_error_naming_the_tensor() {
    let dir = tempfile::tempdir().unwrap();
    tiny(dir.path(), 32, Head::Without);
    let other = tempfile::tempdir().unwrap();
    let config = BertConfig::tiny(VOCAB.len(), 8, 2, 2, 32);
    init_random_model(other.path(), &config, VOCAB, 1, Head::Without).unwrap();
    std::fs::copy(
        other.path().join("model.safetensors"),
        dir.path().join("model.safetensors"),
    )
    .unwrap();
    let err = ReportModel::load(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("embeddings.word_embeddings.weight") && err.contains("[25, 8]"),
        "{err}"
    );
}

#[test]
fn a_base_model_is_not_accepted_as_a_trained_report_model() {
    let dir = tempfile::tempdir().unwrap();
    tiny(dir.path(), 32, Head::Without);
    let err = ReportModel::load_trained(dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("classifier.weight"), "{err}");
}

#[test]
fn long_sentences_are_split_into_windows_and_every_mention_is_scored() {
    let dir = tempfile::tempdir().unwrap();
    tiny(dir.path(), 8, Head::With); // windows of 6 word pieces
    let model = ReportModel::load_trained(dir.path()).unwrap();
    let text =
        "no uptake in the liver and no uptake in the left lung and intense uptake in the brain";
    let spans = [(16, 21), (48, 52), (80, 85)]
        .map(|(a, b)| CharSpan::new(a, b))
        .to_vec();
    let scores = model.score(&[CharMentions { text, spans }]).unwrap();
    assert_eq!(scores[0].len(), 3);
    // The same mention scored alone in a short sentence sees a different context, but
    // must still get a probability.
    assert!(scores[0].iter().all(|p| (0.0..=1.0).contains(p)));
}

#[test]
fn a_mention_that_covers_no_word_piece_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    tiny(dir.path(), 32, Head::With);
    let model = ReportModel::load_trained(dir.path()).unwrap();
    let sentences = [
        CharMentions {
            text: "liver lung",
            spans: vec![CharSpan::new(0, 5)],
        },
        CharMentions {
            text: "liver  lung",
            spans: vec![CharSpan::new(5, 7)],
        },
    ];
    let err = model.score(&sentences).unwrap_err().to_string();
    assert!(
        err.contains("sentence 1: mention 5..7 covers no word piece"),
        "{err}"
    );
}

fn sentences(n: usize) -> Vec<LabelledSentence> {
    let mut sentences = Vec::new();
    for i in 0..n {
        let (text, label) = if i % 2 == 0 {
            ("intense fdg uptake in the liver", 1)
        } else {
            ("no uptake in the liver", 0)
        };
        let start = text.find("liver").unwrap();
        sentences.push(LabelledSentence {
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
        });
    }
    sentences
}

fn quick_options() -> TrainOptions {
    TrainOptions {
        epochs: 6,
        mentions_per_epoch: 32,
        batch_size: 8,
        learning_rate: 3e-3,
        patience: 100,
        val_split: 0.25,
        ..Default::default()
    }
}

#[test]
fn fine_tuning_learns_to_separate_negated_from_abnormal_mentions() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    tiny(&base, 32, Head::Without);
    let out = dir.path().join("model");
    let info = train::<CpuTrainBackend>(
        &sentences(16),
        &base,
        &out,
        &quick_options(),
        &Default::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(info.val_auroc, Some(1.0));
    let model = ReportModel::load_trained(&out).unwrap();
    let s = model
        .score(&[
            CharMentions {
                text: "intense fdg uptake in the liver",
                spans: vec![CharSpan::new(26, 31)],
            },
            CharMentions {
                text: "no uptake in the liver",
                spans: vec![CharSpan::new(17, 22)],
            },
        ])
        .unwrap();
    assert!(
        s[0][0] > s[1][0],
        "abnormal {} vs negated {}",
        s[0][0],
        s[1][0]
    );
    let metrics = std::fs::read_to_string(out.join("metrics.jsonl")).unwrap();
    assert_eq!(metrics.lines().count(), 6);
}

#[test]
fn sentences_without_mentions_are_no_training_set() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    tiny(&base, 32, Head::Without);
    let mut unlabelled = sentences(2);
    unlabelled.iter_mut().for_each(|s| s.mentions.clear());
    let err = train::<CpuTrainBackend>(
        &unlabelled,
        &base,
        &dir.path().join("out"),
        &quick_options(),
        &Default::default(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("no labelled mentions to train on"),
        "{err}"
    );
}
