//! Where and how the scan model computes: exams prepared on background threads, replicas of a
//! data-parallel run on the CPU, and devices this build does not have.

use std::path::Path;

use uptake_scanmodel::ScanModelError;
use uptake_scanmodel::checkpoint::read_safetensors;
use uptake_scanmodel::config::{EncoderConfig, HeadKind, ModelConfig};
use uptake_scanmodel::init::Init;
use uptake_scanmodel::phantom::{PhantomCohort, cohort};
use uptake_scanmodel::train::{
    Compute, Targets, TrainEvent, TrainOptions, TrainOutcome, TrainSettings, train_on,
};
use uptake_training::Device;

fn settings(c: &PhantomCohort) -> TrainSettings {
    TrainSettings {
        config: ModelConfig {
            encoder: EncoderConfig::small(0.125, 1),
            head: HeadKind::Attention,
            regions: c.weak.regions().to_vec(),
            in_plane: 32,
            slice_step: 1,
            position_bins: 0,
        },
        options: TrainOptions {
            epochs: 1,
            exams_per_epoch: 4,
            batch_size: 1,
            learning_rate: 1e-3,
            validation_fraction: 0.34,
            seed: 3,
            ..TrainOptions::default()
        },
        init: Init::Random,
        validation_exams: None,
    }
}

/// One epoch on `compute`; the batches the engine reported.
fn run(
    c: &PhantomCohort,
    compute: &Compute,
    dir: &Path,
) -> Result<(TrainOutcome, usize), ScanModelError> {
    let settings = settings(c);
    let targets = Targets::from_table(&c.weak, &settings.config.regions)?;
    let mut batches = 0;
    let outcome = train_on(&c.store, &targets, &settings, compute, dir, &mut |event| {
        if let TrainEvent::Batch { .. } = event {
            batches += 1;
        }
    })?;
    Ok((outcome, batches))
}

#[test]
fn exams_prepared_on_background_threads_train_the_weights_of_exams_prepared_in_turn() {
    let c = cohort(6, [16, 24, 24], 0.5, 0.0, 1);
    let dir = tempfile::tempdir().unwrap();
    let (inline, ahead) = (dir.path().join("inline"), dir.path().join("ahead"));
    run(&c, &Compute::new(vec![Device::Cpu], None, 0), &inline).unwrap();
    run(&c, &Compute::new(vec![Device::Cpu], None, 3), &ahead).unwrap();
    let weights = |run: &Path| read_safetensors(&run.join("epoch-0001").join("model.safetensors"));
    assert_eq!(weights(&inline).unwrap(), weights(&ahead).unwrap());
}

#[test]
fn two_cpu_replicas_train_steps_of_twice_the_batch_and_record_it() {
    let c = cohort(6, [16, 24, 24], 0.5, 0.0, 1);
    let dir = tempfile::tempdir().unwrap();
    let compute = Compute::new(vec![Device::Cpu, Device::Cpu], None, 1);
    let (outcome, batches) = run(&c, &compute, dir.path()).unwrap();
    assert_eq!(outcome.state.finished_epochs, 1);
    // 4 exams per epoch in steps of 2 x 1.
    assert_eq!(batches, 2);
    assert!(outcome.state.history[0].train_loss.is_finite());
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("state.json")).unwrap())
            .unwrap();
    assert_eq!(state["settings"]["model"]["replicas"], 2, "{state}");
    // The same folder on one device is another run's: refused, not mixed.
    let alone = run(&c, &Compute::default(), dir.path())
        .unwrap_err()
        .to_string();
    assert!(alone.contains("settings"), "{alone}");
}

#[cfg(not(feature = "gpu"))]
#[test]
fn a_gpu_asked_of_a_cpu_build_is_refused_before_training_saying_how_to_build() {
    let c = cohort(4, [16, 24, 24], 0.5, 0.0, 1);
    let dir = tempfile::tempdir().unwrap();
    let err = run(
        &c,
        &Compute::new(vec![Device::Cuda(0)], None, 0),
        dir.path(),
    )
    .unwrap_err();
    assert!(matches!(err, ScanModelError::Device(_)), "{err:?}");
    assert!(err.to_string().contains("--features gpu"), "{err}");
    assert!(!dir.path().join("state.json").exists());
}
