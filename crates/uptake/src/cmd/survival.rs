//! `uptake survival`: Cox models of survival after the scan with region predictions as
//! covariates; Kaplan-Meier curves.

use crate::common::{Global, show_and_write};
use anyhow::Result;
use std::path::PathBuf;
use uptake_core::Manifest;
use uptake_core::manifest::Split;
use uptake_stats::survival::Ties;
use uptake_stats::{
    Covariate, ModelPredictions, PredictionFormat, SurvivalAnalysis, SurvivalSettings,
};

/// Cox survival models with region predictions as covariates; Kaplan-Meier curves.
///
/// Cox proportional hazards models of survival after the scan (Newton-Raphson, no penalty, Efron or
/// Breslow ties, Breslow baseline), fitted on one split and evaluated on another.
///
/// Two nested models are fitted on the --fit split: the base model (the non-region covariates) and
/// the full model (base + region predictions). Printed: hazard ratios with Wald 95 % CIs and
/// p-values, log-likelihoods, likelihood-ratio tests against the null model and between the nested
/// models, importance (Wald chi2 - df) per covariate group, and Harrell's C of both models on the
/// --test split. Kaplan-Meier curves (Greenwood, log-log 95 % CI) are stratified by the predicted
/// probability of --km-region (>= --threshold).
///
/// Manifest: CSV with exam_id, patient_id, follow-up as time_days + event or as study_date,
/// death_date, censor_date (YYYY-MM-DD), and covariates age, sex (F/M; O counts as missing),
/// indication, summary_code (1/2/4/9; abnormal = code > 1); optional split column
/// (train/valid/test), else a seeded hash of patient_id (60/20/20). With several --pred files, each
/// region's covariate is the median over seeds.
///
/// Writes (with --out DIR): coefficients.csv, survival.json, km.svg/.png, summary.json.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The cohort manifest (CSV; see above for the columns).
    #[arg(long)]
    pub manifest: PathBuf,
    /// Prediction files (wide CSV), one per seed; the median over seeds is used.
    #[arg(long, value_delimiter = ',', required = true, num_args = 1..)]
    pub pred: Vec<PathBuf>,
    /// Covariates: age, sex, indication, summary_code, regions (= every prediction column) or region names.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "age,indication,summary_code,regions"
    )]
    pub covariates: Vec<Covariate>,
    /// Split to fit on: train, valid or test.
    #[arg(long, default_value = "valid")]
    pub fit: Split,
    /// Split to compute Harrell's C on: train, valid or test.
    #[arg(long, default_value = "test")]
    pub test: Split,
    /// How tied event times enter the partial likelihood: efron or breslow.
    #[arg(long, default_value = "efron")]
    pub ties: Ties,
    /// Seed of the patient hash split (when the manifest has no split column).
    #[arg(long, default_value_t = 0)]
    pub split_seed: u64,
    /// Region whose prediction stratifies the Kaplan-Meier curves.
    #[arg(long, default_value = "full")]
    pub km_region: String,
    /// Probability at or above which an exam counts as predicted abnormal (Kaplan-Meier strata).
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f64,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Folder for coefficients.csv, survival.json, km.svg/.png and summary.json.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args, _global: &Global) -> Result<()> {
    let manifest = Manifest::read(&args.manifest)?;
    let preds = ModelPredictions::read(&args.pred, PredictionFormat::Wide)?;
    let settings = SurvivalSettings {
        covariates: args.covariates.clone(),
        fit_split: args.fit,
        test_split: args.test,
        ties: args.ties,
        split_seed: args.split_seed,
        km_region: args.km_region.clone(),
        km_threshold: args.threshold,
    };
    let result = SurvivalAnalysis::compute(&manifest, &preds.seeds, &settings)?;
    let json = args.json.then(|| result.to_json());
    show_and_write(&result, json, args.out.as_deref(), SurvivalAnalysis::write)
}
