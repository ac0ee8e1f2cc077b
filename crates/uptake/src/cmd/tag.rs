//! `uptake tag`: find region mentions in the findings and impression of reports; and
//! `uptake bench tagging`.

use crate::common::{Bars, Global, ReportInputArgs, load_ontology};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use uptake_labels::{RegexLabeller, WeakLabeller, check_mention_regions, measure_labelling};
use uptake_reports::{
    MentionEval, Report, SentenceFilter, TagSettings, TaggedSpan, Tagger, evaluate_mentions,
    measure_tagging, read_reports, write_tagged,
};

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
    let set = args.input.read(reports_path, global.quiet)?;
    let settings = TagSettings {
        sentences: match args.all_sentences {
            true => SentenceFilter::All,
            false => SentenceFilter::WithMentions,
        },
    };
    let summary = write_tagged(
        &tagger,
        &set.reports,
        out,
        &settings,
        &Bars::new(global.quiet),
    )
    .with_context(|| format!("writing {}", out.display()))?;
    if !global.quiet {
        eprintln!(
            "{} reports, {} findings/impression sentences, {} mentions; {} lines written to {}; {} warnings",
            summary.reports,
            summary.sentences,
            summary.mentions,
            summary.lines,
            out.display(),
            set.warnings.len()
        );
    }
    Ok(())
}

/// `--mentions-eval`: tagging recall against a hand-labelled mention file.
fn mentions_eval(tagger: &Tagger, path: &Path, args: &Args) -> anyhow::Result<()> {
    let sentences = uptake_core::mentions::read_mentions(path)?;
    check_mention_regions(&sentences, path, tagger.ontology())?;
    let ev = evaluate_mentions(tagger, &sentences);
    print_recall(&ev);
    let text = |i: usize| sentences[i].text.as_str();
    let show = |t: &TaggedSpan, i: usize| {
        format!("{}={}", t.span().slice(text(i)).unwrap_or(""), t.region)
    };
    if args.show_misses {
        for m in &ev.misses {
            let found: Vec<String> = m.tagged.iter().map(|t| show(t, m.sentence)).collect();
            println!(
                "miss line {}: [{}] {} | tagged: {} | {}",
                m.sentence + 1,
                m.span.slice(text(m.sentence)).unwrap_or(""),
                m.region,
                found.join("; "),
                text(m.sentence)
            );
        }
    }
    if args.show_extras {
        for x in &ev.extras {
            let hand = x.hand_region.as_deref().unwrap_or("none");
            let tagged = show(&x.tagged, x.sentence);
            println!(
                "extra line {}: [{tagged}] hand: {hand} | {}",
                x.sentence + 1,
                text(x.sentence)
            );
        }
    }
    Ok(())
}

fn print_recall(ev: &MentionEval) {
    println!("sentences:          {}", ev.sentences);
    println!("hand mentions:      {}", ev.hand);
    println!(
        "found:              {} (recall {:.1} %)",
        ev.found,
        100.0 * ev.recall()
    );
    println!("tagged mentions:    {}", ev.tagged);
    println!("extra mentions:     {} (overlap no hand mention)", ev.extra);
    println!(
        "wrong-region:       {} (overlap a hand mention of an unrelated region)",
        ev.wrong_region
    );
}

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Number of reports to tag.
    #[arg(long, default_value_t = 10_000)]
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
    let ontology = load_ontology(global)?;
    let reports = match &args.reports {
        Some(path) => read_reports(path)?.reports,
        None => uptake_synth::reports::generate(
            &uptake_synth::reports::ReportsSettings {
                n: args.n,
                seed: args.seed,
                ..Default::default()
            },
            &uptake_core::NoProgress,
        )
        .into_iter()
        .map(|g| Report {
            exam_id: g.spec.exam_id,
            text: g.text,
        })
        .collect(),
    };
    let speed = measure_tagging(&ontology, &reports)?;
    // The figure: tagging plus the paper's regex labeller plus noisy-OR, as
    // `uptake label --method regex` runs them (without file I/O).
    let mut labeller = WeakLabeller::for_ontology(&ontology, Box::new(RegexLabeller::new()))?;
    let label_secs = measure_labelling(&mut labeller, &reports)?.as_secs_f64();
    println!(
        "tagger build: {:.0} ms ({} regions)",
        speed.tagger_build.as_secs_f64() * 1e3,
        ontology.len()
    );
    println!(
        "sections + sentences alone: {:.2} s",
        speed.splitting.as_secs_f64()
    );
    println!(
        "tagged {} reports ({:.1} KB mean), {} sentences, {} mentions in {:.2} s on one core",
        speed.reports,
        speed.bytes as f64 / speed.reports.max(1) as f64 / 1024.0,
        speed.sentences,
        speed.mentions,
        speed.tagging.as_secs_f64()
    );
    println!(
        "{:.0} reports/s ({:.1} MB/s)",
        speed.reports_per_second(),
        speed.megabytes_per_second()
    );
    println!(
        "tagging + regex labelling + noisy-OR: {:.2} s, {:.0} reports/s on one core (goal 5,000)",
        label_secs,
        reports.len() as f64 / label_secs
    );
    Ok(())
}
