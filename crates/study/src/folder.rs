//! A run's folder: `run.json` (the plan's id, the run's settings and hash, its state) and a
//! lock file while a process runs it.

use crate::expand::RunSpec;
use serde::{Deserialize, Serialize};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use uptake_core::atomic::TEMP_PREFIX;

/// The record every run folder holds.
pub const RECORD_FILE: &str = "run.json";
/// The lock file a process holds while it runs the run.
pub const LOCK_FILE: &str = "lock";

/// How a run ended (or that it is under way).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum RunState {
    /// Started and not finished (or interrupted).
    Started,
    /// Finished: its predictions are in the folder.
    Done {
        /// Seconds the last attempt took.
        seconds: f64,
    },
    /// Failed.
    Failed {
        /// The error, with its causes.
        error: String,
    },
}

/// `run.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The plan the run belongs to.
    pub plan_id: String,
    /// The run and its settings hash.
    pub run: RunSpec,
    /// Its state.
    pub state: RunState,
}

/// Where a run stands.
#[derive(Debug, Clone, PartialEq)]
pub enum RunStatus {
    /// Not started.
    Pending,
    /// A live process holds its lock.
    Running,
    /// Started before and not finished: it resumes.
    Interrupted,
    /// Finished with the current settings.
    Done,
    /// Failed with the current settings.
    Failed(String),
    /// Finished or failed with other settings: it runs again.
    Stale {
        /// The hash it ran with.
        recorded: String,
    },
    /// The folder holds another plan's run (or no readable record): never reused.
    Foreign(String),
}

/// Reads a run folder's record; `None` when there is none.
pub fn read_record(dir: &Path) -> Result<Option<RunRecord>, String> {
    let path = dir.join(RECORD_FILE);
    if !path.exists() {
        return Ok(None);
    }
    uptake_core::json::read_json(&path)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// Writes a run folder's record atomically.
pub fn write_record(dir: &Path, record: &RunRecord) -> Result<(), String> {
    uptake_core::json::write_json(&dir.join(RECORD_FILE), record).map_err(|e| e.to_string())
}

/// Where the run `spec` of plan `plan_id` stands, from its folder (`Running` while a live
/// process holds its lock).
pub fn status_of(plan_id: &str, spec: &RunSpec, dir: &Path) -> RunStatus {
    lock_status(dir, recorded_status(plan_id, spec, dir))
}

/// Where the run stands by its record alone (for the process holding its lock).
pub fn recorded_status(plan_id: &str, spec: &RunSpec, dir: &Path) -> RunStatus {
    if !dir.exists() {
        return RunStatus::Pending;
    }
    let record = match read_record(dir) {
        Ok(Some(record)) => record,
        Ok(None) if is_empty_but_lock(dir) => return RunStatus::Pending,
        Ok(None) => return RunStatus::Foreign("the folder has files but no run.json".into()),
        Err(e) => return RunStatus::Foreign(format!("unreadable run.json: {e}")),
    };
    if record.plan_id != plan_id || record.run.id != spec.id {
        let owner = format!("run `{}` of plan {}", record.run.id, record.plan_id);
        return RunStatus::Foreign(format!("holds {owner}"));
    }
    let current = record.run.settings_hash == spec.settings_hash;
    match (record.state, current) {
        (RunState::Done { .. }, true) => RunStatus::Done,
        (RunState::Failed { error }, true) => RunStatus::Failed(error),
        (RunState::Started, true) => RunStatus::Interrupted,
        (_, false) => RunStatus::Stale {
            recorded: record.run.settings_hash,
        },
    }
}

/// Whether the folder holds nothing but its lock and the temporary files of writes killed
/// before their rename (a run killed while recording that it started).
fn is_empty_but_lock(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.filter_map(Result::ok).all(|e| {
            let name = e.file_name();
            name == LOCK_FILE || name.to_string_lossy().starts_with(TEMP_PREFIX)
        })
    })
}

/// `Running` when a live process holds the folder's lock, else `status`.
fn lock_status(dir: &Path, status: RunStatus) -> RunStatus {
    match status {
        RunStatus::Done | RunStatus::Foreign(_) => status,
        _ if lock_is_live(&dir.join(LOCK_FILE)) => RunStatus::Running,
        _ => status,
    }
}

/// This machine's name.
fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "unknown".into())
        .trim()
        .to_string()
}

/// Whether a lock file names a live process: one on another machine counts as live; one of
/// this machine whose process is gone does not.
fn lock_is_live(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    let mut parts = text.split_whitespace();
    let (Some(lock_host), Some(pid)) = (parts.next(), parts.next()) else {
        return true;
    };
    if lock_host != host() {
        return true;
    }
    let proc_dir = Path::new("/proc");
    !proc_dir.is_dir() || proc_dir.join(pid).exists()
}

/// A run's lock, removed when dropped.
#[derive(Debug)]
pub struct RunLock {
    path: PathBuf,
}

impl RunLock {
    /// Takes the lock of the run folder `dir` (creating it): `None` when a live process holds
    /// it. A lock left by a process of this machine that is gone is taken over.
    pub fn acquire(dir: &Path) -> std::io::Result<Option<RunLock>> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(LOCK_FILE);
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    writeln!(file, "{} {}", host(), std::process::id())?;
                    return Ok(Some(RunLock { path }));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if lock_is_live(&path) {
                        return Ok(None);
                    }
                    std::fs::remove_file(&path)?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
