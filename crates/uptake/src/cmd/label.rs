//! `uptake label`: weak labels (one probability per region per exam) from reports, and the
//! mention-level evaluation of a labelling method on hand-labelled mentions.

use crate::common::{Global, load_ontology, progress};
use anyhow::{Context, bail};
use std::path::PathBuf;
use uptake_core::ByteSpan;
use uptake_labels::evaluate::{BinaryMetrics, evaluate_scorer};
use uptake_labels::{
    MeanScorer, MentionScorer, RegexLabeller, RulesLabeller, ScoredMention, SentenceMentions,
    region_probabilities,
};
use uptake_ontology::{Ontology, RegionId};
use uptake_reports::{Tagger, read_reports};

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

impl Method {
    fn uses_model(self) -> bool {
        matches!(self, Method::Model | Method::ModelRules)
    }
}

#[derive(clap::Args, Debug)]
#[command(
    about = "Weak labels: P(abnormal) per region per exam from reports (or evaluate a method on hand-labelled mentions)",
    long_about = "Reads reports (--reports, .jsonl {\"exam_id\", \"text\"} or .csv exam_id,text), tags region \
mentions in their findings and impression, scores each mention with the chosen method and combines them \
per region by noisy-OR over the region and all regions below it in the ontology (no mention: 0). Writes \
a wide CSV (--out): exam_id then one column per region.\n\n\
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
    /// Columns: `all` ontology regions, the 30 `tasks`, or a comma-separated list of region names.
    #[arg(long, default_value = "all")]
    pub regions: String,
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
    /// Probability at or above which a mention counts as abnormal in the evaluation.
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f64,
}

/// The scorer of a method; `models` are the report model folders (--model).
pub fn scorer(
    method: Method,
    rules: Option<&PathBuf>,
    models: &[PathBuf],
) -> anyhow::Result<Box<dyn MentionScorer>> {
    if rules.is_some() && !matches!(method, Method::Rules | Method::ModelRules) {
        bail!("--rules only applies to --method rules or model+rules");
    }
    if !models.is_empty() && !method.uses_model() {
        bail!("--model only applies to --method model or model+rules");
    }
    if models.is_empty() && method.uses_model() {
        bail!("--method model and model+rules need --model DIR (a trained report model)");
    }
    let rules_scorer = || -> anyhow::Result<Box<dyn MentionScorer>> {
        Ok(match rules {
            Some(path) => Box::new(RulesLabeller::from_path(path)?),
            None => Box::new(RulesLabeller::builtin()),
        })
    };
    Ok(match method {
        Method::Regex => Box::new(RegexLabeller::new()),
        Method::Rules => rules_scorer()?,
        Method::Model => report_model_scorer(models)?,
        // A seed ensemble counts as one member: the rules keep half the weight.
        Method::ModelRules => Box::new(MeanScorer::new(
            "model+rules",
            vec![report_model_scorer(models)?, rules_scorer()?],
        )),
    })
}

/// The columns asked for by `--regions`.
pub fn parse_regions(ontology: &Ontology, spec: &str) -> anyhow::Result<Vec<RegionId>> {
    match spec.trim() {
        "all" => Ok(ontology.ids().to_vec()),
        "tasks" => Ok(ontology.task_regions()),
        list => list
            .split(',')
            .map(|name| {
                let name = name.trim();
                ontology.id(name).with_context(|| {
                    format!(
                        "--regions: `{name}` is not a region of {} (see `uptake ontology tree`)",
                        ontology.source_name()
                    )
                })
            })
            .collect(),
    }
}

/// The report model in `dirs`, or the mean of several (a seed ensemble), named "model".
pub(crate) fn report_model_scorer(dirs: &[PathBuf]) -> anyhow::Result<Box<dyn MentionScorer>> {
    let mut models: Vec<Box<dyn MentionScorer>> = Vec::with_capacity(dirs.len());
    for dir in dirs {
        models.push(Box::new(uptake_textmodel::ReportModel::load_trained(dir)?));
    }
    Ok(match models.len() {
        1 => models.remove(0),
        _ => Box::new(MeanScorer::new("model", models)),
    })
}

pub fn run(args: Args, global: &Global) -> anyhow::Result<()> {
    if !(0.0..=1.0).contains(&args.threshold) {
        bail!("--threshold must be in [0, 1]");
    }
    let mut scorer = scorer(args.method, args.rules.as_ref(), &args.model)?;
    if let Some(path) = &args.mentions {
        return evaluate_on_mentions(scorer.as_mut(), path, args.threshold);
    }
    let (Some(reports_path), Some(out)) = (&args.reports, &args.out) else {
        bail!("give --reports and --out (or --mentions FILE)");
    };
    let ontology = load_ontology(global)?;
    let columns = parse_regions(&ontology, &args.regions)?;
    let tagger = Tagger::new(&ontology)?;
    let set = read_reports(reports_path)?;
    for w in &set.warnings {
        tracing::warn!("{w}");
    }
    let bar = progress(set.len() as u64, "labelling", global.quiet);
    let mut table = uptake_core::RegionTable::new(
        columns
            .iter()
            .map(|&id| ontology.name(id).to_string())
            .collect(),
    );
    let mut n_mentions = 0usize;
    for report in &set.reports {
        let (p, mentions) = label_report(report, &tagger, scorer.as_mut(), &ontology)
            .with_context(|| {
                format!(
                    "{}: scoring the mentions of exam {}",
                    reports_path.display(),
                    report.exam_id
                )
            })?;
        n_mentions += mentions;
        table.insert(
            report.exam_id.clone(),
            columns.iter().map(|id| Some(p[id.index()])).collect(),
        );
        bar.inc(1);
    }
    bar.finish_and_clear();
    table.write_csv(out)?;
    if !global.quiet {
        println!(
            "{} exams, {} mentions labelled with `{}` -> {} ({} region columns)",
            table.len(),
            n_mentions,
            scorer.name(),
            out.display(),
            columns.len()
        );
    }
    Ok(())
}

fn fmt(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into())
}

fn row(name: &str, m: &BinaryMetrics) -> String {
    format!(
        "{name:<28} {:>6} {:>6} {:>7} {:>6} {:>6} {:>6}",
        m.n,
        m.positives,
        fmt(m.auroc),
        fmt(m.f1),
        fmt(m.sensitivity),
        fmt(m.specificity)
    )
}

fn evaluate_on_mentions(
    scorer: &mut dyn MentionScorer,
    path: &std::path::Path,
    threshold: f64,
) -> anyhow::Result<()> {
    let sentences = uptake_core::mentions::read_mentions(path)?;
    let e = evaluate_scorer(scorer, &sentences, threshold)
        .with_context(|| format!("scoring the mentions of {}", path.display()))?;
    println!(
        "method `{}` on {} ({} sentences), threshold {threshold}",
        e.scorer,
        path.display(),
        sentences.len()
    );
    println!(
        "{:<28} {:>6} {:>6} {:>7} {:>6} {:>6} {:>6}",
        "region", "n", "pos", "AUROC", "F1", "sens", "spec"
    );
    for (region, m) in &e.per_region {
        println!("{}", row(region, m));
    }
    println!("{}", row("all mentions", &e.overall));
    println!(
        "{:<28} {:>6} {:>6} {:>7} {:>6} {:>6} {:>6}",
        "macro mean over regions",
        "",
        "",
        fmt(e.macro_mean(|m| m.auroc)),
        fmt(e.macro_mean(|m| m.f1)),
        fmt(e.macro_mean(|m| m.sensitivity)),
        fmt(e.macro_mean(|m| m.specificity))
    );
    Ok(())
}

/// One report's weak labels: tag it, score its mentions, noisy-OR up the ontology. Returns the
/// probability of every ontology region (indexed by `RegionId::index`) and the mention count.
pub fn label_report(
    report: &uptake_reports::Report,
    tagger: &uptake_reports::Tagger,
    scorer: &mut dyn MentionScorer,
    ontology: &uptake_ontology::Ontology,
) -> Result<(Vec<f64>, usize), uptake_labels::ScoreError> {
    let tagged = tagger.tag_report(report);
    let batch: Vec<SentenceMentions<'_>> = tagged
        .iter()
        .map(|t| {
            SentenceMentions::new(
                &t.text,
                t.mentions
                    .iter()
                    .map(|m| ByteSpan::new(m.start, m.end))
                    .collect(),
            )
        })
        .collect();
    let scores = scorer.score(&batch)?;
    let scored: Vec<ScoredMention> = tagged
        .iter()
        .zip(&scores)
        .flat_map(|(t, ps)| {
            t.mentions
                .iter()
                .zip(ps)
                .map(|(m, &probability)| ScoredMention {
                    region: m.region,
                    probability,
                })
        })
        .collect();
    Ok((region_probabilities(ontology, &scored), scored.len()))
}
