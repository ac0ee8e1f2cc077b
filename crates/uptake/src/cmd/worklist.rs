//! `uptake worklist`: sensitivity after reading the first x % of a sorted worklist, or the
//! triage order itself.

use crate::common::{Global, PredictionArgs, show_and_write, truth_table};
use anyhow::Result;
use std::path::PathBuf;
use uptake_stats::{CiSettings, TriageOrder, Worklist, WorklistSettings};

/// Long help of `uptake worklist` (also set on the subcommand in main.rs, whose
/// doc comment would otherwise replace it).
pub const HELP: &str = "Worklist triage for one region: exams are read in order of decreasing \
predicted probability (ties in random order, counted by expectation). Prints the fraction of \
exams that can be left unread while still reading 95 %, 98 % and 99 % of the abnormal ones, and \
the sensitivity after reading 25/50/75 % of the list, with 95 % bootstrap CIs over seeds; the \
random-order (sensitivity = fraction read) and perfect-order references are in the table and plot.\n\n\
With --rank (no truth needed): writes the triage order (rank, exam_id, probability; the mean over \
the --pred files) to --out FILE, or prints it.\n\n\
Writes (with --out DIR, without --rank): worklist.csv, worklist.svg/.png, summary.json.";

#[derive(clap::Args, Debug)]
#[command(long_about = HELP)]
pub struct Args {
    #[command(flatten)]
    pub input: PredictionArgs,
    /// The region whose probability sorts the worklist.
    #[arg(long, default_value = "full")]
    pub region: String,
    /// Write the triage order instead of evaluating it.
    #[arg(long)]
    pub rank: bool,
    /// Points on the curve (grid of fractions read).
    #[arg(long, default_value_t = 100)]
    pub steps: usize,
    /// Seed of the bootstrap CIs.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Output folder (evaluation) or CSV file (--rank).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args, _global: &Global) -> Result<()> {
    let preds = args.input.read()?;
    if args.rank {
        return rank(&args, &preds.seeds);
    }
    let truth = truth_table(args.input.truth.as_deref(), preds.targets)?;
    let settings = WorklistSettings {
        region: args.region.clone(),
        steps: args.steps,
        ci: CiSettings {
            seed: args.seed,
            ..CiSettings::default()
        },
        ..WorklistSettings::default()
    };
    let worklist = Worklist::compute(&preds.seeds, &truth, &settings)?;
    let json = (args.json)
        .then(|| serde_json::to_string_pretty(&worklist.to_json()))
        .transpose()?;
    show_and_write(&worklist, json, args.out.as_deref(), |out| {
        Ok(worklist.write(out)?)
    })
}

/// `--rank`: the triage order to `--out FILE` or stdout.
fn rank(args: &Args, preds: &[uptake_stats::PredictionFile]) -> Result<()> {
    let order = TriageOrder::compute(preds, &args.region)?;
    match &args.out {
        Some(path) => {
            order.write(path)?;
            eprintln!(
                "wrote the triage order of {} exams to {}",
                order.entries.len(),
                path.display()
            );
        }
        None => print!("{}", order.to_csv()),
    }
    if order.left_out > 0 {
        eprintln!(
            "note: {} exams without a `{}` prediction in every file were left out",
            order.left_out, args.region
        );
    }
    Ok(())
}
