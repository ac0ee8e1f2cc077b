//! One run: its training table, its model(s) trained (or resumed) in `RUN/model`, and its
//! predictions of the test exams in `RUN/predictions.csv`.

use crate::error::StudyError;
use crate::expand::{RunSpec, Work};
use crate::plan::{Head, Network, Plan, Start};
use crate::split::{CohortSplit, only_exams};
use crate::targets::training_table;
use std::path::{Path, PathBuf};
use uptake_core::{ExamId, NoProgress, RegionTable};
use uptake_scanmodel::data::VolumeSource;
use uptake_scanmodel::init::Init;
use uptake_scanmodel::predict::{PredictSettings, predict_on};
use uptake_scanmodel::request::PlannedRun;
use uptake_scanmodel::train::{Compute, Targets, TrainOptions, TrainSettings};
use uptake_scanmodel::{HeadChoice, NetworkSettings, SizePreset, StoreSource, TaskSelection};
use uptake_training::Device;

/// The test exams' probabilities a finished run leaves in its folder.
pub const PREDICTIONS_FILE: &str = "predictions.csv";
/// Every exam's probabilities, which multi-task runs on all training exams of a cohort with a
/// manifest also leave (the survival analysis fits on the manifest's own splits).
pub const ALL_PREDICTIONS_FILE: &str = "predictions-all.csv";

/// What every run of a plan shares.
pub(crate) struct Context<'a> {
    pub plan: &'a Plan,
    pub split: &'a CohortSplit,
    pub source: &'a StoreSource,
    pub runs_dir: &'a Path,
    pub compute: &'a Compute,
    pub device: Device,
}

/// One model of a run.
struct Model {
    regions: Vec<String>,
    head: Head,
    init: Init,
    out: PathBuf,
}

fn init_of(start: Start) -> Init {
    match start {
        Start::Random => Init::Random,
        Start::Kinetics => Init::Kinetics(uptake_scanmodel::kinetics::default_path()),
    }
}

/// The models of a run (several for single-task runs, one folder each).
fn models_of(ctx: &Context, spec: &RunSpec, table: &RegionTable) -> Result<Vec<Model>, StudyError> {
    let model_dir = ctx.runs_dir.join(&spec.id).join("model");
    Ok(match &spec.work {
        Work::MultiTask {
            tasks, head, init, ..
        } => {
            let selection: TaskSelection =
                tasks
                    .parse()
                    .map_err(|e: uptake_scanmodel::selection::SelectionParseError| {
                        StudyError::file("tasks", e)
                    })?;
            let regions = (selection.select(table)?.into_iter())
                .map(|t| t.region)
                .collect();
            vec![Model {
                regions,
                head: *head,
                init: init_of(*init),
                out: model_dir,
            }]
        }
        Work::PerRegion { regions, init } => {
            let init = match &spec.after {
                Some(after) => Init::EncoderFrom(ctx.runs_dir.join(after).join("model")),
                None => init_of(*init),
            };
            (regions.iter())
                .map(|r| Model {
                    regions: vec![r.clone()],
                    head: Head::Attention,
                    init: init.clone(),
                    out: model_dir.join(r),
                })
                .collect()
        }
        Work::Labelling { .. } => Vec::new(),
        Work::WholeBody { init, .. } => vec![Model {
            regions: table.regions().to_vec(),
            head: Head::Attention,
            init: init_of(*init),
            out: model_dir,
        }],
    })
}

fn network(network: Network, head: Head) -> NetworkSettings {
    NetworkSettings {
        size: match network {
            Network::Full => SizePreset::Full,
            Network::Small => SizePreset::Small,
            Network::Tiny => SizePreset::Tiny,
        },
        head: match head {
            Head::Attention => HeadChoice::Attention,
            Head::Sum => HeadChoice::Sum,
            Head::MultiHead => HeadChoice::MultiHead,
        },
        ..NetworkSettings::default()
    }
}

/// The training exams a run uses: the split's, and of those a seeded share for a learning
/// curve.
fn train_exams(split: &CohortSplit, spec: &RunSpec) -> Vec<ExamId> {
    let fraction = match spec.work {
        Work::MultiTask { fraction, .. } => fraction,
        _ => 1.0,
    };
    if fraction >= 1.0 {
        return split.train.clone();
    }
    let n = (split.train.len() as f64 * fraction).ceil() as usize;
    let mut exams = uptake_core::seeded::shuffled(split.train.clone(), spec.seed);
    exams.truncate(n);
    exams
}

/// Columns of `b` appended to `a` (the same exams).
fn merge_columns(a: RegionTable, b: &RegionTable) -> RegionTable {
    let mut regions = a.regions().to_vec();
    regions.extend(b.regions().iter().cloned());
    let mut out = RegionTable::new(regions);
    for (exam, row) in a.rows() {
        let mut values = row.to_vec();
        values.extend(
            b.row(exam)
                .map_or(vec![None; b.regions().len()], <[_]>::to_vec),
        );
        out.insert(exam.clone(), values);
    }
    out
}

/// A model's predictions of the test exams; for a multi-task model on every training exam of
/// a cohort with a manifest, also every exam's, into [`ALL_PREDICTIONS_FILE`].
fn predict(ctx: &Context, spec: &RunSpec, model: &Path) -> Result<RegionTable, StudyError> {
    let settings = PredictSettings {
        test_views: 0,
        maps_dir: None,
    };
    let (source, device) = (ctx.source, ctx.device);
    let whole_set = matches!(spec.work, Work::MultiTask { fraction, .. } if fraction >= 1.0);
    if whole_set && ctx.plan.cohort.manifest.is_some() {
        let all = source.exam_ids();
        let every = predict_on(device, model, source, &all, &settings, &NoProgress)?;
        let path = ctx.runs_dir.join(&spec.id).join(ALL_PREDICTIONS_FILE);
        every
            .write_csv(&path)
            .map_err(|e| StudyError::file(&path, e))?;
    }
    let test = &ctx.split.test;
    Ok(predict_on(
        device,
        model,
        source,
        test,
        &settings,
        &NoProgress,
    )?)
}

/// Trains (or resumes) the run's models and predicts the test exams; returns the
/// predictions file. `on_line` gets one line per epoch.
pub(crate) fn execute(
    ctx: &Context,
    spec: &RunSpec,
    on_line: &mut dyn FnMut(String),
) -> Result<PathBuf, StudyError> {
    if let Work::Labelling { model } = &spec.work {
        let dir = ctx.runs_dir.join(&spec.id);
        return crate::labelling::label_run(&ctx.plan.cohort, model.as_deref(), &dir, ctx.device);
    }
    let labels = training_table(&ctx.plan.cohort, &spec.work)?;
    let table = only_exams(&labels, &train_exams(ctx.split, spec));
    // Tasks are chosen on all training exams, so every share of a learning curve (and every
    // seed) learns the same regions.
    let all_training = only_exams(&labels, &ctx.split.train);
    let mut predictions: Option<RegionTable> = None;
    for model in models_of(ctx, spec, &all_training)? {
        let config = network(ctx.plan.network, model.head).model_config(model.regions);
        let run = PlannedRun {
            targets: Targets::from_table(&table, &config.regions)?,
            settings: TrainSettings {
                config,
                options: TrainOptions {
                    epochs: ctx.plan.epochs,
                    seed: spec.seed,
                    validation_fraction: ctx.plan.split.validation_fraction,
                    ..TrainOptions::default()
                },
                init: model.init,
                validation_exams: None,
            },
            out: model.out.clone(),
        };
        let mut on_event = |event| {
            if let uptake_training::TrainEvent::Epoch(m) = event {
                on_line(uptake_scanmodel::train::epoch_line(&m));
            }
        };
        run.train(ctx.source, ctx.compute, &mut on_event)?;
        let table = predict(ctx, spec, &model.out)?;
        predictions = Some(match predictions {
            None => table,
            Some(so_far) => merge_columns(so_far, &table),
        });
    }
    let path = ctx.runs_dir.join(&spec.id).join(PREDICTIONS_FILE);
    let table = predictions.unwrap_or_else(|| RegionTable::new(Vec::new()));
    table
        .write_csv(&path)
        .map_err(|e| StudyError::file(&path, e))?;
    Ok(path)
}
