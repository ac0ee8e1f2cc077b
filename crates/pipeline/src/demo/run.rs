//! The demo from start to end.

use super::analysis::analyse;
use super::commands;
use super::context::Demo;
use super::error::{DemoError, InStep};
use super::labels::weak_labels;
use super::observer::DemoObserver;
use super::scan::{exam_store, scan_model};
use super::settings::{DemoPaths, DemoSettings};
use super::summary::{DemoSummary, LabelQuality, ScanQuality};
use std::time::Instant;
use uptake_synth::cohort::{CohortConfig, Resolution};

/// Runs the whole pipeline on a fresh synthetic cohort in `settings.out` and measures it:
/// the labels against the reports' truth, the scan model against the image truth.
pub fn run_demo(
    settings: &DemoSettings,
    observer: &mut dyn DemoObserver,
) -> Result<DemoSummary, DemoError> {
    if settings.exams < 20 {
        return Err(DemoError::new(
            "settings",
            "a demo needs at least 20 exams (train, validation and test splits)",
        ));
    }
    let paths = DemoPaths::new(&settings.out);
    std::fs::create_dir_all(&paths.labels).in_step(&paths.labels.display())?;
    let mut d = Demo {
        settings,
        paths,
        observer,
        started: Instant::now(),
    };
    cohort(&mut d)?;
    let methods = weak_labels(&mut d)?;
    exam_store(&mut d)?;
    let rules = &methods[1].table;
    scan_model(&mut d, rules)?;
    analyse(&mut d)?;
    d.step("Summary");
    let p = &d.paths;
    let labels = methods
        .iter()
        .map(|m| LabelQuality::measure(&m.method, &m.table, &p.report_truth()))
        .collect::<Result<Vec<_>, _>>()
        .in_step(&"summary")?;
    let scan = ScanQuality::measure(&p.test_predictions, &p.image_truth()).in_step(&"summary")?;
    Ok(DemoSummary {
        labels,
        scan,
        report: p.report.clone(),
        maps: p.maps.clone(),
        cohort: p.cohort.clone(),
        out: p.out.clone(),
        seconds: d.started.elapsed().as_secs_f64(),
    })
}

/// Step 1: the synthetic cohort, small resolution; lesions twice their sampled size in the
/// images (not in the reports), so that they stay as many voxels wide as at full resolution.
fn cohort(d: &mut Demo) -> Result<(), DemoError> {
    d.step("1. A synthetic cohort: whole-body PET/CT phantoms as DICOM, reports, outcomes");
    let line = d.command(commands::synth_cohort(&d.paths, d.settings));
    let config = CohortConfig {
        n: d.settings.exams,
        seed: d.settings.seed,
        resolution: Resolution::small(),
        lesion_scale: 2.0,
        ..CohortConfig::default()
    };
    uptake_synth::cohort::generate(&config, &d.paths.cohort, d.progress()).in_step(&line)?;
    Ok(())
}
