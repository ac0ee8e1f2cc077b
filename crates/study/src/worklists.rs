//! The worklist curves: sensitivity after reading the first x % of the list sorted by the
//! first multi-task experiment's prediction, for each of the plan's worklist regions, into
//! `worklist/<variant>/<region>/`.

use crate::default_plan::{by_prevalence, worklist_regions};
use crate::plan::{Experiment, Plan};
use std::path::Path;
use uptake_core::RegionTable;
use uptake_stats::{PredictionFile, TruthTable, Worklist, WorklistSettings};

/// The plan's worklist regions, else `full` and the two most prevalent weak-label regions.
fn regions_of(plan: &Plan) -> Vec<String> {
    if let Some(regions) = &plan.worklist_regions {
        return regions.clone();
    }
    let labels = RegionTable::read_csv(&plan.cohort.weak_labels);
    worklist_regions(&labels.map_or(Vec::new(), |l| by_prevalence(&l)))
}

/// The first multi-task experiment's name.
pub(crate) fn first_multi_task(plan: &Plan) -> Option<&str> {
    (plan.experiments.iter())
        .find(|e| matches!(e, Experiment::MultiTask { .. }))
        .map(|e| e.name())
}

/// Writes a worklist per region of the plan that `variant`'s predictions have; returns what
/// could not be written (regions it does not predict included).
pub(crate) fn worklists(
    plan: &Plan,
    variant: &str,
    files: &[PredictionFile],
    truth: &TruthTable,
    parts: &Path,
) -> Vec<String> {
    let mut missing = Vec::new();
    let predicted = files
        .first()
        .map_or(Vec::new(), |f| f.table.regions().to_vec());
    for region in regions_of(plan) {
        if !predicted.contains(&region) {
            missing.push(format!("worklist of {variant} for {region}: not predicted"));
            continue;
        }
        let settings = WorklistSettings {
            region: region.clone(),
            ..WorklistSettings::default()
        };
        let dir = parts.join("worklist").join(variant).join(&region);
        let written = Worklist::compute(files, truth, &settings)
            .map_err(|e| e.to_string())
            .and_then(|w| w.write(&dir).map_err(|e| e.to_string()));
        if let Err(e) = written {
            missing.push(format!("worklist of {variant} for {region}: {e}"));
        }
    }
    missing
}
