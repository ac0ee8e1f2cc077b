//! What running a plan reports as it goes (the library prints nothing).

use std::fmt;

/// Why a run starts.
#[derive(Debug, Clone, PartialEq)]
pub enum StartReason {
    /// It never ran.
    New,
    /// An earlier attempt was interrupted: the scan model resumes from its last epoch.
    Resume,
    /// It failed before: it runs again.
    Retry,
    /// Its settings changed since it ran (hash then and now): it runs again from scratch.
    SettingsChanged {
        /// The hash it ran with.
        was: String,
        /// The hash now.
        now: String,
    },
}

/// One event of a plan's runs.
#[derive(Debug, Clone, PartialEq)]
pub enum StudyEvent {
    /// A finished run, skipped.
    Skipped {
        /// The run.
        run: String,
    },
    /// Another process holds the run's lock: left to it.
    Busy {
        /// The run.
        run: String,
    },
    /// A run starts.
    Started {
        /// The run.
        run: String,
        /// Why.
        why: StartReason,
    },
    /// A line of a run's training (one per epoch).
    Training {
        /// The run.
        run: String,
        /// The line.
        line: String,
    },
    /// A run finished.
    Finished {
        /// The run.
        run: String,
        /// Seconds it took.
        seconds: f64,
    },
    /// A run failed (the others go on).
    Failed {
        /// The run.
        run: String,
        /// The error with its causes.
        error: String,
    },
}

/// One line per event, e.g. `skipped weak-s0 (done)`.
impl fmt::Display for StudyEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Skipped { run } => write!(f, "skipped {run} (done)"),
            Self::Busy { run } => write!(f, "skipped {run} (another process runs it)"),
            Self::Started { run, why } => match why {
                StartReason::New => write!(f, "running {run}"),
                StartReason::Resume => write!(f, "resuming {run} (interrupted)"),
                StartReason::Retry => write!(f, "running {run} again (it failed before)"),
                StartReason::SettingsChanged { was, now } => write!(
                    f,
                    "running {run} again: its settings changed (hash {was} -> {now})"
                ),
            },
            Self::Training { run, line } => write!(f, "{run}: {line}"),
            Self::Finished { run, seconds } => write!(f, "done {run} ({seconds:.1} s)"),
            Self::Failed { run, error } => write!(f, "FAILED {run}: {error}"),
        }
    }
}

/// Where the events go: called from the threads of `--jobs`.
pub type OnStudyEvent<'a> = &'a (dyn Fn(StudyEvent) + Sync);
