//! Errors of the scan model. They name the exam, file or region at fault.

use std::path::PathBuf;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum ScanModelError {
    /// A volume that cannot be used (wrong size, NaN, unreadable file).
    #[error("exam {exam}: {what}")]
    BadVolume {
        /// The exam.
        exam: String,
        /// What is wrong.
        what: String,
    },
    /// An exam that the volume source does not have (the text names the exam and the source).
    #[error("exam {0} is not in the store")]
    MissingExam(String),
    /// A file with the wrong content.
    #[error("{path}: {what}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// A file that cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A checkpoint of another network.
    #[error("checkpoint {path} does not match this model configuration: {what}")]
    ConfigMismatch {
        /// The checkpoint or configuration file.
        path: PathBuf,
        /// What differs.
        what: String,
    },
    /// Labels that cannot be trained on.
    #[error("labels: {0}")]
    Labels(String),
    /// A network or training configuration that is not valid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A label or prediction table.
    #[error(transparent)]
    Table(#[from] uptake_core::TableError),
    /// An atomic write that failed (the old file is intact).
    #[error(transparent)]
    Atomic(#[from] uptake_core::AtomicWriteError),
    /// The cohort manifest.
    #[error(transparent)]
    Manifest(#[from] uptake_core::ManifestError),
    /// An exam's region map (`regions.json`).
    #[error("exam {exam}: {source}")]
    RegionMap {
        /// The exam.
        exam: String,
        /// What is wrong with its map.
        source: uptake_core::RegionMapError,
    },
    /// A JSON file of a run.
    #[error(transparent)]
    Json(#[from] uptake_core::json::JsonFileError),
    /// The run folder (state, checkpoints).
    #[error(transparent)]
    Run(#[from] uptake_training::RunError),
    /// A list of exams (`--validation-exams`).
    #[error(transparent)]
    ExamList(#[from] uptake_core::ExamListError),
    /// A device that cannot run the network (not in this build, not on this machine).
    #[error(transparent)]
    Device(#[from] uptake_training::DeviceError),
    /// The device's memory cannot hold the work asked of it.
    #[error("{device} ran out of memory {work} ({detail}); {advice}")]
    OutOfMemory {
        /// The device.
        device: String,
        /// What it was doing: the batch and grid.
        work: String,
        /// What the backend said.
        detail: String,
        /// What to lower.
        advice: String,
    },
}

impl ScanModelError {
    /// A [`ScanModelError::File`].
    pub fn file(path: impl Into<PathBuf>, what: impl Into<String>) -> Self {
        Self::File {
            path: path.into(),
            what: what.into(),
        }
    }

    /// A [`ScanModelError::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// A result of this crate.
pub type Result<T> = std::result::Result<T, ScanModelError>;
