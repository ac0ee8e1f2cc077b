//! A plan checked before anything runs: every file it names exists, every region is a task
//! region, every experiment it refers to exists, and the split leaves exams to train and test.

use crate::plan::{Experiment, Labels, Network, Plan, RareStart, Start};
use crate::split::split_cohort;
use std::collections::HashSet;
use std::path::PathBuf;
use std::str::FromStr;

/// A plan that cannot run, naming the entry.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("plan entry `{entry}`: {problem}")]
pub struct PlanError {
    /// The entry: `cohort.store`, `experiments.NAME`, `split`, `comparisons[I]`.
    pub entry: String,
    /// What is wrong.
    pub problem: String,
}

fn refuse(entry: impl Into<String>, problem: impl Into<String>) -> PlanError {
    PlanError {
        entry: entry.into(),
        problem: problem.into(),
    }
}

/// Most seeds a plan runs each experiment with.
const MAX_SEEDS: u32 = 1000;
/// Most epochs of a run (as `uptake train --epochs`).
const MAX_EPOCHS: usize = 100_000;

/// Fewest exams a run trains on, and a test split holds.
const MIN_EXAMS: usize = 2;

impl Plan {
    /// Checks the plan (reads the store's exam list and the truth table; trains nothing).
    pub fn validate(&self) -> Result<(), PlanError> {
        self.check_files()?;
        self.check_sizes()?;
        uptake_scanmodel::TaskSelection::from_str(&self.tasks)
            .map_err(|e| refuse("tasks", e.to_string()))?;
        let mut names = HashSet::new();
        for experiment in &self.experiments {
            let entry = format!("experiments.{}", experiment.name());
            let name = experiment.name();
            let ok_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
            if name.is_empty() || !name.chars().all(ok_char) {
                return Err(refuse(entry, "a name is letters, digits, - and _"));
            }
            if !names.insert(name) {
                return Err(refuse(entry, "two experiments have this name"));
            }
            self.check_experiment(experiment)
                .map_err(|p| refuse(entry, p))?;
        }
        self.check_comparisons()?;
        if let Some(regions) = &self.worklist_regions {
            check_regions(regions).map_err(|p| refuse("worklist_regions", p))?;
        }
        self.check_split()
    }

    /// Seeds and epochs within bounds (what sizes every loop over the runs).
    pub(crate) fn check_sizes(&self) -> Result<(), PlanError> {
        if !(1..=MAX_SEEDS).contains(&self.seeds) {
            return Err(refuse("seeds", format!("must be 1 to {MAX_SEEDS}")));
        }
        if !(1..=MAX_EPOCHS).contains(&self.epochs) {
            return Err(refuse("epochs", format!("must be 1 to {MAX_EPOCHS}")));
        }
        Ok(())
    }

    fn check_files(&self) -> Result<(), PlanError> {
        let c = &self.cohort;
        let mut files: Vec<(String, Option<&PathBuf>)> = [
            ("cohort.store", Some(&c.store)),
            ("cohort.weak_labels", Some(&c.weak_labels)),
            ("cohort.hand_labels", c.hand_labels.as_ref()),
            ("cohort.manifest", c.manifest.as_ref()),
            ("cohort.truth", c.truth.as_ref()),
            ("cohort.reports", c.reports.as_ref()),
        ]
        .map(|(entry, path)| (entry.to_string(), path))
        .to_vec();
        let models = c.report_models.iter().enumerate();
        files.extend(models.map(|(i, p)| (format!("cohort.report_models[{i}]"), Some(p))));
        for (entry, path) in files {
            if let Some(path) = path.filter(|p| !p.exists()) {
                return Err(refuse(entry, format!("{} does not exist", path.display())));
            }
        }
        Ok(())
    }

    fn check_experiment(&self, experiment: &Experiment) -> Result<(), String> {
        let init = match experiment {
            Experiment::MultiTask { labels, init, .. } => {
                if *labels != Labels::Weak && self.cohort.hand_labels.is_none() {
                    return Err("trains on hand labels, but the cohort has no hand_labels".into());
                }
                *init
            }
            Experiment::SingleTask { regions, init, .. } => {
                check_regions(regions)?;
                *init
            }
            Experiment::LearningCurve {
                fractions, init, ..
            } => {
                if fractions.is_empty() || fractions.iter().any(|f| !(*f > 0.0 && *f <= 1.0)) {
                    return Err("fractions must be shares in (0, 1]".into());
                }
                *init
            }
            Experiment::RareRegion { regions, start, .. } => {
                check_regions(regions)?;
                self.check_start(start)?;
                Start::Random
            }
            Experiment::SummaryCode { init, .. } => self.needs_manifest(*init)?,
            Experiment::Labelling { .. } => {
                let c = &self.cohort;
                if c.reports.is_none() || c.hand_labels.is_none() {
                    return Err(
                        "needs the reports and hand labels (cohort.reports, cohort.hand_labels)"
                            .into(),
                    );
                }
                Start::Random
            }
            Experiment::Mortality { days, init, .. } => {
                if days.is_empty() || days.contains(&0) {
                    return Err("days must be horizons of at least one day".into());
                }
                self.needs_manifest(*init)?
            }
        };
        if init == Start::Kinetics && self.network != Network::Full {
            return Err("Kinetics weights fit only the full network (network = \"full\")".into());
        }
        Ok(())
    }

    fn needs_manifest(&self, init: Start) -> Result<Start, String> {
        match self.cohort.manifest {
            Some(_) => Ok(init),
            None => Err("needs the cohort manifest (cohort.manifest)".into()),
        }
    }

    fn check_start(&self, start: &RareStart) -> Result<(), String> {
        let (from, summary) = match start {
            RareStart::Kinetics => return Ok(()),
            RareStart::WholeBody { from } => (from, true),
            RareStart::MultiTask { from } => (from, false),
        };
        let found = self.experiments.iter().find(|e| e.name() == from);
        match (found, summary) {
            (Some(Experiment::SummaryCode { .. }), true)
            | (Some(Experiment::MultiTask { .. }), false) => Ok(()),
            (Some(_), _) => Err(format!("starts from `{from}`, which is of another kind")),
            (None, _) => Err(format!("starts from `{from}`, which is no experiment")),
        }
    }

    fn check_comparisons(&self) -> Result<(), PlanError> {
        let variants: Vec<String> = self.variants().into_iter().map(|(v, _)| v).collect();
        for (i, c) in self.comparisons.iter().enumerate() {
            for name in [&c.a, &c.b] {
                if !variants.contains(name) {
                    let problem = format!("`{name}` is no experiment (or variant) of the plan");
                    return Err(refuse(format!("comparisons[{i}]"), problem));
                }
            }
        }
        Ok(())
    }

    /// The split leaves at least two test exams, and every run at least two exams to train
    /// on after validation.
    fn check_split(&self) -> Result<(), PlanError> {
        let s = &self.split;
        let test_ok = s.test_fraction > 0.0 && s.test_fraction < 1.0;
        if !(test_ok && (0.0..1.0).contains(&s.validation_fraction)) {
            return Err(refuse(
                "split",
                "test_fraction must be in (0, 1), validation_fraction in [0, 1)",
            ));
        }
        let split = split_cohort(&self.cohort, s).map_err(|e| refuse(e.entry, e.to_string()))?;
        if split.test.len() < MIN_EXAMS {
            let problem = format!(
                "{} test exams; at least {MIN_EXAMS} are needed",
                split.test.len()
            );
            return Err(refuse("split", problem));
        }
        let trained = |share: f64| {
            (split.train.len() as f64 * (1.0 - s.validation_fraction) * share).floor() as usize
        };
        if trained(1.0) < MIN_EXAMS {
            let problem = format!(
                "{} training exams leave fewer than {MIN_EXAMS} to train on after validation",
                split.train.len()
            );
            return Err(refuse("split", problem));
        }
        for e in &self.experiments {
            let Experiment::LearningCurve {
                name, fractions, ..
            } = e
            else {
                continue;
            };
            if let Some(f) = fractions.iter().find(|f| trained(**f) < MIN_EXAMS) {
                let problem =
                    format!("a share of {f} leaves fewer than {MIN_EXAMS} exams to train on");
                return Err(refuse(format!("experiments.{name}"), problem));
            }
        }
        Ok(())
    }
}

fn check_regions(regions: &[String]) -> Result<(), String> {
    if regions.is_empty() {
        return Err("names no region".into());
    }
    let known = |r: &String| uptake_ontology::TASK_REGIONS.iter().any(|t| t.name == r);
    match regions.iter().find(|r| !known(r)) {
        Some(bad) => Err(format!(
            "`{bad}` is not a task region (see shared/regions.md)"
        )),
        None => Ok(()),
    }
}
