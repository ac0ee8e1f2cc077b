use std::path::{Path, PathBuf};

/// Everything that can go wrong loading, training or running the report model. Messages name
/// the file (and line or tensor) and never contain report text.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{dir} is not a model folder: {file} is missing")]
    MissingFile { dir: PathBuf, file: String },
    #[error("{path}: not a usable BERT config: {message}")]
    BadConfig { path: PathBuf, message: String },
    #[error("{path}: not a usable safetensors file: {message}")]
    BadWeights { path: PathBuf, message: String },
    #[error("{path}: not a usable optimizer state: {message}")]
    BadOptimizerState { path: PathBuf, message: String },
    #[error("{path}: tensor `{name}` is missing")]
    MissingTensor { path: PathBuf, name: String },
    #[error("{path}: tensor `{name}` has shape {found:?}, the config says {expected:?}")]
    WrongShape {
        path: PathBuf,
        name: String,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    #[error("{path}: cannot load the tokenizer: {message}")]
    Tokenizer { path: PathBuf, message: String },
    #[error("{path}, line {line}: {message}")]
    Mention {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{0}")]
    Training(String),
    #[error(transparent)]
    Mentions(#[from] uptake_core::MentionFileError),
    #[error(transparent)]
    Write(#[from] uptake_core::AtomicWriteError),
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
