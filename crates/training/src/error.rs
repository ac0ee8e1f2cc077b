//! What can go wrong running a training run (the models' own errors wrap it).

use std::path::PathBuf;

/// A training run that cannot go on. Messages name the file and the problem.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The options cannot drive a run.
    #[error("training options: {0}")]
    BadOptions(String),
    /// A file or folder of the run cannot be read or made.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A JSON file of the run (state) cannot be read or written.
    #[error(transparent)]
    Json(#[from] uptake_core::json::JsonFileError),
    /// A file of the run cannot be written.
    #[error(transparent)]
    Write(#[from] uptake_core::AtomicWriteError),
    /// The folder holds a run of other settings: resuming it would mix two runs.
    #[error(
        "{state} holds a run of other settings (differs in: {}); use another output folder",
        differences.join(", ")
    )]
    OtherSettings {
        /// The run's state file.
        state: PathBuf,
        /// The settings that differ.
        differences: Vec<String>,
    },
    /// The state file names no checkpoint to resume from.
    #[error("{state}: names no checkpoint to resume from; use another output folder")]
    NoCheckpoint {
        /// The run's state file.
        state: PathBuf,
    },
    /// The optimizer state of a checkpoint is missing, corrupt or of another model.
    #[error("{path}: not a usable optimizer state: {problem}")]
    OptimizerState {
        /// The optimizer state file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// A replica of a data-parallel run lost the others (one of them stopped, or the collective
    /// cannot be joined).
    #[error("the replicas of the data-parallel run lost each other: {problem}")]
    ReplicasLost {
        /// What the collective said.
        problem: String,
    },
    /// A replica of a data-parallel run failed, which stopped the run.
    #[error("replica {rank} ({device}) failed: {cause}; the run stopped {resume}")]
    ReplicaFailed {
        /// The replica that failed first.
        rank: usize,
        /// Its device.
        device: String,
        /// Its error.
        cause: String,
        /// Where the run can resume from.
        resume: String,
    },
    /// The collective of a run over several machines cannot be set up.
    #[error("data-parallel run over several machines: {0}")]
    Nodes(String),
    /// The training loss became NaN or infinite.
    #[error("the loss became {loss} at epoch {epoch}, batch {batch}; lower the learning rate")]
    LossNotFinite {
        /// The epoch (1-based).
        epoch: usize,
        /// The batch of the epoch (1-based).
        batch: usize,
        /// The loss.
        loss: f64,
    },
}

impl RunError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
