//! What a run learns and is evaluated against: label tables from the cohort's files.

use crate::error::StudyError;
use crate::expand::{WholeTarget, Work};
use crate::plan::{Cohort, Labels};
use std::path::PathBuf;
use uptake_core::{Manifest, RegionTable};
use uptake_scanmodel::TrainingLabels;
use uptake_scanmodel::targets::{mortality_table, summary_code_table};

/// The label tables `labels` names.
fn training_labels(cohort: &Cohort, labels: Labels) -> Result<TrainingLabels, StudyError> {
    let weak = Some(cohort.weak_labels.clone());
    let hand = cohort.hand_labels.clone();
    let source = match labels {
        Labels::Weak => uptake_scanmodel::LabelSource::Weak,
        Labels::Hand => uptake_scanmodel::LabelSource::Hand,
        Labels::Hybrid => uptake_scanmodel::LabelSource::Both,
    };
    Ok(TrainingLabels::from_source(source, weak, hand)?)
}

/// The manifest's table of a whole-body target (its one column names the target).
pub fn whole_body_table(cohort: &Cohort, target: WholeTarget) -> Result<RegionTable, StudyError> {
    let path: PathBuf = (cohort.manifest.clone())
        .ok_or_else(|| StudyError::file("cohort.manifest", "the plan names no manifest"))?;
    let manifest = Manifest::read(&path).map_err(|e| StudyError::file(&path, e))?;
    Ok(match target {
        WholeTarget::SummaryCode => {
            manifest
                .require("summary_code")
                .map_err(|e| StudyError::file(&path, e))?;
            summary_code_table(&manifest)
        }
        WholeTarget::Mortality { days } => mortality_table(&manifest, i64::from(days))?,
    })
}

/// The table a run trains on (all exams; the caller keeps the training exams).
pub fn training_table(cohort: &Cohort, work: &Work) -> Result<RegionTable, StudyError> {
    match work {
        Work::MultiTask { labels, .. } => Ok(training_labels(cohort, *labels)?.read()?),
        Work::PerRegion { .. } => Ok(training_labels(cohort, Labels::Weak)?.read()?),
        Work::WholeBody { target, .. } => whole_body_table(cohort, *target),
        Work::Labelling { .. } => Err(StudyError::file("labelling", "trains no scan model")),
    }
}
