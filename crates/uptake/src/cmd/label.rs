//! `uptake label`: weak labels (one probability per region per exam) from reports, and the
//! mention-level evaluation of a labelling method on hand-labelled mentions.

use crate::common::{
    Bars, Global, ReportInputArgs, load_ontology, load_report_models, probability,
};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use uptake_labels::evaluate::{BinaryMetrics, evaluate_scorer};
use uptake_labels::{
    Coverage, LabelCounts, LabelSettings, LabellingMethod, MentionScorer, RulesSource,
    WeakLabeller, check_mention_regions,
};
use uptake_ontology::RegionSelection;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// The paper's baseline: a mention is abnormal unless its sentence has a negative word
    /// (no, not, without, physiologic, unremarkable, resolution).
    Regex,
    /// Rules: negation scope, benign attributions, resolution, hedging (data/rules.toml).
    Rules,
    /// The BERT report model (with --model DIR; see `uptake report-model train`).
    Model,
    /// The mean of the report model's and the rules' probabilities (with --model DIR): on
    /// unseen sentences it ranks mentions better than either alone (docs/report-model.md).
    #[value(name = "model+rules")]
    ModelRules,
}

impl From<Method> for LabellingMethod {
    fn from(method: Method) -> Self {
        match method {
            Method::Regex => LabellingMethod::Regex,
            Method::Rules => LabellingMethod::Rules,
            Method::Model => LabellingMethod::Model,
            Method::ModelRules => LabellingMethod::ModelRules,
        }
    }
}

#[derive(clap::Args, Debug)]
#[command(
    about = "Weak labels: P(abnormal) per region per exam from reports (or evaluate a method on hand-labelled mentions)",
    long_about = "Reads reports (--reports, .jsonl {\"exam_id\", \"text\"}, .csv exam_id,text or FHIR \
DiagnosticReport .json/.ndjson; other columns, accession numbers and several reports per exam: see the \
options), tags region mentions in their findings and impression, scores each mention with the chosen \
method and combines them per region by noisy-OR over the region and all regions below it in the \
ontology (no mention: 0). Writes a wide CSV (--out): exam_id then one column per region.\n\n\
Reports with headers but no findings or impression section fall back to tagging everything outside \
history, technique and comparison. The exams that fell back or yielded no mention are counted, their \
ids written to a CSV (--no-mention-ids, default beside --out: <out>.no-mention.csv), and when either \
share passes --warn-share (default 5 %) a warning is printed on stderr, also with -q.\n\n\
With --mentions FILE (the hand-labelled mention format of shared/data/mentions.jsonl) it instead scores \
the hand-marked mentions and prints AUROC, F1, sensitivity and specificity against their labels, overall \
and per region."
)]
pub struct Args {
    /// Reports file (.jsonl or .csv).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "mentions",
        conflicts_with = "mentions"
    )]
    pub reports: Option<PathBuf>,
    #[command(flatten)]
    pub input: ReportInputArgs,
    /// Output label table (.csv), written atomically.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "mentions",
        conflicts_with = "mentions"
    )]
    pub out: Option<PathBuf>,
    /// Labelling method.
    #[arg(long, value_enum, default_value_t = Method::Rules)]
    pub method: Method,
    /// Columns: `all` ontology regions, the 30 `tasks`, or a comma-separated list of region
    /// names (each once).
    #[arg(long, default_value = "all")]
    pub regions: RegionSelection,
    /// Rule vocabulary to use instead of the built-in one (same format as
    /// crates/labels/data/rules.toml), for --method rules or model+rules.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Trained report model folder, for --method model or model+rules. Give it more than once
    /// (models trained with different seeds) to use the mean of their probabilities.
    #[arg(long, value_name = "DIR")]
    pub model: Vec<PathBuf>,
    /// Evaluate the method on a hand-labelled mention file instead of labelling reports.
    #[arg(long, value_name = "FILE")]
    pub mentions: Option<PathBuf>,
    /// Probability at or above which a mention counts as abnormal in the evaluation (0 to 1).
    #[arg(long, default_value_t = 0.5, value_parser = probability)]
    pub threshold: f64,
    /// Where to write the ids of the exams that fell back or yielded no mention (CSV
    /// exam_id,fell_back,mentions). Default: beside --out, `<out>.no-mention.csv`.
    #[arg(long, value_name = "FILE", conflicts_with = "mentions")]
    pub no_mention_ids: Option<PathBuf>,
    /// Warn on stderr when more than this share (0 to 1) of the reports fell back or yielded no
    /// mention.
    #[arg(long, default_value_t = 0.05, value_parser = probability)]
    pub warn_share: f64,
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<()> {
    let method = LabellingMethod::from(args.method);
    let rules = args
        .rules
        .clone()
        .map_or(RulesSource::Builtin, RulesSource::File);
    method
        .check(&rules, args.model.len())
        .with_context(|| format!("--method {method} (--rules FILE, --model DIR)"))?;
    let scorer = method.scorer(&rules, load_report_models(&args.model)?)?;
    if let Some(path) = &args.mentions {
        return evaluate_on_mentions(scorer, path, args.threshold, global);
    }
    let (Some(reports), Some(out)) = (&args.reports, &args.out) else {
        bail!("give --reports and --out (or --mentions FILE)");
    };
    label_reports(scorer, &args, reports, out, global)
}

/// Labels the reports of `path` into the table `out`; writes the ids of the exams that fell
/// back or yielded no mention beside it.
fn label_reports(
    scorer: Box<dyn MentionScorer>,
    args: &Args,
    path: &Path,
    out: &Path,
    global: &Global,
) -> anyhow::Result<()> {
    let ontology = load_ontology(global)?;
    args.regions
        .resolve(&ontology)
        .context("--regions (see `uptake ontology tree`)")?;
    let set = args.input.read(path, global.quiet)?;
    let mut labeller = WeakLabeller::new(args.input.tagger(&ontology)?, scorer);
    let settings = LabelSettings {
        regions: args.regions.clone(),
    };
    let labels = labeller
        .label_reports(&set.reports, &settings, &Bars::new(global.quiet))
        .with_context(|| path.display().to_string())?;
    labels.table.write_csv(out)?;
    let ids = (args.no_mention_ids.clone()).unwrap_or_else(|| out.with_extension("no-mention.csv"));
    labels
        .write_flagged(&ids)
        .with_context(|| format!("writing {}", ids.display()))?;
    let c = &labels.counts;
    if !global.quiet {
        println!(
            "{} exams ({} without any mention, {} fell back to tagging outside history, technique and comparison; ids in {}), {} mentions labelled with `{}` -> {} ({} region columns)",
            c.reports,
            c.reports_without_mentions,
            c.reports_fell_back,
            ids.display(),
            c.mentions,
            labeller.scorer_name(),
            out.display(),
            labels.table.regions().len()
        );
    }
    warn_on_coverage(c, args.warn_share, &ids);
    Ok(())
}

/// A loud warning on stderr (also with -q: the labels of these exams are probably all 0) for
/// each problem above `share` of the reports.
fn warn_on_coverage(counts: &LabelCounts, share: f64, ids: &Path) {
    let problems = [
        (
            Coverage::NoMention,
            counts.reports_without_mentions,
            "yielded no region mention (rows of 0)",
        ),
        (
            Coverage::FellBack,
            counts.reports_fell_back,
            "had no findings or impression header and fell back to tagging their whole text outside history, technique and comparison",
        ),
    ];
    for (problem, n, what) in problems {
        if counts.share(problem) > share {
            eprintln!(
                "WARNING: {:.1} % of the reports ({n} of {}) {what}. Their labels may be wrong; check their section headers (--sections FILE) and texts. Exam ids: {}",
                100.0 * counts.share(problem),
                counts.reports,
                ids.display()
            );
        }
    }
}

fn fmt(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into())
}

fn row(name: &str, cells: [String; 6]) -> String {
    let [n, pos, auroc, f1, sens, spec] = cells;
    format!("{name:<28} {n:>6} {pos:>6} {auroc:>7} {f1:>6} {sens:>6} {spec:>6}")
}

fn metrics_row(name: &str, m: &BinaryMetrics) -> String {
    let figures = [m.auroc, m.f1, m.sensitivity, m.specificity].map(fmt);
    let [auroc, f1, sens, spec] = figures;
    row(
        name,
        [
            m.n.to_string(),
            m.positives.to_string(),
            auroc,
            f1,
            sens,
            spec,
        ],
    )
}

fn evaluate_on_mentions(
    mut scorer: Box<dyn MentionScorer>,
    path: &Path,
    threshold: f64,
    global: &Global,
) -> anyhow::Result<()> {
    let sentences = uptake_core::mentions::read_mentions(path)?;
    check_mention_regions(&sentences, path, &load_ontology(global)?)?;
    let e = evaluate_scorer(scorer.as_mut(), &sentences, threshold)
        .with_context(|| format!("scoring the mentions of {}", path.display()))?;
    println!(
        "method `{}` on {} ({} sentences), threshold {threshold}",
        e.scorer,
        path.display(),
        sentences.len()
    );
    let header = ["n", "pos", "AUROC", "F1", "sens", "spec"].map(String::from);
    println!("{}", row("region", header));
    for (region, m) in &e.per_region {
        println!("{}", metrics_row(region, m));
    }
    println!("{}", metrics_row("all mentions", &e.overall));
    let macro_mean = |figure: fn(&BinaryMetrics) -> Option<f64>| fmt(e.macro_mean(figure));
    let [auroc, f1, sens, spec] = [
        macro_mean(|m| m.auroc),
        macro_mean(|m| m.f1),
        macro_mean(|m| m.sensitivity),
        macro_mean(|m| m.specificity),
    ];
    let cells = [String::new(), String::new(), auroc, f1, sens, spec];
    println!("{}", row("macro mean over regions", cells));
    Ok(())
}
