//! Calibration of the report model: `train` fits a temperature on the validation mentions and
//! saves it beside the weights; the loaded model applies it to every probability.

use uptake_core::{CharSpan, LabelledSentence, LabelledSpan};
use uptake_textmodel::train::TrainOptions;
use uptake_textmodel::{
    BertConfig, CharMentions, CpuTrainBackend, Head, ReportModel, init_random_model,
};

const VOCAB: &[&str] = &[
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "no", "intense", "fdg", "uptake", "in", "the",
    "liver",
];

/// Alternately abnormal and normal liver mentions.
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

#[test]
fn training_saves_a_temperature_fitted_on_the_validation_mentions_and_scoring_applies_it() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    let config = BertConfig::tiny(VOCAB.len(), 16, 2, 2, 32);
    init_random_model(&base, &config, VOCAB, 7, Head::Without).unwrap();
    let out = dir.path().join("model");
    let options = TrainOptions {
        epochs: 2,
        mentions_per_epoch: 16,
        batch_size: 8,
        val_split: 0.25,
        ..Default::default()
    };
    let info = uptake_textmodel::train::train::<CpuTrainBackend>(
        &sentences(16),
        &base,
        &out,
        &options,
        &Default::default(),
        &mut |_| {},
    )
    .unwrap();
    let calibration = info
        .calibration
        .expect("both classes among the validation mentions");
    assert_eq!(calibration.validation_mentions, info.val_sentences);
    assert!(calibration.temperature > 0.0 && calibration.temperature.is_finite());
    assert!(calibration.ece_after.unwrap() <= calibration.ece_before.unwrap() + 1e-9);
    let text = "intense fdg uptake in the liver";
    let sentence = [CharMentions {
        text,
        spans: vec![CharSpan::new(26, 31)],
    }];
    let calibrated = ReportModel::load_trained(&out).unwrap();
    assert_eq!(calibrated.calibration(), &calibration);
    let p = calibrated.score(&sentence).unwrap()[0][0];
    std::fs::remove_file(out.join("calibration.json")).unwrap();
    let raw = ReportModel::load_trained(&out)
        .unwrap()
        .score(&sentence)
        .unwrap()[0][0];
    assert!((p - calibration.apply(raw)).abs() < 1e-9, "{p} vs {raw}");
}
