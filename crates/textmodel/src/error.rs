//! Everything that can go wrong loading, training, evaluating or running the report model.

use std::path::{Path, PathBuf};

/// An error of the report model. Messages name the file (and sentence or tensor) and never
/// contain report text.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A file or folder cannot be read or made.
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A model folder lacks a file.
    #[error("{dir} is not a model folder: {file} is missing")]
    MissingFile {
        /// The folder.
        dir: PathBuf,
        /// The missing file.
        file: String,
    },
    /// `config.json` is not a BERT configuration the encoder can run.
    #[error("{path}: not a usable BERT config: {message}")]
    BadConfig {
        /// The config file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The weights file is not readable safetensors of f32, f16 or bf16 tensors.
    #[error("{path}: not a usable safetensors file: {message}")]
    BadWeights {
        /// The weights file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The weights lack a tensor the configuration needs.
    #[error("{path}: tensor `{name}` is missing")]
    MissingTensor {
        /// The weights file.
        path: PathBuf,
        /// The tensor.
        name: String,
    },
    /// A tensor's shape is not the configuration's.
    #[error("{path}: tensor `{name}` has shape {found:?}, the config says {expected:?}")]
    WrongShape {
        /// The weights file.
        path: PathBuf,
        /// The tensor.
        name: String,
        /// The configuration's shape.
        expected: Vec<usize>,
        /// The file's shape.
        found: Vec<usize>,
    },
    /// The tokenizer cannot be loaded or run.
    #[error("{path}: cannot load the tokenizer: {message}")]
    Tokenizer {
        /// The tokenizer file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A sentence's mention cannot be encoded (it covers no word piece, or is too long).
    #[error("sentence {sentence}: {message}")]
    Mention {
        /// The sentence's index (0-based) in the sentences given.
        sentence: usize,
        /// What is wrong.
        message: String,
    },
    /// Training options or data that cannot train a model.
    #[error("{0}")]
    Training(String),
    /// The training run (its folder, checkpoints, optimizer state) failed.
    #[error(transparent)]
    Run(#[from] uptake_training::RunError),
    /// A device that cannot run the model (not in this build, not on this machine).
    #[error(transparent)]
    Device(#[from] uptake_training::DeviceError),
    /// A mention file cannot be read.
    #[error(transparent)]
    Mentions(#[from] uptake_core::MentionFileError),
    /// A reports file cannot be read.
    #[error(transparent)]
    Reports(#[from] uptake_reports::ReportError),
    /// A rule-based labeller failed on the mentions.
    #[error(transparent)]
    Score(#[from] uptake_labels::ScoreError),
    /// A JSON file cannot be read or written.
    #[error(transparent)]
    Json(#[from] uptake_core::json::JsonFileError),
    /// A file cannot be written.
    #[error(transparent)]
    Write(#[from] uptake_core::AtomicWriteError),
    /// A figure cannot be drawn or written.
    #[error(transparent)]
    Plot(#[from] uptake_stats::plots::PlotError),
    /// A baseline program (the PyTorch comparison of the benchmark) could not run or failed.
    #[error("the baseline {program} failed: {reason}")]
    Baseline {
        /// The program run.
        program: PathBuf,
        /// Why (its exit status and error output).
        reason: String,
    },
}

impl ModelError {
    pub(crate) fn file(path: &Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::NotFound
            && let (Some(dir), Some(name)) = (path.parent(), path.file_name())
        {
            return Self::MissingFile {
                dir: dir.to_path_buf(),
                file: name.to_string_lossy().into_owned(),
            };
        }
        Self::File {
            path: path.to_path_buf(),
            source,
        }
    }
}
