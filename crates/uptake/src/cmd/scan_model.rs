//! `uptake train`, `uptake finetune`, `uptake predict` and `uptake bench scan-model`: the scan
//! model (crate uptake-scanmodel) on an exam store and label tables.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use uptake_core::ExamList;
use uptake_scanmodel::config::ModelConfig;
use uptake_scanmodel::data::VolumeSource;
use uptake_scanmodel::init::Init;
use uptake_scanmodel::predict::{PredictSettings, predict_run};
use uptake_scanmodel::targets::{FinetuneTarget, TargetTable};
use uptake_scanmodel::train::{EpochMetrics, SplitOrigin, Targets, TrainOptions, TrainSettings};
use uptake_scanmodel::{
    HeadChoice, NetworkSettings, SizePreset, StoreSource, TaskSelection, TrainingLabels,
};

use crate::common::{Bars, Global};
use crate::train_progress::TrainProgress;

/// CPU (flex) by default; CUDA when built with `--features gpu`.
type Backend = uptake_scanmodel::DefaultBackend;
type TrainBackend = uptake_scanmodel::DefaultTrainBackend;

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
    /// Network size preset (width, depth, input grid), overridden by the options below:
    /// `full` (the published I3D, 224 x 224 slices: GPU territory), `small` (width 1/4,
    /// 4 Inception blocks, 64 x 64 slices merged in pairs: trains on a CPU in minutes) or
    /// `tiny` (width 1/8, 2 blocks, 32 x 32: for quick checks).
    #[arg(long, default_value = "small")]
    pub size: SizePreset,
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
    /// Heads: `attention` (the paper's soft attention), `multi-head` (the original code's 8
    /// heads with key/value projections) or `sum` (ablation).
    #[arg(long, default_value = "attention")]
    pub head: HeadChoice,
}

impl NetworkArgs {
    fn settings(&self) -> NetworkSettings {
        NetworkSettings {
            size: self.size,
            width: self.width,
            blocks: self.blocks,
            in_plane: self.in_plane,
            slice_step: self.slice_step,
            head: self.head,
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

impl LabelArgs {
    fn training_labels(&self) -> anyhow::Result<TrainingLabels> {
        let need = |p: &Option<PathBuf>, flag: &str| {
            p.clone()
                .with_context(|| format!("{flag} is required for this label source"))
        };
        Ok(match self.label_source {
            LabelSource::Weak => TrainingLabels::Weak(need(&self.labels, "--labels")?),
            LabelSource::Hand => TrainingLabels::Hand(need(&self.hand_labels, "--hand-labels")?),
            LabelSource::Both => TrainingLabels::Hybrid {
                weak: need(&self.labels, "--labels")?,
                hand: need(&self.hand_labels, "--hand-labels")?,
            },
        })
    }
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
    /// Exams to validate on: ids separated by commas, or @FILE with one id per line;
    /// overrides the fraction.
    #[arg(long, value_name = "IDS|@FILE")]
    pub validation_exams: Option<ExamList>,
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
    /// Task regions: `prevalent` (label prevalence >= 10 %), `prevalent:P` (>= P, e.g. 0.2 or
    /// 20%), `tasks` (all 30 task regions) or a comma-separated list.
    #[arg(
        long,
        default_value = "prevalent",
        value_name = "prevalent[:P]|tasks|R1,R2"
    )]
    pub regions: TaskSelection,
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
    /// Regions for single-task heads, one run each, with --target regions: a comma-separated
    /// list, `prevalent[:P]` or `tasks` (as for `uptake train`).
    #[arg(long, value_name = "R1,R2|prevalent[:P]|tasks")]
    pub regions: Option<TaskSelection>,
    /// Cohort manifest, with --target summary-code or mortality.
    #[arg(long, value_name = "CSV")]
    pub manifest: Option<PathBuf>,
    /// Mortality horizon in days after the patient's last scan, with --target mortality.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub days: Option<u32>,
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
    /// Exams to predict: ids separated by commas, or @FILE with one id per line; default:
    /// every exam in the store.
    #[arg(long, value_name = "IDS|@FILE")]
    pub exams: Option<ExamList>,
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
    /// Timed training steps (after one warm-up step), per batch size.
    #[arg(long, default_value_t = 3)]
    pub steps: usize,
    /// Batch sizes, each timed with a model of its own (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = [1, 2])]
    pub batch_size: Vec<usize>,
    #[arg(long, default_value_t = 26)]
    pub tasks: usize,
    /// Also time each kind of CPU kernel and print where the step's time goes.
    #[arg(long)]
    pub profile: bool,
    /// Python with torch for PyTorch's side of the comparison (default
    /// $UPTAKE_CACHE/venv-torch/bin/python; skipped when absent).
    #[arg(long, value_name = "PYTHON")]
    pub torch_python: Option<PathBuf>,
}

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
    let labels = args.labels.training_labels()?.read()?;
    let regions = select_regions(&args.regions, &labels, global)?;
    let config = args.network.settings().model_config(regions);
    let targets = Targets::from_table(&labels, &config.regions)?;
    let validation_exams = match &args.optim.validation_exams {
        Some(list) => Some(list.read()?),
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

/// The selected regions; a prevalence selection lists each region with its prevalence.
fn select_regions(
    selection: &TaskSelection,
    labels: &uptake_core::RegionTable,
    global: &Global,
) -> anyhow::Result<Vec<String>> {
    let chosen = selection.select(labels)?;
    if let TaskSelection::Prevalent { min_prevalence } = selection
        && !global.quiet
    {
        eprintln!("tasks (label prevalence >= {} %):", 100.0 * min_prevalence);
        for t in &chosen {
            let p = t.prevalence.unwrap_or(0.0);
            eprintln!("  {:<28} {:5.1} %", t.region, 100.0 * p);
        }
    }
    Ok(chosen.into_iter().map(|t| t.region).collect())
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
    let TargetTable { table, tasks } = finetune_target(&args)?.table()?;
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

/// The target `uptake finetune` trains on, from its options.
fn finetune_target(args: &FinetuneArgs) -> anyhow::Result<FinetuneTarget> {
    let manifest = |target: &str| {
        args.manifest
            .clone()
            .with_context(|| format!("--manifest is required with --target {target}"))
    };
    Ok(match args.target {
        Target::Regions => FinetuneTarget::Regions {
            labels: args.labels.training_labels()?,
            regions: args
                .regions
                .clone()
                .context("--regions is required with --target regions")?,
        },
        Target::SummaryCode => FinetuneTarget::SummaryCode {
            manifest: manifest("summary-code")?,
        },
        Target::Mortality => FinetuneTarget::Mortality {
            manifest: manifest("mortality")?,
            days: args
                .days
                .context("--days is required with --target mortality")?,
        },
    })
}

pub fn predict(args: PredictArgs, global: &Global) -> anyhow::Result<()> {
    let source = StoreSource::open(&args.store)?;
    let exams = match &args.exams {
        Some(list) => list.read()?,
        None => source.exam_ids(),
    };
    let settings = PredictSettings {
        test_views: args.test_views,
        maps_dir: args.maps.clone(),
    };
    let bars = Bars::new(global.quiet);
    let device = Default::default();
    let table = predict_run::<Backend>(&args.model, &source, &exams, &settings, &bars, &device)?;
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
    use uptake_scanmodel::bench::{BenchSettings, Comparison, TorchBaseline, torch_step};
    let config = args
        .network
        .settings()
        .model_config((0..args.tasks).map(|i| format!("task{i}")).collect());
    let settings = BenchSettings {
        slices: args.slices,
        steps: args.steps,
        batch_sizes: args.batch_size.clone(),
        profile: args.profile,
    };
    let ours = uptake_scanmodel::bench::train_step::<TrainBackend>(
        &config,
        &settings,
        &Default::default(),
    )?;
    let baseline = TorchBaseline {
        python: args
            .torch_python
            .unwrap_or_else(|| uptake_core::cache_dir().join("venv-torch/bin/python")),
        script: uptake_scanmodel::bench::torch_script(),
    };
    let torch: Vec<_> = if baseline.python.is_file() {
        let run = |&batch: &usize| torch_step(&baseline, &config, &settings, batch);
        (settings.batch_sizes.iter().map(run))
            .map(|r| r.map_err(|e| eprintln!("PyTorch: {e}")).ok())
            .collect()
    } else {
        eprintln!(
            "PyTorch: skipped ({} not found; a venv with torch there runs scripts/bench-i3d-torch.py)",
            baseline.python.display()
        );
        Vec::new()
    };
    if !global.quiet {
        println!(
            "{}",
            Comparison {
                ours: &ours,
                torch: &torch
            }
        );
    }
    Ok(())
}
