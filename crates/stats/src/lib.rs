//! Analysis of a model's predictions: the study's statistics as tables, JSON, figures and one
//! HTML page.
//!
//! Each analysis is one call that takes its inputs and a settings struct and returns a typed
//! result, which prints itself (`Display`) and writes itself into a folder (`write`, for the
//! [`report`]):
//!
//! - [`Evaluation`]: AUROC, precision, recall, F1, sensitivity and specificity per region
//!   against hand labels, means over seeds with bootstrap CIs, macro means, the seed ensemble;
//! - [`Comparison`]: two models (several seeds each) by AUROC, with permutation tests over seeds
//!   ([`SeedTest`]: paired by default, or unpaired as the study's analysis code ran it), and
//!   [`paper_seeds::PaperSeedTests`], both tests on the study's released predictions;
//! - [`Worklist`]: sensitivity after reading the first x % of a list sorted by a prediction,
//!   and [`TriageOrder`], the list itself;
//! - [`SurvivalAnalysis`]: nested Cox models of survival after the scan on a cohort
//!   [`uptake_core::Manifest`], likelihood-ratio tests, Harrell's C, Kaplan-Meier curves;
//! - [`report::write_report`]: one self-contained HTML page of a run folder;
//! - [`bench::bench_analysis`]: the speed of the statistics.
//!
//! Nothing is left out silently: every exam, seed or region that does not enter the figures is
//! an error or a [`Dropped`] entry in the result (its JSON `dropped` and its printed notes).
//! Analyses that pair seeds or models need the same exams in every file, or
//! [`ExamSet::Intersection`]. Results write their folders as one unit and never over their
//! input files (see [`uptake_core::output`]); counts that size loops and allocations are
//! bounded ([`resample::MAX_RESAMPLES`], [`resample::MAX_PERMUTATIONS`],
//! [`worklist::MAX_STEPS`]).
//!
//! Inputs are [`PredictionFile`]s (one per seed, read by [`ModelPredictions::read`] in our wide
//! format or the study's) and a [`TruthTable`]. The building blocks are public too: [`metrics`]
//! (per-region metrics; the threshold metrics follow [`uptake_core::Confusion`]'s rule for
//! empty cases), [`resample`] (bootstrap, permutation test), [`survival`] (Cox model, Harrell's
//! C, Kaplan-Meier) and [`plots`].
//!
//! Two seeds of a model evaluated against the truth:
//!
//! ```
//! use std::path::Path;
//! use uptake_core::RegionTable;
//! use uptake_stats::metrics::Metric;
//! use uptake_stats::{Evaluation, EvaluationSettings, PredictionFile, TruthTable};
//!
//! let table = |csv: &str| RegionTable::from_reader(csv.as_bytes(), Path::new("inline")).unwrap();
//! let truth = TruthTable {
//!     source: "truth.csv".into(),
//!     table: table("exam_id,liver\nE1,1\nE2,0\nE3,1\nE4,0\n"),
//! };
//! let seeds = [
//!     ("seed0.csv", "exam_id,liver\nE1,0.9\nE2,0.2\nE3,0.7\nE4,0.4\n"),
//!     ("seed1.csv", "exam_id,liver\nE1,0.8\nE2,0.6\nE3,0.3\nE4,0.1\n"),
//! ]
//! .map(|(path, csv)| PredictionFile { path: path.into(), table: table(csv) });
//!
//! let evaluation = Evaluation::compute(&seeds, &truth, &EvaluationSettings::default()).unwrap();
//! // Seed 0 ranks both abnormal exams first; seed 1 ranks E3 below E2.
//! assert_eq!(evaluation.per_seed[0][0].auroc, Some(1.0));
//! assert_eq!(evaluation.per_seed[1][0].auroc, Some(0.75));
//! let liver = &evaluation.over_seeds[0];
//! assert_eq!(liver.summary(Metric::Auroc).unwrap().mean, 0.875);
//! println!("{evaluation}"); // the table `uptake evaluate` prints
//! ```

#![warn(missing_docs)]

pub mod bench;
mod cohort;
mod combine;
pub mod compare;
pub mod dropped;
pub mod evaluate;
mod format;
mod inputs;
pub mod metrics;
mod pairing;
pub mod paper;
pub mod paper_seeds;
pub mod plots;
pub mod report;
pub mod resample;
pub mod survival;
mod survival_analysis;
pub mod worklist;

pub use cohort::{CohortError, Covariate};
pub use compare::{CompareError, CompareSettings, Comparison, ModelNames};
pub use dropped::{DropReason, Dropped, DroppedItem};
pub use evaluate::{Ensemble, EvalError, Evaluation, EvaluationSettings};
pub use format::WriteError;
pub use inputs::{InputError, ModelPredictions, PredictionFile, PredictionFormat, TruthTable};
pub use pairing::{ExamSet, UnpairedExams};
pub use resample::{CiSettings, SeedTest};
pub use survival_analysis::{
    Importance, SurvivalAnalysis, SurvivalAnalysisError, SurvivalSettings,
};
pub use worklist::{TriageEntry, TriageOrder, Worklist, WorklistError, WorklistSettings};
