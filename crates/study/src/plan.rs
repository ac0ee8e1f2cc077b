//! The plan file (TOML): the cohort, the seeds, the network and the experiments of a study.

use serde::{Deserialize, Serialize};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The seeds every experiment runs with by default (the study's five).
pub const DEFAULT_SEEDS: u32 = 5;

/// A study: what it runs on, how, and which experiments and comparisons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The plan's identity, recorded in every run folder: a folder holding another plan's run
    /// is never reused.
    pub id: String,
    /// The cohort's files (relative paths are relative to the plan file's folder).
    pub cohort: Cohort,
    /// Seeds per experiment: seeds 0..n.
    #[serde(default = "default_seeds")]
    pub seeds: u32,
    /// The network size.
    pub network: Network,
    /// Training epochs of every run.
    pub epochs: usize,
    /// How exams are split into training and test exams.
    #[serde(default)]
    pub split: Split,
    /// The task regions of multi-task models: `prevalent`, `prevalent:P`, `tasks` or a
    /// comma-separated list (as `uptake train --regions`).
    #[serde(default = "default_tasks")]
    pub tasks: String,
    /// The regions of the report's worklist (sensitivity) curves; default: `full` and the
    /// two regions most often positive in the weak labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worklist_regions: Option<Vec<String>>,
    /// The experiments, each run once per seed.
    pub experiments: Vec<Experiment>,
    /// Pairs of experiments the report compares.
    #[serde(default)]
    pub comparisons: Vec<ComparisonSpec>,
    /// The permutation test of every comparison over seeds: `paired` (the default: sign flips
    /// within seed pairs) or `study` (the test of the study's released analysis code, mlxtend's
    /// unpaired `permutation_test`; see docs/study.md).
    #[serde(default)]
    pub test: uptake_stats::SeedTest,
}

fn default_seeds() -> u32 {
    DEFAULT_SEEDS
}

fn default_tasks() -> String {
    "prevalent".into()
}

/// The cohort's files (with the `cli` feature: `uptake study plan`'s options; the truth is
/// left to the plan file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[serde(deny_unknown_fields)]
pub struct Cohort {
    /// The exam store (from `uptake ingest`).
    #[cfg_attr(feature = "cli", arg(long, value_name = "DIR"))]
    pub store: PathBuf,
    /// Report-derived weak labels (wide CSV).
    #[cfg_attr(feature = "cli", arg(long = "labels", value_name = "CSV"))]
    pub weak_labels: PathBuf,
    /// Hand labels (wide CSV, 0/1), for the hand and hybrid experiments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cli", arg(long, value_name = "CSV"))]
    pub hand_labels: Option<PathBuf>,
    /// The cohort manifest, for the summary-code and mortality experiments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cli", arg(long, value_name = "CSV"))]
    pub manifest: Option<PathBuf>,
    /// What predictions are evaluated against (0/1 per region); default: the hand labels, else
    /// the weak labels rounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cli", arg(skip))]
    pub truth: Option<PathBuf>,
    /// The reports, for the labelling experiment (as `uptake label --reports`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "cli", arg(long, value_name = "FILE"))]
    pub reports: Option<PathBuf>,
    /// Report-model folders (`uptake report-model train`), one per seed, for the labelling
    /// experiment's model and model+rules methods.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "cli", arg(long, value_name = "DIR"))]
    pub report_models: Vec<PathBuf>,
}

/// The network size preset of every run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Network {
    /// The published I3D (GPU territory).
    Full,
    /// Width 1/4, 4 blocks, 64 x 64 slices (a CPU in minutes per run).
    Small,
    /// Width 1/8, 2 blocks, 32 x 32 slices (quick checks).
    Tiny,
}

/// The test split: a seeded share of the evaluated exams, the same for every run, so runs
/// of one seed pair exam by exam.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Split {
    /// Share of the evaluated exams held out for testing.
    pub test_fraction: f64,
    /// Share of the training exams each run validates on.
    pub validation_fraction: f64,
    /// Seed of the test split.
    pub seed: u64,
}

impl Default for Split {
    fn default() -> Self {
        Self {
            test_fraction: 0.25,
            validation_fraction: 0.2,
            seed: 0,
        }
    }
}

/// Which labels a model trains on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Labels {
    /// Report-derived weak labels.
    #[default]
    Weak,
    /// Hand labels.
    Hand,
    /// Hand labels where present, weak labels elsewhere.
    Hybrid,
}

/// The pooling heads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Head {
    /// Soft attention (the paper's).
    #[default]
    Attention,
    /// Sum reduction (ablation).
    Sum,
    /// Eight heads with key/value projections (the original code's).
    MultiHead,
}

/// How a network starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Start {
    /// Random weights.
    #[default]
    Random,
    /// Kinetics-400 I3D weights (the full network only).
    Kinetics,
}

/// Where a rare-region fine-tune starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "start")]
pub enum RareStart {
    /// A single-task model from the plan's start (Kinetics on the full network, random on the
    /// smaller ones).
    Kinetics,
    /// The encoder of the whole-body (summary-code) model of the same seed.
    WholeBody {
        /// The summary-code experiment.
        from: String,
    },
    /// The encoder of a multi-task model of the same seed.
    MultiTask {
        /// The multi-task experiment.
        from: String,
    },
}

/// One experiment of the study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Experiment {
    /// One model for all task regions.
    MultiTask {
        /// Its name (unique in the plan).
        name: String,
        /// The labels it trains on.
        #[serde(default)]
        labels: Labels,
        /// Its heads.
        #[serde(default)]
        head: Head,
        /// How it starts.
        #[serde(default)]
        init: Start,
    },
    /// One single-task model per region, on the weak labels.
    SingleTask {
        /// Its name.
        name: String,
        /// The regions.
        regions: Vec<String>,
        /// How each starts.
        #[serde(default)]
        init: Start,
    },
    /// The multi-task model on weak labels trained on shares of the training exams.
    LearningCurve {
        /// Its name.
        name: String,
        /// Shares of the training exams, each in (0, 1].
        fractions: Vec<f64>,
        /// How each starts.
        #[serde(default)]
        init: Start,
    },
    /// Single-task fine-tunes of rare regions on the weak labels.
    RareRegion {
        /// Its name.
        name: String,
        /// The rare regions.
        regions: Vec<String>,
        /// Where each starts.
        #[serde(flatten)]
        start: RareStart,
    },
    /// The whole-body model of the radiologist's summary code (abnormal = code > 1).
    SummaryCode {
        /// Its name.
        name: String,
        /// How it starts.
        #[serde(default)]
        init: Start,
    },
    /// The reports labelled by every method, scored against the hand labels (one run per
    /// report model, or one without).
    Labelling {
        /// Its name.
        name: String,
    },
    /// Death within each horizon of the patient's last scan, one model per horizon.
    Mortality {
        /// Its name.
        name: String,
        /// The horizons in days.
        days: Vec<u32>,
        /// How each starts.
        #[serde(default)]
        init: Start,
    },
}

impl Experiment {
    /// Its name.
    pub fn name(&self) -> &str {
        match self {
            Self::MultiTask { name, .. }
            | Self::SingleTask { name, .. }
            | Self::LearningCurve { name, .. }
            | Self::RareRegion { name, .. }
            | Self::SummaryCode { name, .. }
            | Self::Mortality { name, .. }
            | Self::Labelling { name } => name,
        }
    }

    /// The names of its variants: one per learning-curve share or mortality horizon, else
    /// the experiment's own name.
    pub fn variants(&self) -> Vec<String> {
        let name = self.name();
        match self {
            Self::LearningCurve { fractions, .. } => fractions
                .iter()
                .map(|f| format!("{name}-{}pct", (f * 100.0).round()))
                .collect(),
            Self::Mortality { days, .. } => days.iter().map(|d| format!("{name}-{d}d")).collect(),
            _ => vec![name.to_string()],
        }
    }
}

/// Two experiments (or variants) the report compares by AUROC, seed by seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparisonSpec {
    /// Model A (an experiment or variant name).
    pub a: String,
    /// Model B.
    pub b: String,
}

/// A plan file that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    /// The file cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The plan file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a plan.
    #[error("{path}: not a valid plan: {source}")]
    Toml {
        /// The plan file.
        path: PathBuf,
        /// What the parser said.
        source: Box<toml::de::Error>,
    },
    /// The plan cannot be written as TOML.
    #[error("{path}: cannot write the plan: {message}")]
    Serialize {
        /// The plan file.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

impl Plan {
    /// Reads a plan file; relative cohort paths are resolved against its folder.
    pub fn read(path: &Path) -> Result<Self, PlanFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| PlanFileError::Io {
            path: path.into(),
            source,
        })?;
        let mut plan: Plan = toml::from_str(&text).map_err(|source| PlanFileError::Toml {
            path: path.into(),
            source: Box::new(source),
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        plan.cohort.resolve_against(dir);
        Ok(plan)
    }

    /// The plan as TOML.
    pub fn to_toml(&self) -> Result<String, String> {
        toml::to_string_pretty(self).map_err(|e| e.to_string())
    }

    /// Writes the plan file atomically.
    pub fn write(&self, path: &Path) -> Result<(), PlanFileError> {
        let text = self.to_toml().map_err(|message| PlanFileError::Serialize {
            path: path.into(),
            message,
        })?;
        let fill = |w: &mut std::io::BufWriter<std::fs::File>| w.write_all(text.as_bytes());
        uptake_core::write_atomic(path, fill).map_err(|e| PlanFileError::Serialize {
            path: path.into(),
            message: e.to_string(),
        })
    }

    /// Every variant name, in plan order, with its experiment.
    pub fn variants(&self) -> Vec<(String, &Experiment)> {
        (self.experiments.iter())
            .flat_map(|e| e.variants().into_iter().map(move |v| (v, e)))
            .collect()
    }
}

impl Cohort {
    /// A cohort evaluated against its hand labels (else its weak labels).
    pub fn new(
        store: PathBuf,
        weak_labels: PathBuf,
        hand_labels: Option<PathBuf>,
        manifest: Option<PathBuf>,
    ) -> Self {
        Self {
            store,
            weak_labels,
            hand_labels,
            manifest,
            truth: None,
            reports: None,
            report_models: Vec::new(),
        }
    }

    /// The cohort with absolute paths (relative ones are relative to the working folder), so
    /// a plan file written anywhere names the same files.
    pub fn absolute(mut self) -> Self {
        if let Ok(here) = std::env::current_dir() {
            self.resolve_against(&here);
        }
        self
    }

    fn resolve_against(&mut self, dir: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        };
        fix(&mut self.store);
        fix(&mut self.weak_labels);
        for p in [&mut self.hand_labels, &mut self.manifest, &mut self.truth] {
            p.iter_mut().for_each(fix);
        }
        self.reports
            .iter_mut()
            .chain(&mut self.report_models)
            .for_each(fix);
    }
}
