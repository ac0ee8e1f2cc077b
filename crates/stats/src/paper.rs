//! The original study's prediction format: `exam_id` then `<region>_target` (hand label) and
//! `<region>_prob` (predicted probability) columns, as in
//! `shared/data/paper-predictions/multi-task/seed*/test_preds.csv`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use uptake_core::{ExamId, RegionTable};

#[derive(Debug, thiserror::Error)]
pub enum PaperFormatError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a valid CSV file: {source}")]
    Csv { path: PathBuf, source: csv::Error },
    #[error("{path}: no `exam_id` column")]
    NoExamId { path: PathBuf },
    #[error("{path}: no `<region>_prob` column with a matching `<region>_target` column")]
    NoRegions { path: PathBuf },
    #[error("{path}, line {line}: empty exam_id")]
    EmptyExamId { path: PathBuf, line: u64 },
    #[error("{path}, line {line}, exam `{exam}`: exam appears twice")]
    DuplicateExam {
        path: PathBuf,
        line: u64,
        exam: ExamId,
    },
    #[error(
        "{path}, line {line}, exam `{exam}`, column `{column}`: `{value}` is not a number in [0, 1]"
    )]
    BadValue {
        path: PathBuf,
        line: u64,
        exam: ExamId,
        column: String,
        value: String,
    },
}

/// Predictions and truth read from one paper-format file, in our wide format.
#[derive(Debug, Clone)]
pub struct PaperPredictions {
    pub pred: RegionTable,
    pub truth: RegionTable,
}

/// Reads a paper-format file. Regions are those with both a `_prob` and a `_target` column,
/// sorted by name. Empty cells become unknown; other cells must be numbers in [0, 1].
pub fn read_paper_predictions(path: &Path) -> Result<PaperPredictions, PaperFormatError> {
    let p = || path.to_path_buf();
    let file =
        std::fs::File::open(path).map_err(|source| PaperFormatError::Io { path: p(), source })?;
    let mut rdr = csv::Reader::from_reader(file);
    let header: Vec<String> = rdr
        .headers()
        .map_err(|source| PaperFormatError::Csv { path: p(), source })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let id_col = header
        .iter()
        .position(|h| h == "exam_id")
        .ok_or_else(|| PaperFormatError::NoExamId { path: p() })?;
    let probs: BTreeSet<&str> = header
        .iter()
        .filter_map(|h| h.strip_suffix("_prob"))
        .collect();
    let targets: BTreeSet<&str> = header
        .iter()
        .filter_map(|h| h.strip_suffix("_target"))
        .collect();
    let regions: Vec<String> = probs
        .intersection(&targets)
        .map(|s| s.to_string())
        .collect();
    if regions.is_empty() {
        return Err(PaperFormatError::NoRegions { path: p() });
    }
    let col = |name: String| {
        header
            .iter()
            .position(|h| *h == name)
            .expect("column found above")
    };
    let prob_cols: Vec<usize> = regions.iter().map(|r| col(format!("{r}_prob"))).collect();
    let target_cols: Vec<usize> = regions.iter().map(|r| col(format!("{r}_target"))).collect();
    let mut pred = RegionTable::new(regions.clone());
    let mut truth = RegionTable::new(regions);
    for record in rdr.records() {
        let record = record.map_err(|source| PaperFormatError::Csv { path: p(), source })?;
        let line = record.position().map(|pos| pos.line()).unwrap_or(0);
        let exam = ExamId::new(record.get(id_col).unwrap_or(""))
            .ok_or(PaperFormatError::EmptyExamId { path: p(), line })?;
        if pred.row(&exam).is_some() {
            return Err(PaperFormatError::DuplicateExam {
                path: p(),
                line,
                exam,
            });
        }
        let cell = |c: usize| -> Result<Option<f64>, PaperFormatError> {
            let raw = record.get(c).unwrap_or("").trim();
            if raw.is_empty() {
                return Ok(None);
            }
            match raw.parse::<f64>() {
                Ok(v) if (0.0..=1.0).contains(&v) => Ok(Some(v)),
                _ => Err(PaperFormatError::BadValue {
                    path: p(),
                    line,
                    exam: exam.clone(),
                    column: header[c].clone(),
                    value: raw.to_string(),
                }),
            }
        };
        let prow = prob_cols
            .iter()
            .map(|&c| cell(c))
            .collect::<Result<Vec<_>, _>>()?;
        let trow = target_cols
            .iter()
            .map(|&c| cell(c))
            .collect::<Result<Vec<_>, _>>()?;
        pred.insert(exam.clone(), prow);
        truth.insert(exam, trow);
    }
    Ok(PaperPredictions { pred, truth })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_target_and_prob_columns_into_two_tables() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.csv");
        std::fs::write(&path, "exam_id,liver_target,chest_target,chest_prob,liver_prob,extra_prob\nE1,1,0,0.25,0.75,0.5\n").unwrap();
        let pp = read_paper_predictions(&path).unwrap();
        assert_eq!(pp.pred.regions(), ["chest", "liver"]);
        let e1 = ExamId::new("E1").unwrap();
        assert_eq!(pp.pred.get(&e1, "liver"), Some(0.75));
        assert_eq!(pp.truth.get(&e1, "liver"), Some(1.0));
        assert_eq!(pp.truth.get(&e1, "chest"), Some(0.0));
    }

    #[test]
    fn nan_probability_is_rejected_naming_exam_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.csv");
        std::fs::write(&path, "exam_id,chest_target,chest_prob\nE1,1,NaN\n").unwrap();
        let err = read_paper_predictions(&path).unwrap_err().to_string();
        assert!(
            err.contains("E1") && err.contains("chest_prob") && err.contains("NaN"),
            "{err}"
        );
    }
}
