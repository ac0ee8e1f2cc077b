//! Analysis: AUROC/F1, bootstrap CIs, permutation tests, worklist curves, Cox survival, plots,
//! HTML report.
//!
//! - [`metrics`]: AUROC (Mann-Whitney, ties as half), confusion metrics at a threshold, ROC points.
//! - [`evaluate`]: prediction vs truth tables (exam matching, seeds, ensembles, macro means).
//! - [`resample`]: bootstrap CIs of a mean, paired permutation test, Bonferroni.
//! - [`compare`]: two models (several seeds each) region by region and over all regions.
//! - [`paper`]: reader of the original study's prediction files.
//! - [`worklist`]: sensitivity after reading the first x % of a sorted worklist.
//! - [`survival`]: Cox proportional hazards, Harrell's C, Kaplan-Meier.
//! - [`plots`]: SVG + PNG figures. [`report`]: the self-contained HTML report.

pub mod cohort;
pub mod compare;
pub mod evaluate;
pub mod metrics;
pub mod paper;
pub mod plots;
pub mod report;
pub mod resample;
pub mod survival;
pub mod worklist;

pub use evaluate::{CiSettings, EvalError, Evaluation, evaluate};
pub use metrics::{Metric, RegionMetrics, auroc};
