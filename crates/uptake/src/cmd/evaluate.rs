//! `uptake evaluate`: metrics of predictions (or weak labels) against hand labels.

use crate::common::{Global, PredictionArgs, show_and_write, within};
use anyhow::Result;
use std::path::PathBuf;
use uptake_stats::resample::MAX_RESAMPLES;
use uptake_stats::{CiSettings, Ensemble, Evaluation, EvaluationSettings};

/// Metrics of predictions (or weak labels) against hand labels: AUROC, P/R/F1, CIs over seeds.
///
/// Per region: labelled exams, positives, AUROC (Mann-Whitney, ties count half), and precision,
/// recall (= sensitivity), F1 and specificity at a threshold (prob >= threshold is positive); then
/// macro means over regions. F1 and sensitivity are undefined (n/a) for a region without positives,
/// precision when nothing is called positive; undefined values are left out of the means. Exams are
/// matched by exam_id; empty truth cells are unlabelled. Every exam, seed or region left out
/// (predicted without truth, labelled without prediction, an empty prediction cell, a seed without
/// any prediction for a region, a truth column without prediction column) is named in a note and
/// listed in the JSON (`dropped`).
///
/// Several --pred files (seeds) give the mean over seeds with a 95 % percentile-bootstrap CI over
/// the seed scores; --ensemble also evaluates the mean of the seeds' probabilities.
///
/// Reads: wide CSVs (exam_id + one column per region). Writes (with --out DIR): metrics.csv,
/// per_seed.csv, ensemble.csv, evaluation.json, auroc.svg/.png, roc.svg/.png and summary.json for
/// `uptake report`, as one unit: they appear together or, on an error, not at all.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub input: PredictionArgs,
    /// Regions to evaluate (comma-separated); default: every region column of both files.
    #[arg(long, value_delimiter = ',')]
    pub regions: Option<Vec<String>>,
    /// Threshold for precision/recall/F1/specificity (prob >= threshold is positive).
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f64,
    /// Also evaluate the mean of the seeds' probabilities.
    #[arg(long)]
    pub ensemble: bool,
    /// Bootstrap resamples for the CIs over seeds (0 to 1,000,000).
    #[arg(long, default_value_t = 1000, value_parser = within(0..=MAX_RESAMPLES as u64))]
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Title in the report (default: derived from the file names).
    #[arg(long)]
    pub title: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Folder for tables (CSV), figures (SVG, PNG) and summary.json.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args, _global: &Global) -> Result<()> {
    let preds = args.input.read()?;
    let truth = preds.truth(args.input.truth.as_deref())?;
    let settings = EvaluationSettings {
        regions: args.regions.clone(),
        threshold: args.threshold,
        ensemble: Ensemble::mean_of_seeds_if(args.ensemble),
        ci: CiSettings {
            resamples: args.bootstrap,
            seed: args.seed,
            ..CiSettings::default()
        },
    };
    let ev = Evaluation::compute(&preds.seeds, &truth, &settings)?;
    let title = args.title.clone().unwrap_or_else(|| ev.default_title());
    let json = args.json.then_some(&ev);
    show_and_write(&ev, json, args.out.as_deref(), |e, o| e.write(o, &title))
}
