//! Shared domain types and file formats.
//!
//! Everything here is a format that crosses crate boundaries: the exam id, the wide region
//! table (labels and predictions), the hand-labelled mention file the report model trains on,
//! and the atomic file write every command uses so a crash never leaves a half-written output.

pub mod atomic;
pub mod date;
pub mod exam;
pub mod mentions;
pub mod metrics;
pub mod table;

pub use atomic::{AtomicWriteError, write_atomic};
pub use exam::ExamId;
pub use mentions::{LabelledSentence, LabelledSpan, MentionFileError};
pub use table::{RegionTable, TableError};

/// The folder of shared project data (`shared/`, beside the repository), where the starter
/// mention set and the original study's predictions live. `UPTAKE_SHARED_DIR` overrides it.
pub fn shared_dir() -> Option<std::path::PathBuf> {
    if let Ok(dir) = std::env::var("UPTAKE_SHARED_DIR") {
        return Some(dir.into());
    }
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let candidate = workspace.join("../shared");
    candidate
        .join("data")
        .is_dir()
        .then(|| candidate.canonicalize().unwrap_or(candidate))
}
