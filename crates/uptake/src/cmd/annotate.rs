//! `uptake annotate`: the labelling web app (reports -> tagged sentences -> a person's labels),
//! and `uptake annotate agreement` (Cohen's kappa per region between two people's files).

use crate::common::{Bars, Global, load_ontology};
use anyhow::{Context, bail};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use uptake_annotate::{
    Journal, Predictions, SampleOrder, SampleSettings, SaveBenchSettings, ServeOptions, Server,
    candidates, choose_sample, journal_path, predict, region_catalog, stop_signal,
    time_saving_labels,
};
use uptake_core::output_guard::check_output;
use uptake_reports::Tagger;

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
    /// Report file (.jsonl or .csv, as `uptake tag` reads).
    #[arg(long, value_name = "FILE")]
    reports: Option<PathBuf>,
    /// The labelled mention file to write (the format `report-model train --mentions` reads).
    /// Its journal `<out>.log` is kept beside it; running again resumes the session.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Number of sentences to label, 1 to 1,000,000 (a new session only; a resumed one keeps
    /// its sample).
    #[arg(long, default_value_t = 500, value_name = "N",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    sample: usize,
    /// Seed of the sampling.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Order by the report model's uncertainty instead of stratified sampling: a trained report
    /// model folder (`report-model train --out`), or a predictions file: JSONL, one line per
    /// sentence, {"id": "<exam>:<index>", "mentions": [{"start": 0, "end": 5, "prob": 0.4}]}.
    #[arg(long, value_name = "PREDICTIONS")]
    active: Option<PathBuf>,
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
        Some(Sub::Agreement(a)) => agreement(a),
        None => serve(args.serve, global),
    }
}

fn serve(args: ServeArgs, global: &Global) -> anyhow::Result<()> {
    let (Some(reports_path), Some(out)) = (args.reports.as_deref(), args.out.as_deref()) else {
        bail!(
            "`uptake annotate` needs --reports FILE and --out FILE (or the `agreement` subcommand)"
        );
    };
    let ontology = load_ontology(global)?;
    let tagger = Tagger::new(&ontology)?;
    let set = uptake_reports::read_reports(reports_path)?;
    for warning in &set.warnings {
        tracing::warn!("{warning}");
    }
    let pool = candidates(&set.reports, &tagger)
        .with_context(|| format!("cannot label {}", reports_path.display()))?;
    let resuming = Journal::holds_session(out)?;
    let sample = if resuming {
        Vec::new() // the journal's sample is used
    } else {
        let order = sample_order(args.active.as_deref(), &pool, global.quiet)?;
        let settings = SampleSettings {
            size: args.sample,
            seed: args.seed,
            order,
        };
        choose_sample(&pool, &settings)
    };
    let journal = Journal::open(out, &pool, &sample, args.annotator.clone())
        .with_context(|| format!("cannot open the labelling session for {}", out.display()))?;
    if resuming && !global.quiet {
        eprintln!(
            "Resuming {}: {} of {} sentences finished (the journal's sample; --sample/--seed/--active are not used).",
            journal_path(out).display(),
            journal.finished_count(),
            journal.len()
        );
    }
    let intro = format!(
        "{} tagged sentences with mentions in {}; {} of {} sampled sentences finished.",
        pool.len(),
        reports_path.display(),
        journal.finished_count(),
        journal.len()
    );
    let options = ServeOptions {
        host: args.host,
        port: args.port,
        require_token: false,
    };
    run_server(journal, region_catalog(&ontology), &options, &intro, out)
}

/// Stratified, or by the uncertainty of `--active`: a trained report model folder or a
/// predictions file.
fn sample_order(
    active: Option<&Path>,
    pool: &[uptake_annotate::Candidate],
    quiet: bool,
) -> anyhow::Result<SampleOrder> {
    let Some(path) = active else {
        return Ok(SampleOrder::Stratified);
    };
    let predictions = if path.is_dir() {
        let mut model = uptake_textmodel::ReportModel::load_trained(path)
            .with_context(|| format!("cannot load the report model from {}", path.display()))?;
        predict(&mut model, pool, &Bars::new(quiet))?
    } else {
        Predictions::read(path)?
    };
    Ok(SampleOrder::MostUncertain(predictions))
}

/// Serves the labelling page until Ctrl-C or SIGTERM; requests in flight finish first.
fn run_server(
    journal: Journal,
    catalog: uptake_annotate::RegionCatalog,
    options: &ServeOptions,
    intro: &str,
    out: &Path,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let server = Server::bind(journal, catalog, options).await?;
        let stop = stop_signal().context("cannot listen for SIGINT/SIGTERM")?;
        println!("{intro}");
        println!(
            "Labels go to {} (journal {}); every label is on disk before the page shows it saved.",
            out.display(),
            journal_path(out).display()
        );
        if server.token().is_some() {
            println!(
                "Listening on {} with a one-time access token; open exactly this address:",
                server.local_addr()
            );
        } else {
            println!("Open:");
        }
        println!("  {}", server.url());
        if server.local_addr().ip().is_unspecified() {
            println!("  (from another machine, put this machine's name in place of 127.0.0.1)");
        }
        println!("Ctrl-C (or SIGTERM) stops the server; run the same command again to resume.");
        server.run_until(stop).await?;
        eprintln!("Stopped; every label is saved in {}.", out.display());
        anyhow::Ok(())
    })
}

fn agreement(args: AgreementArgs) -> anyhow::Result<()> {
    if let Some(json) = &args.json {
        check_output(json, &[&args.a, &args.b])?;
    }
    let read = |p: &Path| uptake_core::mentions::read_mentions(p).map_err(anyhow::Error::from);
    let (a, b) = (read(&args.a)?, read(&args.b)?);
    let report = uptake_annotate::agreement(&a, &b).with_context(|| {
        format!(
            "cannot compare {} with {}",
            args.a.display(),
            args.b.display()
        )
    })?;
    println!(
        "{} sentences labelled by both ({} only in {}, {} only in {})",
        report.shared_sentences,
        report.only_a,
        args.a.display(),
        report.only_b,
        args.b.display()
    );
    println!(
        "{:<32} {:>6} {:>9} {:>7}",
        "region", "spans", "agree", "kappa"
    );
    for r in report
        .regions
        .iter()
        .chain(std::iter::once(&report.overall))
    {
        let kappa = r.kappa.map_or("n/a".to_string(), |k| format!("{k:.3}"));
        let observed = r
            .observed
            .map_or("n/a".to_string(), |o| format!("{:.1}%", 100.0 * o));
        println!(
            "{:<32} {:>6} {:>9} {:>7}",
            r.region, r.units, observed, kappa
        );
    }
    if let Some(path) = &args.json {
        uptake_core::write_atomic(path, |w| {
            serde_json::to_writer_pretty(&mut *w, &report)?;
            std::io::Write::write_all(w, b"\n")
        })?;
    }
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Sentences in the session (each with two mentions); every one is finished before timing,
    /// so each save rewrites a mention file of this many sentences.
    #[arg(long, default_value_t = 1000)]
    sentences: usize,
    /// Labels to time.
    #[arg(long, default_value_t = 500)]
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
    println!(
        "annotate: {} labels on a {}-sentence session in {:.2} s: {:.2} ms per saved label \
         (journal append + fsync + atomic rewrite of a {} KiB mention file)",
        timing.labels,
        timing.sentences,
        timing.elapsed.as_secs_f64(),
        timing.ms_per_label(),
        timing.mention_file_bytes / 1024
    );
    Ok(())
}
