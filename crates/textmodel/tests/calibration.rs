//! Calibration of the report model: `train` fits a temperature on the validation mentions and
//! saves it beside the weights; the loaded model applies it to every probability; `evaluate`
//! reports each labeller's calibration error and writes the reliability diagram.

use uptake_core::calibration::expected_calibration_error;
use uptake_core::{CharSpan, LabelledSentence, LabelledSpan};
use uptake_textmodel::evaluate::CompareSettings;
use uptake_textmodel::steps::{EvaluateFiles, evaluate_files};
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

#[test]
fn evaluate_reports_each_labellers_calibration_and_the_model_before_its_temperature() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    let config = BertConfig::tiny(VOCAB.len(), 16, 2, 2, 32);
    init_random_model(&model, &config, VOCAB, 3, Head::With).unwrap();
    let mentions = dir.path().join("mentions.jsonl");
    uptake_core::mentions::write_mentions(&mentions, &sentences(8)).unwrap();
    let files = EvaluateFiles {
        mentions: mentions.clone(),
        models: vec![model.clone()],
        compare: CompareSettings {
            resamples: 20,
            ..Default::default()
        },
        json: None,
        scores: None,
        out: Some(dir.path().join("eval")),
    };
    // Without calibration.json: temperature 1, no "before" table.
    let raw = evaluate_files(&files).unwrap();
    assert_eq!(raw.calibration.temperature, None);
    let raw_model: Vec<f64> = raw.comparison.scores[0].iter().flatten().copied().collect();
    let labels: Vec<bool> = (0..8).map(|i| i % 2 == 0).collect();
    let ece = |p: &[f64]| expected_calibration_error(p, &labels).unwrap();
    std::fs::write(
        model.join("calibration.json"),
        r#"{"temperature": 4.0, "validation_mentions": 8}"#,
    )
    .unwrap();
    let scaled = evaluate_files(&files).unwrap();
    let figures = &scaled.calibration;
    assert_eq!(figures.temperature, Some(4.0));
    let names: Vec<&str> = figures.labellers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["model", "model+rules", "rules", "regex"]);
    // The scaled model's table is that of its scores; "before" undoes the temperature.
    let scaled_model: Vec<f64> = scaled.comparison.scores[0]
        .iter()
        .flatten()
        .copied()
        .collect();
    assert!((figures.labellers[0].ece().unwrap() - ece(&scaled_model)).abs() < 1e-12);
    let before = figures.model_before.as_ref().unwrap().ece().unwrap();
    assert!((before - ece(&raw_model)).abs() < 1e-9, "{before}");
    let rules: Vec<f64> = scaled.comparison.scores[2]
        .iter()
        .flatten()
        .copied()
        .collect();
    assert!((figures.labellers[2].ece().unwrap() - ece(&rules)).abs() < 1e-12);
    let shown = scaled.to_string();
    assert!(shown.contains("before its temperature 4.000"), "{shown}");
    // The diagram as SVG and PNG, and its bins: 10 per labeller and for the model before.
    let out = dir.path().join("eval");
    for file in ["reliability.svg", "reliability.png"] {
        assert!(
            std::fs::metadata(out.join(file)).unwrap().len() > 1000,
            "{file}"
        );
    }
    let csv = std::fs::read_to_string(out.join("reliability.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 5 * 10);
    assert!(csv.contains("\nmodel before temperature,0.0,0.1,"), "{csv}");
}
