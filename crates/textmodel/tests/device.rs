//! The device the report model trains on is chosen at run time.

use uptake_textmodel::ModelError;
use uptake_textmodel::train::{TrainOptions, train_on};
use uptake_training::Device;

#[cfg(not(feature = "gpu"))]
#[test]
fn training_on_a_gpu_in_a_cpu_build_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let options = TrainOptions::default();
    let err = train_on(
        Device::Cuda(0),
        &[],
        dir.path(),
        &out,
        &options,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(err, ModelError::Device(_)), "{err:?}");
    assert!(err.to_string().contains("--features gpu"), "{err}");
    assert!(!out.exists());
}

#[cfg(not(feature = "gpu"))]
#[test]
fn report_models_asked_on_a_gpu_of_a_cpu_build_are_refused_even_without_a_folder() {
    let err = uptake_textmodel::load_scorers(&[], Device::Cuda(0)).unwrap_err();
    assert!(matches!(err, ModelError::Device(_)), "{err:?}");
    assert!(err.to_string().contains("--features gpu"), "{err}");
}

#[test]
fn report_models_load_on_the_cpu_one_scorer_per_folder() {
    use uptake_textmodel::{BertConfig, Head, init_random_model};
    let dir = tempfile::tempdir().unwrap();
    let vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "liver"];
    let config = BertConfig::tiny(vocab.len(), 8, 1, 2, 16);
    init_random_model(dir.path(), &config, &vocab, 7, Head::With).unwrap();
    let folders = vec![dir.path().to_path_buf(); 2];
    let scorers = uptake_textmodel::load_scorers(&folders, Device::Cpu).unwrap();
    let names: Vec<&str> = scorers.iter().map(|s| s.name()).collect();
    assert_eq!(names, ["model", "model"]);
}
