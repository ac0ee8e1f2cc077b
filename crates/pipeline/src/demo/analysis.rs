//! Step 6: the held-out evaluation against the image truth, the worklist, survival, and the
//! HTML report of everything.

use super::commands;
use super::context::Demo;
use super::error::{DemoError, InStep};
use std::path::Path;
use uptake_core::Manifest;
use uptake_scanmodel::StoreSource;
use uptake_scanmodel::predict::{PredictSettings, predict_run};
use uptake_stats::{
    Evaluation, EvaluationSettings, ModelPredictions, PredictionFile, PredictionFormat,
    SurvivalAnalysis, SurvivalSettings, TruthTable, Worklist, WorklistSettings,
};

fn predictions(path: &Path) -> Result<Vec<PredictionFile>, uptake_stats::InputError> {
    Ok(ModelPredictions::read(&[path.to_path_buf()], PredictionFormat::Wide)?.seeds)
}

/// Runs the analysis commands of the demo into its analysis folder, then the HTML report.
pub(crate) fn analyse(d: &mut Demo) -> Result<(), DemoError> {
    d.step("6. Analysis: held-out performance against the image truth, worklist, survival, report");
    let p = d.paths.clone();
    let line = d.command(commands::evaluate_scan(&p));
    let held_out = predictions(&p.test_predictions).in_step(&line)?;
    let truth = TruthTable::read(&p.image_truth()).in_step(&line)?;
    let evaluation =
        Evaluation::compute(&held_out, &truth, &EvaluationSettings::default()).in_step(&line)?;
    let title = "Scan model on held-out exams vs image truth";
    evaluation
        .write(&p.analysis.join("evaluation/scan"), title)
        .in_step(&line)?;
    let line = d.command(commands::worklist(&p));
    Worklist::compute(&held_out, &truth, &WorklistSettings::default())
        .in_step(&line)?
        .write(&p.analysis.join("worklist/full"))
        .in_step(&line)?;
    survival(d)?;
    let line = d.command(commands::report(&p));
    uptake_stats::report::write_report(&p.analysis, &p.report, "uptake demo").in_step(&line)
}

/// Predicts every exam, then fits the Cox models; a cohort too small for them gets a note.
fn survival(d: &mut Demo) -> Result<(), DemoError> {
    let p = d.paths.clone();
    let line = d.command(commands::predict(&p, &[], &p.all_predictions, &[]));
    let source = StoreSource::open(&p.store).in_step(&line)?;
    let exams = uptake_scanmodel::data::VolumeSource::exam_ids(&source);
    let settings = PredictSettings {
        test_views: 0,
        maps_dir: None,
    };
    let device = Default::default();
    predict_run::<uptake_scanmodel::DefaultBackend>(
        &p.scan_run,
        &source,
        &exams,
        &settings,
        d.progress(),
        &device,
    )
    .and_then(|t| Ok(t.write_csv(&p.all_predictions)?))
    .in_step(&line)?;
    let line = d.command(commands::survival(&p));
    let manifest = Manifest::read(&p.manifest()).in_step(&line)?;
    let all = predictions(&p.all_predictions).in_step(&line)?;
    let settings = SurvivalSettings::whole_body();
    match SurvivalAnalysis::compute(&manifest, &all, &settings) {
        Ok(analysis) => analysis
            .write(&p.analysis.join("survival/cox"))
            .in_step(&line),
        // A cohort this small can have too few deaths in a split for a Cox fit.
        Err(err) => {
            let mut why = err.to_string();
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                why.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            d.note(&format!(
                "survival analysis not possible on this small cohort: {why}"
            ));
            Ok(())
        }
    }
}
