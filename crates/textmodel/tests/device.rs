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
