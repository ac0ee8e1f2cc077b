//! The plan's test split: a seeded share of the evaluated exams (those the truth labels and
//! the store share), the same for every run; every other exam of the store trains.

use crate::plan::{Cohort, Split};
use std::path::{Path, PathBuf};
use uptake_core::{ExamId, RegionTable};
use uptake_scanmodel::data::VolumeSource;

/// The cohort's exams split once for the whole plan.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortSplit {
    /// Exams predicted and evaluated by every run.
    pub test: Vec<ExamId>,
    /// Exams runs may train (and validate) on.
    pub train: Vec<ExamId>,
    /// The table the predictions are evaluated against (0/1), restricted to the test exams.
    pub truth: RegionTable,
    /// Where the truth came from.
    pub truth_source: PathBuf,
}

/// A file of the cohort that cannot be read, with the plan entry naming it.
#[derive(Debug, thiserror::Error)]
#[error("{entry} ({path}): {message}")]
pub struct CohortFileError {
    /// The plan entry, e.g. `cohort.store`.
    pub entry: &'static str,
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub message: String,
}

fn read_table(entry: &'static str, path: &Path) -> Result<RegionTable, CohortFileError> {
    RegionTable::read_csv(path).map_err(|e| CohortFileError {
        entry,
        path: path.into(),
        message: e.to_string(),
    })
}

/// The table predictions are evaluated against, with its plan entry and file: the truth,
/// else the hand labels, else the weak labels rounded at 0.5.
fn truth_table(cohort: &Cohort) -> Result<(RegionTable, PathBuf), CohortFileError> {
    if let Some(path) = &cohort.truth {
        return Ok((read_table("cohort.truth", path)?, path.clone()));
    }
    if let Some(path) = &cohort.hand_labels {
        return Ok((read_table("cohort.hand_labels", path)?, path.clone()));
    }
    let weak = read_table("cohort.weak_labels", &cohort.weak_labels)?;
    let mut rounded = RegionTable::new(weak.regions().to_vec());
    for exam in weak.exams() {
        let row = weak.row(exam).unwrap_or_default();
        let row = row.iter().map(|v| v.map(|p| f64::from(u8::from(p >= 0.5))));
        rounded.insert(exam.clone(), row.collect());
    }
    Ok((rounded, cohort.weak_labels.clone()))
}

/// The store's exams.
pub fn store_exams(store: &Path) -> Result<Vec<ExamId>, CohortFileError> {
    let source = uptake_scanmodel::StoreSource::open(store).map_err(|e| CohortFileError {
        entry: "cohort.store",
        path: store.into(),
        message: e.to_string(),
    })?;
    Ok(source.exam_ids())
}

/// Splits the cohort: `ceil(test_fraction x evaluated exams)` test exams by a seeded shuffle.
pub fn split_cohort(cohort: &Cohort, split: &Split) -> Result<CohortSplit, CohortFileError> {
    let in_store = store_exams(&cohort.store)?;
    let (truth, truth_source) = truth_table(cohort)?;
    let evaluated: Vec<ExamId> = (truth.exams().iter())
        .filter(|e| in_store.contains(e))
        .cloned()
        .collect();
    let n_test = (evaluated.len() as f64 * split.test_fraction).ceil() as usize;
    let mut test = uptake_core::seeded::shuffled(evaluated, split.seed);
    test.truncate(n_test);
    test.sort();
    let train = in_store.into_iter().filter(|e| !test.contains(e)).collect();
    let mut held_out = RegionTable::new(truth.regions().to_vec());
    for exam in &test {
        held_out.insert(exam.clone(), truth.row(exam).unwrap_or_default().to_vec());
    }
    Ok(CohortSplit {
        test,
        train,
        truth: held_out,
        truth_source,
    })
}

/// `table` restricted to `exams` (in the table's order).
pub fn only_exams(table: &RegionTable, exams: &[ExamId]) -> RegionTable {
    let mut out = RegionTable::new(table.regions().to_vec());
    for exam in table.exams().iter().filter(|e| exams.contains(e)) {
        out.insert(exam.clone(), table.row(exam).unwrap_or_default().to_vec());
    }
    out
}
