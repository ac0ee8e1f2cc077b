//! The cohort manifest (`manifest.csv`): one row per exam with at least the columns `exam_id`
//! and `dicom_dir` (other columns are ignored). A relative `dicom_dir` is relative to the
//! manifest's folder.

use std::path::{Path, PathBuf};
use uptake_core::ExamId;

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read manifest {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("manifest {path} has no column {column:?}")]
    MissingColumn { path: PathBuf, column: &'static str },
    #[error("manifest {path}, line {line}: {what}")]
    Row {
        path: PathBuf,
        line: u64,
        what: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ManifestExam {
    pub exam_id: ExamId,
    pub dicom_dir: PathBuf,
}

pub fn read_manifest(path: &Path) -> Result<Vec<ManifestExam>, ManifestError> {
    let read = |reason: String| ManifestError::Read {
        path: path.to_path_buf(),
        reason,
    };
    let mut reader = csv::Reader::from_path(path).map_err(|e| read(e.to_string()))?;
    let headers = reader.headers().map_err(|e| read(e.to_string()))?.clone();
    let column = |name: &'static str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or(ManifestError::MissingColumn {
                path: path.to_path_buf(),
                column: name,
            })
    };
    let (id_col, dir_col) = (column("exam_id")?, column("dicom_dir")?);
    let base = path.parent().unwrap_or(Path::new("."));
    let mut exams = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| read(e.to_string()))?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let row = |what: &str| ManifestError::Row {
            path: path.to_path_buf(),
            line,
            what: what.to_string(),
        };
        let exam_id =
            ExamId::new(record.get(id_col).unwrap_or("")).ok_or_else(|| row("empty exam_id"))?;
        let dir = record.get(dir_col).unwrap_or("").trim();
        if dir.is_empty() {
            return Err(row("empty dicom_dir"));
        }
        let dir = PathBuf::from(dir);
        let dicom_dir = if dir.is_absolute() {
            dir
        } else {
            base.join(dir)
        };
        exams.push(ManifestExam { exam_id, dicom_dir });
    }
    Ok(exams)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_dicom_dirs_are_resolved_against_the_manifest_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.csv");
        std::fs::write(
            &path,
            "exam_id,patient_id,dicom_dir\ne1,p1,dicom/e1\ne2,p1,/abs/e2\n",
        )
        .unwrap();
        let exams = read_manifest(&path).unwrap();
        assert_eq!(exams[0].dicom_dir, dir.path().join("dicom/e1"));
        assert_eq!(exams[1].dicom_dir, PathBuf::from("/abs/e2"));
    }

    #[test]
    fn a_manifest_without_dicom_dir_names_the_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.csv");
        std::fs::write(&path, "exam_id,x\ne1,1\n").unwrap();
        assert!(
            read_manifest(&path)
                .unwrap_err()
                .to_string()
                .contains("dicom_dir")
        );
    }
}
