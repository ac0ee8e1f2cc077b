//! A plan expanded into runs: one per experiment variant and seed, each with a stable id and
//! a hash of the settings it trains with.

use crate::plan::{Cohort, Experiment, Head, Labels, Network, Plan, RareStart, Split, Start};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What one run trains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Work {
    /// One multi-task model of the plan's task regions.
    MultiTask {
        /// Its labels.
        labels: Labels,
        /// The task selection (as `uptake train --regions`).
        tasks: String,
        /// Its heads.
        head: Head,
        /// How it starts.
        init: Start,
        /// Share of the training exams it trains on.
        fraction: f64,
    },
    /// One single-task model per region on the weak labels; from the encoder of the run
    /// [`RunSpec::after`] names where set, else from `init`.
    PerRegion {
        /// The regions.
        regions: Vec<String>,
        /// How each starts (without a run to start from).
        init: Start,
    },
    /// A whole-body model of a target from the manifest.
    WholeBody {
        /// The target.
        target: WholeTarget,
        /// How it starts.
        init: Start,
    },
    /// The cohort's reports labelled by regex and rules, and with `model` by the model and
    /// model+rules.
    Labelling {
        /// The report model of this run's seed.
        model: Option<PathBuf>,
    },
}

/// A whole-body target from the cohort manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WholeTarget {
    /// Abnormal (summary code > 1).
    SummaryCode,
    /// Death within `days` of the patient's last scan.
    Mortality {
        /// The horizon.
        days: u32,
    },
}

/// One run of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    /// `<variant>-s<seed>`: its folder's name.
    pub id: String,
    /// Its experiment.
    pub experiment: String,
    /// Its variant (the experiment's name, or with a share or horizon).
    pub variant: String,
    /// Its seed.
    pub seed: u64,
    /// What it trains.
    pub work: Work,
    /// The run whose model it starts from (finished first).
    pub after: Option<String>,
    /// Hash of every setting it trains with, its start's hash included (16 hex digits).
    pub settings_hash: String,
}

/// Everything a run's result depends on: what its hash covers.
#[derive(Serialize)]
struct HashedSettings<'a> {
    cohort: &'a Cohort,
    network: Network,
    epochs: usize,
    split: &'a Split,
    seed: u64,
    work: &'a Work,
    after_hash: Option<&'a str>,
}

/// The runs of one variant of `experiment` for `seed` (without their hashes), with the
/// experiment a run starts from.
fn work_of(plan: &Plan, experiment: &Experiment, variant_index: usize) -> (Work, Option<String>) {
    let tasks = plan.tasks.clone();
    match experiment {
        Experiment::MultiTask {
            labels, head, init, ..
        } => (
            Work::MultiTask {
                labels: *labels,
                tasks,
                head: *head,
                init: *init,
                fraction: 1.0,
            },
            None,
        ),
        Experiment::LearningCurve {
            fractions, init, ..
        } => (
            Work::MultiTask {
                labels: Labels::Weak,
                tasks,
                head: Head::Attention,
                init: *init,
                fraction: fractions[variant_index],
            },
            None,
        ),
        Experiment::SingleTask { regions, init, .. } => (
            Work::PerRegion {
                regions: regions.clone(),
                init: *init,
            },
            None,
        ),
        Experiment::RareRegion { regions, start, .. } => {
            let (init, from) = match start {
                RareStart::Kinetics => (plan_start(plan.network), None),
                RareStart::WholeBody { from } | RareStart::MultiTask { from } => {
                    (Start::Random, Some(from.clone()))
                }
            };
            let work = Work::PerRegion {
                regions: regions.clone(),
                init,
            };
            (work, from)
        }
        Experiment::SummaryCode { init, .. } => (
            Work::WholeBody {
                target: WholeTarget::SummaryCode,
                init: *init,
            },
            None,
        ),
        Experiment::Labelling { .. } => (Work::Labelling { model: None }, None),
        Experiment::Mortality { days, init, .. } => (
            Work::WholeBody {
                target: WholeTarget::Mortality {
                    days: days[variant_index],
                },
                init: *init,
            },
            None,
        ),
    }
}

/// The start a network gets by default: Kinetics on the full network, random otherwise.
pub fn plan_start(network: Network) -> Start {
    match network {
        Network::Full => Start::Kinetics,
        Network::Small | Network::Tiny => Start::Random,
    }
}

/// The cohort a run's hash covers: the reports and report models only for labelling runs, so
/// that adding them to a plan re-runs none of its scan models.
fn hashed_cohort(cohort: &Cohort, work: &Work) -> Cohort {
    let mut cohort = cohort.clone();
    if !matches!(work, Work::Labelling { .. }) {
        cohort.reports = None;
        cohort.report_models.clear();
    }
    cohort
}

/// A run's id.
pub fn run_id(variant: &str, seed: u64) -> String {
    format!("{variant}-s{seed}")
}

impl Plan {
    /// The seeds of `experiment`: one per report model for the labelling comparison (one
    /// without models), the plan's seeds otherwise.
    fn seeds_of(&self, experiment: &Experiment) -> u64 {
        match experiment {
            Experiment::Labelling { .. } => self.cohort.report_models.len().max(1) as u64,
            _ => u64::from(self.seeds),
        }
    }

    /// Every run of the plan: experiment variants in plan order, each over the seeds. A run
    /// starting from another experiment's model starts from the run of the same seed (a
    /// variant named like its experiment), and its hash covers that run's hash.
    pub fn runs(&self) -> Vec<RunSpec> {
        let mut runs: Vec<RunSpec> = Vec::new();
        let mut pending: Vec<(String, String, u64, Work, Option<String>)> = Vec::new();
        for experiment in &self.experiments {
            for (i, variant) in experiment.variants().into_iter().enumerate() {
                for seed in 0..self.seeds_of(experiment) {
                    let (mut work, from) = work_of(self, experiment, i);
                    if let Work::Labelling { model } = &mut work {
                        *model = self.cohort.report_models.get(seed as usize).cloned();
                    }
                    let after = from.map(|f| run_id(&f, seed));
                    pending.push((experiment.name().into(), variant.clone(), seed, work, after));
                }
            }
        }
        // Runs without a start first, so a dependent run's hash can cover its start's.
        pending.sort_by_key(|p| p.4.is_some());
        for (experiment, variant, seed, work, after) in pending {
            let after_hash = (after.as_ref())
                .and_then(|a| runs.iter().find(|r| &r.id == a))
                .map(|r| r.settings_hash.clone());
            let hashed = HashedSettings {
                cohort: &hashed_cohort(&self.cohort, &work),
                network: self.network,
                epochs: self.epochs,
                split: &self.split,
                seed,
                work: &work,
                after_hash: after_hash.as_deref(),
            };
            let json = serde_json::to_string(&hashed).unwrap_or_default();
            runs.push(RunSpec {
                id: run_id(&variant, seed),
                experiment,
                variant,
                seed,
                work,
                after,
                settings_hash: format!("{:016x}", uptake_core::seeded::stable_hash(&json)),
            });
        }
        runs
    }
}
