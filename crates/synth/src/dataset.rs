//! The files every synthetic data set has, written the same way by report sets and cohorts:
//! `reports.jsonl` (exam_id, text), `specs.jsonl` (one `ExamSpec` per line) and truth tables
//! (0/1 per task region, ancestors included).

use crate::spec::{ExamSpec, Lesion, ReportedAs};
use crate::taxonomy::{TASK_REGIONS, ancestors_or_self, task_region_names};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use uptake_core::{AtomicWriteError, ExamId, RegionTable, TableError, write_atomic};

/// A data-set file that could not be written; the old file, if any, is intact.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// A JSON-lines file.
    #[error("cannot write {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: AtomicWriteError,
    },
    /// A truth table.
    #[error(transparent)]
    Table(#[from] TableError),
}

/// Which lesions make a region positive in a truth table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Counted {
    /// Every lesion in the image (image truth).
    AllLesions,
    /// Lesions the report describes, as abnormal or hedged (what the report says).
    Reported,
}

/// One line of `reports.jsonl`.
#[derive(Serialize)]
struct ReportLine<'a> {
    exam_id: &'a ExamId,
    text: &'a str,
}

/// Writes one JSON value per line, atomically.
fn write_jsonl<T: Serialize>(
    path: &Path,
    items: impl Iterator<Item = T>,
) -> Result<(), DatasetError> {
    write_atomic(path, |w| {
        for item in items {
            serde_json::to_writer(&mut *w, &item)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })
    .map_err(|source| DatasetError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `dir/reports.jsonl` and `dir/specs.jsonl` of (spec, report text) pairs.
pub(crate) fn write_reports_and_specs<'a>(
    dir: &Path,
    exams: impl Iterator<Item = (&'a ExamSpec, &'a str)> + Clone,
) -> Result<(), DatasetError> {
    write_jsonl(
        &dir.join("reports.jsonl"),
        exams.clone().map(|(spec, text)| ReportLine {
            exam_id: &spec.exam_id,
            text,
        }),
    )?;
    write_jsonl(&dir.join("specs.jsonl"), exams.map(|(spec, _)| spec))
}

/// The labels of the 30 task regions: 1 where a counted lesion lies in the region or below it.
fn region_labels(lesions: &[Lesion], counted: Counted) -> Vec<Option<f64>> {
    let mut positive: Vec<&str> = Vec::new();
    for l in lesions {
        if counted == Counted::AllLesions || l.reported_as != ReportedAs::Missed {
            positive.extend(ancestors_or_self(&l.region));
        }
    }
    TASK_REGIONS
        .iter()
        .map(|t| Some(if positive.contains(&t.name) { 1.0 } else { 0.0 }))
        .collect()
}

/// The truth table of some exams: one row per exam, one 0/1 column per task region.
pub(crate) fn truth_table<'a>(
    specs: impl Iterator<Item = &'a ExamSpec>,
    counted: Counted,
) -> RegionTable {
    let mut table = RegionTable::new(task_region_names());
    for spec in specs {
        table.insert(spec.exam_id.clone(), region_labels(&spec.lesions, counted));
    }
    table
}
