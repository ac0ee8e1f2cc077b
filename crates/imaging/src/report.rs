//! `ingest --report FILE`: one CSV row per exam of a run with every decision and warning, so a
//! user can audit ten thousand exams at once ([`write_report`]). Columns: `exam_id`, `status`
//! (`ingested`, `already stored`, `failed`), `study_instance_uid`, `pet_series`, `pet_choice`,
//! `ct_series`, `ct_choice`, `rejected_series`, `skipped_files`, `repairs`, `warnings`,
//! `error`; lists are joined with ` | `.

use std::path::Path;

use uptake_core::{AtomicWriteError, write_atomic};

use crate::cohort::{ExamOutcome, ExamStatus, IngestOutcome};
use crate::record::Skipped;
use crate::store::{ExamInfo, ExamStore};

/// The report's columns.
pub const REPORT_COLUMNS: [&str; 12] = [
    "exam_id",
    "status",
    "study_instance_uid",
    "pet_series",
    "pet_choice",
    "ct_series",
    "ct_choice",
    "rejected_series",
    "skipped_files",
    "repairs",
    "warnings",
    "error",
];

fn joined(items: &[Skipped]) -> String {
    items
        .iter()
        .map(|s| format!("{}: {}", s.what, s.reason))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// One exam's row; the record of an exam already stored is read from `store`.
fn row(exam: &ExamOutcome, store: &ExamStore) -> Vec<String> {
    let stored;
    let (status, info, error) = match &exam.status {
        ExamStatus::Ingested(info) => ("ingested", Some(info.as_ref()), String::new()),
        ExamStatus::AlreadyStored => {
            stored = store.info(&exam.exam_id).ok().flatten();
            ("already stored", stored.as_ref(), String::new())
        }
        ExamStatus::Failed(f) => ("failed", None, f.to_string()),
    };
    let empty = ExamInfo::default();
    let i = info.unwrap_or(&empty);
    vec![
        exam.exam_id.to_string(),
        status.to_string(),
        i.study_instance_uid.clone(),
        i.pet_series_uid.clone(),
        i.pet_choice.clone(),
        i.ct_series_uid.clone(),
        i.ct_choice.clone(),
        joined(&i.rejected_series),
        joined(&i.skipped_files),
        i.repairs.join(" | "),
        i.warnings.join(" | "),
        error,
    ]
}

/// Writes the report of `outcome` to `path` (atomically), one row per exam in outcome order.
pub fn write_report(
    path: &Path,
    outcome: &IngestOutcome,
    store: &ExamStore,
) -> Result<(), AtomicWriteError> {
    write_atomic(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(REPORT_COLUMNS)?;
        for exam in &outcome.exams {
            csv.write_record(row(exam, store))?;
        }
        csv.flush()
    })
}
