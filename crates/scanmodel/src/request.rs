//! A training run described by what `uptake train` is given (label files, a task selection,
//! network and options), read and checked into a [`PlannedRun`] that trains with one call.

use std::path::PathBuf;

use uptake_core::ExamList;
use uptake_training::OnEvent;

use crate::data::VolumeSource;
use crate::error::Result;
use crate::init::Init;
use crate::labels::LabelFiles;
use crate::presets::NetworkSettings;
use crate::selection::TaskSelection;
use crate::train::{Compute, ScanMetrics, Targets, TrainOptions, TrainOutcome, TrainSettings};

/// A training run as asked for (with the `cli` feature: `uptake train`'s options).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct TrainRequest {
    /// The label tables.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub labels: LabelFiles,
    /// Task regions: `prevalent` (label prevalence >= 10 %), `prevalent:P` (>= P, e.g. 0.2 or
    /// 20%), `tasks` (all 30 task regions) or a comma-separated list.
    #[cfg_attr(
        feature = "cli",
        arg(long, default_value = "prevalent", value_name = "SELECTION")
    )]
    pub regions: TaskSelection,
    /// Run directory (checkpoints, metrics); an existing run there is resumed.
    #[cfg_attr(feature = "cli", arg(long, value_name = "DIR"))]
    pub out: PathBuf,
    /// The network (its regions are the tasks selected).
    #[cfg_attr(feature = "cli", command(flatten))]
    pub network: NetworkSettings,
    /// How to train.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub options: TrainOptions,
    /// Exams to validate on: ids separated by commas, or @FILE with one id per line;
    /// overrides the fraction.
    #[cfg_attr(feature = "cli", arg(long, value_name = "IDS|@FILE"))]
    pub validation_exams: Option<ExamList>,
    /// Encoder initialisation: Kinetics-400 I3D (full width only; the default when the
    /// network is full width and the weights are set up), random, a PyTorch I3D
    /// checkpoint FILE.pt / FILE.pth (the study's flow or RGB network, width must match), or
    /// RUN, the directory of an earlier run of the same encoder: its best weights, heads
    /// included when it has the same tasks and head kind. The grid (--in-plane, --slice-step)
    /// may differ, so a model trained on a coarse grid can continue on a finer one.
    #[cfg_attr(feature = "cli", arg(long, value_name = "kinetics|random|FILE.pt|RUN"))]
    pub init: Option<Init>,
    /// Converted Kinetics weights (default: $UPTAKE_CACHE/i3d/i3d-kinetics-400.safetensors).
    #[cfg_attr(feature = "cli", arg(long, value_name = "FILE"))]
    pub kinetics: Option<PathBuf>,
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
        let labels = self.labels.training_labels()?.read()?;
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
