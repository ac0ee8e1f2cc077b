//! Matching a prediction table to the truth: which regions, which exams, and the (probability,
//! label) pairs of each region.

use crate::dropped::{DropReason, Dropped, DroppedItem};
use crate::metrics::RegionMetrics;
use serde::Serialize;
use std::path::{Path, PathBuf};
use uptake_core::{ExamId, RegionTable};

/// Predictions and truth that cannot be evaluated together.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// No exam is in both files.
    #[error(
        "{pred} and {truth} share no exam_id: nothing to evaluate ({n_pred} predicted exams, {n_truth} labelled exams)"
    )]
    NoMatchedExams {
        /// The prediction file.
        pred: PathBuf,
        /// The truth file.
        truth: PathBuf,
        /// Exams in the prediction file.
        n_pred: usize,
        /// Exams in the truth file.
        n_truth: usize,
    },
    /// A requested region is not a column of a file.
    #[error("region `{region}` is not a column of {path}")]
    MissingRegion {
        /// The region.
        region: String,
        /// The file.
        path: PathBuf,
    },
    /// No region column is in both files.
    #[error("{pred} and {truth} have no region column in common")]
    NoCommonRegions {
        /// The prediction file.
        pred: PathBuf,
        /// The truth file.
        truth: PathBuf,
    },
    /// A truth cell is neither 0 nor 1.
    #[error("{path}, exam `{exam}`, region `{region}`: truth must be 0 or 1, found {value}")]
    NonBinaryTruth {
        /// The truth file.
        path: PathBuf,
        /// The exam.
        exam: ExamId,
        /// The region.
        region: String,
        /// The value found.
        value: f64,
    },
    /// The threshold is not a probability.
    #[error("the threshold must be in [0, 1], got {0}")]
    Threshold(f64),
    /// The list of prediction files is empty.
    #[error("no prediction file given")]
    NoPredictions,
    /// Too many bootstrap resamples.
    #[error(transparent)]
    Limit(#[from] crate::resample::TooLarge),
    /// The seeds have no fully predicted exam in common.
    #[error(
        "the prediction files share no exam with a prediction for every region: cannot ensemble"
    )]
    EmptyEnsemble,
}

/// How the exams of a prediction file and a truth file matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchSummary {
    /// The prediction file.
    pub pred_file: String,
    /// Exams in both files.
    pub matched: usize,
    /// Predicted exams without a truth row (ignored).
    pub pred_only: usize,
    /// Labelled exams without a prediction row (ignored).
    pub truth_only: usize,
}

/// The (probability, label) pairs of each region for one prediction file.
#[derive(Debug, Clone)]
pub struct Aligned {
    /// The regions, in order.
    pub regions: Vec<String>,
    /// Per region: exams that have a truth label and a prediction.
    pub exams: Vec<Vec<ExamId>>,
    /// Per region: the probabilities of those exams.
    pub probs: Vec<Vec<f64>>,
    /// Per region: their labels.
    pub labels: Vec<Vec<bool>>,
    /// How the exams matched.
    pub matching: MatchSummary,
    /// Exams of either file left out: predicted without a truth row, labelled without a
    /// prediction row, or labelled with an empty prediction cell (per region). Empty truth
    /// cells are unlabelled exams, not dropped ones.
    pub dropped: Vec<Dropped>,
}

impl Aligned {
    /// The metrics of every region at `threshold`.
    pub fn metrics(&self, threshold: f64) -> Vec<RegionMetrics> {
        self.regions
            .iter()
            .enumerate()
            .map(|(i, r)| RegionMetrics::compute(r, &self.probs[i], &self.labels[i], threshold))
            .collect()
    }
}

/// The regions to evaluate: those requested (each must be in both tables), or else every region
/// column the prediction table shares with the truth table, in prediction-table order.
pub(crate) fn choose_regions(
    pred: &RegionTable,
    pred_path: &Path,
    truth: &RegionTable,
    truth_path: &Path,
    requested: Option<&[String]>,
) -> Result<Vec<String>, EvalError> {
    let Some(requested) = requested else {
        let common: Vec<String> = pred
            .regions()
            .iter()
            .filter(|r| truth.region_index(r).is_some())
            .cloned()
            .collect();
        if common.is_empty() {
            return Err(EvalError::NoCommonRegions {
                pred: pred_path.into(),
                truth: truth_path.into(),
            });
        }
        return Ok(common);
    };
    for region in requested {
        column(pred, pred_path, region)?;
        column(truth, truth_path, region)?;
    }
    Ok(requested.to_vec())
}

/// The region columns of one file that the other lacks, when the regions were not requested:
/// prediction columns without truth and truth columns without prediction.
pub(crate) fn unmatched_columns(
    pred: &RegionTable,
    pred_path: &Path,
    truth: &RegionTable,
) -> Vec<Dropped> {
    let missing = |from: &RegionTable, other: &RegionTable, reason: DropReason| {
        (from.regions().iter())
            .filter(|r| other.region_index(r).is_none())
            .map(move |r| Dropped {
                item: DroppedItem::Region(r.clone()),
                file: pred_path.display().to_string(),
                region: None,
                reason: reason.clone(),
            })
            .collect::<Vec<_>>()
    };
    let mut out = missing(pred, truth, DropReason::NoTruthColumn);
    out.extend(missing(truth, pred, DropReason::NoPredictionColumn));
    out
}

fn column(table: &RegionTable, path: &Path, region: &str) -> Result<usize, EvalError> {
    table
        .region_index(region)
        .ok_or_else(|| EvalError::MissingRegion {
            region: region.to_string(),
            path: path.into(),
        })
}

/// Matches exams by exam_id. Empty truth cells are skipped (unlabelled); exams without a
/// partner row and labelled exams with an empty prediction cell are listed in
/// [`Aligned::dropped`]. Refuses when no exam matches; truth values must be 0 or 1.
pub fn align(
    pred: &RegionTable,
    pred_path: &Path,
    truth: &RegionTable,
    truth_path: &Path,
    regions: &[String],
) -> Result<Aligned, EvalError> {
    let matched: Vec<&ExamId> = pred
        .exams()
        .iter()
        .filter(|e| truth.row(e).is_some())
        .collect();
    if matched.is_empty() {
        return Err(EvalError::NoMatchedExams {
            pred: pred_path.into(),
            truth: truth_path.into(),
            n_pred: pred.len(),
            n_truth: truth.len(),
        });
    }
    let file = pred_path.display();
    let unmatched = |from: &RegionTable, other: &RegionTable, reason: DropReason| {
        (from.exams().iter())
            .filter(|e| other.row(e).is_none())
            .map(|e| Dropped::exam(e, &file, None, reason.clone()))
            .collect::<Vec<_>>()
    };
    let mut dropped = unmatched(pred, truth, DropReason::NoTruthRow);
    dropped.extend(unmatched(truth, pred, DropReason::NoPredictionRow));
    let mut out = Aligned {
        regions: regions.to_vec(),
        exams: Vec::new(),
        probs: Vec::new(),
        labels: Vec::new(),
        matching: MatchSummary {
            pred_file: file.to_string(),
            matched: matched.len(),
            pred_only: pred.len() - matched.len(),
            truth_only: truth.len() - matched.len(),
        },
        dropped,
    };
    for region in regions {
        let pc = column(pred, pred_path, region)?;
        let tc = column(truth, truth_path, region)?;
        let (mut ex, mut ps, mut ls) = (Vec::new(), Vec::new(), Vec::new());
        for exam in &matched {
            let Some(t) = truth.row(exam).and_then(|r| r[tc]) else {
                continue;
            };
            let Some(p) = pred.row(exam).and_then(|r| r[pc]) else {
                let reason = DropReason::EmptyPrediction;
                out.dropped
                    .push(Dropped::exam(exam, &file, Some(region), reason));
                continue;
            };
            let label = binary(t).ok_or_else(|| EvalError::NonBinaryTruth {
                path: truth_path.into(),
                exam: (*exam).clone(),
                region: region.clone(),
                value: t,
            })?;
            ex.push((*exam).clone());
            ps.push(p);
            ls.push(label);
        }
        out.exams.push(ex);
        out.probs.push(ps);
        out.labels.push(ls);
    }
    Ok(out)
}

fn binary(value: f64) -> Option<bool> {
    if value == 1.0 {
        Some(true)
    } else if value == 0.0 {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::inline::table;

    fn chest(pred: &str, truth: &str) -> Result<Aligned, EvalError> {
        align(
            &table(pred),
            Path::new("p.csv"),
            &table(truth),
            Path::new("t.csv"),
            &["chest".into()],
        )
    }

    #[test]
    fn exams_are_matched_by_id_and_unmatched_ones_counted() {
        let al = chest(
            "exam_id,chest\na,0.9\nb,0.1\nz,0.5\n",
            "exam_id,chest\nb,0\na,1\ny,1\nx,0\n",
        )
        .unwrap();
        assert_eq!(al.matching.matched, 2);
        assert_eq!(al.matching.pred_only, 1);
        assert_eq!(al.matching.truth_only, 2);
        assert_eq!(al.probs[0], vec![0.9, 0.1]);
        assert_eq!(al.labels[0], vec![true, false]);
    }

    #[test]
    fn no_matching_exam_is_refused() {
        let err = chest("exam_id,chest\na,0.9\n", "exam_id,chest\nb,1\n").unwrap_err();
        assert!(matches!(err, EvalError::NoMatchedExams { .. }));
        assert!(err.to_string().contains("p.csv") && err.to_string().contains("t.csv"));
    }

    #[test]
    fn empty_truth_cells_are_skipped() {
        let al = chest(
            "exam_id,chest\na,0.9\nb,0.1\nc,0.4\n",
            "exam_id,chest\na,1\nb,\nc,0\n",
        )
        .unwrap();
        assert_eq!(al.probs[0], vec![0.9, 0.4]);
    }

    #[test]
    fn soft_truth_values_are_rejected_naming_the_exam() {
        let err = chest("exam_id,chest\na,0.9\n", "exam_id,chest\na,0.7\n").unwrap_err();
        assert!(
            err.to_string().contains("`a`") && err.to_string().contains("chest"),
            "{err}"
        );
    }

    #[test]
    fn a_requested_region_missing_from_the_truth_is_named() {
        let pred = table("exam_id,chest,liver\na,0.9,0.1\n");
        let truth = table("exam_id,chest\na,1\n");
        let err = choose_regions(
            &pred,
            Path::new("p.csv"),
            &truth,
            Path::new("t.csv"),
            Some(&["liver".to_string()]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("`liver`") && err.contains("t.csv"), "{err}");
    }
}
