//! Worklist triage: exams read in order of decreasing predicted probability of one region.
//!
//! [`Worklist::compute`] measures the sensitivity reached after reading each fraction of the
//! list (mean over seeds with bootstrap CIs, against the random and perfect orders); `write`
//! puts it into a folder and `Display` prints the summary. [`TriageOrder`] is the list itself,
//! which needs no truth.

mod curve;
mod error;
mod rank;
mod text;
mod write;

pub use error::WorklistError;
pub use rank::{TriageEntry, TriageOrder};

use crate::dropped::{self, Dropped};
use crate::evaluate::{Aligned, align};
use crate::inputs::{PredictionFile, TruthTable};
use crate::pairing::{ExamSet, pair_aligned};
use crate::resample::{CiSettings, MeanCi, at_most};
use curve::{
    fraction_unread_at, grid, perfect_order_sensitivity, random_order_sensitivity,
    sensitivity_curve,
};
use error::check_region;
use serde::Serialize;
use std::path::PathBuf;

/// The most points a sensitivity curve may have (`steps`).
pub const MAX_STEPS: usize = 100_000;

/// What to measure.
#[derive(Debug, Clone)]
pub struct WorklistSettings {
    /// The region whose probability sorts the list.
    pub region: String,
    /// Points on the curve: the fractions 0, 1/steps, ..., 1 (1 to [`MAX_STEPS`]).
    pub steps: usize,
    /// Sensitivities at which the fraction left unread is reported.
    pub sensitivity_targets: Vec<f64>,
    /// Fractions read at which the sensitivity is reported.
    pub read_fractions: Vec<f64>,
    /// The CIs over seeds.
    pub ci: CiSettings,
    /// Whether every seed must predict the same labelled exams (default), or the worklist is
    /// measured on the exams all seeds share.
    pub exam_set: ExamSet,
}

impl Default for WorklistSettings {
    fn default() -> Self {
        Self {
            region: "full".into(),
            steps: 100,
            sensitivity_targets: vec![0.95, 0.98, 0.99],
            read_fractions: vec![0.25, 0.5, 0.75],
            ci: CiSettings::default(),
            exam_set: ExamSet::Same,
        }
    }
}

/// One point of the sensitivity curve.
#[derive(Debug, Clone, Serialize)]
pub struct WorklistPoint {
    /// Fraction of the list read.
    pub fraction_read: f64,
    /// Mean sensitivity over seeds.
    pub sensitivity_mean: f64,
    /// Its bootstrap CI over seeds.
    pub sensitivity_ci: Option<(f64, f64)>,
    /// Sensitivity of a random order (the fraction read).
    pub random_order: f64,
    /// Sensitivity of a perfect order (abnormal exams first).
    pub perfect_order: f64,
}

/// The fraction of the list left unread at one sensitivity.
#[derive(Debug, Clone, Serialize)]
pub struct UnreadAt {
    /// The sensitivity reached.
    pub sensitivity: f64,
    /// Fraction unread, mean over seeds with its CI.
    pub unread: Option<MeanCi>,
}

/// The sensitivity after reading one fraction of the list.
#[derive(Debug, Clone, Serialize)]
pub struct SensitivityAfter {
    /// Fraction of the list read.
    pub fraction_read: f64,
    /// Sensitivity, mean over seeds with its CI.
    pub sensitivity: Option<MeanCi>,
}

/// The worklist measured for one region.
#[derive(Debug, Clone, Serialize)]
pub struct Worklist {
    /// The region.
    pub region: String,
    /// Labelled exams with a prediction (last seed).
    pub exams: usize,
    /// Abnormal ones among them.
    pub positives: usize,
    /// Prediction files.
    pub seeds: usize,
    /// Fraction unread at each sensitivity target.
    pub fraction_unread: Vec<UnreadAt>,
    /// Sensitivity after each fraction read.
    pub sensitivity_after: Vec<SensitivityAfter>,
    /// The curve.
    pub curve: Vec<WorklistPoint>,
    /// Every exam left out, and why.
    pub dropped: Vec<Dropped>,
    /// Per seed: sensitivity at each point of the curve.
    #[serde(skip)]
    pub per_seed: Vec<Vec<f64>>,
    /// Human-readable notes.
    #[serde(skip)]
    pub notes: Vec<String>,
    /// The files it was computed from (never replaced by [`Worklist::write`]).
    #[serde(skip)]
    pub inputs: Vec<PathBuf>,
}

/// One seed's figures.
struct SeedCurve {
    curve: Vec<f64>,
    unread: Vec<f64>,
    sensitivity_at: Vec<f64>,
}

/// Every seed's curve on `grid`, with the labelled exams and abnormal ones, and the exams
/// left out.
fn seed_curves(
    preds: &[PredictionFile],
    truth: &TruthTable,
    settings: &WorklistSettings,
    grid: &[f64],
) -> Result<(Vec<SeedCurve>, usize, usize, Vec<Dropped>), WorklistError> {
    let regions = [settings.region.clone()];
    let mut aligned = (preds.iter())
        .map(|p| align(&p.table, &p.path, &truth.table, &truth.source, &regions))
        .collect::<Result<Vec<Aligned>, _>>()?;
    let mut dropped: Vec<Dropped> = aligned.iter().flat_map(|a| a.dropped.clone()).collect();
    dropped.extend(pair_aligned(&mut aligned, settings.exam_set)?);
    let (mut n, mut positives) = (0, 0);
    let mut seeds = Vec::new();
    for a in &aligned {
        let (probs, labels) = (&a.probs[0], &a.labels[0]);
        n = probs.len();
        positives = labels.iter().filter(|&&l| l).count();
        let no_positives = || WorklistError::NoPositives {
            truth: truth.source.clone(),
            region: settings.region.clone(),
            exams: n,
        };
        let curve = sensitivity_curve(probs, labels, grid).ok_or_else(no_positives)?;
        let targets = &settings.sensitivity_targets;
        seeds.push(SeedCurve {
            curve,
            unread: targets
                .iter()
                .map(|&t| fraction_unread_at(probs, labels, t).ok_or_else(no_positives))
                .collect::<Result<_, _>>()?,
            sensitivity_at: sensitivity_curve(probs, labels, &settings.read_fractions)
                .ok_or_else(no_positives)?,
        });
    }
    Ok((seeds, n, positives, dropped))
}

impl Worklist {
    /// Measures the worklist of `settings.region` for each seed against the truth.
    pub fn compute(
        preds: &[PredictionFile],
        truth: &TruthTable,
        settings: &WorklistSettings,
    ) -> Result<Self, WorklistError> {
        check_region(preds, &settings.region)?;
        at_most("worklist steps", settings.steps, MAX_STEPS)?;
        settings.ci.check()?;
        let grid = grid(settings.steps.max(1));
        let (seeds, n, positives, dropped) = seed_curves(preds, truth, settings, &grid)?;
        let ci = |v: Vec<f64>| settings.ci.mean_ci(&v);
        let curve = grid
            .iter()
            .enumerate()
            .map(|(g, &x)| {
                let m = ci(seeds.iter().map(|s| s.curve[g]).collect());
                let (mean, ci) = m.map(|m| (m.mean, m.ci)).unwrap_or((f64::NAN, None));
                WorklistPoint {
                    fraction_read: x,
                    sensitivity_mean: mean,
                    sensitivity_ci: ci,
                    random_order: random_order_sensitivity(x),
                    perfect_order: perfect_order_sensitivity(x, n, positives),
                }
            })
            .collect();
        let fraction_unread = (settings.sensitivity_targets.iter().enumerate())
            .map(|(k, &t)| UnreadAt {
                sensitivity: t,
                unread: ci(seeds.iter().map(|s| s.unread[k]).collect()),
            })
            .collect();
        let sensitivity_after = (settings.read_fractions.iter().enumerate())
            .map(|(k, &r)| SensitivityAfter {
                fraction_read: r,
                sensitivity: ci(seeds.iter().map(|s| s.sensitivity_at[k]).collect()),
            })
            .collect();
        let mut notes = vec![format!(
            "{}: {positives} abnormal of {n} labelled exams, {} seed(s)",
            settings.region,
            preds.len()
        )];
        notes.extend(dropped::notes(&dropped));
        if preds.len() == 1 {
            notes.push("one prediction file (one seed): no confidence interval is possible".into());
        }
        Ok(Worklist {
            region: settings.region.clone(),
            exams: n,
            positives,
            seeds: preds.len(),
            fraction_unread,
            sensitivity_after,
            curve,
            per_seed: seeds.into_iter().map(|s| s.curve).collect(),
            notes,
            dropped,
            inputs: (preds.iter().map(|p| p.path.clone()))
                .chain([truth.source.clone()])
                .collect(),
        })
    }

    /// The result as JSON with its keys sorted (what `uptake worklist --json` prints).
    pub fn to_json(&self) -> serde_json::Value {
        // Serialising plain numbers, strings and lists cannot fail.
        serde_json::to_value(self).unwrap_or_default()
    }

    /// The summary table: fraction unread per target, sensitivity per fraction read.
    pub(crate) fn rows(&self) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        for u in &self.fraction_unread {
            rows.push(vec![
                format!(
                    "fraction unread at {:.0} % sensitivity",
                    u.sensitivity * 100.0
                ),
                crate::format::mean_ci(u.unread.as_ref()),
            ]);
        }
        for s in &self.sensitivity_after {
            let r = s.fraction_read;
            let perfect = perfect_order_sensitivity(r, self.exams, self.positives);
            rows.push(vec![
                format!(
                    "sensitivity after reading {:.0} % (random {r:.2}, perfect {perfect:.3})",
                    r * 100.0
                ),
                crate::format::mean_ci(s.sensitivity.as_ref()),
            ]);
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::inline::{file, truth};

    #[test]
    fn a_perfect_order_reads_every_abnormal_exam_in_the_first_half() {
        let pred = file("p", "exam_id,full\na,0.9\nb,0.1\nc,0.8\nd,0.2\n");
        let t = truth("exam_id,full\na,1\nb,0\nc,1\nd,0\n");
        let w = Worklist::compute(&[pred], &t, &WorklistSettings::default()).unwrap();
        assert_eq!((w.exams, w.positives, w.seeds), (4, 2, 1));
        let half = &w.sensitivity_after[1];
        assert_eq!(half.fraction_read, 0.5);
        assert_eq!(half.sensitivity.unwrap().mean, 1.0);
        // 95 % of the abnormal exams after reading two of four: half stays unread.
        assert_eq!(w.fraction_unread[0].unread.unwrap().mean, 0.5);
        assert_eq!(w.curve.len(), 101);
        assert_eq!(w.curve[50].perfect_order, 1.0);
    }

    #[test]
    fn a_region_without_abnormal_exams_is_refused() {
        let pred = file("p", "exam_id,full\na,0.9\nb,0.1\n");
        let t = truth("exam_id,full\na,0\nb,0\n");
        let err = Worklist::compute(&[pred], &t, &WorklistSettings::default()).unwrap_err();
        assert!(
            matches!(err, WorklistError::NoPositives { exams: 2, .. }),
            "{err}"
        );
    }

    #[test]
    fn seeds_on_different_exams_are_refused_unless_the_intersection_is_asked_for() {
        let p1 = file("p1.csv", "exam_id,full\na,0.9\nb,0.1\nc,0.8\nd,0.2\n");
        let p2 = file("p2.csv", "exam_id,full\na,0.9\nb,0.1\n");
        let t = truth("exam_id,full\na,1\nb,0\nc,1\nd,0\n");
        let preds = [p1, p2];
        let err = Worklist::compute(&preds, &t, &WorklistSettings::default()).unwrap_err();
        assert!(matches!(err, WorklistError::Unpaired(_)), "{err}");
        let settings = WorklistSettings {
            exam_set: ExamSet::Intersection,
            ..WorklistSettings::default()
        };
        let w = Worklist::compute(&preds, &t, &settings).unwrap();
        assert_eq!(w.exams, 2);
        let left: Vec<String> = (w.dropped.iter())
            .filter(|d| d.reason == crate::DropReason::NotInEveryFile)
            .map(|d| d.item.to_string())
            .collect();
        assert_eq!(left, ["c", "d"]);
    }

    #[test]
    fn more_steps_than_the_limit_are_refused() {
        let pred = file("p", "exam_id,full\na,0.9\nb,0.1\n");
        let t = truth("exam_id,full\na,1\nb,0\n");
        let settings = WorklistSettings {
            steps: usize::MAX,
            ..WorklistSettings::default()
        };
        let err = Worklist::compute(&[pred], &t, &settings).unwrap_err();
        assert!(matches!(err, WorklistError::Limit(_)), "{err}");
    }

    #[test]
    fn a_file_without_the_region_is_named() {
        let pred = file("p.csv", "exam_id,chest\na,0.9\n");
        let t = truth("exam_id,full\na,1\n");
        let err = Worklist::compute(&[pred], &t, &WorklistSettings::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("`full`") && err.contains("p.csv"), "{err}");
    }
}
