//! A scan-model run folder: `config.json` (the network), `train.json` (the options and the exam
//! split), `best.safetensors` (the best epoch's weights), and the training engine's files
//! (`state.json`, `metrics.jsonl`, the last epoch's checkpoint in `epoch-NNNN/`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use uptake_core::ExamId;
use uptake_training::RunDir;

use crate::config::ModelConfig;
use crate::error::{Result, ScanModelError};

/// The weights file of a checkpoint folder.
pub(crate) const CHECKPOINT_WEIGHTS: &str = "model.safetensors";

/// The files of a run folder.
pub struct RunPaths {
    dir: PathBuf,
}

impl RunPaths {
    /// The run folder `dir`.
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
        }
    }

    /// `config.json`: the network.
    pub fn config(&self) -> PathBuf {
        self.dir.join("config.json")
    }

    /// `train.json`: the options and the exam split.
    pub fn train(&self) -> PathBuf {
        self.dir.join("train.json")
    }

    /// `best.safetensors`: the weights of the best epoch so far.
    pub fn best(&self) -> PathBuf {
        self.dir.join("best.safetensors")
    }

    /// `metrics.jsonl`: one line per epoch.
    pub fn metrics(&self) -> PathBuf {
        RunDir::new(&self.dir).metrics_file()
    }

    /// The weights of the last finished epoch, if the run has finished one.
    pub fn last(&self) -> Result<Option<PathBuf>> {
        let checkpoint = RunDir::new(&self.dir).last_checkpoint()?;
        Ok(checkpoint.map(|c| c.join(CHECKPOINT_WEIGHTS)))
    }

    /// The weights a run is used with: the best epoch's, else the last finished epoch's.
    pub fn weights(&self) -> Result<PathBuf> {
        if self.best().exists() {
            return Ok(self.best());
        }
        self.last()?.filter(|p| p.exists()).ok_or_else(|| {
            ScanModelError::file(
                &self.dir,
                "no weights in this run (best.safetensors, or a finished epoch's checkpoint)",
            )
        })
    }
}

/// Reads a run's network configuration.
pub fn read_config(run: &Path) -> Result<ModelConfig> {
    let path = RunPaths::new(run).config();
    let config: ModelConfig = uptake_core::json::read_json(&path)?;
    config
        .validate()
        .map_err(|e| ScanModelError::file(&path, e))?;
    Ok(config)
}

/// The exams a run trains and validates on (in `train.json`, with the options).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExamSplit {
    /// Exams trained on.
    pub train_exams: Vec<ExamId>,
    /// Exams validated on.
    pub validation_exams: Vec<ExamId>,
}

/// The exam split of the run in `run`, if it has a `train.json`.
pub(crate) fn read_split(run: &Path) -> Result<Option<ExamSplit>> {
    let path = RunPaths::new(run).train();
    if !path.exists() {
        return Ok(None);
    }
    Ok(Some(uptake_core::json::read_json(&path)?))
}
