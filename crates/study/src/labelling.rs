//! The labelling run: the cohort's reports labelled by every method (regex, rules, and with a
//! report model the model and model+rules) through the labels crate's one call, each method's
//! wide table into the run folder, and the labellers' diagnostics (ids only).

use crate::error::{StudyError, with_causes};
use crate::plan::Cohort;
use std::path::{Path, PathBuf};
use uptake_core::NoProgress;
use uptake_labels::{LabelSettings, LabellingMethod, MethodSetup};
use uptake_ontology::{Ontology, RegionSelection};
use uptake_reports::{Report, Tagger};
use uptake_training::Device;

/// The labellers' diagnostics a labelling run leaves (`uptake label diagnose`'s
/// `labellers.csv`: per region and labeller coverage, conflict and learned accuracy).
pub(crate) const DIAGNOSTICS_FILE: &str = "labellers.csv";

/// The file of `method`'s labels in a labelling run's folder.
pub(crate) fn labels_file(method: LabellingMethod) -> String {
    format!("labels-{method}.csv")
}

/// The methods a labelling run labels with: regex and rules, and with a report model the
/// model and model+rules.
pub(crate) fn methods(with_model: bool) -> Vec<LabellingMethod> {
    let mut out = vec![LabellingMethod::Regex, LabellingMethod::Rules];
    if with_model {
        out.extend([LabellingMethod::Model, LabellingMethod::ModelRules]);
    }
    out
}

/// Labels `cohort`'s reports with every method (the model ones with `model`) into `dir`, and
/// writes the labellers' diagnostics there; returns the folder.
pub(crate) fn label_run(
    cohort: &Cohort,
    model: Option<&Path>,
    dir: &Path,
    device: Device,
) -> Result<PathBuf, StudyError> {
    let path = (cohort.reports.as_deref())
        .ok_or_else(|| StudyError::file("cohort.reports", "the plan names no reports"))?;
    let set = uptake_reports::read_reports(path).map_err(|e| StudyError::file(path, e))?;
    let ontology = Ontology::builtin();
    let models: Vec<PathBuf> = model.into_iter().map(Path::to_path_buf).collect();
    let fail = |e: &dyn std::error::Error| StudyError::file(path, with_causes(e));
    let tagger = || Tagger::new(&ontology).map_err(|e| fail(&e));
    let load = || uptake_textmodel::load_scorers(&models, device).map_err(|e| fail(&e));
    let settings = LabelSettings {
        regions: RegionSelection::All,
        shard: None,
    };
    for method in methods(model.is_some()) {
        let setup = MethodSetup {
            method,
            ..MethodSetup::default()
        };
        // Only the model methods take the report model (the others refuse one).
        let scorers = if method.uses_report_models() {
            load()?
        } else {
            Vec::new()
        };
        let done = setup.label_reports(scorers, tagger()?, &set.reports, &settings, &NoProgress);
        let out = dir.join(labels_file(method));
        let table = done.map_err(|e| fail(&e))?.labels.table;
        table
            .write_csv(&out)
            .map_err(|e| StudyError::file(&out, e))?;
    }
    diagnose(
        &tagger()?,
        load()?,
        &set.reports,
        &dir.join(DIAGNOSTICS_FILE),
    );
    Ok(dir.to_path_buf())
}

/// The labellers' diagnostics into `out`; a fit that fails leaves no file (the report says
/// so) and fails no run.
fn diagnose(
    tagger: &Tagger,
    models: Vec<Box<dyn uptake_labels::MentionScorer>>,
    reports: &[Report],
    out: &Path,
) {
    let setup = MethodSetup::default();
    let written = (setup.diagnose_reports(tagger, models, reports, &NoProgress))
        .map_err(|e| with_causes(&e))
        .and_then(|d| d.write_table(out).map_err(|e| e.to_string()));
    if let Err(e) = written {
        tracing::warn!("labellers' diagnostics not written: {e}");
    }
}
