//! `uptake evaluate`: metrics of predictions (or weak labels) against hand labels.

use crate::common::{Global, PredictionArgs, show_and_write, truth_table};
use anyhow::Result;
use std::path::PathBuf;
use uptake_stats::resample::MAX_RESAMPLES;
use uptake_stats::{CiSettings, Ensemble, Evaluation, EvaluationSettings};

/// Long help of `uptake evaluate` (also set on the subcommand in main.rs, whose
/// doc comment would otherwise replace it).
pub const HELP: &str = "Per region: labelled exams, positives, AUROC (Mann-Whitney, ties count half), \
and precision, recall (= sensitivity), F1 and specificity at a threshold (prob >= threshold is positive); \
then macro means over regions. F1 and sensitivity are undefined (n/a) for a region without positives, \
precision when nothing is called positive; undefined values are left out of the means. \
Exams are matched by exam_id; empty truth cells are unlabelled. Every exam, seed or region left \
out (predicted without truth, labelled without prediction, an empty prediction cell, a seed \
without any prediction for a region, a truth column without prediction column) is named in a \
note and listed in the JSON (`dropped`).\n\n\
Several --pred files (seeds) give the mean over seeds with a 95 % percentile-bootstrap CI over the \
seed scores; --ensemble also evaluates the mean of the seeds' probabilities.\n\n\
Reads: wide CSVs (exam_id + one column per region). Writes (with --out DIR): metrics.csv, \
per_seed.csv, ensemble.csv, evaluation.json, auroc.svg/.png, roc.svg/.png and summary.json for \
`uptake report`, as one unit: they appear together or, on an error, not at all.";

#[derive(clap::Args, Debug)]
#[command(long_about = HELP)]
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
    #[arg(long, default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(0..=MAX_RESAMPLES as u64))]
    pub bootstrap: u64,
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

impl Args {
    fn settings(&self) -> EvaluationSettings {
        EvaluationSettings {
            regions: self.regions.clone(),
            threshold: self.threshold,
            ensemble: if self.ensemble {
                Ensemble::MeanOfSeeds
            } else {
                Ensemble::Off
            },
            ci: CiSettings {
                level: 0.95,
                // At most MAX_RESAMPLES (clap checks), so it fits.
                resamples: self.bootstrap as usize,
                seed: self.seed,
            },
        }
    }
}

pub fn run(args: Args, _global: &Global) -> Result<()> {
    let preds = args.input.read()?;
    let truth = truth_table(args.input.truth.as_deref(), preds.targets)?;
    let ev = Evaluation::compute(&preds.seeds, &truth, &args.settings())?;
    let json = args
        .json
        .then(|| serde_json::to_string_pretty(&ev))
        .transpose()?;
    let title = args.title.clone().unwrap_or_else(|| {
        let first = args.input.pred[0].display();
        format!("{first} vs {}", truth.source.display())
    });
    show_and_write(&ev, json, args.out.as_deref(), |out| {
        Ok(ev.write(out, &title)?)
    })
}
