//! The study reproduced on a cohort with one plan: the experiments of the paper (weak vs hand
//! vs hybrid labels, heads, starts, single-task models, the learning curve, rare regions, the
//! summary-code and mortality models), each over several seeds, run resumably and reported
//! with the study's statistics.
//!
//! - [`Plan`] (a TOML file): the cohort's files, seeds, network, epochs, split, experiments
//!   ([`Experiment`]) and comparisons; [`plan_for`] writes the default plan of a cohort,
//!   [`Plan::validate`] refuses a plan that cannot run before anything runs, naming the entry;
//! - [`Plan::runs`]: one [`RunSpec`] per experiment variant and seed, with a stable id and a
//!   hash of its settings;
//! - [`run_plan`]: the runs in `runs/<run id>/` beside the plan: finished runs skipped,
//!   interrupted runs resumed, failed runs recorded while the rest go on, a run whose settings
//!   changed run again, a folder of another plan never reused, one lock per run;
//!   [`job_script`]: the same runs as Slurm job arrays;
//! - [`PlanStatus`]: where every run stands;
//! - [`write_study_report`]: evaluations, comparisons, the study's figures (per-region AUROC
//!   differences of each comparison, multi- minus single-task against class balance, the
//!   rare-region starts, the learning curve with its baseline, worklists of the plan's
//!   regions; each as SVG and PNG with its CSV) and survival in the report layout of
//!   [`uptake_stats::report`], and its HTML page; with reports and hand labels, the labelling
//!   comparison ([`Experiment::Labelling`]: regex, rules, model and model+rules per report
//!   model, F1 and AUROC per region against the hand labels).
//!
//! Nothing here prints: runs report [`StudyEvent`]s to a callback.
//!
//! The default plan of a cohort, expanded into its runs:
//!
//! ```
//! use uptake_study::{Cohort, Preset, plan_for};
//!
//! let dir = tempfile::tempdir()?;
//! let labels = dir.path().join("weak.csv");
//! std::fs::write(&labels, "exam_id,liver,lungs\nE1,1,0\nE2,0,1\nE3,1,1\n")?;
//! let cohort = Cohort {
//!     store: dir.path().join("store"),
//!     weak_labels: labels,
//!     hand_labels: None,
//!     manifest: None,
//!     truth: None,
//!     reports: None,
//!     report_models: Vec::new(),
//! };
//! let plan = plan_for(cohort, Preset::Tiny)?;
//! let runs = plan.runs();
//! assert_eq!(runs[0].id, "weak-s0");
//! assert_eq!(runs.len(), plan.experiments.len() * 2); // two seeds each
//! // The store does not exist: the plan is refused before anything runs.
//! let refused = plan.validate().unwrap_err();
//! assert_eq!(refused.entry, "cohort.store");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod balance;
mod default_plan;
mod differences;
mod error;
mod events;
mod execute;
mod expand;
mod figure_files;
mod folder;
mod jobs;
mod labelling;
mod labelling_report;
#[cfg(test)]
mod labelling_tests;
mod learning_curve;
mod mortality_roc;
mod plan;
mod rare_regions;
mod report;
mod schedule;
mod split;
mod status;
mod targets;
mod validate;
mod worklists;

pub use default_plan::{MORTALITY_DAYS, Preset, WrittenPlan, plan_for, write_default_plan};
pub use error::StudyError;
pub use events::{OnStudyEvent, StartReason, StudyEvent};
pub use expand::{RunSpec, WholeTarget, Work};
pub use folder::{RunLock, RunStatus};
pub use jobs::{job_script, write_job_script};
pub use plan::{
    Cohort, ComparisonSpec, DEFAULT_SEEDS, Experiment, Head, Labels, Network, Plan, PlanFileError,
    RareStart, Split, Start,
};
pub use report::{StudyReport, write_study_report};
pub use schedule::{RunSettings, RunSummary, run_plan, runs_dir};
pub use split::CohortFileError;
pub use status::PlanStatus;
pub use validate::PlanError;
