//! Multi-task training on weak labels (method section 3): BCE against soft labels averaged over
//! the known (exam, task) pairs, Adam, learning rate halved every 16 epochs, batches of 2 exams
//! drawn with replacement, crop + brightness augmentation, validation AUROC after each epoch,
//! best and last checkpoints, resumable.
//!
//! A run directory holds: `config.json` (network), `train.json` (options and the exam split),
//! `last.safetensors` + `optimizer.bin` + `state.json` (written after every epoch, so a crash
//! loses at most the epoch in progress), `best.safetensors`, `metrics.jsonl` (one line per epoch).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::AutodiffModule;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::record::{BinBytesRecorder, FullPrecisionSettings, Recorder};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, Tensor, TensorData};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use uptake_core::{ExamId, RegionTable};

use crate::checkpoint::{load_module, save_module};
use crate::config::ModelConfig;
use crate::data::{Augment, Prepared, VolumeSource, batch, prepare};
use crate::error::{Result, ScanModelError};
use crate::i3d::Pass;
use crate::model::ScanModel;
use uptake_core::metrics::auroc;

/// Training options (stored in `train.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    pub epochs: usize,
    /// Exams drawn (with replacement) per epoch; 0 = as many as there are training exams.
    pub exams_per_epoch: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub halve_every_epochs: usize,
    pub augment: bool,
    pub seed: u64,
    /// Fraction of exams held out for validation (ignored when `validation` is given).
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

/// Soft targets per exam and task (None = unknown, excluded from the loss).
#[derive(Debug, Clone)]
pub struct Targets {
    pub tasks: Vec<String>,
    pub by_exam: BTreeMap<ExamId, Vec<Option<f32>>>,
}

impl Targets {
    /// Takes the task columns from a label table; a task the table lacks is an error.
    pub fn from_table(table: &RegionTable, tasks: &[String]) -> Result<Self> {
        let cols: Vec<usize> = tasks
            .iter()
            .map(|t| {
                table.region_index(t).ok_or_else(|| {
                    ScanModelError::Labels(format!(
                        "task `{t}` has no column in the label table (columns: {})",
                        table.regions().join(", ")
                    ))
                })
            })
            .collect::<Result<_>>()?;
        let by_exam = table
            .rows()
            .map(|(exam, row)| {
                (
                    exam.clone(),
                    cols.iter().map(|&c| row[c].map(|v| v as f32)).collect(),
                )
            })
            .collect();
        Ok(Self {
            tasks: tasks.to_vec(),
            by_exam,
        })
    }

    /// Prevalence (share of known labels >= 0.5) of each task.
    pub fn prevalence(&self) -> Vec<f64> {
        (0..self.tasks.len())
            .map(|t| {
                let known: Vec<f32> = self.by_exam.values().filter_map(|r| r[t]).collect();
                if known.is_empty() {
                    0.0
                } else {
                    known.iter().filter(|v| **v >= 0.5).count() as f64 / known.len() as f64
                }
            })
            .collect()
    }
}

/// Regions whose weak-label prevalence is at least `min_prevalence` (the paper: 10 %).
pub fn select_tasks(table: &RegionTable, min_prevalence: f64) -> Vec<(String, f64)> {
    let all =
        Targets::from_table(table, table.regions()).expect("every column of the table exists");
    all.tasks
        .iter()
        .cloned()
        .zip(all.prevalence())
        .filter(|(_, p)| *p >= min_prevalence)
        .collect()
}

/// What `state.json` records after each epoch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunState {
    pub epochs_done: usize,
    pub best_epoch: Option<usize>,
    pub best_score: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TrainFile {
    options: TrainOptions,
    train_exams: Vec<ExamId>,
    validation_exams: Vec<ExamId>,
}

/// One line of `metrics.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EpochMetrics {
    pub epoch: usize,
    pub learning_rate: f64,
    pub train_loss: f64,
    pub validation_loss: f64,
    pub validation_auroc: BTreeMap<String, Option<f64>>,
    pub mean_auroc: Option<f64>,
    pub seconds: f64,
    pub exams_per_second: f64,
}

pub struct RunPaths {
    pub dir: PathBuf,
}

impl RunPaths {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
        }
    }
    pub fn config(&self) -> PathBuf {
        self.dir.join("config.json")
    }
    pub fn train(&self) -> PathBuf {
        self.dir.join("train.json")
    }
    pub fn state(&self) -> PathBuf {
        self.dir.join("state.json")
    }
    pub fn last(&self) -> PathBuf {
        self.dir.join("last.safetensors")
    }
    pub fn best(&self) -> PathBuf {
        self.dir.join("best.safetensors")
    }
    pub fn optimizer(&self) -> PathBuf {
        self.dir.join("optimizer.bin")
    }
    pub fn metrics(&self) -> PathBuf {
        self.dir.join("metrics.jsonl")
    }
}

pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| ScanModelError::file(path, e.to_string()))?;
    uptake_core::write_atomic(path, |w| std::io::Write::write_all(w, text.as_bytes()))?;
    Ok(())
}

pub fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| ScanModelError::io(path, e))?;
    serde_json::from_str(&text)
        .map_err(|e| ScanModelError::file(path, format!("invalid JSON: {e}")))
}

/// Reads a run's network configuration.
pub fn read_config(run: &Path) -> Result<ModelConfig> {
    let config: ModelConfig = read_json(&RunPaths::new(run).config())?;
    config
        .validate()
        .map_err(|e| ScanModelError::file(RunPaths::new(run).config(), e))?;
    Ok(config)
}

/// How the encoder (and heads) start.
#[derive(Debug, Clone)]
pub enum Init {
    Random,
    /// Converted Kinetics-400 weights (see [`crate::kinetics`]).
    Kinetics(PathBuf),
    /// A PyTorch I3D checkpoint, `.pt` / `.pth` (see [`crate::torch`]).
    Torch(PathBuf),
    /// The encoder of another run's best checkpoint (fine-tuning); heads start fresh.
    EncoderFrom(PathBuf),
    /// Another run's best checkpoint as a warm start: the encoder, and the heads too where that
    /// run has the same tasks and head kind. The input grid (`in_plane`, `slice_step`) may
    /// differ, since no weight depends on it: a model trained cheaply on a coarse grid can
    /// continue on a finer one.
    Run(PathBuf),
}

/// Binary cross-entropy with logits against soft targets, averaged over the known entries.
pub fn masked_bce<B: Backend>(
    logits: Tensor<B, 2>,
    targets: Tensor<B, 2>,
    known: Tensor<B, 2>,
) -> Tensor<B, 1> {
    // max(z, 0) - z*y + log(1 + exp(-|z|)), stable for large |z|.
    let loss = logits.clone().clamp_min(0.0) - logits.clone() * targets
        + logits.abs().neg().exp().add_scalar(1.0).log();
    let n = known.clone().sum().clamp_min(1.0);
    (loss * known).sum().div(n)
}

fn target_tensors<B: Backend>(
    rows: &[&Vec<Option<f32>>],
    device: &B::Device,
) -> (Tensor<B, 2>, Tensor<B, 2>) {
    let t = rows[0].len();
    let y: Vec<f32> = rows
        .iter()
        .flat_map(|r| r.iter().map(|v| v.unwrap_or(0.0)))
        .collect();
    let m: Vec<f32> = rows
        .iter()
        .flat_map(|r| r.iter().map(|v| if v.is_some() { 1.0 } else { 0.0 }))
        .collect();
    (
        Tensor::from_data(TensorData::new(y, [rows.len(), t]), device),
        Tensor::from_data(TensorData::new(m, [rows.len(), t]), device),
    )
}

/// Loads, checks and resamples exams, keeping them in memory when the cohort is small.
pub struct Loader<'a> {
    source: &'a dyn VolumeSource,
    config: ModelConfig,
    cache: BTreeMap<ExamId, Prepared>,
    cache_budget_bytes: usize,
}

impl<'a> Loader<'a> {
    pub fn new(source: &'a dyn VolumeSource, config: &ModelConfig) -> Self {
        Self {
            source,
            config: config.clone(),
            cache: BTreeMap::new(),
            cache_budget_bytes: 4 << 30,
        }
    }

    /// The exam at network resolution, optionally augmented (augmented copies are not cached).
    pub fn get(&mut self, exam: &ExamId, augment: Option<Augment>) -> Result<Prepared> {
        if augment.is_none()
            && let Some(p) = self.cache.get(exam)
        {
            return Ok(p.clone());
        }
        let volume = self.source.load(exam)?;
        let p = prepare(&volume, &self.config, augment)?;
        if augment.is_none() {
            let used: usize = self.cache.values().map(|p| p.data.len() * 4).sum();
            if used + p.data.len() * 4 <= self.cache_budget_bytes {
                self.cache.insert(exam.clone(), p.clone());
            }
        }
        Ok(p)
    }
}

/// Output of [`evaluate`].
pub struct Evaluation {
    pub loss: f64,
    pub auroc: BTreeMap<String, Option<f64>>,
    pub mean_auroc: Option<f64>,
    pub probabilities: BTreeMap<ExamId, Vec<f32>>,
}

/// Runs the network in inference mode over `exams`, with loss and per-task AUROC against
/// targets binarised at 0.5.
pub fn evaluate<B: Backend>(
    model: &ScanModel<B>,
    loader: &mut Loader,
    exams: &[ExamId],
    targets: &Targets,
    batch_size: usize,
    device: &B::Device,
) -> Result<Evaluation> {
    let mut probabilities = BTreeMap::new();
    let mut loss_sum = 0.0;
    let mut batches = 0usize;
    for chunk in exams.chunks(batch_size.max(1)) {
        let prepared: Vec<Prepared> = chunk
            .iter()
            .map(|e| loader.get(e, None))
            .collect::<Result<_>>()?;
        let refs: Vec<&Prepared> = prepared.iter().collect();
        let b = batch(&refs);
        let x = Tensor::<B, 5>::from_data(TensorData::new(b.data, b.shape), device);
        let out = model.forward(x, &b.valid_slices, &Pass::inference());
        let rows: Vec<&Vec<Option<f32>>> = chunk
            .iter()
            .filter_map(|e| targets.by_exam.get(e))
            .collect();
        if rows.len() == chunk.len() {
            let (y, m) = target_tensors::<B>(&rows, device);
            loss_sum += masked_bce(out.logits.clone(), y, m)
                .into_scalar()
                .elem::<f64>();
            batches += 1;
        }
        let p = burn::tensor::activation::sigmoid(out.logits)
            .into_data()
            .to_vec::<f32>()
            .unwrap_or_default();
        let t = targets.tasks.len();
        for (i, e) in chunk.iter().enumerate() {
            probabilities.insert(e.clone(), p[i * t..(i + 1) * t].to_vec());
        }
    }
    let mut aurocs = BTreeMap::new();
    for (ti, task) in targets.tasks.iter().enumerate() {
        let mut scores = Vec::new();
        let mut labels = Vec::new();
        for e in exams {
            if let (Some(p), Some(Some(y))) =
                (probabilities.get(e), targets.by_exam.get(e).map(|r| r[ti]))
            {
                scores.push(p[ti] as f64);
                labels.push(y >= 0.5);
            }
        }
        aurocs.insert(task.clone(), auroc(&scores, &labels));
    }
    let defined: Vec<f64> = aurocs.values().flatten().copied().collect();
    let mean_auroc =
        (!defined.is_empty()).then(|| defined.iter().sum::<f64>() / defined.len() as f64);
    Ok(Evaluation {
        loss: loss_sum / batches.max(1) as f64,
        auroc: aurocs,
        mean_auroc,
        probabilities,
    })
}

/// Splits exams into training and validation, reproducibly.
pub fn split(exams: &[ExamId], fraction: f64, seed: u64) -> (Vec<ExamId>, Vec<ExamId>) {
    let mut order: Vec<ExamId> = exams.to_vec();
    order.sort();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ SPLIT_SALT);
    for i in (1..order.len()).rev() {
        let j = rng.random_range(0..=i);
        order.swap(i, j);
    }
    let n_val =
        ((order.len() as f64 * fraction).round() as usize).min(order.len().saturating_sub(1));
    let val = order.split_off(order.len() - n_val);
    (order, val)
}

/// A run started from another run's weights (`Init::Run`, `Init::EncoderFrom`) validates on
/// that run's validation exams, as far as they are labelled here: a fresh split by fraction
/// and seed would score exams the weights were trained on. `None` when there is no source run,
/// or none of its validation exams is labelled here (another cohort).
fn inherited_split(init: &Init, labelled: &[ExamId]) -> Result<Option<InheritedSplit>> {
    let (Init::Run(from) | Init::EncoderFrom(from)) = init else {
        return Ok(None);
    };
    let path = RunPaths::new(from).train();
    if !path.exists() {
        return Ok(None);
    }
    let source: TrainFile = read_json(&path)?;
    let source_val: std::collections::BTreeSet<&ExamId> = source.validation_exams.iter().collect();
    let (val, train): (Vec<ExamId>, Vec<ExamId>) = labelled
        .iter()
        .cloned()
        .partition(|e| source_val.contains(e));
    if val.is_empty() || train.is_empty() {
        return Ok(None);
    }
    Ok(Some(InheritedSplit {
        train,
        validation: val,
        from: from.clone(),
    }))
}

/// The split a run takes over from the run whose weights it starts from.
struct InheritedSplit {
    train: Vec<ExamId>,
    validation: Vec<ExamId>,
    from: PathBuf,
}

/// Keeps the split's random stream apart from the sampling stream of the same seed.
const SPLIT_SALT: u64 = 0x5EED_5B11;

/// Trains (or resumes) a run in `dir`. Returns the final state.
#[allow(clippy::too_many_arguments)]
pub fn train<B: AutodiffBackend>(
    source: &dyn VolumeSource,
    config: &ModelConfig,
    targets: &Targets,
    validation: Option<(Vec<ExamId>, Vec<ExamId>)>,
    options: &TrainOptions,
    init: &Init,
    dir: &Path,
    quiet: bool,
    device: &B::Device,
) -> Result<RunState> {
    config.validate().map_err(ScanModelError::Config)?;
    if targets.tasks != config.regions {
        return Err(ScanModelError::Config(
            "the targets' tasks differ from the model's regions".into(),
        ));
    }
    if options.batch_size == 0 || options.epochs == 0 {
        return Err(ScanModelError::Config(
            "batch size and epochs must be at least 1".into(),
        ));
    }
    let paths = RunPaths::new(dir);
    std::fs::create_dir_all(dir).map_err(|e| ScanModelError::io(dir, e))?;

    // Exams with labels that the store has; labels without exams are reported, not ignored.
    let in_store: std::collections::BTreeSet<ExamId> = source.exam_ids().into_iter().collect();
    let labelled: Vec<ExamId> = targets.by_exam.keys().cloned().collect();
    let missing: Vec<&ExamId> = labelled.iter().filter(|e| !in_store.contains(*e)).collect();
    if !missing.is_empty() {
        let shown: Vec<String> = missing.iter().take(5).map(|e| e.to_string()).collect();
        return Err(ScanModelError::MissingExam(format!(
            "{} (and {} more labelled exams are missing from the store)",
            shown.join(", "),
            missing.len().saturating_sub(5)
        )));
    }

    // Resume when the directory holds a run of the same configuration.
    let resuming = paths.state().exists();
    let (train_file, mut state) = if resuming {
        let old: ModelConfig = read_json(&paths.config())?;
        if &old != config {
            return Err(ScanModelError::ConfigMismatch {
                path: paths.config(),
                what: "the run directory holds a run of another configuration; use a new --out"
                    .into(),
            });
        }
        let tf: TrainFile = read_json(&paths.train())?;
        let st: RunState = read_json(&paths.state())?;
        (tf, st)
    } else {
        let (train_exams, validation_exams) = match validation {
            Some(given) => given,
            None => match inherited_split(init, &labelled)? {
                Some(inherited) => {
                    if !quiet {
                        eprintln!(
                            "validation: the {} exams that {} validated on",
                            inherited.validation.len(),
                            inherited.from.display()
                        );
                    }
                    (inherited.train, inherited.validation)
                }
                None => split(&labelled, options.validation_fraction, options.seed),
            },
        };
        if train_exams.is_empty() {
            return Err(ScanModelError::Labels(
                "no labelled exams to train on".into(),
            ));
        }
        let tf = TrainFile {
            options: options.clone(),
            train_exams,
            validation_exams,
        };
        write_json(&paths.config(), config)?;
        write_json(&paths.train(), &tf)?;
        (
            tf,
            RunState {
                epochs_done: 0,
                best_epoch: None,
                best_score: f64::NEG_INFINITY,
            },
        )
    };
    // A resumed run keeps its stored options, except that it may be extended to more epochs.
    let options = TrainOptions {
        epochs: options.epochs,
        ..train_file.options.clone()
    };
    if state.epochs_done >= options.epochs {
        return Ok(state);
    }

    let mut model = ScanModel::<B>::seeded(config, options.seed, device);
    let mut optim = AdamConfig::new().init::<B, ScanModel<B>>();
    if resuming {
        model = load_module::<B, _>(model, &paths.last())?;
        let bytes = std::fs::read(paths.optimizer())
            .map_err(|e| ScanModelError::io(paths.optimizer(), e))?;
        let recorder = BinBytesRecorder::<FullPrecisionSettings>::default();
        let record = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            recorder.load(bytes, device)
        }))
        .map_err(|_| ScanModelError::file(paths.optimizer(), "corrupt optimizer state"))?
        .map_err(|e| ScanModelError::file(paths.optimizer(), e.to_string()))?;
        optim = optim.load_record(record);
    } else {
        model = crate::kinetics::initialise(model, init, config)?;
    }

    let mut loader = Loader::new(source, config);
    let per_epoch = if options.exams_per_epoch == 0 {
        train_file.train_exams.len()
    } else {
        options.exams_per_epoch
    };
    for epoch in state.epochs_done..options.epochs {
        let started = Instant::now();
        let lr =
            options.learning_rate * 0.5f64.powi((epoch / options.halve_every_epochs.max(1)) as i32);
        // One stream per epoch: a resumed run draws exactly what the uninterrupted one would.
        let mut rng = ChaCha8Rng::seed_from_u64(
            options
                .seed
                .wrapping_mul(1_000_003)
                .wrapping_add(epoch as u64),
        );
        let bar = progress(
            per_epoch as u64,
            &format!("epoch {}/{}", epoch + 1, options.epochs),
            quiet,
        );
        let mut loss_sum = 0.0;
        let mut steps = 0usize;
        let mut seen = 0usize;
        while seen < per_epoch {
            let n = options.batch_size.min(per_epoch - seen);
            let exams: Vec<ExamId> = (0..n)
                .map(|_| {
                    train_file.train_exams[rng.random_range(0..train_file.train_exams.len())]
                        .clone()
                })
                .collect();
            let prepared: Vec<Prepared> = exams
                .iter()
                .map(|e| {
                    let aug = options
                        .augment
                        .then(|| Augment::sample(&mut rng, config.in_plane));
                    loader.get(e, aug)
                })
                .collect::<Result<_>>()?;
            let refs: Vec<&Prepared> = prepared.iter().collect();
            let b = batch(&refs);
            let x = Tensor::<B, 5>::from_data(TensorData::new(b.data, b.shape), device);
            let rows: Vec<&Vec<Option<f32>>> = exams.iter().map(|e| &targets.by_exam[e]).collect();
            let (y, m) = target_tensors::<B>(&rows, device);
            let out = model.forward(x, &b.valid_slices, &Pass::training());
            let loss = masked_bce(out.logits, y, m);
            let loss_value = loss.clone().into_scalar().elem::<f64>();
            if !loss_value.is_finite() {
                return Err(ScanModelError::Config(format!(
                    "the loss became {loss_value} at epoch {} (exams {:?}); lower the learning rate",
                    epoch + 1,
                    exams.iter().map(|e| e.to_string()).collect::<Vec<_>>()
                )));
            }
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(lr, model, grads);
            loss_sum += loss_value;
            steps += 1;
            seen += n;
            bar.inc(n as u64);
            let rate = seen as f64 / started.elapsed().as_secs_f64().max(1e-9);
            bar.set_message(format!(
                "loss {:.4}  {rate:.2} exams/s",
                loss_sum / steps as f64
            ));
        }
        bar.finish_and_clear();
        let train_seconds = started.elapsed().as_secs_f64();
        let inference = model.valid();
        let eval = evaluate::<B::InnerBackend>(
            &inference,
            &mut loader,
            &train_file.validation_exams,
            targets,
            options.batch_size,
            device,
        )?;
        let score = eval.mean_auroc.unwrap_or(-eval.loss);
        let metrics = EpochMetrics {
            epoch: epoch + 1,
            learning_rate: lr,
            train_loss: loss_sum / steps.max(1) as f64,
            validation_loss: eval.loss,
            validation_auroc: eval.auroc,
            mean_auroc: eval.mean_auroc,
            seconds: started.elapsed().as_secs_f64(),
            exams_per_second: per_epoch as f64 / train_seconds.max(1e-9),
        };
        // Checkpoint order: weights, optimizer, metrics, then the state that points at them.
        save_module::<B, _>(&model, &paths.last())?;
        let recorder = BinBytesRecorder::<FullPrecisionSettings>::default();
        let bytes = recorder
            .record(optim.to_record(), ())
            .map_err(|e| ScanModelError::file(paths.optimizer(), e.to_string()))?;
        uptake_core::write_atomic(&paths.optimizer(), |w| std::io::Write::write_all(w, &bytes))?;
        if score > state.best_score {
            save_module::<B, _>(&model, &paths.best())?;
            state.best_score = score;
            state.best_epoch = Some(epoch + 1);
        }
        append_metrics(&paths.metrics(), &metrics, epoch)?;
        state.epochs_done = epoch + 1;
        write_json(&paths.state(), &state)?;
        if !quiet {
            let mean = metrics
                .mean_auroc
                .map(|a| format!("{a:.3}"))
                .unwrap_or_else(|| "n/a".into());
            eprintln!(
                "epoch {:>3}: train loss {:.4}, val loss {:.4}, val mean AUROC {mean}, {:.1} exams/s",
                epoch + 1,
                metrics.train_loss,
                metrics.validation_loss,
                metrics.exams_per_second
            );
        }
    }
    Ok(state)
}

/// Rewrites metrics.jsonl with the lines of earlier epochs plus this one (a resumed run may
/// have lines of an epoch it redoes).
fn append_metrics(path: &Path, metrics: &EpochMetrics, epoch: usize) -> Result<()> {
    let mut lines: Vec<String> = std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| {
            serde_json::from_str::<EpochMetrics>(l)
                .map(|m| m.epoch <= epoch)
                .unwrap_or(false)
        })
        .map(str::to_string)
        .collect();
    lines.push(
        serde_json::to_string(metrics).map_err(|e| ScanModelError::file(path, e.to_string()))?,
    );
    let text = lines.join("\n") + "\n";
    uptake_core::write_atomic(path, |w| std::io::Write::write_all(w, text.as_bytes()))?;
    Ok(())
}

/// A progress bar (hidden when quiet).
pub fn progress(len: u64, what: &str, quiet: bool) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    let style =
        indicatif::ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg} ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_prefix(what.to_string());
    bar
}
