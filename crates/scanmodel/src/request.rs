//! A training run described by what `uptake train` is given (label files, a task selection,
//! network and options), read and checked into a [`PlannedRun`] that trains with one call.

use std::path::PathBuf;

use uptake_core::ExamList;
use uptake_training::OnEvent;

use crate::data::VolumeSource;
use crate::error::Result;
use crate::init::Init;
use crate::labels::TrainingLabels;
use crate::presets::NetworkSettings;
use crate::selection::TaskSelection;
use crate::train::{Compute, ScanMetrics, Targets, TrainOptions, TrainOutcome, TrainSettings};

/// A training run as asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainRequest {
    /// The label tables.
    pub labels: TrainingLabels,
    /// The task regions.
    pub regions: TaskSelection,
    /// The network (its regions are the tasks selected).
    pub network: NetworkSettings,
    /// How to train.
    pub options: TrainOptions,
    /// Exams to validate on (see [`TrainSettings::validation_exams`]).
    pub validation_exams: Option<ExamList>,
    /// How the network starts; `None`: the default for the network ([`Init::resolve`]).
    pub init: Option<Init>,
    /// Converted Kinetics weights, when not at the default place.
    pub kinetics: Option<PathBuf>,
    /// The run folder.
    pub out: PathBuf,
}

/// A run ready to train: its targets, settings and folder.
#[derive(Debug, Clone)]
pub struct PlannedRun {
    /// The targets of its tasks.
    pub targets: Targets,
    /// What it trains.
    pub settings: TrainSettings,
    /// Its run folder (an existing run there resumes).
    pub out: PathBuf,
}

impl TrainRequest {
    /// Reads the labels and the validation list and selects the tasks; gives the run and, for
    /// a prevalence selection, the listing of the tasks kept ([`TaskSelection::listing`]).
    pub fn plan(&self) -> Result<(PlannedRun, Option<String>)> {
        let labels = self.labels.read()?;
        let chosen = self.regions.select(&labels)?;
        let listing = self.regions.listing(&chosen);
        let config = (self.network).model_config(chosen.into_iter().map(|t| t.region).collect());
        let targets = Targets::from_table(&labels, &config.regions)?;
        let validation_exams = self.validation_exams.as_ref().map(ExamList::read);
        let settings = TrainSettings {
            init: Init::resolve(self.init.clone(), self.kinetics.clone(), &config),
            config,
            options: self.options.clone(),
            validation_exams: validation_exams.transpose()?,
        };
        let out = self.out.clone();
        Ok((
            PlannedRun {
                targets,
                settings,
                out,
            },
            listing,
        ))
    }
}

impl PlannedRun {
    /// Trains (or resumes) it on `source` with [`crate::train::train_on`].
    pub fn train(
        &self,
        source: &dyn VolumeSource,
        compute: &Compute,
        on_event: OnEvent<'_, ScanMetrics>,
    ) -> Result<TrainOutcome> {
        let (targets, settings) = (&self.targets, &self.settings);
        crate::train::train_on(source, targets, settings, compute, &self.out, on_event)
    }
}
