//! Errors of the study's runs and report.

use std::path::PathBuf;

/// A run, a plan's runs or the report that failed.
#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    /// The plan file.
    #[error(transparent)]
    PlanFile(#[from] crate::plan::PlanFileError),
    /// The plan is refused.
    #[error(transparent)]
    Plan(#[from] crate::validate::PlanError),
    /// A cohort file.
    #[error(transparent)]
    Cohort(#[from] crate::split::CohortFileError),
    /// The device cannot run the plan (e.g. CUDA on a build without the `gpu` feature).
    #[error(transparent)]
    Device(#[from] uptake_training::DeviceError),
    /// Training or prediction.
    #[error(transparent)]
    ScanModel(#[from] uptake_scanmodel::ScanModelError),
    /// A file of a run or the report cannot be read or written.
    #[error("{path}: {message}")]
    File {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A run id the plan does not have.
    #[error("the plan has no run `{0}` (see `uptake study status`)")]
    UnknownRun(String),
    /// An experiment name the plan does not have.
    #[error("the plan has no experiment `{0}`")]
    UnknownExperiment(String),
    /// Runs that failed (their errors are in their `run.json`).
    #[error("runs failed: {} (see `uptake study status`)", .0.join(", "))]
    RunsFailed(Vec<String>),
    /// The report's statistics.
    #[error("{what}: {message}")]
    Analysis {
        /// The experiment or comparison.
        what: String,
        /// Why.
        message: String,
    },
}

impl StudyError {
    /// A file error.
    pub(crate) fn file(path: impl Into<PathBuf>, message: impl ToString) -> Self {
        Self::File {
            path: path.into(),
            message: message.to_string(),
        }
    }
}

/// An error with its causes, one after the other (as `run.json` records it).
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(&format!(": {cause_text}"));
        }
        source = cause.source();
    }
    text
}
