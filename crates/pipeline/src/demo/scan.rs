//! Steps 4 and 5: DICOM into the exam store, then the tiny scan model trained on the rule
//! labels of three quarters of the exams, and its predictions, maps and attention on lesions
//! for the held-out quarter.

use super::commands;
use super::context::Demo;
use super::error::{DemoError, InStep};
use super::settings::SCAN_POSITION_BINS;
use std::path::Path;
use uptake_core::{ExamId, Manifest, RegionTable};
use uptake_imaging::{
    ExamStore, IngestSettings, IngestSource, InspectSettings, InspectSource, ModelGrid,
};
use uptake_ontology::Ontology;
use uptake_scanmodel::init::Init;
use uptake_scanmodel::localise::{LocaliseInputs, LocaliseSettings, localise};
use uptake_scanmodel::predict::{PredictSettings, predict_run};
use uptake_scanmodel::train::{Targets, TrainOptions, TrainSettings, train};
use uptake_scanmodel::{
    EncoderPooling, HeadChoice, NetworkSettings, SizePreset, StoreSource, TaskSelection,
};

type Backend = uptake_scanmodel::DefaultBackend;
type TrainBackend = uptake_scanmodel::DefaultTrainBackend;

/// Ingests the cohort onto a 32 x 32 x 8 mm grid over 400 mm and inspects its first exam.
pub(crate) fn exam_store(d: &mut Demo) -> Result<(), DemoError> {
    d.step("4. DICOM -> exam store: CT in HU, PET in SUV, one 32 x 32 x 8 mm grid over 400 mm");
    let line = d.command(commands::ingest(&d.paths));
    let settings = IngestSettings {
        grid: ModelGrid {
            size: 32,
            fov_mm: 400.0,
            slice_mm: 8.0,
        },
        ..IngestSettings::default()
    };
    let store = ExamStore::open(&d.paths.store).in_step(&line)?;
    let source = IngestSource::Manifest(d.paths.manifest());
    let outcome =
        uptake_imaging::ingest_cohort(&store, &source, &settings, d.progress()).in_step(&line)?;
    if let Some(failure) = outcome.failures().next() {
        return Err(DemoError::new(line.to_string(), failure.to_string()));
    }
    let truth = RegionTable::read_csv(&d.paths.image_truth()).in_step(&line)?;
    let first = truth
        .exams()
        .first()
        .cloned()
        .ok_or_else(|| DemoError::new("inspect", "empty cohort"))?;
    let line = d.command(commands::inspect(&d.paths, &first));
    let look = InspectSettings {
        manifest: Some(d.paths.manifest()),
        png: Some(d.paths.mip(&first)),
        ..InspectSettings::default()
    };
    let stored = InspectSource::Stored {
        store: d.paths.store.clone(),
        exam: first,
    };
    uptake_imaging::inspect(&stored, &look).in_step(&line)?;
    Ok(())
}

/// Splits the labelled exams 75 / 25 into training (with its own validation) and held-out
/// exams, by a seeded shuffle.
fn split_exams(labels: &RegionTable, seed: u64) -> (Vec<ExamId>, Vec<ExamId>) {
    let mut exams = uptake_core::seeded::shuffled(labels.exams().to_vec(), seed);
    let n_test = (exams.len() / 4).max(5);
    let held_out = exams.split_off(exams.len() - n_test);
    (exams, held_out)
}

/// Trains the scan model on the rule labels of the training exams; returns the held-out
/// exams after predicting them (with four test views), writing one exam's maps and measuring
/// attention on their lesions.
pub(crate) fn scan_model(d: &mut Demo, rule_labels: &Path) -> Result<Vec<ExamId>, DemoError> {
    d.step(
        "5. The scan model: tiny multi-task I3D with attention heads, trained on the rule labels",
    );
    let rules = RegionTable::read_csv(rule_labels).in_step(&rule_labels.display())?;
    let (train_exams, held_out) = split_exams(&rules, d.settings.seed);
    let mut train_table = RegionTable::new(rules.regions().to_vec());
    for exam in &train_exams {
        if let Some(row) = rules.row(exam) {
            train_table.insert(exam.clone(), row.to_vec());
        }
    }
    let train_labels = d.paths.train_labels.clone();
    train_table
        .write_csv(&train_labels)
        .in_step(&train_labels.display())?;
    let source = StoreSource::open(&d.paths.store).in_step(&d.paths.store.display())?;
    train_tiny(d, &source, &train_table)?;
    predict(d, &source, &held_out)?;
    attention_on_lesions(d, &source, &held_out)?;
    Ok(held_out)
}

fn train_tiny(d: &mut Demo, source: &StoreSource, labels: &RegionTable) -> Result<(), DemoError> {
    let line = d.command(commands::train(&d.paths, d.settings));
    let regions = TaskSelection::default()
        .select(labels)
        .in_step(&line)?
        .into_iter()
        .map(|t| t.region)
        .collect();
    let network = NetworkSettings {
        size: SizePreset::Tiny,
        pooling: Some(EncoderPooling::BeforeKeptBlocks),
        head: HeadChoice::MultiHead,
        position_bins: Some(SCAN_POSITION_BINS),
        ..NetworkSettings::default()
    };
    let config = network.model_config(regions);
    let targets = Targets::from_table(labels, &config.regions).in_step(&line)?;
    let settings = TrainSettings {
        config,
        options: TrainOptions {
            epochs: d.settings.scan_epochs,
            learning_rate: 1e-3,
            halve_every_epochs: d.settings.scan_halve_every(),
            seed: d.settings.seed,
            ..TrainOptions::default()
        },
        init: Init::Random,
        validation_exams: None,
    };
    let (dir, device) = (d.paths.scan_run.clone(), Default::default());
    train::<TrainBackend>(
        source,
        &targets,
        &settings,
        &dir,
        &device,
        &mut d.on_training(),
    )
    .in_step(&line)?;
    d.observer.training_done();
    Ok(())
}

/// Held-out predictions (whole field and four crops) and one exam's maps.
fn predict(d: &mut Demo, source: &StoreSource, held_out: &[ExamId]) -> Result<(), DemoError> {
    let p = d.paths.clone();
    let line = d.command(commands::predict(
        &p,
        held_out,
        &p.test_predictions,
        &["--test-views", "4"],
    ));
    let views = PredictSettings {
        test_views: 4,
        maps_dir: None,
    };
    let device = Default::default();
    predict_run::<Backend>(&p.scan_run, source, held_out, &views, d.progress(), &device)
        .and_then(|t| Ok(t.write_csv(&p.test_predictions)?))
        .in_step(&line)?;
    let one = &held_out[..1];
    let maps_dir = p.maps.display().to_string();
    let line = d.command(commands::predict(
        &p,
        one,
        &p.map_predictions,
        &["--maps", &maps_dir],
    ));
    let maps = PredictSettings {
        test_views: 0,
        maps_dir: Some(p.maps.clone()),
    };
    predict_run::<Backend>(&p.scan_run, source, one, &maps, d.progress(), &device)
        .and_then(|t| Ok(t.write_csv(&p.map_predictions)?))
        .in_step(&line)
}

/// How much attention falls on each region's box and lesions, over the held-out exams.
fn attention_on_lesions(
    d: &mut Demo,
    source: &StoreSource,
    held_out: &[ExamId],
) -> Result<(), DemoError> {
    let line = d.command(commands::localise(&d.paths, held_out));
    let manifest = Manifest::read(&d.paths.manifest()).in_step(&line)?;
    let inputs = LocaliseInputs {
        source,
        manifest: &manifest,
        exams: held_out,
    };
    let device = Default::default();
    let regions = localise::<Backend>(
        &d.paths.scan_run,
        &inputs,
        &Ontology::builtin(),
        &LocaliseSettings::default(),
        d.progress(),
        &device,
    )
    .in_step(&line)?;
    uptake_core::json::write_json(&d.paths.localisation, &regions).in_step(&line)
}
