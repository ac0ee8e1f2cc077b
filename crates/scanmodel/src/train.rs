//! Multi-task training on weak labels (method section 3): BCE against soft labels averaged over
//! the known (exam, task) pairs, Adam, learning rate halved every 16 epochs, batches of 2 exams
//! drawn with replacement, crop + brightness augmentation, validation AUROC after each epoch,
//! best and last checkpoints, resumable.
//!
//! The run is one of the training engine's ([`uptake_training`]); its folder is described in
//! [`crate::run`]. Every file is written atomically and `state.json` last, so a crash loses at
//! most the epoch in progress and a resumed run ends with the weights of an uninterrupted one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{Tensor, TensorData};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use uptake_core::ExamId;
use uptake_training::{
    BackendSeeding, DataPlan, Epoch, EpochRecord, OnEvent, RunError, RunOptions, StreamNumbering,
    Trainee, Validation, settings_without,
};

use crate::checkpoint::{load_module, save_module};
use crate::config::ModelConfig;
use crate::data::{Augment, Prepared, VolumeSource, batch};
use crate::error::{Result, ScanModelError};
use crate::evaluation::evaluate;
use crate::i3d::Pass;
use crate::init::{Init, initialise};
use crate::loader::Loader;
use crate::model::ScanModel;
use crate::run::{CHECKPOINT_WEIGHTS, ExamSplit, RunPaths, read_split};
use crate::tasks::target_tensors;
pub use crate::tasks::{Targets, masked_bce, select_tasks};
pub use uptake_training::{RunState, TrainEvent};

/// Training options (stored in `train.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// Most epochs (a finished run given more is extended).
    pub epochs: usize,
    /// Exams drawn (with replacement) per epoch; 0 = as many as there are training exams.
    pub exams_per_epoch: usize,
    /// Exams per optimizer step.
    pub batch_size: usize,
    /// Adam's learning rate in the first epoch.
    pub learning_rate: f64,
    /// The learning rate halves after every this many epochs.
    pub halve_every_epochs: usize,
    /// Random crops and brightness changes of the training exams.
    pub augment: bool,
    /// Seeds the weights, the split, the sampling and the augmentation.
    pub seed: u64,
    /// Fraction of exams held out for validation (when the validation exams are not given).
    pub validation_fraction: f64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            epochs: 15,
            exams_per_epoch: 0,
            batch_size: 2,
            learning_rate: 1.37e-4,
            halve_every_epochs: 16,
            augment: true,
            seed: 0,
            validation_fraction: 0.2,
        }
    }
}

impl TrainOptions {
    /// The engine's part. Epochs draw from streams numbered from 0, as before the engine; the
    /// network has no dropout and seeds its own initial weights.
    fn run_options(&self) -> RunOptions {
        RunOptions {
            halve_every_epochs: Some(self.halve_every_epochs.max(1)),
            streams: StreamNumbering::FromZero,
            backend_seeding: BackendSeeding::Never,
            ..RunOptions::new(self.epochs, self.seed, self.learning_rate)
        }
    }
}

/// What to train.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSettings {
    /// The network.
    pub config: ModelConfig,
    /// How to train it.
    pub options: TrainOptions,
    /// How it starts (a resumed run continues from its checkpoint instead).
    pub init: Init,
    /// Exams to validate on (the other labelled exams train). `None`: the exams the run that
    /// `init` starts from validated on, as far as they are labelled here; else a share
    /// `options.validation_fraction` of the labelled exams, drawn with the seed.
    pub validation_exams: Option<Vec<ExamId>>,
}

/// What the scan model logs per epoch besides the engine's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanMetrics {
    /// Mean loss over the validation batches.
    pub validation_loss: f64,
    /// Validation AUROC of each task (labels binarised at 0.5).
    pub validation_auroc: std::collections::BTreeMap<String, Option<f64>>,
    /// Their mean over the tasks where defined.
    pub mean_auroc: Option<f64>,
    /// Training speed.
    pub exams_per_second: f64,
}

/// One line of `metrics.jsonl`.
pub type EpochMetrics = EpochRecord<ScanMetrics>;

/// Where the validation exams came from.
#[derive(Debug, Clone, PartialEq)]
pub enum SplitOrigin {
    /// Given in the settings.
    Given,
    /// Those of the run the weights start from.
    Inherited(PathBuf),
    /// Drawn with the seed.
    Drawn,
}

/// A finished (or extended, or stopped) run.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOutcome {
    /// The run's state: epochs done, best epoch and score (the mean validation AUROC, or minus
    /// the validation loss where no AUROC is defined), every epoch's metrics.
    pub state: RunState<ScanMetrics>,
    /// Where the validation exams came from.
    pub split: SplitOrigin,
}

/// Trains (or resumes) a run in `dir` on `device`, reporting to `on_event`.
pub fn train<B: AutodiffBackend>(
    source: &dyn VolumeSource,
    targets: &Targets,
    settings: &TrainSettings,
    dir: &Path,
    device: &B::Device,
    on_event: OnEvent<'_, ScanMetrics>,
) -> Result<TrainOutcome> {
    check(source, targets, settings)?;
    let (split, origin) = exam_split(targets, settings)?;
    let mut run = ScanTraining::<B> {
        config: &settings.config,
        options: &settings.options,
        init: &settings.init,
        targets,
        split,
        loader: Loader::new(source, &settings.config),
        device: device.clone(),
        exams_per_second: 0.0,
    };
    let state = uptake_training::train::<B, _>(
        &mut run,
        dir,
        &settings.options.run_options(),
        device,
        on_event,
    )?;
    Ok(TrainOutcome {
        state,
        split: origin,
    })
}

/// The settings fit each other, and every labelled exam is in the store.
fn check(source: &dyn VolumeSource, targets: &Targets, settings: &TrainSettings) -> Result<()> {
    settings.config.validate().map_err(ScanModelError::Config)?;
    if targets.tasks != settings.config.regions {
        return Err(ScanModelError::Config(
            "the targets' tasks differ from the model's regions".into(),
        ));
    }
    if settings.options.batch_size == 0 || settings.options.epochs == 0 {
        return Err(ScanModelError::Config(
            "batch size and epochs must be at least 1".into(),
        ));
    }
    // Labels without exams are reported, not ignored.
    let in_store: BTreeSet<ExamId> = source.exam_ids().into_iter().collect();
    let missing: Vec<&ExamId> = targets
        .by_exam
        .keys()
        .filter(|e| !in_store.contains(*e))
        .collect();
    if !missing.is_empty() {
        let shown: Vec<String> = missing.iter().take(5).map(|e| e.to_string()).collect();
        return Err(ScanModelError::MissingExam(format!(
            "{} (and {} more labelled exams are missing from the store)",
            shown.join(", "),
            missing.len().saturating_sub(5)
        )));
    }
    Ok(())
}

/// The exams to train and validate on, and where the split came from.
fn exam_split(targets: &Targets, settings: &TrainSettings) -> Result<(ExamSplit, SplitOrigin)> {
    let labelled: Vec<ExamId> = targets.by_exam.keys().cloned().collect();
    let (split, origin) = if let Some(validation) = &settings.validation_exams {
        let train_exams = labelled
            .into_iter()
            .filter(|e| !validation.contains(e))
            .collect();
        let split = ExamSplit {
            train_exams,
            validation_exams: validation.clone(),
        };
        (split, SplitOrigin::Given)
    } else if let Some((split, from)) = inherited_split(&settings.init, &labelled)? {
        (split, SplitOrigin::Inherited(from))
    } else {
        let o = &settings.options;
        let (train_exams, validation_exams) = self::split(&labelled, o.validation_fraction, o.seed);
        let split = ExamSplit {
            train_exams,
            validation_exams,
        };
        (split, SplitOrigin::Drawn)
    };
    if split.train_exams.is_empty() {
        return Err(ScanModelError::Labels(
            "no labelled exams to train on".into(),
        ));
    }
    Ok((split, origin))
}

/// Keeps the split's random stream apart from the sampling stream of the same seed.
const SPLIT_SALT: u64 = 0x5EED_5B11;

/// Splits exams into training and validation, reproducibly.
pub fn split(exams: &[ExamId], fraction: f64, seed: u64) -> (Vec<ExamId>, Vec<ExamId>) {
    let mut order: Vec<ExamId> = exams.to_vec();
    order.sort();
    let mut order = uptake_core::seeded::shuffled(order, seed ^ SPLIT_SALT);
    let n_val =
        ((order.len() as f64 * fraction).round() as usize).min(order.len().saturating_sub(1));
    let val = order.split_off(order.len() - n_val);
    (order, val)
}

/// A run started from another run's weights validates on that run's validation exams, as far
/// as they are labelled here: a fresh split by fraction and seed would score exams the weights
/// were trained on. `None` when there is no source run, or none of its validation exams is
/// labelled here (another cohort).
fn inherited_split(init: &Init, labelled: &[ExamId]) -> Result<Option<(ExamSplit, PathBuf)>> {
    let Some(from) = init.source_run() else {
        return Ok(None);
    };
    let Some(source) = read_split(from)? else {
        return Ok(None);
    };
    let source_val: BTreeSet<&ExamId> = source.validation_exams.iter().collect();
    let (validation_exams, train_exams): (Vec<ExamId>, Vec<ExamId>) = labelled
        .iter()
        .cloned()
        .partition(|e| source_val.contains(e));
    if validation_exams.is_empty() || train_exams.is_empty() {
        return Ok(None);
    }
    let split = ExamSplit {
        train_exams,
        validation_exams,
    };
    Ok(Some((split, from.to_path_buf())))
}

/// `train.json`: the options and the split.
#[derive(Serialize)]
struct TrainFile<'a> {
    options: &'a TrainOptions,
    #[serde(flatten)]
    split: &'a ExamSplit,
}

/// A scan-model run as the engine drives it.
struct ScanTraining<'a, B: AutodiffBackend> {
    config: &'a ModelConfig,
    options: &'a TrainOptions,
    init: &'a Init,
    targets: &'a Targets,
    split: ExamSplit,
    loader: Loader<'a>,
    device: B::Device,
    /// Of the last epoch trained (logged with its validation).
    exams_per_second: f64,
}

impl<B: AutodiffBackend> ScanTraining<'_, B> {
    fn exams_per_epoch(&self) -> usize {
        match self.options.exams_per_epoch {
            0 => self.split.train_exams.len(),
            n => n,
        }
    }

    /// `n` exams drawn with replacement, each augmented with draws from the same stream.
    fn draw(&mut self, n: usize, rng: &mut ChaCha8Rng) -> Result<(Vec<ExamId>, Vec<Prepared>)> {
        let exams: Vec<ExamId> = (0..n)
            .map(|_| {
                let i = rng.random_range(0..self.split.train_exams.len());
                self.split.train_exams[i].clone()
            })
            .collect();
        let mut prepared = Vec::with_capacity(n);
        for e in &exams {
            let augment = self
                .options
                .augment
                .then(|| Augment::sample(rng, self.config.in_plane));
            prepared.push(self.loader.get(e, augment)?);
        }
        Ok((exams, prepared))
    }

    /// The loss of a batch of prepared exams.
    fn batch_loss(
        &self,
        model: &ScanModel<B>,
        exams: &[ExamId],
        prepared: &[Prepared],
    ) -> Tensor<B, 1> {
        let refs: Vec<&Prepared> = prepared.iter().collect();
        let b = batch(&refs);
        let x = Tensor::<B, 5>::from_data(TensorData::new(b.data, b.shape), &self.device);
        let rows: Vec<&Vec<Option<f32>>> = exams.iter().map(|e| &self.targets.by_exam[e]).collect();
        let (y, m) = target_tensors::<B>(&rows, &self.device);
        let out = model.forward(x, &b.valid_slices, &Pass::training());
        masked_bce(out.logits, y, m)
    }
}

impl<B: AutodiffBackend> Trainee<B> for ScanTraining<'_, B> {
    type Model = ScanModel<B>;
    type Metrics = ScanMetrics;
    type Error = ScanModelError;

    fn settings(&self) -> serde_json::Value {
        // Less the engine's own settings.
        let engine = ["epochs", "seed", "learning_rate", "halve_every_epochs"];
        let options = settings_without(self.options, &engine);
        serde_json::json!({ "config": self.config, "options": options, "split": self.split })
    }

    fn plan(&self) -> DataPlan {
        DataPlan {
            train_examples: self.split.train_exams.len(),
            validation_examples: self.split.validation_exams.len(),
            batches_per_epoch: self.exams_per_epoch().div_ceil(self.options.batch_size),
        }
    }

    fn start(&mut self, dir: &Path, device: &B::Device) -> Result<Self::Model> {
        let paths = RunPaths::new(dir);
        uptake_core::json::write_json(&paths.config(), self.config)?;
        let file = TrainFile {
            options: self.options,
            split: &self.split,
        };
        uptake_core::json::write_json(&paths.train(), &file)?;
        let model = ScanModel::<B>::seeded(self.config, self.options.seed, device);
        initialise(model, self.init, self.config)
    }

    fn load(&mut self, checkpoint: &Path, device: &B::Device) -> Result<Self::Model> {
        let model = ScanModel::<B>::new(self.config, device);
        load_module::<B, _>(model, &checkpoint.join(CHECKPOINT_WEIGHTS))
    }

    fn save(&self, model: &Self::Model, checkpoint: &Path) -> Result<()> {
        save_module::<B, _>(model, &checkpoint.join(CHECKPOINT_WEIGHTS))
    }

    fn save_best(&self, model: &Self::Model, dir: &Path, _: usize, _: Option<f64>) -> Result<()> {
        save_module::<B, _>(model, &RunPaths::new(dir).best())
    }

    fn train_epoch(
        &mut self,
        mut model: Self::Model,
        epoch: &mut Epoch<'_, B, Self::Model>,
    ) -> Result<(Self::Model, f64)> {
        let started = Instant::now();
        let per_epoch = self.exams_per_epoch();
        let (mut loss_sum, mut steps, mut seen) = (0.0, 0usize, 0usize);
        while seen < per_epoch {
            let n = self.options.batch_size.min(per_epoch - seen);
            let (exams, prepared) = self.draw(n, &mut epoch.rng)?;
            let loss = self.batch_loss(&model, &exams, &prepared);
            let (next, value) = epoch
                .step(model, loss)
                .map_err(|e| naming_exams(e, &exams))?;
            model = next;
            loss_sum += value;
            steps += 1;
            seen += n;
        }
        self.exams_per_second = per_epoch as f64 / started.elapsed().as_secs_f64().max(1e-9);
        Ok((model, loss_sum / steps.max(1) as f64))
    }

    fn validate(&mut self, model: &ScanModel<B::InnerBackend>) -> Result<Validation<ScanMetrics>> {
        let eval = evaluate::<B::InnerBackend>(
            model,
            &mut self.loader,
            &self.split.validation_exams,
            self.targets,
            self.options.batch_size,
            &self.device,
        )?;
        Ok(Validation {
            score: Some(eval.mean_auroc.unwrap_or(-eval.loss)),
            metrics: ScanMetrics {
                validation_loss: eval.loss,
                validation_auroc: eval.auroc,
                mean_auroc: eval.mean_auroc,
                exams_per_second: self.exams_per_second,
            },
        })
    }
}

/// A loss that is not finite names the batch's exams.
fn naming_exams(error: RunError, exams: &[ExamId]) -> ScanModelError {
    match error {
        RunError::LossNotFinite { .. } => {
            let names: Vec<String> = exams.iter().map(|e| e.to_string()).collect();
            ScanModelError::Config(format!("{error} (exams {names:?})"))
        }
        other => other.into(),
    }
}
