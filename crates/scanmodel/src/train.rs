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
use std::sync::Arc;
use std::time::Instant;

use burn::backend::Autodiff;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Tensor, TensorData};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use uptake_core::ExamId;
use uptake_training::{
    BackendJob, BackendSeeding, DataPlan, Device, DeviceError, Epoch, EpochRecord, Nodes, OnEvent,
    Replica, RunError, RunOptions, StreamNumbering, Trainee, Validation, settings_without,
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
pub use crate::prefetch::LoaderSettings;
use crate::prefetch::{Draw, for_each_batch};
use crate::run::{CHECKPOINT_WEIGHTS, ExamSplit, RunPaths, read_split};
pub use crate::tasks::{Targets, masked_bce, select_tasks};
use crate::tasks::{known_targets, masked_bce_share, target_tensors};
pub use uptake_training::{RunState, TrainEvent};

/// Training options (stored in `train.json`). With the `cli` feature they are the flags of
/// `uptake train`, their defaults those of [`Default`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct TrainOptions {
    /// Most epochs (a finished run given more is extended).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().epochs,
        value_parser = uptake_core::cli::within(1..=100_000)))]
    pub epochs: usize,
    /// Exams drawn with replacement per epoch (0 = number of training exams).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().exams_per_epoch,
        value_parser = uptake_core::cli::within(0..=100_000_000)))]
    pub exams_per_epoch: usize,
    /// Exams per optimizer step and device: N devices train on batches of N x `batch_size`.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().batch_size,
        value_parser = uptake_core::cli::within(1..=4096)))]
    pub batch_size: usize,
    /// Adam's learning rate in the first epoch.
    #[cfg_attr(feature = "cli", arg(long = "lr", value_name = "LR", default_value_t = Self::default().learning_rate))]
    pub learning_rate: f64,
    /// Halve the learning rate every N epochs.
    #[cfg_attr(feature = "cli", arg(long = "halve-every", value_name = "HALVE_EVERY",
        default_value_t = Self::default().halve_every_epochs,
        value_parser = uptake_core::cli::within(1..=100_000)))]
    pub halve_every_epochs: usize,
    /// Random crops and brightness changes of the training exams; `--no-augment` turns them off.
    #[cfg_attr(feature = "cli", arg(long = "no-augment", action = clap::ArgAction::SetFalse))]
    pub augment: bool,
    /// Seeds the weights, the split, the sampling and the augmentation.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().seed))]
    pub seed: u64,
    /// Share of labelled exams held out for validation (when the validation exams are not
    /// given).
    #[cfg_attr(feature = "cli", arg(long,
        default_value_t = Self::default().validation_fraction))]
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
    /// The run folder.
    pub dir: PathBuf,
    /// How long the call took.
    pub seconds: f64,
}

/// Where the validation exams came from when they were inherited, then the run's summary:
/// its time, epochs, best epoch and score, and folder.
impl std::fmt::Display for TrainOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let SplitOrigin::Inherited(from) = &self.split {
            writeln!(
                f,
                "validated on the exams that {} validated on",
                from.display()
            )?;
        }
        let state = &self.state;
        write!(
            f,
            "done in {:.0} s: {} epochs, best epoch {} (validation score {:.4}); run in {}",
            self.seconds,
            state.finished_epochs,
            state.best_epoch.map_or("-".into(), |e| e.to_string()),
            state.best_score.unwrap_or(f64::NAN),
            self.dir.display()
        )
    }
}

/// The line after each epoch: losses, mean validation AUROC, speed.
pub fn epoch_line(m: &EpochMetrics) -> String {
    let mean = m
        .metrics
        .mean_auroc
        .map_or("n/a".into(), |a| format!("{a:.3}"));
    format!(
        "epoch {:>3}: train loss {:.4}, val loss {:.4}, val mean AUROC {mean}, {:.1} exams/s",
        m.epoch, m.train_loss, m.metrics.validation_loss, m.metrics.exams_per_second
    )
}

/// Where and how a run computes. None of it is part of the run's settings except the number of
/// replicas (it sets the batch of each step): a run may resume with other loader settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Compute {
    /// One replica per device: several train data-parallel (all CPU or all CUDA).
    pub devices: Vec<Device>,
    /// The machines of a run over several (each machine's process gives its own rank).
    pub nodes: Option<Nodes>,
    /// How exams are loaded while the device computes.
    pub loader: LoaderSettings,
}

impl Compute {
    /// `devices` (one replica each), the machines of a run over several, and `loader_workers`
    /// threads preparing exams (0: none), as many batches ahead.
    pub fn new(devices: Vec<Device>, nodes: Option<Nodes>, loader_workers: usize) -> Self {
        let loader = LoaderSettings {
            workers: loader_workers,
            prefetch_batches: loader_workers.max(1),
        };
        Self {
            devices,
            nodes,
            loader,
        }
    }
}

impl Default for Compute {
    fn default() -> Self {
        Self {
            devices: vec![Device::Cpu],
            nodes: None,
            loader: LoaderSettings::default(),
        }
    }
}

/// Trains (or resumes) a run in `dir` on `device` of backend `B`, reporting to `on_event`.
pub fn train<B: AutodiffBackend>(
    source: &dyn VolumeSource,
    targets: &Targets,
    settings: &TrainSettings,
    dir: &Path,
    device: &B::Device,
    on_event: OnEvent<'_, ScanMetrics>,
) -> Result<TrainOutcome> {
    let started = Instant::now();
    let (split, origin) = checked_split(source, targets, settings)?;
    let run = RunInputs {
        source,
        targets,
        settings,
        split: &split,
    };
    let replicas = Replicas {
        devices: std::slice::from_ref(device),
        nodes: None,
        loader: LoaderSettings::default(),
    };
    let state = run.train::<B>(&replicas, dir, on_event)?;
    Ok(TrainOutcome {
        state,
        split: origin,
        dir: dir.to_path_buf(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Trains (or resumes) a run in `dir` on the devices of `compute`, chosen at run time (the CPU,
/// or CUDA GPUs in a build with the `gpu` feature), reporting to `on_event`. Several devices
/// train data-parallel: each takes its part of every batch of `compute.devices.len()` x
/// `batch_size` exams. A device out of memory is [`ScanModelError::OutOfMemory`], naming the
/// batch and grid and what to lower.
pub fn train_on(
    source: &dyn VolumeSource,
    targets: &Targets,
    settings: &TrainSettings,
    compute: &Compute,
    dir: &Path,
    on_event: OnEvent<'_, ScanMetrics>,
) -> Result<TrainOutcome> {
    let started = Instant::now();
    let (split, origin) = checked_split(source, targets, settings)?;
    let job = TrainJob {
        run: RunInputs {
            source,
            targets,
            settings,
            split: &split,
        },
        compute,
        dir,
        on_event,
    };
    let state = match uptake_training::run_on(&compute.devices, job) {
        Ok(state) => state.map_err(|e| out_of_memory_advice(e, settings))?,
        Err(DeviceError::OutOfMemory { device, detail }) => {
            return Err(out_of_memory(device.to_string(), detail, settings));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(TrainOutcome {
        state,
        split: origin,
        dir: dir.to_path_buf(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The device ran out of memory with `settings`' batches: what to lower.
fn out_of_memory(device: String, detail: String, settings: &TrainSettings) -> ScanModelError {
    let c = &settings.config;
    ScanModelError::OutOfMemory {
        device,
        work: format!(
            "training batches of {} exams on the {} x {} grid with slice step {} (width {}, {} blocks)",
            settings.options.batch_size,
            c.in_plane,
            c.in_plane,
            c.slice_step,
            c.encoder.width,
            c.encoder.mixed_blocks
        ),
        detail,
        advice: "lower --batch-size (it counts per device; --devices adds devices instead), \
                 or the grid (--in-plane, or a larger --slice-step)"
            .into(),
    }
}

/// A replica that failed for want of memory, as [`ScanModelError::OutOfMemory`].
fn out_of_memory_advice(error: ScanModelError, settings: &TrainSettings) -> ScanModelError {
    match error {
        ScanModelError::Run(RunError::ReplicaFailed {
            rank,
            device,
            cause,
            resume,
        }) if uptake_training::is_out_of_memory(&cause) => out_of_memory(
            format!("replica {rank} ({device})"),
            format!("{cause}; the run stopped {resume}"),
            settings,
        ),
        other => other,
    }
}

/// A run's inputs, checked, with its exam split.
struct RunInputs<'a> {
    source: &'a dyn VolumeSource,
    targets: &'a Targets,
    settings: &'a TrainSettings,
    split: &'a ExamSplit,
}

/// The replicas of a run on backend `B`.
struct Replicas<'a, D> {
    devices: &'a [D],
    nodes: Option<&'a Nodes>,
    loader: LoaderSettings,
}

impl RunInputs<'_> {
    /// The run on `replicas`: the engine's plain run on one device, else data-parallel.
    fn train<B: AutodiffBackend>(
        &self,
        replicas: &Replicas<'_, B::Device>,
        dir: &Path,
        on_event: OnEvent<'_, ScanMetrics>,
    ) -> Result<RunState<ScanMetrics>> {
        let options = self.settings.options.run_options();
        let make = |replica: Replica, device: &B::Device| ScanTraining::<B> {
            config: &self.settings.config,
            options: &self.settings.options,
            init: &self.settings.init,
            targets: self.targets,
            split: self.split,
            loader: Loader::new(self.source, &self.settings.config),
            loading: replicas.loader,
            replica,
            device: device.clone(),
            exams_per_second: 0.0,
        };
        let devices = replicas.devices;
        if devices.len() == 1 && replicas.nodes.is_none() {
            let mut run = make(Replica::ALONE, &devices[0]);
            return uptake_training::train::<B, _>(&mut run, dir, &options, &devices[0], on_event);
        }
        uptake_training::train_replicated::<B, _, _>(
            make,
            dir,
            &options,
            devices,
            replicas.nodes,
            on_event,
        )
    }
}

/// [`train_on`]'s run, for the backend of the devices chosen.
struct TrainJob<'a, 'e> {
    run: RunInputs<'a>,
    compute: &'a Compute,
    dir: &'a Path,
    on_event: OnEvent<'e, ScanMetrics>,
}

impl BackendJob for TrainJob<'_, '_> {
    type Output = Result<RunState<ScanMetrics>>;

    fn run<B: Backend>(self, devices: &[B::Device]) -> Self::Output {
        let replicas = Replicas {
            devices,
            nodes: self.compute.nodes.as_ref(),
            loader: self.compute.loader,
        };
        self.run
            .train::<Autodiff<B>>(&replicas, self.dir, self.on_event)
    }
}

/// The settings checked against the data, and the exams to train and validate on.
fn checked_split(
    source: &dyn VolumeSource,
    targets: &Targets,
    settings: &TrainSettings,
) -> Result<(ExamSplit, SplitOrigin)> {
    check(source, targets, settings)?;
    exam_split(targets, settings)
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

/// A scan-model run (one replica of it) as the engine drives it.
struct ScanTraining<'a, B: AutodiffBackend> {
    config: &'a ModelConfig,
    options: &'a TrainOptions,
    init: &'a Init,
    targets: &'a Targets,
    split: &'a ExamSplit,
    loader: Loader<'a>,
    loading: LoaderSettings,
    replica: Replica,
    device: B::Device,
    /// Of the last epoch trained (logged with its validation).
    exams_per_second: f64,
}

impl<B: AutodiffBackend> ScanTraining<'_, B> {
    /// Exams per epoch; with several replicas, rounded up to a multiple of their number so
    /// that every replica has a part of every batch.
    fn exams_per_epoch(&self) -> usize {
        let n = match self.options.exams_per_epoch {
            0 => self.split.train_exams.len(),
            n => n,
        };
        n.div_ceil(self.replica.count()) * self.replica.count()
    }

    /// Exams per optimizer step, over all replicas.
    fn global_batch(&self) -> usize {
        self.options.batch_size * self.replica.count()
    }

    /// The epoch's batches as drawn from its stream: per batch, its exams (with replacement)
    /// then each exam's augmentation, as every replica draws them.
    fn plan(&self, rng: &mut ChaCha8Rng) -> Vec<Vec<Draw>> {
        let per_epoch = self.exams_per_epoch();
        let train = &self.split.train_exams;
        let mut batches = Vec::new();
        let mut seen = 0;
        while seen < per_epoch {
            let n = self.global_batch().min(per_epoch - seen);
            let exams: Vec<ExamId> = (0..n)
                .map(|_| train[rng.random_range(0..train.len())].clone())
                .collect();
            let draws = exams
                .into_iter()
                .map(|exam| Draw {
                    exam,
                    augment: self
                        .options
                        .augment
                        .then(|| Augment::sample(rng, self.config.in_plane)),
                })
                .collect();
            batches.push(draws);
            seen += n;
        }
        batches
    }

    /// The loss of this replica's part of a batch whose known targets number `known` in all.
    fn batch_loss(
        &self,
        model: &ScanModel<B>,
        prepared: &[Arc<Prepared>],
        known: usize,
    ) -> Tensor<B, 1> {
        let refs: Vec<&Prepared> = prepared.iter().map(|p| &**p).collect();
        let b = batch(&refs);
        let x = Tensor::<B, 5>::from_data(TensorData::new(b.data, b.shape), &self.device);
        let rows: Vec<&Vec<Option<f32>>> = prepared
            .iter()
            .map(|p| &self.targets.by_exam[&p.exam_id])
            .collect();
        let (y, m) = target_tensors::<B>(&rows, &self.device);
        let out = model.forward(x, &b.valid_slices, &Pass::training());
        if self.replica.count() == 1 {
            masked_bce(out.logits, y, m)
        } else {
            masked_bce_share(out.logits, y, m, known)
        }
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
        let mut settings =
            serde_json::json!({ "config": self.config, "options": options, "split": self.split });
        if self.replica.count() > 1 {
            // The batch of a step is the replicas' batches together.
            settings["replicas"] = self.replica.count().into();
        }
        settings
    }

    fn plan(&self) -> DataPlan {
        DataPlan {
            train_examples: self.split.train_exams.len(),
            validation_examples: self.split.validation_exams.len(),
            batches_per_epoch: self.exams_per_epoch().div_ceil(self.global_batch()),
        }
    }

    fn start(&mut self, dir: &Path, device: &B::Device) -> Result<Self::Model> {
        if self.replica.is_leader() {
            let paths = RunPaths::new(dir);
            uptake_core::json::write_json(&paths.config(), self.config)?;
            let file = TrainFile {
                options: self.options,
                split: self.split,
            };
            uptake_core::json::write_json(&paths.train(), &file)?;
        }
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
        model: Self::Model,
        epoch: &mut Epoch<'_, B, Self::Model>,
    ) -> Result<(Self::Model, f64)> {
        let started = Instant::now();
        let plan = self.plan(&mut epoch.rng);
        let known: Vec<usize> = plan
            .iter()
            .map(|b| known_targets(self.targets, b.iter().map(|d| &d.exam)))
            .collect();
        let parts: Vec<Vec<Draw>> = plan
            .iter()
            .map(|b| b[self.replica.part(b.len())].to_vec())
            .collect();
        let (mut loss_sum, mut steps) = (0.0, 0usize);
        let mut model = Some(model);
        let mut step = |prepared: Vec<Arc<Prepared>>| -> Result<()> {
            let current = model.take().expect("the model between steps");
            let loss = self.batch_loss(&current, &prepared, known[steps]);
            let (next, value) = epoch
                .step(current, loss)
                .map_err(|e| naming_exams(e, &prepared))?;
            model = Some(next);
            loss_sum += value;
            steps += 1;
            Ok(())
        };
        for_each_batch(&self.loader, &parts, &self.loading, &mut step)?;
        let per_epoch = self.exams_per_epoch();
        self.exams_per_second = per_epoch as f64 / started.elapsed().as_secs_f64().max(1e-9);
        let model = model.expect("the model after the last step");
        Ok((model, loss_sum / steps.max(1) as f64))
    }

    fn validate(&mut self, model: &ScanModel<B::InnerBackend>) -> Result<Validation<ScanMetrics>> {
        let eval = evaluate::<B::InnerBackend>(
            model,
            &self.loader,
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
fn naming_exams(error: RunError, prepared: &[Arc<Prepared>]) -> ScanModelError {
    match error {
        RunError::LossNotFinite { .. } => {
            let names: Vec<String> = prepared.iter().map(|p| p.exam_id.to_string()).collect();
            ScanModelError::Config(format!("{error} (exams {names:?})"))
        }
        other => other.into(),
    }
}
