//! What every analysis reads: one prediction table per seed of a model, and the truth (hand
//! labels), each with the file it came from for messages.

use crate::paper::{PaperFormatError, read_paper_predictions};
use std::path::{Path, PathBuf};
use uptake_core::{RegionTable, TableError};

/// One seed's predictions and the file they came from.
#[derive(Debug, Clone)]
pub struct PredictionFile {
    /// The file (named in messages and tables).
    pub path: PathBuf,
    /// Probabilities per exam and region.
    pub table: RegionTable,
}

/// The hand labels (0/1 per exam and region) and where they came from.
#[derive(Debug, Clone)]
pub struct TruthTable {
    /// The file, or a description such as `(targets of the prediction file)`.
    pub source: PathBuf,
    /// Labels per exam and region.
    pub table: RegionTable,
}

impl TruthTable {
    /// Reads a wide CSV of hand labels.
    pub fn read(path: &Path) -> Result<Self, TableError> {
        Ok(Self {
            source: path.to_path_buf(),
            table: RegionTable::read_csv(path)?,
        })
    }
}

/// The layout of a prediction file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PredictionFormat {
    /// `exam_id` and one probability column per region.
    #[default]
    Wide,
    /// The original study's `<region>_target` and `<region>_prob` columns.
    Paper,
}

impl PredictionFormat {
    /// The study's format when `paper` holds (a `--paper-format` flag), else wide.
    pub fn paper_if(paper: bool) -> Self {
        if paper { Self::Paper } else { Self::Wide }
    }
}

/// Prediction files that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A wide prediction file is invalid.
    #[error(transparent)]
    Table(#[from] TableError),
    /// A paper-format file is invalid.
    #[error(transparent)]
    Paper(#[from] PaperFormatError),
    /// Two paper-format files disagree on the truth.
    #[error(
        "{file}: its `_target` columns differ from those of {first}; evaluate the files separately"
    )]
    TargetsDiffer {
        /// The disagreeing file.
        file: PathBuf,
        /// The first file.
        first: PathBuf,
    },
    /// Wide predictions were given without a truth file.
    #[error("--truth is required (the hand labels, wide CSV) unless --paper-format is given")]
    NoTruth,
}

/// The prediction files of one model (one per seed) and, for the paper format, the truth its
/// `_target` columns hold (the same in every file).
#[derive(Debug, Clone)]
pub struct ModelPredictions {
    /// One table per seed, in the order given.
    pub seeds: Vec<PredictionFile>,
    /// The `_target` columns of paper-format files.
    pub targets: Option<TruthTable>,
}

impl ModelPredictions {
    /// Reads the files.
    pub fn read(paths: &[PathBuf], format: PredictionFormat) -> Result<Self, InputError> {
        let mut seeds = Vec::new();
        let mut targets: Option<TruthTable> = None;
        for path in paths {
            let table = match format {
                PredictionFormat::Wide => RegionTable::read_csv(path)?,
                PredictionFormat::Paper => {
                    let pp = read_paper_predictions(path)?;
                    match &targets {
                        None => {
                            targets = Some(TruthTable {
                                source: "(targets of the prediction file)".into(),
                                table: pp.truth,
                            })
                        }
                        Some(t) if !same_cells(&t.table, &pp.truth) => {
                            return Err(InputError::TargetsDiffer {
                                file: path.clone(),
                                first: paths[0].clone(),
                            });
                        }
                        Some(_) => {}
                    }
                    pp.pred
                }
            };
            seeds.push(PredictionFile {
                path: path.clone(),
                table,
            });
        }
        Ok(Self { seeds, targets })
    }

    /// The truth: the wide CSV `file` when given, else the `_target` columns of paper-format
    /// predictions.
    pub fn truth(&self, file: Option<&Path>) -> Result<TruthTable, InputError> {
        match (file, &self.targets) {
            (Some(path), _) => Ok(TruthTable::read(path)?),
            (None, Some(targets)) => Ok(targets.clone()),
            (None, None) => Err(InputError::NoTruth),
        }
    }
}

/// Same exams, regions and values, in any row order.
fn same_cells(a: &RegionTable, b: &RegionTable) -> bool {
    a.len() == b.len()
        && a.regions() == b.regions()
        && a.rows()
            .all(|(exam, row)| b.row(exam).is_some_and(|other| other == row))
}

/// Tables written inline in the crate's tests.
#[cfg(test)]
pub(crate) mod inline {
    use super::{PredictionFile, TruthTable};
    use std::path::Path;
    use uptake_core::RegionTable;

    /// A table from CSV text.
    pub(crate) fn table(csv: &str) -> RegionTable {
        RegionTable::from_reader(csv.as_bytes(), Path::new("inline.csv")).unwrap()
    }

    /// A prediction file named `path` from CSV text.
    pub(crate) fn file(path: &str, csv: &str) -> PredictionFile {
        PredictionFile {
            path: path.into(),
            table: table(csv),
        }
    }

    /// The truth (`t.csv`) from CSV text.
    pub(crate) fn truth(csv: &str) -> TruthTable {
        TruthTable {
            source: "t.csv".into(),
            table: table(csv),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_truth_of_wide_predictions_is_the_truth_file_or_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let (pred, truth) = (dir.path().join("p.csv"), dir.path().join("t.csv"));
        std::fs::write(&pred, "exam_id,chest\nE1,0.5\n").unwrap();
        std::fs::write(&truth, "exam_id,chest\nE1,1\n").unwrap();
        let model = ModelPredictions::read(&[pred], PredictionFormat::paper_if(false)).unwrap();
        assert!(matches!(model.truth(None), Err(InputError::NoTruth)));
        let read = model.truth(Some(&truth)).unwrap();
        assert_eq!((read.source, read.table.len()), (truth, 1));
    }

    #[test]
    fn the_truth_of_paper_predictions_is_their_targets() {
        let dir = tempfile::tempdir().unwrap();
        let pred = dir.path().join("p.csv");
        std::fs::write(
            &pred,
            "exam_id,chest_target,chest_prob\nE1,1,0.5\nE2,0,0.1\n",
        )
        .unwrap();
        let model = ModelPredictions::read(&[pred], PredictionFormat::paper_if(true)).unwrap();
        assert_eq!(model.truth(None).unwrap().table.len(), 2);
    }

    #[test]
    fn paper_files_with_different_targets_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join("b.csv");
        std::fs::write(&a, "exam_id,chest_target,chest_prob\nE1,1,0.5\n").unwrap();
        std::fs::write(&b, "exam_id,chest_target,chest_prob\nE1,0,0.5\n").unwrap();
        let err = ModelPredictions::read(&[a.clone(), a.clone()], PredictionFormat::Paper)
            .map(|m| m.seeds.len());
        assert_eq!(err.unwrap(), 2);
        let err = ModelPredictions::read(&[a, b], PredictionFormat::Paper).unwrap_err();
        assert!(matches!(err, InputError::TargetsDiffer { .. }), "{err}");
    }

    #[test]
    fn wide_files_have_no_targets() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        std::fs::write(&a, "exam_id,chest\nE1,0.5\n").unwrap();
        let m = ModelPredictions::read(&[a], PredictionFormat::Wide).unwrap();
        assert!(m.targets.is_none());
        assert_eq!(m.seeds[0].table.regions(), ["chest"]);
    }
}
