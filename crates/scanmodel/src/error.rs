//! Errors of the scan model. They name the exam, file or region at fault.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ScanModelError {
    #[error("exam {exam}: {what}")]
    BadVolume { exam: String, what: String },
    #[error("exam {0} is not in the store")]
    MissingExam(String),
    #[error("{path}: {what}")]
    File { path: PathBuf, what: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("checkpoint {path} does not match this model configuration: {what}")]
    ConfigMismatch { path: PathBuf, what: String },
    #[error("labels: {0}")]
    Labels(String),
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Table(#[from] uptake_core::TableError),
    #[error(transparent)]
    Atomic(#[from] uptake_core::AtomicWriteError),
    #[error(transparent)]
    Json(#[from] uptake_core::json::JsonFileError),
    #[error(transparent)]
    Run(#[from] uptake_training::RunError),
}

impl ScanModelError {
    pub fn file(path: impl Into<PathBuf>, what: impl Into<String>) -> Self {
        Self::File {
            path: path.into(),
            what: what.into(),
        }
    }
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T> = std::result::Result<T, ScanModelError>;
