//! The original study's prediction format: `exam_id` then `<region>_target` (hand label) and
//! `<region>_prob` (predicted probability) columns, as in
//! `shared/data/paper-predictions/multi-task/seed*/test_preds.csv`. The file is read as a
//! [`RegionTable`] (so every cell is checked as there) and split into two tables.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use uptake_core::{RegionTable, TableError};

/// A paper-format file that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum PaperFormatError {
    /// Not a valid wide table (the message names the file, line, exam and column).
    #[error(transparent)]
    Table(#[from] TableError),
    /// No region has both columns.
    #[error("{path}: no `<region>_prob` column with a matching `<region>_target` column")]
    NoRegions {
        /// The file.
        path: PathBuf,
    },
}

/// Predictions and truth read from one paper-format file, in our wide format.
#[derive(Debug, Clone)]
pub struct PaperPredictions {
    /// The `_prob` columns, named by region.
    pub pred: RegionTable,
    /// The `_target` columns, named by region.
    pub truth: RegionTable,
}

/// Reads a paper-format file. Regions are those with both a `_prob` and a `_target` column,
/// sorted by name. Empty cells become unknown; other cells must be numbers in [0, 1].
pub fn read_paper_predictions(path: &Path) -> Result<PaperPredictions, PaperFormatError> {
    let table = RegionTable::read_csv(path)?;
    let with = |suffix: &str| -> BTreeSet<String> {
        table
            .regions()
            .iter()
            .filter_map(|c| c.strip_suffix(suffix).map(str::to_string))
            .collect()
    };
    let regions: Vec<String> = with("_prob")
        .intersection(&with("_target"))
        .cloned()
        .collect();
    if regions.is_empty() {
        return Err(PaperFormatError::NoRegions { path: path.into() });
    }
    Ok(PaperPredictions {
        pred: renamed(&table, &regions, "_prob"),
        truth: renamed(&table, &regions, "_target"),
    })
}

/// The columns `<region><suffix>` of `table`, named `<region>`.
fn renamed(table: &RegionTable, regions: &[String], suffix: &str) -> RegionTable {
    let columns: Vec<String> = regions.iter().map(|r| format!("{r}{suffix}")).collect();
    let selected = table.select(&columns);
    let mut out = RegionTable::new(regions.to_vec());
    for (exam, row) in selected.rows() {
        out.insert(exam.clone(), row.to_vec());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use uptake_core::ExamId;

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

    #[test]
    fn a_file_without_region_pairs_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.csv");
        std::fs::write(&path, "exam_id,chest_prob\nE1,0.5\n").unwrap();
        assert!(matches!(
            read_paper_predictions(&path),
            Err(PaperFormatError::NoRegions { .. })
        ));
    }
}
