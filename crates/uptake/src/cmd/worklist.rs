//! `uptake worklist`: sensitivity after reading the first x % of a sorted worklist, or the
//! triage order itself.

use crate::common::{Global, PredictionArgs, show_and_write, within};
use anyhow::Result;
use std::path::PathBuf;
use uptake_stats::worklist::MAX_STEPS;
use uptake_stats::{CiSettings, ExamSet, TriageOrder, Worklist, WorklistSettings};

/// Worklist triage: sensitivity after reading the first x % of a sorted worklist; triage order.
///
/// Worklist triage for one region: exams are read in order of decreasing predicted probability
/// (ties in random order, counted by expectation). Prints the fraction of exams that can be left
/// unread while still reading 95 %, 98 % and 99 % of the abnormal ones, and the sensitivity after
/// reading 25/50/75 % of the list, with 95 % bootstrap CIs over seeds; the random-order
/// (sensitivity = fraction read) and perfect-order references are in the table and plot.
///
/// With --rank (no truth needed): writes the triage order (rank, exam_id, probability; the mean
/// over the --pred files) to --out FILE (never onto a --pred file, a link or a special file), or
/// prints it (--json: with the exams left out).
///
/// Several --pred files must predict the same exams: an exam missing from one file (or empty there)
/// is an error naming it, unless --intersection, which keeps the exams every file predicts and
/// lists the others in a note (stderr with --rank) and in the JSON (`dropped`). Exams no file
/// predicts are listed the same way.
///
/// Writes (with --out DIR, without --rank): worklist.csv, worklist.svg/.png, summary.json, as one
/// unit.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub input: PredictionArgs,
    /// The region whose probability sorts the worklist.
    #[arg(long, default_value = "full")]
    pub region: String,
    /// Write the triage order instead of evaluating it.
    #[arg(long)]
    pub rank: bool,
    /// Points on the curve (grid of fractions read; 1 to 100,000).
    #[arg(long, default_value_t = 100, value_parser = within(1..=MAX_STEPS as u64))]
    pub steps: usize,
    /// Use the exams every --pred file predicts (listing the others) instead of refusing
    /// files that predict different exams.
    #[arg(long)]
    pub intersection: bool,
    /// Seed of the bootstrap CIs.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print JSON instead of a table (with --rank: the order and the exams left out).
    #[arg(long)]
    pub json: bool,
    /// Output folder (evaluation) or CSV file (--rank).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args, _global: &Global) -> Result<()> {
    let preds = args.input.read()?;
    let exam_set = ExamSet::intersection_if(args.intersection);
    if args.rank {
        return rank(&args, &preds.seeds, exam_set);
    }
    let truth = preds.truth(args.input.truth.as_deref())?;
    let settings = WorklistSettings {
        region: args.region.clone(),
        steps: args.steps,
        ci: CiSettings {
            seed: args.seed,
            ..CiSettings::default()
        },
        exam_set,
        ..WorklistSettings::default()
    };
    let worklist = Worklist::compute(&preds.seeds, &truth, &settings)?;
    let json = args.json.then(|| worklist.to_json());
    show_and_write(&worklist, json, args.out.as_deref(), Worklist::write)
}

/// `--rank`: the triage order to `--out FILE` or stdout (CSV, or JSON with what was left out);
/// notes on the exams left out on stderr.
fn rank(args: &Args, preds: &[uptake_stats::PredictionFile], exam_set: ExamSet) -> Result<()> {
    let order = TriageOrder::compute(preds, &args.region, exam_set)?;
    match (&args.out, args.json) {
        (Some(path), _) => {
            order.write(path)?;
            let (exams, path) = (order.entries.len(), path.display());
            eprintln!("wrote the triage order of {exams} exams to {path}");
        }
        (None, true) => println!("{}", serde_json::to_string_pretty(&order)?),
        (None, false) => print!("{}", order.to_csv()),
    }
    for note in order.notes() {
        eprintln!("note: {note}");
    }
    Ok(())
}
