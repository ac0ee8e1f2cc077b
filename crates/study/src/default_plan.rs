//! The default plan for a cohort: the study's experiments, scaled to the cohort's labels.

use crate::error::StudyError;
use crate::expand::plan_start;
use crate::plan::{
    Cohort, ComparisonSpec, DEFAULT_SEEDS, Experiment, Head, Labels, Network, Plan, RareStart,
    Split, Start,
};
use crate::split::CohortFileError;
use std::path::{Path, PathBuf};
use uptake_core::RegionTable;

/// The size of a default plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Preset {
    /// Two seeds, the tiny network, one epoch, a few experiments: runs in CI time.
    Tiny,
    /// Five seeds, the small network (CPU), every experiment the cohort allows.
    #[default]
    Small,
    /// Five seeds, the full I3D from Kinetics (GPU), every experiment the cohort allows.
    Full,
}

impl std::str::FromStr for Preset {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "tiny" => Ok(Self::Tiny),
            "small" => Ok(Self::Small),
            "full" => Ok(Self::Full),
            _ => Err(format!("`{s}` is not one of tiny, small, full")),
        }
    }
}

/// The study's mortality horizons in days.
pub const MORTALITY_DAYS: [u32; 4] = [45, 90, 180, 365];

/// Task regions by weak-label prevalence (share of known labels >= 0.5), most prevalent
/// first; regions no exam has are left out.
pub(crate) fn by_prevalence(labels: &RegionTable) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = (labels.regions().iter())
        .filter(|r| uptake_ontology::TASK_REGIONS.iter().any(|t| t.name == *r))
        .filter_map(|r| {
            let known: Vec<f64> = labels.column(r)?.into_iter().flatten().collect();
            let positive = known.iter().filter(|v| **v >= 0.5).count();
            (positive > 0).then(|| (r.clone(), positive as f64 / known.len() as f64))
        })
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

/// The report's default worklist regions: `full` and the two most prevalent other regions.
pub(crate) fn worklist_regions(ranked: &[(String, f64)]) -> Vec<String> {
    let others = ranked.iter().map(|r| r.0.clone()).filter(|r| r != "full");
    std::iter::once("full".to_string())
        .chain(others.take(2))
        .collect()
}

fn multi(name: &str, labels: Labels, head: Head, init: Start) -> Experiment {
    Experiment::MultiTask {
        name: name.into(),
        labels,
        head,
        init,
    }
}

fn compare(a: &str, b: &str) -> ComparisonSpec {
    ComparisonSpec {
        a: a.into(),
        b: b.into(),
    }
}

/// The default plan for `cohort` at `preset`: the multi-task model on weak labels, on hand
/// labels and on both (with hand labels), the labelling comparison (with reports and hand
/// labels), the head and start ablations, single-task models
/// of the most prevalent regions, the learning curve, the rare-region fine-tunes of the
/// least prevalent regions, and the summary-code and mortality models (with a manifest);
/// with the study's comparisons. The tiny preset keeps a few of them.
pub fn plan_for(cohort: Cohort, preset: Preset) -> Result<Plan, CohortFileError> {
    let labels = RegionTable::read_csv(&cohort.weak_labels).map_err(|e| CohortFileError {
        entry: "cohort.weak_labels",
        path: cohort.weak_labels.clone(),
        message: e.to_string(),
    })?;
    let ranked = by_prevalence(&labels);
    let top = |n: usize| {
        ranked
            .iter()
            .take(n)
            .map(|r| r.0.clone())
            .collect::<Vec<_>>()
    };
    let rare = |n: usize| {
        ranked
            .iter()
            .rev()
            .take(n)
            .map(|r| r.0.clone())
            .collect::<Vec<_>>()
    };
    let network = match preset {
        Preset::Tiny => Network::Tiny,
        Preset::Small => Network::Small,
        Preset::Full => Network::Full,
    };
    let init = plan_start(network);
    let hand = cohort.hand_labels.is_some();
    let mut experiments = vec![multi("weak", Labels::Weak, Head::Attention, init)];
    let mut comparisons = Vec::new();
    if hand {
        experiments.push(multi("hand", Labels::Hand, Head::Attention, init));
        comparisons.push(compare("weak", "hand"));
    }
    if hand && cohort.reports.is_some() {
        let name = "labelling".into();
        experiments.push(Experiment::Labelling { name });
    }
    experiments.push(multi("sum-heads", Labels::Weak, Head::Sum, init));
    comparisons.push(compare("weak", "sum-heads"));
    let rare_start = RareStart::MultiTask {
        from: "weak".into(),
    };
    let (epochs, seeds) = match preset {
        Preset::Tiny => {
            experiments.push(rare_experiment("rare-from-multi-task", rare(1), rare_start));
            (1, 2)
        }
        Preset::Small | Preset::Full => {
            full_experiments(
                &cohort,
                init,
                (top(5), rare(3), labels.len()),
                &mut experiments,
                &mut comparisons,
            );
            (if preset == Preset::Full { 15 } else { 30 }, DEFAULT_SEEDS)
        }
    };
    let id = format!(
        "{:016x}",
        uptake_core::seeded::stable_hash(&format!("{cohort:?} {preset:?}"))
    );
    Ok(Plan {
        id,
        cohort,
        seeds,
        network,
        epochs,
        split: Split::default(),
        tasks: "prevalent".into(),
        worklist_regions: Some(worklist_regions(&ranked)),
        experiments,
        comparisons,
        test: uptake_stats::SeedTest::default(),
    })
}

/// The learning curve's shares of the training exams: the study's quarters, those that leave
/// at least two exams to train on with the default split of `labelled` exams.
fn fractions(labelled: usize) -> Vec<f64> {
    let split = Split::default();
    let train = labelled.saturating_sub((labelled as f64 * split.test_fraction).ceil() as usize);
    let trained = |f: f64| (train as f64 * (1.0 - split.validation_fraction) * f).floor();
    (1..=4)
        .map(|q| f64::from(q) / 4.0)
        .filter(|f| trained(*f) >= 2.0)
        .collect()
}

fn rare_experiment(name: &str, regions: Vec<String>, start: RareStart) -> Experiment {
    Experiment::RareRegion {
        name: name.into(),
        regions,
        start,
    }
}

/// The experiments of the small and full presets past the first ones.
fn full_experiments(
    cohort: &Cohort,
    init: Start,
    (top, rare, labelled): (Vec<String>, Vec<String>, usize),
    experiments: &mut Vec<Experiment>,
    comparisons: &mut Vec<ComparisonSpec>,
) {
    if cohort.hand_labels.is_some() {
        experiments.push(multi("hybrid", Labels::Hybrid, Head::Attention, init));
        comparisons.extend([compare("hybrid", "weak"), compare("hybrid", "hand")]);
    }
    experiments.push(multi("multi-head", Labels::Weak, Head::MultiHead, init));
    comparisons.push(compare("weak", "multi-head"));
    if init == Start::Kinetics {
        experiments.push(multi(
            "random-init",
            Labels::Weak,
            Head::Attention,
            Start::Random,
        ));
        comparisons.push(compare("weak", "random-init"));
    }
    experiments.push(Experiment::SingleTask {
        name: "single-task".into(),
        regions: top,
        init,
    });
    comparisons.push(compare("weak", "single-task"));
    let shares = fractions(labelled);
    if !shares.is_empty() {
        experiments.push(Experiment::LearningCurve {
            name: "learning-curve".into(),
            fractions: shares,
            init,
        });
    }
    let from_multi = RareStart::MultiTask {
        from: "weak".into(),
    };
    experiments.push(rare_experiment(
        "rare-from-kinetics",
        rare.clone(),
        RareStart::Kinetics,
    ));
    experiments.push(rare_experiment(
        "rare-from-multi-task",
        rare.clone(),
        from_multi,
    ));
    comparisons.push(compare("rare-from-multi-task", "rare-from-kinetics"));
    if cohort.manifest.is_some() {
        experiments.push(Experiment::SummaryCode {
            name: "summary-code".into(),
            init,
        });
        let from = "summary-code".to_string();
        let start = RareStart::WholeBody { from };
        experiments.push(rare_experiment("rare-from-whole-body", rare, start));
        comparisons.push(compare("rare-from-whole-body", "rare-from-kinetics"));
        experiments.push(Experiment::Mortality {
            name: "mortality".into(),
            days: MORTALITY_DAYS.to_vec(),
            init,
        });
    }
}

/// A default plan written by [`write_default_plan`].
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenPlan {
    /// The plan file.
    pub path: PathBuf,
    /// Its runs.
    pub runs: usize,
}

/// `PLAN: N runs`.
impl std::fmt::Display for WrittenPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} runs", self.path.display(), self.runs)
    }
}

/// Writes the default plan of `cohort` at `preset` to `out` (never over an existing file),
/// checked first ([`Plan::validate`]).
pub fn write_default_plan(
    cohort: Cohort,
    preset: Preset,
    out: &Path,
) -> Result<WrittenPlan, StudyError> {
    if out.exists() {
        return Err(StudyError::file(out, "exists: not writing over a plan"));
    }
    let plan = plan_for(cohort.absolute(), preset)?;
    plan.validate()?;
    plan.write(out)?;
    Ok(WrittenPlan {
        path: out.to_path_buf(),
        runs: plan.runs().len(),
    })
}
