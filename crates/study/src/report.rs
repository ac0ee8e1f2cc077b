//! The study's report.
use crate::error::StudyError;
use std::path::{Path, PathBuf};

/// What the report wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyReport {
    /// The HTML page.
    pub html: PathBuf,
}

/// Writes the report.
pub fn write_study_report(_plan_file: &Path, out: &Path) -> Result<StudyReport, StudyError> {
    Ok(StudyReport { html: out.into() })
}
