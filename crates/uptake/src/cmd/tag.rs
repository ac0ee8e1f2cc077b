//! `uptake tag`: find region mentions in the findings and impression of reports; and
//! `uptake bench tagging`.

use crate::common::{Bars, Global, ReportInputArgs, load_ontology, within};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use uptake_labels::check_mention_regions;
use uptake_pipeline::tagging_bench::{BenchReports, bench_tagging};
use uptake_reports::{SentenceFilter, TagSettings, Tagger, evaluate_mentions, write_tagged};

#[derive(clap::Args, Debug)]
#[command(
    about = "Find region mentions in the findings and impression sections of reports",
    long_about = "Reads reports (--reports, .jsonl with {\"exam_id\", \"text\"} per line, .csv with \
exam_id,text columns, or FHIR DiagnosticReport .json/.ndjson; see the options for other columns, \
accession numbers and several reports per exam), splits them into sections and sentences, and tags every mention of every \
ontology region in the findings and impression (not the history). Writes one JSON line per \
sentence with mentions (--out): {\"id\", \"exam_id\", \"section\", \"text\", \"mentions\": [{\"start\", \
\"end\", \"region\"}]}, spans in characters, end exclusive. \n\n\
With --mentions-eval FILE it instead measures tagging recall against hand-marked mentions \
(the mention-file format of shared/data/mentions.jsonl) and prints it."
)]
pub struct Args {
    /// Reports file (.jsonl or .csv).
    #[arg(long, value_name = "FILE", required_unless_present = "mentions_eval")]
    pub reports: Option<PathBuf>,
    #[command(flatten)]
    pub input: ReportInputArgs,
    /// Output mentions file (.jsonl), written atomically.
    #[arg(long, value_name = "FILE", required_unless_present = "mentions_eval")]
    pub out: Option<PathBuf>,
    /// Also write the sentences that have no mention.
    #[arg(long)]
    pub all_sentences: bool,
    /// Evaluate the tagger on a hand-labelled mention file and print recall and extras.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["reports", "out"])]
    pub mentions_eval: Option<PathBuf>,
    /// With --mentions-eval: list the missed hand mentions with their sentence. Only for
    /// development data such as the starter set: it prints sentence text.
    #[arg(long, requires = "mentions_eval")]
    pub show_misses: bool,
    /// With --mentions-eval: list the tagged mentions that match no hand mention (extra or
    /// wrong region) with their sentence. Only for development data: it prints sentence text.
    #[arg(long, requires = "mentions_eval")]
    pub show_extras: bool,
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<()> {
    let ontology = load_ontology(global)?;
    let tagger = args.input.tagger(&ontology)?;
    if let Some(path) = &args.mentions_eval {
        return mentions_eval(&tagger, path, &args);
    }
    let (Some(reports_path), Some(out)) = (&args.reports, &args.out) else {
        bail!("give --reports and --out (or --mentions-eval FILE)");
    };
    uptake_core::output_guard::check_output(out, &[reports_path])?;
    let set = args.input.read(reports_path, global.quiet)?;
    let sentences = SentenceFilter::all_if(args.all_sentences);
    let (settings, bars) = (TagSettings { sentences }, Bars::new(global.quiet));
    let summary = write_tagged(&tagger, &set.reports, out, &settings, &bars)
        .with_context(|| format!("writing {}", out.display()))?;
    if !global.quiet {
        let warnings = set.warnings.len();
        eprintln!("{summary} to {}; {warnings} warnings", out.display());
    }
    Ok(())
}

/// `--mentions-eval`: tagging recall against a hand-labelled mention file.
fn mentions_eval(tagger: &Tagger, path: &Path, args: &Args) -> anyhow::Result<()> {
    let sentences = uptake_core::mentions::read_mentions(path)?;
    check_mention_regions(&sentences, path, tagger.ontology())?;
    let ev = evaluate_mentions(tagger, &sentences);
    print!("{ev}");
    if args.show_misses {
        print!("{}", ev.misses_shown(&sentences));
    }
    if args.show_extras {
        print!("{}", ev.extras_shown(&sentences));
    }
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Number of reports to tag.
    #[arg(long, default_value_t = 10_000, value_parser = within(1..=10_000_000))]
    pub n: usize,
    /// Seed of the generated reports.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Tag the reports of this file (.jsonl/.csv, e.g. `uptake synth reports` output) instead
    /// of generating --n simple ones.
    #[arg(long, value_name = "FILE")]
    pub reports: Option<PathBuf>,
}

/// `uptake bench tagging`: reports/s of sectioning, sentence splitting and tagging on one core.
pub fn bench(args: BenchArgs, global: &Global) -> anyhow::Result<()> {
    let source = match args.reports {
        Some(path) => BenchReports::File(path),
        None => BenchReports::Generated {
            n: args.n,
            seed: args.seed,
        },
    };
    print!("{}", bench_tagging(&load_ontology(global)?, &source)?);
    Ok(())
}
