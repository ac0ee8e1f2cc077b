//! `uptake train`, `uptake finetune`, `uptake predict` and `uptake bench scan-model`: the scan
//! model (crate uptake-scanmodel) on an exam store and label tables.

use std::path::PathBuf;

use uptake_scanmodel::bench::{BenchSettings, TorchBaseline, compare};
use uptake_scanmodel::finetune::FinetuneSettings;
use uptake_scanmodel::loader_bench::{LoaderBenchSettings, StepTiming, bench_loader};
use uptake_scanmodel::predict::PredictRequest;
use uptake_scanmodel::request::{PlannedRun, TrainRequest};
use uptake_scanmodel::targets::{FinetuneTarget, TargetInputs};
use uptake_scanmodel::train::{Compute, TrainOptions};
use uptake_scanmodel::{NetworkSettings, StoreSource};
use uptake_training::{Device, Nodes};

use crate::common::{Bars, DeviceArgs, Global, within};
use crate::train_progress::TrainProgress;

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

#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    /// Exam store (from `uptake ingest`).
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    #[command(flatten)]
    pub request: TrainRequest,
    #[command(flatten)]
    pub compute: ComputeArgs,
}

#[derive(clap::Args, Debug)]
pub struct FinetuneArgs {
    /// The run whose encoder to start from.
    #[arg(long, value_name = "RUN")]
    pub from: PathBuf,
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    #[command(flatten)]
    pub target: TargetInputs,
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
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    #[command(flatten)]
    pub request: PredictRequest,
}

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    #[command(flatten)]
    pub network: NetworkSettings,
    #[command(flatten)]
    pub settings: BenchSettings,
    #[arg(long, default_value_t = 26, value_parser = within(1..=1024))]
    pub tasks: usize,
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
    pub network: NetworkSettings,
    #[arg(long, default_value_t = 2, value_parser = within(1..=256))]
    pub batch_size: usize,
    #[arg(long, default_value_t = 2, value_parser = within(0..=64))]
    pub loader_workers: usize,
    /// Seconds per step of a batch measured elsewhere (`bench scan-model` on a GPU); default:
    /// one step timed here on --device.
    #[arg(long, value_name = "S")]
    pub step_seconds: Option<f64>,
    #[command(flatten)]
    pub device: DeviceArgs,
}

#[derive(clap::Args, Debug)]
pub struct OrchestratorArgs {
    /// The port the machines of a data-parallel run reach it at.
    #[arg(long, default_value_t = 3000)]
    pub port: u16,
}

pub fn train(args: TrainArgs, global: &Global) -> anyhow::Result<()> {
    let source = StoreSource::open(&args.store)?;
    let (run, listing) = args.request.plan()?;
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
    let options = TrainOptions {
        epochs: args.epochs,
        exams_per_epoch: args.exams_per_epoch,
        learning_rate: args.lr,
        seed: args.seed,
        validation_fraction: args.validation_fraction,
        ..TrainOptions::default()
    };
    let target = FinetuneTarget::new(&args.target)?;
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
    let predicted = args.request.run(&source, &Bars::new(global.quiet))?;
    eprintln!("{predicted}");
    Ok(())
}

pub fn bench(args: BenchArgs, global: &Global) -> anyhow::Result<()> {
    let tasks = (0..args.tasks).map(|i| format!("task{i}")).collect();
    let config = args.network.model_config(tasks);
    let baseline = TorchBaseline::new(args.torch_python.clone());
    let report = compare(&config, &args.settings, &baseline, args.device.device)?;
    report.notes.iter().for_each(|note| eprintln!("{note}"));
    if !global.quiet {
        println!("{report}");
    }
    Ok(())
}

pub fn bench_loading(args: BenchLoaderArgs) -> anyhow::Result<()> {
    let settings = LoaderBenchSettings {
        network: args.network,
        batch_size: args.batch_size,
        workers: args.loader_workers,
        step: StepTiming::given_or_measured(args.step_seconds, args.device.device),
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
