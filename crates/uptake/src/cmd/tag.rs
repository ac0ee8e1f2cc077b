//! `uptake tag`: find region mentions in the findings and impression of reports; and
//! `uptake bench tagging`.

use crate::common::{Global, load_ontology, progress};
use anyhow::{Context, bail};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;
use uptake_reports::{Report, Tagger, read_reports};

#[derive(clap::Args, Debug)]
#[command(
    about = "Find region mentions in the findings and impression sections of reports",
    long_about = "Reads reports (--reports, .jsonl with {\"exam_id\", \"text\"} per line or .csv with \
exam_id,text columns), splits them into sections and sentences, and tags every mention of every \
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
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<()> {
    let ontology = load_ontology(global)?;
    let tagger = Tagger::new(&ontology)?;
    if let Some(path) = &args.mentions_eval {
        let sentences = uptake_core::mentions::read_mentions(path)?;
        let ev = uptake_reports::evaluate_mentions(&tagger, &sentences);
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
        if args.show_misses {
            for m in &ev.misses {
                let s = &sentences[m.sentence];
                let span = uptake_core::mentions::char_slice(&s.text, m.start, m.end).unwrap_or("");
                let found: Vec<String> = tagger
                    .tag_sentence(&s.text)
                    .iter()
                    .map(|t| format!("{}={}", &s.text[t.start..t.end], ontology.name(t.region)))
                    .collect();
                println!(
                    "miss line {}: [{}] {} | tagged: {} | {}",
                    m.sentence + 1,
                    span,
                    m.region,
                    found.join("; "),
                    s.text
                );
            }
        }
        return Ok(());
    }
    let (Some(reports_path), Some(out)) = (&args.reports, &args.out) else {
        bail!("give --reports and --out (or --mentions-eval FILE)");
    };
    let set = read_reports(reports_path)?;
    for w in &set.warnings {
        tracing::warn!("{w}");
    }
    let bar = progress(set.len() as u64, "tagging", global.quiet);
    let (mut sentences, mut written, mut mentions) = (0usize, 0usize, 0usize);
    uptake_core::write_atomic(out, |w| {
        for report in &set.reports {
            for t in tagger.tag_report(report) {
                sentences += 1;
                mentions += t.mentions.len();
                if t.mentions.is_empty() && !args.all_sentences {
                    continue;
                }
                serde_json::to_writer(&mut *w, &tagger.to_record(&t))?;
                w.write_all(b"\n")?;
                written += 1;
            }
            bar.inc(1);
        }
        Ok(())
    })
    .with_context(|| format!("writing {}", out.display()))?;
    bar.finish_and_clear();
    if !global.quiet {
        eprintln!(
            "{} reports, {} findings/impression sentences, {} mentions; {} lines written to {}; {} warnings",
            set.len(),
            sentences,
            mentions,
            written,
            out.display(),
            set.warnings.len()
        );
    }
    Ok(())
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
    let t0 = Instant::now();
    let tagger = Tagger::new(&ontology)?;
    let build_s = t0.elapsed().as_secs_f64();
    let reports = match &args.reports {
        Some(path) => read_reports(path)?.reports,
        None => uptake_synth::reports::generate(
            &uptake_synth::reports::ReportsSettings {
                n: args.n,
                seed: args.seed,
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
    let bytes: usize = reports.iter().map(|r| r.text.len()).sum();
    // Warm-up (lazy DFA caches), then the timed pass.
    for r in reports.iter().take(100) {
        std::hint::black_box(tagger.tag_report(r));
    }
    let t = Instant::now();
    let (mut sentences, mut mentions) = (0usize, 0usize);
    for r in &reports {
        let tagged = tagger.tag_report(r);
        sentences += tagged.len();
        mentions += tagged.iter().map(|s| s.mentions.len()).sum::<usize>();
    }
    let secs = t.elapsed().as_secs_f64();
    // The figure: tagging plus the paper's regex labeller plus noisy-OR, as
    // `uptake label --method regex` runs them (without file I/O).
    let mut regex = uptake_labels::RegexLabeller::new();
    let t = Instant::now();
    for r in &reports {
        std::hint::black_box(crate::cmd::label::label_report(
            r, &tagger, &mut regex, &ontology,
        )?);
    }
    let label_secs = t.elapsed().as_secs_f64();
    // The share of sectioning and sentence splitting alone.
    let t = Instant::now();
    let mut split_sentences_n = 0usize;
    for r in &reports {
        for sec in uptake_reports::split_sections(&r.text)
            .into_iter()
            .filter(|s| s.kind.is_tagged())
        {
            split_sentences_n += uptake_reports::split_sentences(&r.text, sec.start..sec.end).len();
        }
    }
    let split_secs = t.elapsed().as_secs_f64();
    std::hint::black_box(split_sentences_n);
    println!(
        "tagger build: {:.0} ms ({} regions)",
        build_s * 1e3,
        ontology.len()
    );
    println!("sections + sentences alone: {:.2} s", split_secs);
    println!(
        "tagged {} reports ({:.1} KB mean), {} sentences, {} mentions in {:.2} s on one core",
        reports.len(),
        bytes as f64 / reports.len().max(1) as f64 / 1024.0,
        sentences,
        mentions,
        secs
    );
    println!(
        "{:.0} reports/s ({:.1} MB/s)",
        reports.len() as f64 / secs,
        bytes as f64 / secs / 1e6
    );
    println!(
        "tagging + regex labelling + noisy-OR: {:.2} s, {:.0} reports/s on one core (goal 5,000)",
        label_secs,
        reports.len() as f64 / label_secs
    );
    Ok(())
}
