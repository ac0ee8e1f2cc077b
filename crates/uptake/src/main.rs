//! `uptake`: the command-line front door. Thin: parses arguments, calls the library crates,
//! turns their errors into messages (anyhow) and exit codes.

mod cmd;
mod common;
mod train_progress;

use clap::{Parser, Subcommand};
use uptake_stats::bench::{BenchSize, bench_analysis};

/// Weakly supervised, anatomically resolved abnormality detection in whole-body FDG-PET/CT
///
/// Turns whole-body FDG-PET/CT exams and their free-text reports into models that detect and
/// locate abnormal FDG uptake region by region, with no hand-labelled images.
///
/// Pipeline: reports -> mentions (tag) -> weak labels (label) ; DICOM -> exam store (ingest) ;
/// (store, labels) -> scan model (train) -> predictions (predict) -> analysis (evaluate, compare,
/// worklist, survival, report).
#[derive(Parser)]
#[command(name = "uptake", version)]
struct Cli {
    #[command(flatten)]
    global: common::Global,
    #[command(subcommand)]
    command: Command,
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Run the whole pipeline on a fresh synthetic cohort and print what to look at.
    Demo(cmd::demo::Args),
    /// Measure speed: prints figures (see the README for the goals).
    #[command(subcommand)]
    Bench(Bench),
    /// Synthetic data: whole-body PET/CT cohorts (DICOM, reports, labels, outcomes).
    #[command(subcommand)]
    Synth(cmd::synth::SynthCommand),
    /// The BERT report model: train, evaluate, cross-validate (mention classifier).
    #[command(subcommand)]
    ReportModel(cmd::report_model::ReportModelCommand),
    /// Hand-label tagged mentions in a local web page (and measure agreement between people).
    Annotate(cmd::annotate::Args),
    /// Validate and inspect the region ontology (check, tree, show).
    #[command(subcommand)]
    Ontology(cmd::ontology::Cmd),
    /// DICOM PET/CT -> exam store: CT in HU, PET in SUV, on the model grid.
    Ingest(cmd::imaging::IngestArgs),
    /// Look at one exam: geometry, SUV statistics, a coronal MIP picture.
    Inspect(cmd::imaging::InspectArgs),
    /// Find region mentions in reports (findings and impression) -> mentions JSONL.
    Tag(cmd::tag::Args),
    Label(cmd::label::Args),
    // The analysis commands' help is the doc comment of their arguments.
    Evaluate(cmd::evaluate::Args),
    Compare(cmd::compare::Args),
    Worklist(cmd::worklist::Args),
    Survival(cmd::survival::Args),
    Report(cmd::report::Args),
    /// Train the multi-task scan model (I3D + per-region attention) on an exam store and labels.
    Train(cmd::scan_model::TrainArgs),
    /// Fine-tune a trained scan model: single-task heads, summary code or mortality.
    Finetune(cmd::scan_model::FinetuneArgs),
    /// Per-region probabilities of a scan model, with attention and saliency maps on request.
    Predict(cmd::scan_model::PredictArgs),
    /// Join the outputs of sharded jobs (`--shard i/n`) into one table, refusing overlaps and
    /// naming missing exams.
    Merge(cmd::merge::Args),
    /// burn's orchestrator, which the machines of a multi-machine `train --nodes` run join.
    Orchestrator(cmd::scan_model::OrchestratorArgs),
    /// How much of each region's attention falls on that region and its lesions (needs image
    /// truth: the synthetic cohort's regions.json files).
    Localise(cmd::localise::LocaliseArgs),
    /// The study on a cohort from one plan: plan, run (resumable, --jobs, Slurm), status, report.
    #[command(subcommand)]
    Study(cmd::study::Cmd),
}

/// `uptake bench ...`: speed figures. Benchmarks print numbers; tests never time anything.
#[derive(clap::Subcommand, Debug)]
enum Bench {
    /// AUROC, 1,000-resample bootstrap CIs and 10,000-iteration permutation tests for
    /// 26 regions x 5 seeds x 814 exams (two models).
    Analysis,
    /// Report model labelling throughput (sentences/s, mentions/s, reports/s) and one
    /// fine-tuning epoch of 100 mentions.
    ReportModel(cmd::report_model::BenchArgs),
    /// Sectioning, sentence splitting and tagging of generated reports: reports/s on one core.
    Tagging(cmd::tag::BenchArgs),
    /// Ingest one 250-slice PET/CT exam (CT 512x512, PET 128x128) into the store: seconds per
    /// exam, beside the same conversion in pydicom + numpy + scipy.
    Ingest(cmd::imaging::BenchIngestArgs),
    /// Scan model training step (forward + backward + Adam): seconds and peak memory, for a
    /// network preset (--size small|full) on a 2 x slices x N x N input.
    ScanModel(cmd::scan_model::BenchArgs),
    /// Training's loading alone (store read, crop and resample to the grid, batching): exams/s
    /// beside the step rate of the same batches, so one sees which side bounds training.
    Loader(cmd::scan_model::BenchLoaderArgs),
    /// Labelling tool: milliseconds per saved label (journal append + fsync + atomic rewrite
    /// of the mention file) for a session of --sentences sentences.
    Annotate(cmd::annotate::BenchArgs),
    /// Fuzz every reader of user files (reports, region tables, mentions, ontology, rules,
    /// exam store, PyTorch checkpoints, DICOM) with seeded mutants: cases and panics per reader.
    Fuzz(cmd::fuzz::FuzzArgs),
}

/// The error and its causes, each said once: library errors often name their cause in their
/// own message already.
fn message(err: &anyhow::Error) -> String {
    let mut text = err.to_string();
    for cause in err.chain().skip(1).map(|c| c.to_string()) {
        if !text.contains(&cause) {
            text = format!("{text}: {cause}");
        }
    }
    text
}

fn main() -> std::process::ExitCode {
    uptake_core::process::keep_freed_memory();
    let cli = Cli::parse();
    common::init_logging(&cli.global);
    // The labelling server handles its own signals (it saves every answered label first).
    if !matches!(cli.command, Command::Annotate(_)) {
        uptake_core::process::end_quietly_on_closed_pipe();
        if let Err(err) = uptake_core::interrupt::clean_up_on_signals() {
            tracing::warn!("Ctrl-C will not remove temporary files: {err}");
        }
    }
    match dispatch(cli.command, &cli.global) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", message(&err));
            std::process::ExitCode::from(2)
        }
    }
}

/// Runs one benchmark.
fn run_bench(bench: Bench, global: &common::Global) -> anyhow::Result<()> {
    match bench {
        Bench::Analysis => {
            let bars = common::Bars::new(global.quiet);
            print!("{}", bench_analysis(BenchSize::default(), &bars));
            Ok(())
        }
        Bench::ReportModel(args) => cmd::report_model::bench(args, global),
        Bench::Tagging(args) => cmd::tag::bench(args, global),
        Bench::Ingest(args) => cmd::imaging::run_bench_ingest(args, global),
        Bench::ScanModel(args) => cmd::scan_model::bench(args, global),
        Bench::Loader(args) => cmd::scan_model::bench_loading(args),
        Bench::Annotate(args) => cmd::annotate::bench(args, global),
        Bench::Fuzz(args) => cmd::fuzz::run(args, global),
    }
}

/// Runs one parsed command.
fn dispatch(command: Command, global: &common::Global) -> anyhow::Result<()> {
    match command {
        Command::Demo(args) => cmd::demo::run(args, global),
        Command::Bench(bench) => run_bench(bench, global),
        Command::Synth(c) => cmd::synth::run(c, global),
        Command::ReportModel(c) => cmd::report_model::run(c, global),
        Command::Annotate(args) => cmd::annotate::run(args, global),
        Command::Ontology(c) => cmd::ontology::run(c, global),
        Command::Tag(args) => cmd::tag::run(args, global),
        Command::Label(args) => cmd::label::run(args, global),
        Command::Evaluate(args) => cmd::evaluate::run(args, global),
        Command::Compare(args) => cmd::compare::run(args, global),
        Command::Worklist(args) => cmd::worklist::run(args, global),
        Command::Survival(args) => cmd::survival::run(args, global),
        Command::Report(args) => cmd::report::run(args, global),
        Command::Ingest(args) => cmd::imaging::run_ingest(args, global),
        Command::Inspect(args) => cmd::imaging::run_inspect(args, global),
        Command::Train(args) => cmd::scan_model::train(args, global),
        Command::Finetune(args) => cmd::scan_model::finetune(args, global),
        Command::Predict(args) => cmd::scan_model::predict(args, global),
        Command::Merge(args) => cmd::merge::run(args, global),
        Command::Orchestrator(args) => cmd::scan_model::orchestrator(args),
        Command::Localise(args) => cmd::localise::run(args, global),
        Command::Study(c) => cmd::study::run(c, global),
    }
}
