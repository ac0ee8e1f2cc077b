//! `uptake train`, `uptake finetune`, `uptake predict` and `uptake bench scan-model`: the scan
//! model (crate uptake-scanmodel) on an exam store and label tables.

use std::path::PathBuf;

use uptake_core::ExamList;
use uptake_scanmodel::bench::{BenchSettings, TorchBaseline, compare};
use uptake_scanmodel::finetune::FinetuneSettings;
use uptake_scanmodel::init::Init;
use uptake_scanmodel::loader_bench::{LoaderBenchSettings, StepTiming, bench_loader};
use uptake_scanmodel::predict::{PredictRequest, PredictSettings};
use uptake_scanmodel::request::{PlannedRun, TrainRequest};
use uptake_scanmodel::targets::{FinetuneTarget, TargetInputs, TargetKind};
use uptake_scanmodel::train::{Compute, TrainOptions};
use uptake_scanmodel::{
    EncoderPooling, HeadChoice, LabelSource, NetworkSettings, SizePreset, StoreSource, TaskSelection,
    TrainingLabels,
};
use uptake_training::{Device, Nodes};

use crate::common::{Bars, DeviceArgs, Global, within};
use crate::train_progress::TrainProgress;

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
    #[arg(long, value_parser = within(1..=64))]
    pub slice_step: Option<usize>,
    /// Heads: `attention` (the paper's soft attention), `multi-head` (the original code's 8
    /// heads with key/value projections) or `sum` (ablation).
    #[arg(long, default_value = "attention")]
    pub head: HeadChoice,
    /// Pooling layers: `published` (all of I3D's: the feature grid is 1/8 x 1/32 x 1/32 of
    /// the input whatever the depth) or `before-kept-blocks` (none after the last kept block:
    /// a shallow network keeps a finer grid for its attention).
    #[arg(long)]
    pub pooling: Option<EncoderPooling>,
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
            pooling: self.pooling,
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
    /// Which labels to train on: `weak` (--labels), `hand` (--hand-labels) or `both` (hand
    /// labels where present, weak labels elsewhere: the paper's hybrid).
    #[arg(long, default_value = "weak", value_name = "weak|hand|both")]
    pub label_source: LabelSource,
}

/// Where a network trains.
#[derive(clap::Args, Debug, Clone)]
pub struct ComputeArgs {
    /// `cpu`, `cuda` or `cuda:N` (a build with `--features gpu`); several, e.g.
    /// `cuda:0,cuda:1`, train data-parallel, each device on --batch-size exams of every step.
    #[arg(
        long,
        visible_alias = "device",
        value_delimiter = ',',
        default_value = "cpu"
    )]
    pub devices: Vec<Device>,
    /// A run over several machines: `RANK/COUNT,ORCHESTRATOR,ADDRESS` (see docs/cluster.md).
    #[arg(long, value_name = "RANK/COUNT,ORCHESTRATOR,ADDRESS")]
    pub nodes: Option<Nodes>,
    /// Threads preparing exams while the device computes (0: none), at most this many
    /// batches ahead.
    #[arg(long, default_value_t = 2, value_parser = within(0..=64))]
    pub loader_workers: usize,
}

#[derive(clap::Args, Debug, Clone)]
pub struct OptimArgs {
    #[arg(long, default_value_t = 15, value_parser = within(1..=100_000))]
    pub epochs: usize,
    /// Exams drawn with replacement per epoch (0 = number of training exams).
    #[arg(long, default_value_t = 0, value_parser = within(0..=100_000_000))]
    pub exams_per_epoch: usize,
    #[arg(long, default_value_t = 2, value_parser = within(1..=4096))]
    pub batch_size: usize,
    #[arg(long, default_value_t = 1.37e-4)]
    pub lr: f64,
    /// Halve the learning rate every N epochs.
    #[arg(long, default_value_t = 16, value_parser = within(1..=100_000))]
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
    #[arg(long, default_value = "prevalent", value_name = "SELECTION")]
    pub regions: TaskSelection,
    /// Run directory (checkpoints, metrics); an existing run there is resumed.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub network: NetworkArgs,
    #[command(flatten)]
    pub optim: OptimArgs,
    #[command(flatten)]
    pub compute: ComputeArgs,
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

#[derive(clap::Args, Debug)]
pub struct FinetuneArgs {
    /// The run whose encoder to start from.
    #[arg(long, value_name = "RUN")]
    pub from: PathBuf,
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    /// `regions` (--regions), `summary-code` (whole-body abnormal, summary code > 1, from the
    /// manifest) or `mortality` (death within --days of the patient's last scan, from the
    /// manifest).
    #[arg(long, default_value = "regions", value_name = "TARGET")]
    pub target: TargetKind,
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
    #[arg(long, default_value_t = 5, value_parser = within(1..=100_000))]
    pub epochs: usize,
    #[arg(long, default_value_t = 0, value_parser = within(0..=100_000_000))]
    pub exams_per_epoch: usize,
    #[arg(long, default_value_t = 1.37e-4)]
    pub lr: f64,
    #[arg(long, default_value_t = 0.2)]
    pub validation_fraction: f64,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub compute: ComputeArgs,
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
    #[arg(long, default_value_t = 0, value_name = "N", value_parser = within(0..=64))]
    pub test_views: usize,
    /// Only shard i of n of the exams (a cluster job array; `uptake merge` joins the parts).
    #[arg(long, value_name = "i/n")]
    pub shard: Option<uptake_imaging::Shard>,
    #[command(flatten)]
    pub device: DeviceArgs,
}

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    #[command(flatten)]
    pub network: NetworkArgs,
    /// Slices of the benchmark volume (the in-plane size is the network's).
    #[arg(long, default_value_t = 64, value_parser = within(1..=1024))]
    pub slices: usize,
    /// Timed training steps (after one warm-up step), per batch size.
    #[arg(long, default_value_t = 3, value_parser = within(1..=10_000))]
    pub steps: usize,
    /// Batch sizes, each timed with a model of its own (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = [1, 2], value_parser = within(1..=256))]
    pub batch_size: Vec<usize>,
    #[arg(long, default_value_t = 26, value_parser = within(1..=1024))]
    pub tasks: usize,
    /// Also time each kind of CPU kernel and print where the step's time goes.
    #[arg(long)]
    pub profile: bool,
    /// Python with torch for PyTorch's side of the comparison (default
    /// $UPTAKE_CACHE/venv-torch/bin/python; skipped when absent).
    #[arg(long, value_name = "PYTHON")]
    pub torch_python: Option<PathBuf>,
    #[command(flatten)]
    pub device: DeviceArgs,
}

#[derive(clap::Args, Debug)]
pub struct BenchLoaderArgs {
    /// Exam store to load (`uptake ingest`): each exam once, in batches of --batch-size.
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    #[command(flatten)]
    pub network: NetworkArgs,
    #[arg(long, default_value_t = 2, value_parser = within(1..=256))]
    pub batch_size: usize,
    #[arg(long, default_value_t = 2, value_parser = within(0..=64))]
    pub loader_workers: usize,
    /// Seconds per step of a batch measured elsewhere (`bench scan-model` on a GPU); default:
    /// one step timed here on --device.
    #[arg(long, value_name = "S")]
    pub step_seconds: Option<f64>,
    #[arg(long, default_value = "cpu")]
    pub device: Device,
}

#[derive(clap::Args, Debug)]
pub struct OrchestratorArgs {
    /// The port the machines of a data-parallel run reach it at.
    #[arg(long, default_value_t = 3000)]
    pub port: u16,
}

pub fn train(args: TrainArgs, global: &Global) -> anyhow::Result<()> {
    let source = StoreSource::open(&args.store)?;
    let l = &args.labels;
    let request = TrainRequest {
        labels: TrainingLabels::from_source(
            l.label_source,
            l.labels.clone(),
            l.hand_labels.clone(),
        )?,
        regions: args.regions,
        network: args.network.settings(),
        options: args.optim.options(),
        validation_exams: args.optim.validation_exams,
        init: args.init,
        kinetics: args.kinetics,
        out: args.out,
    };
    let (run, listing) = request.plan()?;
    if let Some(listing) = listing.filter(|_| !global.quiet) {
        eprintln!("{listing}");
    }
    run_training(&source, &run, &args.compute, global)
}

fn run_training(
    source: &StoreSource,
    run: &PlannedRun,
    c: &ComputeArgs,
    global: &Global,
) -> anyhow::Result<()> {
    let compute = Compute::new(c.devices.clone(), c.nodes.clone(), c.loader_workers);
    let mut bar = TrainProgress::new("train", global.quiet);
    let line = |m: &_| Some(uptake_scanmodel::train::epoch_line(m));
    let outcome = run.train(source, &compute, &mut |event| bar.show(event, line))?;
    bar.finish();
    eprintln!("{outcome}");
    Ok(())
}

pub fn finetune(args: FinetuneArgs, global: &Global) -> anyhow::Result<()> {
    let source = StoreSource::open(&args.store)?;
    let inputs = TargetInputs {
        label_source: args.labels.label_source,
        weak_labels: args.labels.labels,
        hand_labels: args.labels.hand_labels,
        regions: args.regions,
        manifest: args.manifest,
        days: args.days,
    };
    let options = TrainOptions {
        epochs: args.epochs,
        exams_per_epoch: args.exams_per_epoch,
        learning_rate: args.lr,
        seed: args.seed,
        validation_fraction: args.validation_fraction,
        ..TrainOptions::default()
    };
    let target = FinetuneTarget::new(args.target, inputs)?;
    let (from, out) = (args.from, args.out);
    let settings = FinetuneSettings {
        from,
        target,
        options,
    };
    // Single-task heads: one run per task, each keeping its best epoch by validation AUROC.
    for finetuning in settings.runs(&out)? {
        eprintln!("{finetuning}");
        run_training(&source, &finetuning.run, &args.compute, global)?;
    }
    Ok(())
}

pub fn predict(args: PredictArgs, global: &Global) -> anyhow::Result<()> {
    let source = StoreSource::open(&args.store)?;
    let settings = PredictSettings {
        test_views: args.test_views,
        maps_dir: args.maps,
    };
    let request = PredictRequest {
        run: args.model,
        exams: args.exams,
        shard: args.shard,
        settings,
        device: args.device.device,
        out: args.out,
    };
    eprintln!("{}", request.run(&source, &Bars::new(global.quiet))?);
    Ok(())
}

pub fn bench(args: BenchArgs, global: &Global) -> anyhow::Result<()> {
    let tasks = (0..args.tasks).map(|i| format!("task{i}")).collect();
    let config = args.network.settings().model_config(tasks);
    let settings = BenchSettings {
        slices: args.slices,
        steps: args.steps,
        batch_sizes: args.batch_size.clone(),
        profile: args.profile,
    };
    let baseline = TorchBaseline::new(args.torch_python.clone());
    let report = compare(&config, &settings, &baseline, args.device.device)?;
    report.notes.iter().for_each(|note| eprintln!("{note}"));
    if !global.quiet {
        println!("{report}");
    }
    Ok(())
}

pub fn bench_loading(args: BenchLoaderArgs) -> anyhow::Result<()> {
    let settings = LoaderBenchSettings {
        network: args.network.settings(),
        batch_size: args.batch_size,
        workers: args.loader_workers,
        step: StepTiming::given_or_measured(args.step_seconds, args.device),
    };
    println!(
        "{}",
        bench_loader(&StoreSource::open(&args.store)?, &settings)?
    );
    Ok(())
}

/// `uptake orchestrator`: burn's orchestrator for a data-parallel run over several machines.
pub fn orchestrator(args: OrchestratorArgs) -> anyhow::Result<()> {
    eprintln!("orchestrator on port {} (Ctrl-C stops it)", args.port);
    Ok(uptake_training::run_orchestrator(args.port)?)
}
