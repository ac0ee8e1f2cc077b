//! `uptake train`, `uptake finetune`, `uptake predict` and `uptake bench scan-model`: the scan
//! model (crate uptake-scanmodel) on an exam store and label tables.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use uptake_core::{ExamId, RegionTable};
use uptake_imaging::store::{ExamStore, model_channels};
use uptake_scanmodel::config::{EncoderConfig, HeadKind, ModelConfig};
use uptake_scanmodel::data::ModelVolume;
use uptake_scanmodel::data::VolumeSource;
use uptake_scanmodel::error::{Result as ScanResult, ScanModelError};
use uptake_scanmodel::init::Init;
use uptake_scanmodel::train::{
    EpochMetrics, SplitOrigin, Targets, TrainOptions, TrainSettings, select_tasks,
};

use crate::common::Global;
use crate::train_progress::TrainProgress;

/// CPU (flex) by default; CUDA when built with `--features gpu`.
type Backend = uptake_scanmodel::DefaultBackend;
type TrainBackend = uptake_scanmodel::DefaultTrainBackend;

/// Network size presets.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq)]
pub enum Size {
    /// The published I3D (1024 channels), 224 x 224 slices: GPU territory.
    Full,
    /// Width 1/4, 4 Inception blocks, 64 x 64 slices, slices merged in pairs: trains on a CPU in minutes.
    Small,
    /// Width 1/8, 2 blocks, 32 x 32 slices, slices merged in pairs: for quick checks.
    Tiny,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq)]
pub enum HeadChoice {
    /// The paper's soft attention.
    Attention,
    /// The original code's 8 heads with key/value projections.
    MultiHead,
    /// Sum reduction (ablation).
    Sum,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq)]
pub enum LabelSource {
    /// Report-derived weak labels (--labels).
    Weak,
    /// Hand labels only (--hand-labels).
    Hand,
    /// Both: hand labels where present, weak labels elsewhere (the paper's hybrid).
    Both,
}

#[derive(clap::Args, Debug, Clone)]
pub struct NetworkArgs {
    /// Network size preset (width, depth, input grid); the options below override it.
    #[arg(long, value_enum, default_value = "small")]
    pub size: Size,
    /// Channel multiplier (1.0 = published I3D).
    #[arg(long)]
    pub width: Option<f32>,
    /// Inception blocks kept (0..=9).
    #[arg(long)]
    pub blocks: Option<usize>,
    /// Slices are resampled to N x N pixels (multiple of 32).
    #[arg(long)]
    pub in_plane: Option<usize>,
    /// Merge every N slices into one (PET maximum, CT mean).
    #[arg(long)]
    pub slice_step: Option<usize>,
    #[arg(long, value_enum, default_value = "attention")]
    pub head: HeadChoice,
}

impl NetworkArgs {
    fn config(&self, regions: Vec<String>) -> ModelConfig {
        let (width, blocks, in_plane, step) = match self.size {
            Size::Full => (1.0, 9, 224, 1),
            Size::Small => (0.25, 4, 64, 2),
            Size::Tiny => (0.125, 2, 32, 2),
        };
        let width = self.width.unwrap_or(width);
        ModelConfig {
            encoder: EncoderConfig {
                in_channels: 2,
                width,
                mixed_blocks: self.blocks.unwrap_or(blocks),
            },
            head: match self.head {
                HeadChoice::Attention => HeadKind::Attention,
                HeadChoice::MultiHead => HeadKind::MultiHead {
                    heads: 8,
                    head_dim: ((128.0 * width).round() as usize).max(4),
                },
                HeadChoice::Sum => HeadKind::Sum,
            },
            regions,
            in_plane: self.in_plane.unwrap_or(in_plane),
            slice_step: self.slice_step.unwrap_or(step),
        }
    }
}

#[derive(clap::Args, Debug, Clone)]
pub struct LabelArgs {
    /// Weak labels (wide CSV, e.g. from `uptake label`).
    #[arg(long, value_name = "CSV")]
    pub labels: Option<PathBuf>,
    /// Hand labels (wide CSV, 0/1).
    #[arg(long, value_name = "CSV")]
    pub hand_labels: Option<PathBuf>,
    /// Which labels to train on.
    #[arg(long, value_enum, default_value = "weak")]
    pub label_source: LabelSource,
}

#[derive(clap::Args, Debug, Clone)]
pub struct OptimArgs {
    #[arg(long, default_value_t = 15)]
    pub epochs: usize,
    /// Exams drawn with replacement per epoch (0 = number of training exams).
    #[arg(long, default_value_t = 0)]
    pub exams_per_epoch: usize,
    #[arg(long, default_value_t = 2)]
    pub batch_size: usize,
    #[arg(long, default_value_t = 1.37e-4)]
    pub lr: f64,
    /// Halve the learning rate every N epochs.
    #[arg(long, default_value_t = 16)]
    pub halve_every: usize,
    /// Share of labelled exams held out for validation.
    #[arg(long, default_value_t = 0.2)]
    pub validation_fraction: f64,
    /// Exams to validate on (comma-separated or a file with one id per line); overrides the fraction.
    #[arg(long, value_name = "IDS|FILE")]
    pub validation_exams: Option<String>,
    #[arg(long)]
    pub no_augment: bool,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl OptimArgs {
    fn options(&self) -> TrainOptions {
        TrainOptions {
            epochs: self.epochs,
            exams_per_epoch: self.exams_per_epoch,
            batch_size: self.batch_size,
            learning_rate: self.lr,
            halve_every_epochs: self.halve_every,
            augment: !self.no_augment,
            seed: self.seed,
            validation_fraction: self.validation_fraction,
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    /// Exam store (from `uptake ingest`).
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    #[command(flatten)]
    pub labels: LabelArgs,
    /// `tasks` (regions with weak-label prevalence >= 10 %) or a comma-separated list.
    #[arg(long, default_value = "tasks")]
    pub regions: String,
    /// Run directory (checkpoints, metrics); an existing run there is resumed.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub network: NetworkArgs,
    #[command(flatten)]
    pub optim: OptimArgs,
    /// Encoder initialisation: Kinetics-400 I3D (full width only; the default when the
    /// network is full width and the weights are set up), random, a PyTorch I3D
    /// checkpoint FILE.pt / FILE.pth (the study's flow or RGB network, width must match), or
    /// RUN, the directory of an earlier run of the same encoder: its best weights, heads
    /// included when it has the same tasks and head kind. The grid (--in-plane, --slice-step)
    /// may differ, so a model trained on a coarse grid can continue on a finer one.
    #[arg(long, value_name = "kinetics|random|FILE.pt|RUN")]
    pub init: Option<Init>,
    /// Converted Kinetics weights (default: $UPTAKE_CACHE/i3d/i3d-kinetics-400.safetensors).
    #[arg(long, value_name = "FILE")]
    pub kinetics: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq)]
pub enum Target {
    /// Region labels (--regions).
    Regions,
    /// Whole-body abnormal (summary code > 1) from the manifest.
    SummaryCode,
    /// Death within --days of the patient's last scan, from the manifest.
    Mortality,
}

#[derive(clap::Args, Debug)]
pub struct FinetuneArgs {
    /// The run whose encoder to start from.
    #[arg(long, value_name = "RUN")]
    pub from: PathBuf,
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    #[arg(long, value_enum, default_value = "regions")]
    pub target: Target,
    /// Regions for single-task heads (comma-separated), with --target regions.
    #[arg(long)]
    pub regions: Option<String>,
    #[arg(long, value_name = "CSV")]
    pub manifest: Option<PathBuf>,
    #[arg(long, value_parser = ["45", "90", "180", "365"])]
    pub days: Option<String>,
    #[command(flatten)]
    pub labels: LabelArgs,
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[arg(long, default_value_t = 5)]
    pub epochs: usize,
    #[arg(long, default_value_t = 0)]
    pub exams_per_epoch: usize,
    #[arg(long, default_value_t = 1.37e-4)]
    pub lr: f64,
    #[arg(long, default_value_t = 0.2)]
    pub validation_fraction: f64,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

#[derive(clap::Args, Debug)]
pub struct PredictArgs {
    /// Run directory (its best checkpoint is used).
    #[arg(long, value_name = "RUN")]
    pub model: PathBuf,
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    /// Exams to predict (comma-separated or a file of ids); default: every exam in the store.
    #[arg(long, value_name = "IDS|FILE")]
    pub exams: Option<String>,
    /// Output CSV (wide: exam_id + one probability column per region).
    #[arg(long, value_name = "CSV")]
    pub out: PathBuf,
    /// Also write attention and saliency maps (NIfTI) and PNG overlays here.
    #[arg(long, value_name = "DIR")]
    pub maps: Option<PathBuf>,
    /// Average each exam's probabilities over the whole exam and this many fixed crops of the
    /// training crop's size (centre, then corners): test-time augmentation, N+1 passes.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub test_views: usize,
}

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    #[command(flatten)]
    pub network: NetworkArgs,
    /// Slices of the benchmark volume (the in-plane size is the network's).
    #[arg(long, default_value_t = 64)]
    pub slices: usize,
    /// Timed training steps (after one warm-up step).
    #[arg(long, default_value_t = 3)]
    pub steps: usize,
    #[arg(long, default_value_t = 2)]
    pub batch_size: usize,
    #[arg(long, default_value_t = 26)]
    pub tasks: usize,
}

fn task_region_names() -> Vec<&'static str> {
    uptake_ontology::TASK_REGIONS
        .iter()
        .map(|t| t.name)
        .collect()
}

/// Reads label tables according to the label source; unknown region columns are errors.
fn read_labels(args: &LabelArgs) -> anyhow::Result<RegionTable> {
    let known = task_region_names();
    let read = |p: &Path| -> anyhow::Result<RegionTable> {
        let t = RegionTable::read_csv(p)?;
        if let Some(bad) = t.regions().iter().find(|r| !known.contains(&r.as_str())) {
            bail!(
                "{}: column `{bad}` is not a task region (see shared/regions.md)",
                p.display()
            );
        }
        Ok(t)
    };
    let need = |p: &Option<PathBuf>, flag: &str| {
        p.clone()
            .with_context(|| format!("{flag} is required for this label source"))
    };
    Ok(match args.label_source {
        LabelSource::Weak => read(&need(&args.labels, "--labels")?)?,
        LabelSource::Hand => read(&need(&args.hand_labels, "--hand-labels")?)?,
        LabelSource::Both => {
            let weak = read(&need(&args.labels, "--labels")?)?;
            let hand = read(&need(&args.hand_labels, "--hand-labels")?)?;
            merge_hybrid(&weak, &hand)
        }
    })
}

/// Hand labels where present, weak labels elsewhere.
fn merge_hybrid(weak: &RegionTable, hand: &RegionTable) -> RegionTable {
    let mut regions: Vec<String> = weak.regions().to_vec();
    for r in hand.regions() {
        if !regions.contains(r) {
            regions.push(r.clone());
        }
    }
    let mut exams: Vec<ExamId> = weak.exams().to_vec();
    for e in hand.exams() {
        if !exams.contains(e) {
            exams.push(e.clone());
        }
    }
    let mut out = RegionTable::new(regions.clone());
    for e in exams {
        let row = regions
            .iter()
            .map(|r| hand.get(&e, r).or_else(|| weak.get(&e, r)))
            .collect();
        out.insert(e, row);
    }
    out
}

pub fn parse_ids(spec: &str) -> anyhow::Result<Vec<ExamId>> {
    let text = if Path::new(spec).is_file() {
        std::fs::read_to_string(spec).with_context(|| format!("reading {spec}"))?
    } else {
        spec.replace(',', "\n")
    };
    Ok(text.lines().filter_map(ExamId::new).collect())
}

/// `--init` as given (`--kinetics FILE` says where the Kinetics weights are), or the default.
fn kinetics_init(choice: Option<Init>, path: Option<PathBuf>, config: &ModelConfig) -> Init {
    let path = path.unwrap_or_else(uptake_scanmodel::kinetics::default_path);
    match choice {
        Some(Init::Kinetics(_)) => Init::Kinetics(path),
        Some(init) => init,
        None => Init::default_for(config, path),
    }
}

pub fn train(args: TrainArgs, global: &Global) -> anyhow::Result<()> {
    let source = StoreSource::open(&args.store)?;
    let labels = read_labels(&args.labels)?;
    let regions: Vec<String> = if args.regions == "tasks" {
        let chosen = select_tasks(&labels, 0.10);
        if chosen.is_empty() {
            bail!("no region has a weak-label prevalence of 10 % or more in the labels");
        }
        eprintln!("tasks (weak-label prevalence >= 10 %):");
        for (r, p) in &chosen {
            eprintln!("  {r:<28} {:5.1} %", 100.0 * p);
        }
        chosen.into_iter().map(|(r, _)| r).collect()
    } else {
        args.regions
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let known = task_region_names();
    if let Some(bad) = regions.iter().find(|r| !known.contains(&r.as_str())) {
        bail!("--regions: `{bad}` is not a task region (see shared/regions.md)");
    }
    let config = args.network.config(regions);
    let targets = Targets::from_table(&labels, &config.regions)?;
    let validation_exams = match &args.optim.validation_exams {
        Some(spec) => Some(parse_ids(spec)?),
        None => None,
    };
    let settings = TrainSettings {
        init: kinetics_init(args.init.clone(), args.kinetics.clone(), &config),
        config,
        options: args.optim.options(),
        validation_exams,
    };
    run_training(&source, &targets, &settings, &args.out, global)
}

/// The line after each epoch: losses, mean validation AUROC, speed.
fn epoch_line(m: &EpochMetrics) -> Option<String> {
    let mean = m
        .metrics
        .mean_auroc
        .map_or("n/a".into(), |a| format!("{a:.3}"));
    Some(format!(
        "epoch {:>3}: train loss {:.4}, val loss {:.4}, val mean AUROC {mean}, {:.1} exams/s",
        m.epoch, m.train_loss, m.metrics.validation_loss, m.metrics.exams_per_second
    ))
}

fn run_training(
    source: &dyn VolumeSource,
    targets: &Targets,
    settings: &TrainSettings,
    out: &Path,
    global: &Global,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut bar = TrainProgress::new("train", global.quiet);
    let outcome = uptake_scanmodel::train::train::<TrainBackend>(
        source,
        targets,
        settings,
        out,
        &Default::default(),
        &mut |event| bar.show(event, epoch_line),
    )?;
    bar.finish();
    if let SplitOrigin::Inherited(from) = &outcome.split {
        eprintln!(
            "validated on the exams that {} validated on",
            from.display()
        );
    }
    let state = &outcome.state;
    eprintln!(
        "done in {:.0} s: {} epochs, best epoch {} (validation score {:.4}); run in {}",
        started.elapsed().as_secs_f64(),
        state.finished_epochs,
        state.best_epoch.map_or("-".into(), |e| e.to_string()),
        state.best_score.unwrap_or(f64::NAN),
        out.display()
    );
    Ok(())
}

pub fn finetune(args: FinetuneArgs, global: &Global) -> anyhow::Result<()> {
    let source = StoreSource::open(&args.store)?;
    let base = uptake_scanmodel::run::read_config(&args.from)?;
    let (table, tasks) = match args.target {
        Target::Regions => {
            let labels = read_labels(&args.labels)?;
            let regions: Vec<String> = args
                .regions
                .as_deref()
                .context("--regions is required with --target regions")?
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            let known = task_region_names();
            if let Some(bad) = regions.iter().find(|r| !known.contains(&r.as_str())) {
                bail!("--regions: `{bad}` is not a task region (see shared/regions.md)");
            }
            (labels, regions)
        }
        Target::SummaryCode => {
            let manifest = args
                .manifest
                .as_deref()
                .context("--manifest is required with --target summary-code")?;
            let rows = uptake_scanmodel::targets::read_manifest(manifest)?;
            (
                uptake_scanmodel::targets::summary_code_table(&rows),
                vec!["summary_code".to_string()],
            )
        }
        Target::Mortality => {
            let manifest = args
                .manifest
                .as_deref()
                .context("--manifest is required with --target mortality")?;
            let days: i64 = args
                .days
                .as_deref()
                .context("--days is required with --target mortality")?
                .parse()?;
            let rows = uptake_scanmodel::targets::read_manifest(manifest)?;
            (
                uptake_scanmodel::targets::mortality_table(&rows, days),
                vec![format!("mortality_{days}d")],
            )
        }
    };
    let options = TrainOptions {
        epochs: args.epochs,
        exams_per_epoch: args.exams_per_epoch,
        learning_rate: args.lr,
        seed: args.seed,
        validation_fraction: args.validation_fraction,
        ..TrainOptions::default()
    };
    // Single-task heads: one run per task, each keeping its best epoch by validation AUROC.
    for task in &tasks {
        let settings = TrainSettings {
            config: ModelConfig {
                regions: vec![task.clone()],
                ..base.clone()
            },
            options: options.clone(),
            init: Init::EncoderFrom(args.from.clone()),
            validation_exams: None,
        };
        let targets = Targets::from_table(&table, &settings.config.regions)?;
        let out = if tasks.len() == 1 {
            args.out.clone()
        } else {
            args.out.join(task)
        };
        eprintln!(
            "fine-tuning `{task}` from {} into {}",
            args.from.display(),
            out.display()
        );
        run_training(&source, &targets, &settings, &out, global)?;
    }
    Ok(())
}

pub fn predict(args: PredictArgs, global: &Global) -> anyhow::Result<()> {
    let source = StoreSource::open(&args.store)?;
    let exams = match &args.exams {
        Some(spec) => parse_ids(spec)?,
        None => source.exam_ids(),
    };
    let table = uptake_scanmodel::predict::predict_run::<Backend>(
        &args.model,
        &source,
        &exams,
        args.maps.as_deref(),
        args.test_views,
        global.quiet,
        &Default::default(),
    )?;
    table.write_csv(&args.out)?;
    eprintln!(
        "{} exams x {} regions -> {}",
        table.len(),
        table.regions().len(),
        args.out.display()
    );
    if let Some(dir) = &args.maps {
        eprintln!(
            "attention, saliency and guided-backprop maps (NIfTI) and overlays (PNG) in {}",
            dir.display()
        );
    }
    Ok(())
}

pub fn bench(args: BenchArgs, global: &Global) -> anyhow::Result<()> {
    let config = args
        .network
        .config((0..args.tasks).map(|i| format!("task{i}")).collect());
    let report = uptake_scanmodel::bench::train_step::<TrainBackend>(
        &config,
        args.slices,
        args.batch_size,
        args.steps,
        &Default::default(),
    )?;
    if !global.quiet {
        println!("{report}");
    }
    Ok(())
}

/// The exam store as the scan model's [`VolumeSource`]: HU/SUV volumes windowed into the two
/// fixed model channels. NaN in a stored volume is an error here (the windowing would silently
/// map it to the low end).
pub struct StoreSource {
    store: ExamStore,
}

impl StoreSource {
    pub fn open(dir: &Path) -> ScanResult<Self> {
        let store = ExamStore::open(dir).map_err(|e| ScanModelError::file(dir, e.to_string()))?;
        Ok(Self { store })
    }
}

impl VolumeSource for StoreSource {
    fn exam_ids(&self) -> Vec<ExamId> {
        self.store.exam_ids()
    }

    fn load(&self, exam: &ExamId) -> ScanResult<ModelVolume> {
        if !self.store.contains(exam) {
            return Err(ScanModelError::MissingExam(format!(
                "{exam} (store {})",
                self.store.dir().display()
            )));
        }
        let v = self
            .store
            .load(exam)
            .map_err(|e| ScanModelError::BadVolume {
                exam: exam.to_string(),
                what: e.to_string(),
            })?;
        let [_, rows, cols] = v.geometry.shape;
        for (name, ch) in [("CT", &v.ct_hu), ("PET", &v.pet_suv)] {
            if let Some(i) = ch.iter().position(|x| x.is_nan()) {
                return Err(ScanModelError::BadVolume {
                    exam: exam.to_string(),
                    what: format!(
                        "NaN {name} value at slice {}, row {}, col {}",
                        i / (rows * cols),
                        (i / cols) % rows,
                        i % cols
                    ),
                });
            }
        }
        let [ct, pet] = model_channels(&v);
        let volume = ModelVolume {
            exam_id: v.exam_id,
            shape: v.geometry.shape,
            spacing_mm: v.geometry.spacing_mm,
            origin_mm: v.geometry.origin_mm,
            ct,
            pet,
        };
        volume.validate()?;
        Ok(volume)
    }
}
