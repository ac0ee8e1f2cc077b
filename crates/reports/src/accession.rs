//! The accession mapping: a CSV file with columns `accession` and `exam_id`, for report exports
//! keyed by accession number instead of exam id. Several accessions may map to one exam (their
//! reports are then merged by the policy of several reports per exam); one accession may map to
//! one exam only.

use crate::csv_strict::parse_csv;
use crate::read_error::ReportError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Accession number -> exam id.
#[derive(Debug, Clone)]
pub(crate) struct AccessionMap {
    pub(crate) path: PathBuf,
    map: HashMap<String, String>,
}

impl AccessionMap {
    /// Reads a mapping file.
    pub(crate) fn read(path: &Path) -> Result<AccessionMap, ReportError> {
        let bad = |message: String| ReportError::BadMapping {
            path: path.to_path_buf(),
            message,
        };
        let bytes = std::fs::read(path).map_err(|source| ReportError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let rows = parse_csv(bytes, path)?;
        let Some((header, rows)) = rows.split_first() else {
            return Err(bad("the accession mapping is empty".into()));
        };
        let name =
            |f: &crate::csv_strict::CsvField| String::from_utf8_lossy(&f.bytes).trim().to_string();
        let column = |wanted: &str| {
            header
                .fields
                .iter()
                .position(|f| name(f) == wanted)
                .ok_or_else(|| {
                    bad(format!(
                        "the header has no `{wanted}` column (it needs accession,exam_id)"
                    ))
                })
        };
        let (acc_col, exam_col) = (column("accession")?, column("exam_id")?);
        let mut map = HashMap::new();
        for row in rows.iter().filter(|r| !r.is_blank()) {
            let cell = |i: usize| row.fields.get(i).map(name).unwrap_or_default();
            let (accession, exam) = (cell(acc_col), cell(exam_col));
            if accession.is_empty() || exam.is_empty() {
                return Err(bad(format!(
                    "line {}: an empty accession or exam_id",
                    row.line
                )));
            }
            if let Some(old) = map.insert(accession.clone(), exam.clone())
                && old != exam
            {
                return Err(bad(format!(
                    "line {}: accession `{accession}` maps to both `{old}` and `{exam}`",
                    row.line
                )));
            }
        }
        Ok(AccessionMap {
            path: path.to_path_buf(),
            map,
        })
    }

    /// The exam of an accession number.
    pub(crate) fn exam_of(&self, accession: &str) -> Option<&str> {
        self.map.get(accession.trim()).map(String::as_str)
    }
}
