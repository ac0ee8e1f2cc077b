//! Why a worklist cannot be measured or ordered.

use crate::evaluate::EvalError;
use crate::inputs::PredictionFile;
use crate::pairing::UnpairedExams;
use crate::resample::TooLarge;
use std::path::PathBuf;

/// A worklist that cannot be measured or ordered.
#[derive(Debug, thiserror::Error)]
pub enum WorklistError {
    /// The predictions do not match the truth, or lack the region.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// Sensitivity needs abnormal exams.
    #[error(
        "{truth}: no abnormal exam for `{region}` among {exams} labelled exams: sensitivity is undefined"
    )]
    NoPositives {
        /// The truth file.
        truth: PathBuf,
        /// The region.
        region: String,
        /// Labelled exams with a prediction.
        exams: usize,
    },
    /// The triage order needs exams predicted in every file.
    #[error("no exam has a `{region}` prediction in every file")]
    NoCompleteExam {
        /// The region.
        region: String,
    },
    /// The seeds predict different exams (without [`crate::ExamSet::Intersection`]).
    #[error(transparent)]
    Unpaired(#[from] UnpairedExams),
    /// Too many curve points or resamples.
    #[error(transparent)]
    Limit(#[from] TooLarge),
}

/// Every prediction file must have the region's column.
pub(crate) fn check_region(preds: &[PredictionFile], region: &str) -> Result<(), EvalError> {
    if preds.is_empty() {
        return Err(EvalError::NoPredictions);
    }
    match preds
        .iter()
        .find(|p| p.table.region_index(region).is_none())
    {
        Some(p) => Err(EvalError::MissingRegion {
            region: region.to_string(),
            path: p.path.clone(),
        }),
        None => Ok(()),
    }
}
