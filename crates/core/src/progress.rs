//! How a long step reports its progress without printing: the caller passes a [`Progress`]
//! (the command-line tool draws bars from it; a library user may log, or ignore it).

/// Receives the progress of a step. Every method has an empty default.
pub trait Progress: Send + Sync {
    /// A stage begins with `total` units of work (0 when unknown).
    fn start(&self, _stage: &str, _total: u64) {}
    /// `units` more units of the current stage are done.
    fn advance(&self, _units: u64) {}
    /// The current stage is done.
    fn finish(&self) {}
}

/// Ignores all progress.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}
