//! What ingestion leaves out and why: the records kept in each exam's provenance
//! ([`crate::store::ExamInfo`]) and shown by `uptake inspect` and `ingest --report`.

use serde::{Deserialize, Serialize};

/// A file or series left out, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    /// The file or series.
    pub what: String,
    /// Why it was left out.
    pub reason: String,
}

/// ` (skipped: what: why; ...)`, or nothing when nothing was skipped.
pub(crate) fn skipped_summary(skipped: &[Skipped]) -> String {
    if skipped.is_empty() {
        String::new()
    } else {
        format!(
            " (skipped: {})",
            skipped
                .iter()
                .map(|s| format!("{}: {}", s.what, s.reason))
                .collect::<Vec<_>>()
                .join("; ")
        )
    }
}
