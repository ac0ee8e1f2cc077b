//! `uptake annotate`: the labelling web app (reports -> tagged sentences -> a person's labels),
//! and `uptake annotate agreement` (Cohen's kappa per region between two people's files).

use crate::common::{Bars, DeviceArgs, Global, ReportInputArgs, load_ontology, within};
use anyhow::bail;
use std::net::IpAddr;
use std::path::PathBuf;
use uptake_annotate::{
    ActiveOrder, SaveBenchSettings, ServeOptions, Session, SessionSettings, agreement_of_files,
    time_saving_labels,
};

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Sub>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(clap::Subcommand, Debug)]
enum Sub {
    /// Cohen's kappa per region between two people who labelled the same sample.
    Agreement(AgreementArgs),
}

#[derive(clap::Args, Debug)]
struct ServeArgs {
    /// Report file (.jsonl, .csv or FHIR, as `uptake tag` reads).
    #[arg(long, value_name = "FILE")]
    reports: Option<PathBuf>,
    #[command(flatten)]
    input: ReportInputArgs,
    /// The labelled mention file to write (the format `report-model train --mentions` reads).
    /// Its journal `<out>.log` is kept beside it; running again resumes the session.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Number of sentences to label, 1 to 1,000,000 (a new session only; a resumed one keeps
    /// its sample).
    #[arg(long, default_value_t = 500, value_name = "N", value_parser = within(1..=1_000_000))]
    sample: usize,
    /// Seed of the sampling.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Order by the report model's uncertainty instead of stratified sampling: a trained report
    /// model folder (`report-model train --out`), or a predictions file: JSONL, one line per
    /// sentence, {"id": "<exam>:<index>", "mentions": [{"start": 0, "end": 5, "prob": 0.4}]}.
    #[arg(long, value_name = "PREDICTIONS")]
    active: Option<PathBuf>,
    #[command(flatten)]
    device: DeviceArgs,
    /// Your name, stored in the journal (for agreement studies use one output file per person).
    #[arg(long)]
    annotator: Option<String>,
    /// Address to listen on. Anything but loopback requires the access token printed at start.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port (0: any free port).
    #[arg(long, default_value_t = 8765)]
    port: u16,
}

#[derive(clap::Args, Debug)]
struct AgreementArgs {
    /// The first person's mention file.
    a: PathBuf,
    /// The second person's mention file.
    b: PathBuf,
    /// Also write the figures as JSON (never over either input, a symbolic link or a special
    /// file).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<()> {
    match args.command {
        Some(Sub::Agreement(a)) => {
            print!("{}", agreement_of_files(&a.a, &a.b, a.json.as_deref())?);
            Ok(())
        }
        None => serve(args.serve, global),
    }
}

/// Opens (or resumes) the session and serves its page until Ctrl-C or SIGTERM.
fn serve(args: ServeArgs, global: &Global) -> anyhow::Result<()> {
    let (Some(reports), Some(out)) = (args.reports, args.out) else {
        bail!(
            "`uptake annotate` needs --reports FILE and --out FILE (or the `agreement` subcommand)"
        );
    };
    let ontology = load_ontology(global)?;
    let set = args.input.read(&reports, global.quiet)?;
    let settings = SessionSettings {
        reports,
        out: out.clone(),
        sample_size: args.sample,
        seed: args.seed,
        order: (args.active.as_deref().map(ActiveOrder::from_path)).unwrap_or_default(),
        device: args.device.device,
        annotator: args.annotator,
    };
    let tagger = args.input.tagger(&ontology)?;
    let session = Session::open(&set.reports, &tagger, &settings, &Bars::new(global.quiet))?;
    if let Some(note) = session.resume_note().filter(|_| !global.quiet) {
        eprintln!("{note}");
    }
    let intro = session.to_string();
    let options = ServeOptions {
        host: args.host,
        port: args.port,
        require_token: false,
    };
    uptake_annotate::serve(session, &options, |server| print!("{intro}\n{server}"))?;
    eprintln!("Stopped; every label is saved in {}.", out.display());
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Sentences in the session (each with two mentions); every one is finished before timing,
    /// so each save rewrites a mention file of this many sentences.
    #[arg(long, default_value_t = 1000, value_parser = within(1..=10_000_000))]
    sentences: usize,
    /// Labels to time.
    #[arg(long, default_value_t = 500, value_parser = within(1..=10_000_000))]
    labels: usize,
    /// Folder for the session files (default: a temporary folder; its file system matters,
    /// fsync dominates).
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// Times saving labels through the journal (no HTTP): what each key press costs on disk.
pub fn bench(args: BenchArgs, global: &Global) -> anyhow::Result<()> {
    let scratch = tempfile::tempdir_in(args.dir.as_deref().unwrap_or(&std::env::temp_dir()))?;
    let settings = SaveBenchSettings {
        sentences: args.sentences,
        labels: args.labels,
    };
    let timing = time_saving_labels(scratch.path(), &settings, &Bars::new(global.quiet))?;
    println!("{timing}");
    Ok(())
}
