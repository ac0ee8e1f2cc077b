//! `uptake compare`: two models (several seeds each) by AUROC, with permutation tests over seeds.

use crate::common::{Global, show_and_write, within};
use anyhow::Result;
use std::path::PathBuf;
use uptake_stats::paper_seeds::{PaperSeedSettings, PaperSeedTests};
use uptake_stats::resample::{Alternative, MAX_PERMUTATIONS};
use uptake_stats::{CompareSettings, Comparison, ExamSet, ModelNames, PredictionFormat, SeedTest};

/// Compare two models (several seeds each) by AUROC: CIs, paired permutation tests.
///
/// Compares model A with model B by AUROC, per region and over all regions.
///
/// Each model is given as one prediction file per seed; file i of A is paired with file i of B.
/// For each region: both models' mean AUROC over seeds with a 95 % bootstrap CI, the mean
/// difference A - B, and a paired permutation test. What is permuted: under H0 the model labels
/// are exchangeable within a seed, so each iteration swaps the A and B AUROC of every seed
/// independently with probability 1/2 (i.e. flips the sign of that seed's difference) and
/// recomputes the mean difference; p = (1 + #iterations at least as extreme as observed) /
/// (1 + iterations). --alternative greater tests H1: mean(A) > mean(B) (the study's one-sided
/// test), two-sided tests mean(A) != mean(B). Per-region p-values are also given
/// Bonferroni-corrected for the number of regions tested. The overall test pairs the (region,
/// seed) AUROCs of all regions (the study's 'n = 26 tasks x 5 seeds').
///
/// --test study runs instead the test of the study's released analysis code (mlxtend's
/// `permutation_test`, approximate, unpaired): both models' seed AUROCs are pooled, shuffled and
/// split into the original sizes; p = (count + 1) / (rounds + 1). With five seeds its floor is
/// 1/252, the paired test's 1/32. --paper-seeds DIR runs both on the study's released
/// rare-region and mortality predictions (shared/data/paper-predictions) and prints one table.
///
/// Pairs need the same exams: files that predict different labelled exams for a region are refused
/// (naming the files and an exam), unless --intersection, which compares on the exams every file
/// predicts and lists the others in a note and in the JSON (`dropped`).
///
/// Writes (with --out DIR): comparison.csv, comparison.json, summary.json.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Model A prediction files, one per seed (comma-separated).
    #[arg(long, value_delimiter = ',', required_unless_present = "paper_seeds", num_args = 1..)]
    pub a: Vec<PathBuf>,
    /// Model B prediction files, one per seed, in the same seed order as A.
    #[arg(long, value_delimiter = ',', required_unless_present = "paper_seeds", num_args = 1..)]
    pub b: Vec<PathBuf>,
    /// Truth (hand labels, wide CSV). Not needed with --paper-format.
    #[arg(long)]
    pub truth: Option<PathBuf>,
    /// Regions to compare (comma-separated); default: every region both models and the truth have.
    #[arg(long, value_delimiter = ',')]
    pub regions: Option<Vec<String>>,
    /// greater: H1 mean(A) > mean(B) (one-sided); two-sided: mean(A) != mean(B).
    #[arg(long, default_value = "greater")]
    pub alternative: Alternative,
    /// paired: sign flips within seed pairs (default); study: the study's unpaired test.
    #[arg(long, default_value = "paired")]
    pub test: SeedTest,
    /// Permutation iterations (1 to 10,000,000).
    #[arg(long, default_value_t = 10_000, value_parser = within(1..=MAX_PERMUTATIONS as u64))]
    pub iterations: usize,
    /// Compare on the exams every file predicts (listing the others) instead of refusing
    /// files that predict different exams.
    #[arg(long)]
    pub intersection: bool,
    /// Seed of the permutations and bootstrap.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The prediction files are in the original study's format.
    #[arg(long)]
    pub paper_format: bool,
    /// Name of model A in the output.
    #[arg(long, default_value = "A")]
    pub a_name: String,
    /// Name of model B in the output.
    #[arg(long, default_value = "B")]
    pub b_name: String,
    /// Both tests on the study's released predictions in DIR (its paper-predictions folder).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["a", "b", "truth"])]
    pub paper_seeds: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Folder for comparison.csv, comparison.json and summary.json.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args, _global: &Global) -> Result<()> {
    if let Some(dir) = &args.paper_seeds {
        let (iterations, seed) = (args.iterations, args.seed);
        let tests = PaperSeedTests::compute(dir, &PaperSeedSettings { iterations, seed })?;
        let json = args.json.then_some(&tests);
        return show_and_write(&tests, json, args.out.as_deref(), PaperSeedTests::write);
    }
    let settings = CompareSettings {
        regions: args.regions.clone(),
        alternative: args.alternative,
        test: args.test,
        iterations: args.iterations,
        seed: args.seed,
        names: ModelNames {
            a: args.a_name.clone(),
            b: args.b_name.clone(),
        },
        exam_set: ExamSet::intersection_if(args.intersection),
        ..CompareSettings::default()
    };
    let format = PredictionFormat::paper_if(args.paper_format);
    let truth = args.truth.as_deref();
    let comparison = Comparison::read(&args.a, &args.b, truth, format, &settings)?;
    let json = args.json.then_some(&comparison);
    show_and_write(&comparison, json, args.out.as_deref(), Comparison::write)
}
