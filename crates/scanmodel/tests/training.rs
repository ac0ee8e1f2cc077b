//! Training, resuming, prediction and maps on a tiny phantom cohort.

use std::path::Path;

use uptake_core::ExamId;
use uptake_core::NoProgress;
use uptake_scanmodel::checkpoint::{named_tensors, read_safetensors};
use uptake_scanmodel::config::{EncoderConfig, HeadKind, ModelConfig};
use uptake_scanmodel::data::{VolumeSource, prepare};
use uptake_scanmodel::init::{Init, initialise};
use uptake_scanmodel::model::ScanModel;
use uptake_scanmodel::phantom::{PhantomCohort, cohort};
use uptake_scanmodel::predict::{PredictSettings, load_run, predict_run, saliency};
use uptake_scanmodel::train::{
    EpochMetrics, RunState, ScanMetrics, Targets, TrainOptions, TrainSettings, split, train,
};
use uptake_scanmodel::{CpuBackend, CpuTrainBackend, ScanModelError};

fn tiny_config(regions: &[String]) -> ModelConfig {
    ModelConfig {
        encoder: EncoderConfig::small(0.125, 1),
        head: HeadKind::Attention,
        regions: regions.to_vec(),
        in_plane: 32,
        slice_step: 1,
        position_bins: 0,
    }
}

fn options(epochs: usize) -> TrainOptions {
    TrainOptions {
        epochs,
        exams_per_epoch: 4,
        learning_rate: 1e-3,
        validation_fraction: 0.34,
        seed: 3,
        ..TrainOptions::default()
    }
}

/// Trains `config` on the phantom cohort from random weights for `epochs` (resuming what `out`
/// holds), on the CPU.
fn train_tiny(
    c: &PhantomCohort,
    config: &ModelConfig,
    targets: &Targets,
    epochs: usize,
    out: &Path,
) -> Result<RunState<ScanMetrics>, ScanModelError> {
    train_with(c, config, targets, &options(epochs), &Init::Random, out)
}

/// As [`train_tiny`], with the options and the starting weights given.
fn train_with(
    c: &PhantomCohort,
    config: &ModelConfig,
    targets: &Targets,
    options: &TrainOptions,
    init: &Init,
    out: &Path,
) -> Result<RunState<ScanMetrics>, ScanModelError> {
    let settings = TrainSettings {
        config: config.clone(),
        options: options.clone(),
        init: init.clone(),
        validation_exams: None,
    };
    let outcome = train::<CpuTrainBackend>(
        &c.store,
        targets,
        &settings,
        out,
        &Default::default(),
        &mut |_| {},
    )?;
    Ok(outcome.state)
}

/// A phantom cohort of 4 exams and a tiny network trained on it for one epoch in `dir`.
fn one_epoch_run(
    shape: [usize; 3],
    seed: u64,
    dir: &Path,
) -> (PhantomCohort, ModelConfig, Targets) {
    let c = cohort(4, shape, 0.5, 0.0, seed);
    let config = tiny_config(c.weak.regions());
    let targets = Targets::from_table(&c.weak, &config.regions).unwrap();
    train_tiny(&c, &config, &targets, 1, dir).unwrap();
    (c, config, targets)
}

#[test]
fn an_interrupted_run_resumes_to_the_same_weights_as_an_uninterrupted_one() {
    let c = cohort(6, [16, 24, 24], 0.5, 0.0, 1);
    let config = tiny_config(c.weak.regions());
    let targets = Targets::from_table(&c.weak, &config.regions).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    train_tiny(&c, &config, &targets, 2, &a).unwrap();
    // b stops after one epoch (as if killed), then is resumed to two.
    train_tiny(&c, &config, &targets, 1, &b).unwrap();
    assert!(b.join("epoch-0001").join("optimizer.bin").is_file());
    let state = train_tiny(&c, &config, &targets, 2, &b).unwrap();
    assert_eq!(state.finished_epochs, 2);
    let last = |run: &Path| read_safetensors(&run.join("epoch-0002").join("model.safetensors"));
    let (wa, wb) = (last(&a).unwrap(), last(&b).unwrap());
    assert_eq!(
        wa, wb,
        "bit-identical weights, batch-norm statistics included"
    );
    assert!(
        !b.join("epoch-0001").exists(),
        "only the last checkpoint is kept"
    );
    // One metrics line per epoch, with an AUROC entry per task.
    let lines: Vec<EpochMetrics> = std::fs::read_to_string(b.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.iter().map(|m| m.epoch).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(
        lines[1].metrics.validation_auroc.len(),
        config.regions.len()
    );
    assert!(b.join("best.safetensors").exists() && b.join("config.json").exists());
}

#[test]
fn a_seed_gives_the_losses_recorded_before_the_training_engine() {
    // Recorded with the hand-written loop of the previous version: the engine keeps the split
    // salt, the epoch streams (numbered from 0), the augmentation draws and Adam's epsilon.
    let c = cohort(6, [16, 24, 24], 0.5, 0.0, 1);
    let config = tiny_config(c.weak.regions());
    let targets = Targets::from_table(&c.weak, &config.regions).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = train_tiny(&c, &config, &targets, 2, dir.path()).unwrap();
    let found: Vec<(f64, f64)> = state
        .history
        .iter()
        .map(|m| (m.train_loss, m.metrics.validation_loss))
        .collect();
    let recorded = [
        (1.3617729544639587, 0.95096617937088),
        (1.0911292135715485, 0.8859135508537292),
    ];
    for ((t, v), (rt, rv)) in found.iter().zip(recorded) {
        assert!((t - rt).abs() < 1e-6 && (v - rv).abs() < 1e-6, "{found:?}");
    }
    assert_eq!(found.len(), 2);
}

#[test]
fn labels_for_exams_missing_from_the_store_are_an_error_naming_them() {
    let c = cohort(3, [8, 16, 16], 0.5, 0.0, 2);
    let mut labels = c.weak.clone();
    labels.insert(
        ExamId::new("ghost").unwrap(),
        vec![Some(1.0); labels.regions().len()],
    );
    let config = tiny_config(labels.regions());
    let targets = Targets::from_table(&labels, &config.regions).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let err = train_tiny(&c, &config, &targets, 1, dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("ghost") && err.contains("not in the store"),
        "{err}"
    );
}

#[test]
fn a_run_of_another_configuration_is_not_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let (c, config, targets) = one_epoch_run([8, 16, 16], 4, dir.path());
    let other = ModelConfig {
        head: HeadKind::Sum,
        ..config
    };
    let err = train_tiny(&c, &other, &targets, 2, dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("other settings (differs in: config.head.kind)"),
        "{err}"
    );
}

#[test]
fn a_warm_start_from_a_run_takes_its_heads_only_when_the_tasks_are_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let (_, config, _) = one_epoch_run([8, 16, 16], 5, dir.path());
    let device = Default::default();
    let trained = read_safetensors(&dir.path().join("best.safetensors")).unwrap();
    let init = Init::Run(dir.path().to_path_buf());

    // Same tasks on a finer grid: every tensor comes from the run.
    let finer = ModelConfig {
        in_plane: 48,
        ..config.clone()
    };
    let fresh = ScanModel::<CpuBackend>::seeded(&finer, 9, &device);
    let warm = named_tensors::<CpuBackend, _>(&initialise(fresh, &init, &finer).unwrap());
    assert_eq!(warm.len(), trained.len());
    for (name, (_, values)) in &warm {
        assert_eq!(values, &trained[name].1, "{name}");
    }

    // Fewer tasks: the encoder comes from the run, the heads stay as they were built.
    let fewer = ModelConfig {
        regions: config.regions[..1].to_vec(),
        ..config.clone()
    };
    let fresh = ScanModel::<CpuBackend>::seeded(&fewer, 9, &device);
    let built = named_tensors::<CpuBackend, _>(&fresh);
    let warm = named_tensors::<CpuBackend, _>(&initialise(fresh, &init, &fewer).unwrap());
    for (name, (_, values)) in &warm {
        let expected = if name.starts_with("encoder.") {
            &trained[name].1
        } else {
            &built[name].1
        };
        assert_eq!(values, expected, "{name}");
    }
    assert!(warm.keys().any(|k| k.starts_with("heads.")));
}

fn validation_exams(run: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(run.join("train.json")).unwrap();
    let train: serde_json::Value = serde_json::from_str(&text).unwrap();
    serde_json::from_value(train["validation_exams"].clone()).unwrap()
}

#[test]
fn a_run_started_from_another_validates_on_the_exams_that_run_validated_on() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    let (c, config, targets) = one_epoch_run([8, 16, 16], 5, &first);
    let inherited = validation_exams(&first);
    // A seed whose own split would validate on other exams, so the test can fail.
    let labelled: Vec<ExamId> = targets.by_exam.keys().cloned().collect();
    let seed = (0..100)
        .find(|&s| {
            let own: Vec<String> = split(&labelled, 0.34, s)
                .1
                .iter()
                .map(|e| e.to_string())
                .collect();
            own != inherited
        })
        .unwrap();
    for (name, init) in [
        ("warm", Init::Run(first.clone())),
        ("finetuned", Init::EncoderFrom(first.clone())),
    ] {
        let out = dir.path().join(name);
        let options = TrainOptions { seed, ..options(1) };
        train_with(&c, &config, &targets, &options, &init, &out).unwrap();
        assert_eq!(validation_exams(&out), inherited, "{name}");
    }
}

#[test]
fn guided_backprop_saliency_differs_from_the_plain_input_gradient() {
    let dir = tempfile::tempdir().unwrap();
    let (c, _, _) = one_epoch_run([16, 32, 32], 5, dir.path());
    let device = Default::default();
    let (config, model) = load_run::<CpuTrainBackend>(dir.path(), &device).unwrap();
    let volume = c.store.load(&c.store.exam_ids()[0]).unwrap();
    let prepared = prepare(&volume, &config, None).unwrap();
    let plain = saliency::<CpuBackend>(&model, &prepared, 1, false, &device);
    let guided = saliency::<CpuBackend>(&model, &prepared, 1, true, &device);
    assert_eq!(plain.len(), guided.len());
    assert!(plain.iter().any(|v| *v > 0.0) && guided.iter().any(|v| *v > 0.0));
    let differing = plain
        .iter()
        .zip(&guided)
        .filter(|(a, b)| (*a - *b).abs() > 1e-6 * a.abs().max(1e-12))
        .count();
    assert!(
        differing > plain.len() / 10,
        "only {differing} of {} voxels differ",
        plain.len()
    );
}

#[test]
fn test_views_average_the_whole_field_with_crops_into_a_different_probability() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let (c, config, _) = one_epoch_run([16, 32, 32], 7, &run);
    let exams = c.store.exam_ids();
    let device = Default::default();
    let settings = |test_views| PredictSettings {
        test_views,
        maps_dir: None,
    };
    let predict = |s| predict_run::<CpuBackend>(&run, &c.store, &exams, &s, &NoProgress, &device);
    let (whole, views) = (predict(settings(0)).unwrap(), predict(settings(4)).unwrap());
    let mut differ = 0;
    for exam in &exams {
        for region in &config.regions {
            let (a, b) = (
                whole.get(exam, region).unwrap(),
                views.get(exam, region).unwrap(),
            );
            assert!((0.0..=1.0).contains(&b));
            if (a - b).abs() > 1e-6 {
                differ += 1;
            }
        }
    }
    assert!(differ > 0, "the crops changed no probability");
}

#[test]
fn predict_writes_probabilities_and_maps_on_the_exam_grid() {
    let c = cohort(4, [16, 32, 32], 0.5, 0.0, 6);
    let config = tiny_config(&c.weak.regions()[..2]);
    let targets = Targets::from_table(&c.weak, &config.regions).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let device = Default::default();
    let run = dir.path().join("run");
    train_tiny(&c, &config, &targets, 1, &run).unwrap();
    let exam = c.store.exam_ids()[1].clone();
    let maps = dir.path().join("maps");
    let table = predict_run::<CpuBackend>(
        &run,
        &c.store,
        std::slice::from_ref(&exam),
        &PredictSettings {
            test_views: 0,
            maps_dir: Some(maps.clone()),
        },
        &NoProgress,
        &device,
    )
    .unwrap();
    assert_eq!(table.regions(), &config.regions[..]);
    let p = table.get(&exam, &config.regions[0]).unwrap();
    assert!((0.0..=1.0).contains(&p));
    let volume = c.store.load(&exam).unwrap();
    let [d, h, w] = volume.shape;
    for kind in ["attention", "saliency", "guided"] {
        let path = maps
            .join(exam.as_str())
            .join(format!("{}_{kind}.nii", config.regions[0]));
        let obj = nifti::ReaderOptions::new().read_file(&path).unwrap();
        let dim = nifti::NiftiObject::header(&obj).dim;
        assert_eq!(&dim[1..4], &[w as u16, h as u16, d as u16], "{kind}");
    }
    let png = std::fs::read(
        maps.join(exam.as_str())
            .join(format!("{}.png", config.regions[0])),
    )
    .unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert!(
        predict_run::<CpuBackend>(
            &run,
            &c.store,
            &[ExamId::new("nope").unwrap()],
            &PredictSettings::default(),
            &NoProgress,
            &device
        )
        .unwrap_err()
        .to_string()
        .contains("nope")
    );
}
