//! The run folder: `state.json` (written last each epoch), `metrics.jsonl`, and the checkpoint
//! of the last finished epoch in `epoch-NNNN/` (the model's files and `optimizer.bin`). The
//! model's own files (its best weights, its configuration) sit beside them.

use crate::error::RunError;
use crate::record::EpochRecord;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The state file of a run folder.
pub(crate) const STATE_FILE: &str = "state.json";
/// One line per finished epoch ([`EpochRecord`]).
pub(crate) const METRICS_FILE: &str = "metrics.jsonl";
const CHECKPOINT_PREFIX: &str = "epoch-";

/// Where a run stands, as `state.json` records it after each epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunState<M> {
    /// The run's settings (the run options but `epochs`, and the model's settings): a run
    /// resumes only with the same.
    pub settings: serde_json::Value,
    /// Epochs trained.
    pub finished_epochs: usize,
    /// The epoch of the best validation score (of the latest epoch without one).
    pub best_epoch: Option<usize>,
    /// That epoch's score.
    pub best_score: Option<f64>,
    /// Stopped early: more epochs do not extend it.
    pub stopped: bool,
    /// The folder of the last finished epoch's checkpoint.
    pub checkpoint: Option<String>,
    /// Every finished epoch.
    pub history: Vec<EpochRecord<M>>,
}

/// A run folder's files.
#[derive(Debug, Clone)]
pub struct RunDir {
    dir: PathBuf,
}

impl RunDir {
    /// The run folder `dir` (it need not exist yet).
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
        }
    }

    /// The folder.
    pub(crate) fn path(&self) -> &Path {
        &self.dir
    }

    /// `state.json`.
    pub(crate) fn state_file(&self) -> PathBuf {
        self.dir.join(STATE_FILE)
    }

    /// `metrics.jsonl`.
    pub fn metrics_file(&self) -> PathBuf {
        self.dir.join(METRICS_FILE)
    }

    /// The checkpoint folder of `epoch` (1-based).
    pub(crate) fn checkpoint(&self, epoch: usize) -> PathBuf {
        self.dir.join(checkpoint_name(epoch))
    }

    /// The checkpoint folder of the last finished epoch, if the run has one.
    pub fn last_checkpoint(&self) -> Result<Option<PathBuf>, RunError> {
        let state: Option<RunState<serde_json::Value>> = self.read_state()?;
        Ok(state
            .and_then(|s| s.checkpoint)
            .map(|name| self.dir.join(name)))
    }

    /// The run's state; `None` when the folder holds no run.
    pub(crate) fn read_state<M: DeserializeOwned>(&self) -> Result<Option<RunState<M>>, RunError> {
        let path = self.state_file();
        if !path.exists() {
            return Ok(None);
        }
        Ok(Some(uptake_core::json::read_json(&path)?))
    }

    /// The finished epoch's files, the state last: metrics, state, then the older checkpoints
    /// go. A crash before the state is written redoes the epoch.
    pub(crate) fn commit<M: Serialize>(&self, state: &RunState<M>) -> Result<(), RunError> {
        let mut lines = String::new();
        for record in &state.history {
            let line = serde_json::to_string(record).expect("metrics serialise");
            lines.push_str(&line);
            lines.push('\n');
        }
        uptake_core::write_atomic(&self.metrics_file(), |w| {
            std::io::Write::write_all(w, lines.as_bytes())
        })?;
        uptake_core::json::write_json(&self.state_file(), state)?;
        match &state.checkpoint {
            Some(keep) => self.prune_checkpoints(keep),
            None => Ok(()),
        }
    }

    /// Removes the checkpoint folders other than `keep` (older epochs, or one a crash left
    /// half-written).
    fn prune_checkpoints(&self, keep: &str) -> Result<(), RunError> {
        let entries = std::fs::read_dir(&self.dir).map_err(|e| RunError::io(&self.dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| RunError::io(&self.dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_checkpoint = name
                .strip_prefix(CHECKPOINT_PREFIX)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            if is_checkpoint && name != keep && entry.path().is_dir() {
                std::fs::remove_dir_all(entry.path()).map_err(|e| RunError::io(entry.path(), e))?;
            }
        }
        Ok(())
    }
}

/// `epoch-NNNN`.
pub(crate) fn checkpoint_name(epoch: usize) -> String {
    format!("{CHECKPOINT_PREFIX}{epoch:04}")
}
