//! `uptake annotate`: the labelling web app (reports -> tagged sentences -> a person's labels),
//! and `uptake annotate agreement` (Cohen's kappa per region between two people's files).

use crate::common::{Global, load_ontology, progress};
use anyhow::{Context, bail};
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use uptake_annotate::journal::{Journal, journal_path};
use uptake_annotate::sample::Predictions;
use uptake_annotate::{
    Candidate, CandidateMention, RegionCatalog, RegionInfo, ServeOptions, Server,
};
use uptake_core::ByteSpan;
use uptake_labels::{MentionScorer, SentenceMentions};
use uptake_ontology::Ontology;
use uptake_reports::{Tagger, char_offset, split_sections, split_sentences};

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
    /// Number of sentences to label (a new session only; a resumed one keeps its sample).
    #[arg(long, default_value_t = 500, value_name = "N")]
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
    /// Also write the figures as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<()> {
    match args.command {
        Some(Sub::Agreement(a)) => agreement(a),
        None => serve(args.serve, global),
    }
}

/// The regions a person may pick: the task regions first (the usual answers), then the rest.
fn catalog(ontology: &Ontology) -> RegionCatalog {
    let tasks = ontology.task_regions();
    let rest = ontology
        .ids()
        .iter()
        .copied()
        .filter(|id| !tasks.contains(id));
    RegionCatalog::new(
        tasks
            .iter()
            .copied()
            .chain(rest)
            .map(|id| RegionInfo {
                name: ontology.name(id).to_string(),
                display_name: ontology.region(id).display_name.clone(),
            })
            .collect(),
    )
}

/// Sentences of context shown before and after the one being labelled (same section only).
const CONTEXT_BEFORE: usize = 3;
const CONTEXT_AFTER: usize = 2;

/// Every tagged sentence with at least one mention, with its section context. Ids are
/// `<exam>:<index>` like `uptake tag` writes.
pub fn candidates(reports: &[uptake_reports::Report], tagger: &Tagger) -> Vec<Candidate> {
    let ontology = tagger.ontology();
    let mut out = Vec::new();
    for report in reports {
        let text = report.text.as_str();
        let tagged = tagger.tag_report(report);
        if tagged.iter().all(|t| t.mentions.is_empty()) {
            continue;
        }
        let sections = split_sections(text);
        for t in tagged.iter().filter(|t| !t.mentions.is_empty()) {
            let (before, after) = sections
                .iter()
                .find(|s| s.start <= t.start && t.end <= s.end)
                .map(|s| {
                    let sentences = split_sentences(text, s.start..s.end);
                    let at = sentences.iter().position(|x| x.start == t.start);
                    let join = |range: &[uptake_reports::Sentence]| {
                        range
                            .iter()
                            .map(|x| &text[x.start..x.end])
                            .collect::<Vec<_>>()
                            .join(" ")
                    };
                    match at {
                        Some(i) => (
                            join(&sentences[i.saturating_sub(CONTEXT_BEFORE)..i]),
                            join(&sentences[i + 1..(i + 1 + CONTEXT_AFTER).min(sentences.len())]),
                        ),
                        None => (String::new(), String::new()),
                    }
                })
                .unwrap_or_default();
            out.push(Candidate {
                id: format!("{}:{}", t.exam_id, t.index),
                exam_id: Some(t.exam_id.to_string()),
                section: Some(t.section.as_str().to_string()),
                text: t.text.clone(),
                context_before: before,
                context_after: after,
                mentions: t
                    .mentions
                    .iter()
                    .map(|m| CandidateMention {
                        start: char_offset(&t.text, m.start),
                        end: char_offset(&t.text, m.end),
                        region: ontology.name(m.region).to_string(),
                    })
                    .collect(),
            });
        }
    }
    out
}

/// Sentences scored together by a labelling method.
const SCORE_BATCH: usize = 32;

/// Each candidate's mention probabilities from a labelling method (the report model), by id.
/// The scorer interface takes byte spans; candidates hold character spans.
fn score_pool(
    scorer: &mut dyn MentionScorer,
    pool: &[Candidate],
    quiet: bool,
) -> anyhow::Result<HashMap<String, Vec<Option<f64>>>> {
    let byte_offset = |text: &str, chars: usize| {
        text.char_indices()
            .nth(chars)
            .map_or(text.len(), |(b, _)| b)
    };
    let bar = progress(pool.len() as u64, "scoring", quiet);
    let mut out = HashMap::with_capacity(pool.len());
    for chunk in pool.chunks(SCORE_BATCH) {
        let batch: Vec<SentenceMentions<'_>> = chunk
            .iter()
            .map(|c| {
                let spans = c
                    .mentions
                    .iter()
                    .map(|m| {
                        ByteSpan::new(byte_offset(&c.text, m.start), byte_offset(&c.text, m.end))
                    })
                    .collect();
                SentenceMentions::new(&c.text, spans)
            })
            .collect();
        let scores = scorer.score(&batch)?;
        for (c, probs) in chunk.iter().zip(scores) {
            out.insert(c.id.clone(), probs.into_iter().map(Some).collect());
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    Ok(out)
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
    let pool = candidates(&set.reports, &tagger);
    let resuming = journal_path(out).exists();
    let sample = if resuming {
        Vec::new() // the journal's sample is used
    } else if let Some(path) = &args.active {
        if path.is_dir() {
            let mut model = uptake_textmodel::ReportModel::load_trained(path)
                .with_context(|| format!("cannot load the report model from {}", path.display()))?;
            let scores = score_pool(&mut model, &pool, global.quiet)?;
            uptake_annotate::order_by_uncertainty(&pool, args.sample, args.seed, |c| {
                scores.get(&c.id).cloned().unwrap_or_default()
            })
        } else {
            let predictions = Predictions::read(path)?;
            uptake_annotate::order_by_uncertainty(&pool, args.sample, args.seed, |c| {
                predictions.score(c)
            })
        }
    } else {
        uptake_annotate::stratified_sample(&pool, args.sample, args.seed)
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
    let total = journal.len();
    let finished = journal.finished_count();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let options = ServeOptions { host: args.host, port: args.port, require_token: false };
        let server = Server::bind(journal, catalog(&ontology), &options).await?;
        println!("{} tagged sentences with mentions in {}; {finished} of {total} sampled sentences finished.",
            pool.len(), reports_path.display());
        println!("Labels go to {} (journal {}); every label is on disk before the page shows it saved.",
            out.display(), journal_path(out).display());
        if server.token().is_some() {
            println!("Listening on {} with a one-time access token; open exactly this address:", server.local_addr());
        } else {
            println!("Open:");
        }
        println!("  {}", server.url());
        if server.local_addr().ip().is_unspecified() {
            println!("  (from another machine, put this machine's name in place of 127.0.0.1)");
        }
        println!("Ctrl-C stops the server; run the same command again to resume.");
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        server.run_until(shutdown).await?;
        anyhow::Ok(())
    })?;
    Ok(())
}

fn agreement(args: AgreementArgs) -> anyhow::Result<()> {
    let read = |p: &Path| uptake_core::mentions::read_mentions(p).map_err(anyhow::Error::from);
    let (a, b) = (read(&args.a)?, read(&args.b)?);
    let report = uptake_annotate::agreement(&a, &b);
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
        println!(
            "{:<32} {:>6} {:>8.1}% {:>7}",
            r.region,
            r.units,
            100.0 * r.observed,
            kappa
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
    use uptake_annotate::journal::{Decision, Edit};
    let scratch = tempfile::tempdir_in(args.dir.as_deref().unwrap_or(&std::env::temp_dir()))?;
    let text = "Hypermetabolic right axillary lymph node and a lesion in the liver.";
    let pool: Vec<Candidate> = (0..args.sentences.max(1))
        .map(|i| Candidate {
            id: format!("EX{i}:0"),
            exam_id: Some(format!("EX{i}")),
            section: Some("findings".into()),
            text: text.into(),
            context_before: String::new(),
            context_after: String::new(),
            mentions: vec![
                CandidateMention {
                    start: 15,
                    end: 40,
                    region: "axillary_lymph_node".into(),
                },
                CandidateMention {
                    start: 61,
                    end: 66,
                    region: "liver".into(),
                },
            ],
        })
        .collect();
    let ids: Vec<String> = pool.iter().map(|c| c.id.clone()).collect();
    let catalog = RegionCatalog::new(
        ["axillary_lymph_node", "liver"]
            .iter()
            .map(|n| RegionInfo {
                name: n.to_string(),
                display_name: n.to_string(),
            })
            .collect(),
    );
    let out = scratch.path().join("mentions.jsonl");
    let mut journal = Journal::open(&out, &pool, &ids, None)?;
    let bar = progress(
        (2 * pool.len() + args.labels) as u64,
        "labels",
        global.quiet,
    );
    for id in &ids {
        for mention in 0..2 {
            let edit = Edit::Label {
                mention,
                decision: Decision::Neutral,
            };
            journal.apply(id, &edit, &catalog)?;
            bar.inc(1);
        }
    }
    let started = std::time::Instant::now();
    for k in 0..args.labels {
        let decision = if k % 2 == 0 {
            Decision::Abnormal
        } else {
            Decision::Neutral
        };
        let edit = Edit::Label {
            mention: 0,
            decision,
        };
        journal.apply(&ids[k % ids.len()], &edit, &catalog)?;
        bar.inc(1);
    }
    let elapsed = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    println!(
        "annotate: {} labels on a {}-sentence session in {:.2} s: {:.2} ms per saved label \
         (journal append + fsync + atomic rewrite of a {} KiB mention file)",
        args.labels,
        pool.len(),
        elapsed,
        1000.0 * elapsed / args.labels.max(1) as f64,
        std::fs::metadata(&out)?.len() / 1024
    );
    Ok(())
}
