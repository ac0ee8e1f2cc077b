//! Masked-language-model pre-training on a tiny random BERT.

use uptake_textmodel::pretrain::{PretrainOptions, pretrain};
use uptake_textmodel::{
    BertConfig, CpuTrainBackend, Head, ReportModel, TensorMap, TrainEvent, init_random_model,
};

const VOCAB: &[&str] = &[
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "intense", "uptake", "in", "the", "liver",
    "left", "lung", "no",
];

#[test]
fn pretraining_lowers_the_masked_token_loss_and_writes_a_loadable_base() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    init_random_model(
        &base,
        &BertConfig::tiny(VOCAB.len(), 16, 1, 2, 32),
        VOCAB,
        5,
        Head::Without,
    )
    .unwrap();
    let texts: Vec<String> = (0..64)
        .map(|_| "intense uptake in the left lung".to_string())
        .collect();
    let out = dir.path().join("mlm");
    let options = PretrainOptions {
        epochs: 8,
        batch_size: 16,
        learning_rate: 1e-2,
        mask_fraction: 0.3,
        ..Default::default()
    };
    let mut epochs = Vec::new();
    let device = Default::default();
    pretrain::<CpuTrainBackend>(&texts, &base, &out, &options, &device, &mut |e| {
        if let TrainEvent::Epoch(record) = e {
            epochs.push(record.train_loss)
        }
    })
    .unwrap();
    assert_eq!(epochs.len(), 8);
    assert!(epochs[7] < epochs[0] * 0.7, "loss by epoch: {epochs:?}");
    let model = ReportModel::load(&out).unwrap();
    assert!(!model.has_head());
    let weights = TensorMap::read(&out.join("model.safetensors")).unwrap();
    assert_eq!(weights.tensors["cls.predictions.bias"].0, vec![VOCAB.len()]);
}
