//! Evaluation of prediction tables (one per seed) against the truth: exam matching, per-region
//! metrics, means over seeds with bootstrap CIs, macro means with bootstrap CIs over exams,
//! and the seed ensemble.
//!
//! [`Evaluation::compute`] makes the figures; `write` puts them into a folder (CSV, JSON,
//! figures and the report summary) and `Display` prints them as a table.

mod align;
mod exam_bootstrap;
mod text;
mod write;

pub use crate::metrics::{MacroMean, macro_mean};
pub(crate) use align::choose_regions;
pub(crate) use align::unmatched_columns;
pub use align::{Aligned, EvalError, MatchSummary, align};
pub use exam_bootstrap::macro_ci_over_exams;

use crate::combine::mean_table;
use crate::dropped::{self, DropReason, Dropped, DroppedItem};
use crate::inputs::{PredictionFile, TruthTable};
use crate::metrics::{Metric, RegionMetrics, roc_curve};
use crate::resample::{CiSettings, MeanCi};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Whether to evaluate the seeds' mean probability too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ensemble {
    /// Only the seeds, one by one and as a mean of their metrics.
    #[default]
    Off,
    /// Also the metrics of the per-exam mean of the seeds' probabilities.
    MeanOfSeeds,
}

impl Ensemble {
    /// [`Ensemble::MeanOfSeeds`] when `mean_of_seeds` holds (an `--ensemble` flag), else
    /// [`Ensemble::Off`].
    pub fn mean_of_seeds_if(mean_of_seeds: bool) -> Self {
        if mean_of_seeds {
            Self::MeanOfSeeds
        } else {
            Self::Off
        }
    }
}

/// What to evaluate and how.
#[derive(Debug, Clone)]
pub struct EvaluationSettings {
    /// Regions to evaluate (each must be in both files); `None`: every region column the
    /// first prediction file shares with the truth.
    pub regions: Option<Vec<String>>,
    /// A probability at or above it counts as positive (precision, recall, F1, specificity).
    pub threshold: f64,
    /// Whether the seeds' mean probability is evaluated too.
    pub ensemble: Ensemble,
    /// The CIs over seeds.
    pub ci: CiSettings,
}

impl Default for EvaluationSettings {
    fn default() -> Self {
        Self {
            regions: None,
            threshold: 0.5,
            ensemble: Ensemble::Off,
            ci: CiSettings::default(),
        }
    }
}

/// One metric of one region (or the macro mean) over seeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeedStat {
    /// Per-seed values (`None` where undefined for that seed).
    pub per_seed: Vec<Option<f64>>,
    /// Mean over the seeds where defined, with a bootstrap CI over those seed scores.
    pub summary: Option<MeanCi>,
}

impl SeedStat {
    fn new(values: Vec<Option<f64>>, ci: CiSettings) -> Self {
        let defined: Vec<f64> = values.iter().flatten().copied().collect();
        SeedStat {
            summary: ci.mean_ci(&defined),
            per_seed: values,
        }
    }
}

/// The metrics of one region over seeds.
#[derive(Debug, Clone, Serialize)]
pub struct RegionSummary {
    /// The region.
    pub region: String,
    /// Positives among its labelled exams (first seed with predictions for the region).
    pub positives: usize,
    /// Exams with a label and a prediction (first seed with predictions for the region).
    pub n: usize,
    /// Seeds with a prediction for some labelled exam of the region (those the means are
    /// over; the others are listed in [`Evaluation::dropped`]).
    pub seeds: usize,
    /// Every metric, in [`Metric::ALL`] order.
    pub metrics: Vec<(Metric, SeedStat)>,
}

/// The summary over seeds of `metric` in `stats`.
pub(crate) fn summary_of(stats: &[(Metric, SeedStat)], metric: Metric) -> Option<&MeanCi> {
    stats
        .iter()
        .find(|(k, _)| *k == metric)
        .and_then(|(_, s)| s.summary.as_ref())
}

impl RegionSummary {
    /// The mean of `metric` over the seeds where it is defined, with its CI.
    pub fn summary(&self, metric: Metric) -> Option<&MeanCi> {
        summary_of(&self.metrics, metric)
    }
}

/// The evaluation of one or several prediction files (seeds) against one truth file.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// The threshold of the threshold metrics.
    pub threshold: f64,
    /// The regions evaluated.
    pub regions: Vec<String>,
    /// How each file's exams matched the truth.
    pub matching: Vec<MatchSummary>,
    /// Per seed, per region.
    pub per_seed: Vec<Vec<RegionMetrics>>,
    /// Per region, per metric (in [`Metric::ALL`] order): the mean over seeds with its CI.
    pub over_seeds: Vec<RegionSummary>,
    /// Macro mean per metric: per seed (regions where defined), then over seeds.
    pub macro_over_seeds: Vec<(Metric, SeedStat)>,
    /// Metrics of the mean of the seeds' probabilities, when asked for.
    pub ensemble: Option<Vec<RegionMetrics>>,
    /// Human-readable notes (undefined metrics, missing CIs, what was left out).
    pub notes: Vec<String>,
    /// Every exam, seed and region left out, and why.
    pub dropped: Vec<Dropped>,
    /// Per region, per seed with both classes: the ROC curve (for the figure).
    #[serde(skip)]
    pub roc_curves: Vec<Vec<Vec<(f64, f64)>>>,
    /// The files it was computed from (never replaced by [`Evaluation::write`]).
    #[serde(skip)]
    pub inputs: Vec<PathBuf>,
}

impl Evaluation {
    /// The macro mean of `metric` over seeds, with its CI.
    pub fn macro_summary(&self, metric: Metric) -> Option<&MeanCi> {
        summary_of(&self.macro_over_seeds, metric)
    }

    /// Evaluates prediction files (one per seed) against the truth.
    pub fn compute(
        preds: &[PredictionFile],
        truth: &TruthTable,
        settings: &EvaluationSettings,
    ) -> Result<Self, EvalError> {
        if !(0.0..=1.0).contains(&settings.threshold) {
            return Err(EvalError::Threshold(settings.threshold));
        }
        settings.ci.check()?;
        let first = preds.first().ok_or(EvalError::NoPredictions)?;
        let regions = choose_regions(
            &first.table,
            &first.path,
            &truth.table,
            &truth.source,
            settings.regions.as_deref(),
        )?;
        let aligned = preds
            .iter()
            .map(|p| align(&p.table, &p.path, &truth.table, &truth.source, &regions))
            .collect::<Result<Vec<_>, _>>()?;
        let per_seed: Vec<Vec<RegionMetrics>> = aligned
            .iter()
            .map(|a| a.metrics(settings.threshold))
            .collect();
        let mut dropped = match settings.regions {
            Some(_) => Vec::new(),
            None => unmatched_columns(&first.table, &first.path, &truth.table),
        };
        dropped.extend(seed_drops(&aligned));
        let ensemble = match settings.ensemble {
            Ensemble::Off => None,
            Ensemble::MeanOfSeeds => {
                let (metrics, left_out) = ensemble(preds, truth, &regions, settings.threshold)?;
                dropped.extend(left_out);
                Some(metrics)
            }
        };
        let notes = notes(preds, &per_seed, &dropped);
        let mut inputs: Vec<PathBuf> = preds.iter().map(|p| p.path.clone()).collect();
        inputs.push(truth.source.clone());
        Ok(Evaluation {
            threshold: settings.threshold,
            over_seeds: over_seeds(&regions, &per_seed, settings.ci),
            macro_over_seeds: Metric::ALL
                .iter()
                .map(|&metric| {
                    let values = per_seed.iter().map(|s| macro_mean(s, metric).mean);
                    (metric, SeedStat::new(values.collect(), settings.ci))
                })
                .collect(),
            roc_curves: (0..regions.len())
                .map(|i| {
                    let curves = aligned.iter();
                    curves
                        .filter_map(|a| roc_curve(&a.probs[i], &a.labels[i]))
                        .collect()
                })
                .collect(),
            regions,
            matching: aligned.into_iter().map(|a| a.matching).collect(),
            per_seed,
            ensemble,
            notes,
            dropped,
            inputs,
        })
    }
}

/// What each seed's alignment left out; a seed without any prediction for a region's labelled
/// exams is one entry (left out of that region's means), not one per exam.
fn seed_drops(aligned: &[Aligned]) -> Vec<Dropped> {
    let mut out = Vec::new();
    for a in aligned {
        let file = &a.matching.pred_file;
        let empty: Vec<&String> = (a.regions.iter().enumerate())
            .filter(|(i, _)| a.probs[*i].is_empty())
            .filter(|(_, r)| a.dropped.iter().any(|d| d.region.as_ref() == Some(*r)))
            .map(|(_, r)| r)
            .collect();
        out.extend(
            (a.dropped.iter())
                .filter(|d| !d.region.as_ref().is_some_and(|r| empty.contains(&r)))
                .cloned(),
        );
        out.extend(empty.into_iter().map(|r| Dropped {
            item: DroppedItem::Seed(file.clone()),
            file: file.clone(),
            region: Some(r.clone()),
            reason: DropReason::NoPredictionForRegion,
        }));
    }
    out
}

fn over_seeds(
    regions: &[String],
    per_seed: &[Vec<RegionMetrics>],
    ci: CiSettings,
) -> Vec<RegionSummary> {
    regions
        .iter()
        .enumerate()
        .map(|(i, region)| {
            let predicted = || per_seed.iter().map(|s| &s[i]).filter(|m| m.n > 0);
            let first = predicted().next().unwrap_or(&per_seed[0][i]);
            RegionSummary {
                region: region.clone(),
                positives: first.positives,
                n: first.n,
                seeds: predicted().count(),
                metrics: Metric::ALL
                    .iter()
                    .map(|&metric| {
                        let values = per_seed.iter().map(|s| s[i].get(metric)).collect();
                        (metric, SeedStat::new(values, ci))
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The metrics of the per-exam mean of the seeds, and the labelled exams it leaves out (those
/// some seed does not predict).
fn ensemble(
    preds: &[PredictionFile],
    truth: &TruthTable,
    regions: &[String],
    threshold: f64,
) -> Result<(Vec<RegionMetrics>, Vec<Dropped>), EvalError> {
    let tables: Vec<_> = preds.iter().map(|p| &p.table).collect();
    let mean = mean_table(&tables, regions).ok_or(EvalError::EmptyEnsemble)?;
    let path = Path::new(ENSEMBLE);
    let aligned = align(&mean, path, &truth.table, &truth.source, regions)?;
    // An exam some seed predicts but the mean lacks is not in every file; one no seed
    // predicts is already listed for each seed.
    let predicted = |d: &Dropped| match &d.item {
        DroppedItem::Exam(e) => tables.iter().any(|t| t.row(e).is_some()),
        _ => false,
    };
    let left_out = (aligned.dropped.iter())
        .filter(|d| d.reason != DropReason::NoTruthRow && predicted(d))
        .map(|d| Dropped {
            reason: DropReason::NotInEveryFile,
            ..d.clone()
        })
        .collect();
    Ok((aligned.metrics(threshold), left_out))
}

/// The file name of the ensemble in tables and notes.
const ENSEMBLE: &str = "ensemble";

/// Notes on what was left out, CIs that cannot be computed and undefined AUROCs (of the first
/// seed).
fn notes(
    preds: &[PredictionFile],
    per_seed: &[Vec<RegionMetrics>],
    dropped: &[Dropped],
) -> Vec<String> {
    let mut notes = dropped::notes(dropped);
    if preds.len() == 1 {
        notes.push("one prediction file (one seed): no confidence interval is possible".into());
    }
    for m in per_seed[0].iter().filter(|m| m.auroc.is_none() && m.n > 0) {
        let why = if m.positives == 0 {
            "no positive exam"
        } else {
            "no negative exam"
        };
        notes.push(format!(
            "{}: AUROC undefined ({why} among {} labelled exams)",
            m.region, m.n
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ensemble_is_evaluated_only_when_asked_for() {
        assert_eq!(Ensemble::mean_of_seeds_if(true), Ensemble::MeanOfSeeds);
        assert_eq!(Ensemble::mean_of_seeds_if(false), Ensemble::Off);
    }
    use crate::inputs::inline::{file, truth};

    #[test]
    fn a_perfect_predictor_has_auroc_one_and_f1_one() {
        let pred = file("p.csv", "exam_id,chest\na,0.9\nb,0.1\nc,0.8\nd,0.3\n");
        let t = truth("exam_id,chest\na,1\nb,0\nc,1\nd,0\n");
        let ev = Evaluation::compute(&[pred], &t, &EvaluationSettings::default()).unwrap();
        assert_eq!(ev.per_seed[0][0].auroc, Some(1.0));
        assert_eq!(ev.per_seed[0][0].f1, Some(1.0));
        assert_eq!(ev.roc_curves[0].len(), 1);
    }

    #[test]
    fn a_region_without_positives_has_undefined_auroc_and_f1_and_a_note() {
        let pred = file("p", "exam_id,chest,liver\na,0.9,0.7\nb,0.1,0.3\n");
        let t = truth("exam_id,chest,liver\na,1,0\nb,0,0\n");
        let ev = Evaluation::compute(&[pred], &t, &EvaluationSettings::default()).unwrap();
        assert_eq!(ev.per_seed[0][1].auroc, None);
        // liver has a false alarm but no positive: F1 is undefined, not 0.
        assert_eq!(ev.per_seed[0][1].f1, None);
        assert!(
            ev.notes
                .iter()
                .any(|n| n.contains("liver") && n.contains("no positive"))
        );
        assert!(
            ev.notes
                .iter()
                .any(|n| n.contains("no confidence interval"))
        );
        // Only chest enters the macro AUROC and the macro F1.
        assert_eq!(ev.macro_over_seeds[0].1.per_seed, vec![Some(1.0)]);
        assert_eq!(ev.macro_summary(Metric::F1).unwrap().mean, 1.0);
    }

    #[test]
    fn prediction_regions_without_truth_are_named_in_a_note() {
        let pred = file("p.csv", "exam_id,chest,spleen\na,0.9,0.2\nb,0.1,0.3\n");
        let t = truth("exam_id,chest\na,1\nb,0\n");
        let ev = Evaluation::compute(&[pred], &t, &EvaluationSettings::default()).unwrap();
        assert_eq!(ev.regions, vec!["chest".to_string()]);
        assert!(
            ev.notes
                .iter()
                .any(|n| n.contains("no truth column") && n.contains("spleen")),
            "{:?}",
            ev.notes
        );
    }

    #[test]
    fn ensemble_evaluates_the_mean_probability() {
        let p1 = file("p1", "exam_id,chest\na,0.2\nb,0.6\nc,0.1\n");
        let p2 = file("p2", "exam_id,chest\na,0.8\nb,0.2\nc,0.1\n");
        let t = truth("exam_id,chest\na,1\nb,0\nc,0\n");
        // Seed 1 ranks a below b; the mean (0.5, 0.4, 0.1) ranks a first.
        let settings = EvaluationSettings {
            ensemble: Ensemble::MeanOfSeeds,
            ..EvaluationSettings::default()
        };
        let ev = Evaluation::compute(&[p1, p2], &t, &settings).unwrap();
        assert_eq!(ev.per_seed[0][0].auroc, Some(0.5));
        let ens = ev.ensemble.as_ref().unwrap();
        assert_eq!(ens[0].auroc, Some(1.0));
        assert_eq!(ens[0].confusion.true_positives, 1);
    }

    #[test]
    fn two_seeds_give_a_mean_with_a_bootstrap_interval() {
        let p1 = file("p1", "exam_id,chest\na,0.9\nb,0.1\nc,0.4\nd,0.6\n");
        let p2 = file("p2", "exam_id,chest\na,0.9\nb,0.1\nc,0.8\nd,0.3\n");
        let t = truth("exam_id,chest\na,1\nb,0\nc,1\nd,0\n");
        let ev = Evaluation::compute(&[p1, p2], &t, &EvaluationSettings::default()).unwrap();
        let auroc = ev.over_seeds[0].summary(Metric::Auroc).unwrap();
        assert_eq!(auroc.mean, 0.875);
        assert_eq!(auroc.ci, Some((0.75, 1.0)));
    }

    #[test]
    fn a_seed_without_predictions_for_a_region_is_listed_and_left_out_of_its_means() {
        let p1 = file(
            "s0.csv",
            "exam_id,chest,liver\na,0.9,0.8\nb,0.1,0.3\nc,0.6,0.4\n",
        );
        let p2 = file("s1.csv", "exam_id,chest,liver\na,0.8,\nb,0.3,\nc,0.2,\n");
        let t = truth("exam_id,chest,liver\na,1,1\nb,0,0\nc,0,1\n");
        let ev = Evaluation::compute(&[p1, p2], &t, &EvaluationSettings::default()).unwrap();
        let liver = &ev.over_seeds[1];
        assert_eq!(
            (liver.region.as_str(), liver.seeds, liver.n),
            ("liver", 1, 3)
        );
        assert_eq!(liver.summary(Metric::Auroc).unwrap().n, 1);
        let seed = Dropped {
            item: DroppedItem::Seed("s1.csv".into()),
            file: "s1.csv".into(),
            region: Some("liver".into()),
            reason: DropReason::NoPredictionForRegion,
        };
        // One entry for the seed, not one per exam.
        assert_eq!(ev.dropped, [seed]);
        assert!(
            ev.notes
                .iter()
                .any(|n| n.starts_with("s1.csv: seed left out from `liver`")),
            "{:?}",
            ev.notes
        );
    }

    #[test]
    fn truth_columns_without_a_prediction_column_are_listed() {
        let pred = file("p.csv", "exam_id,chest\na,0.9\nb,0.1\n");
        let t = truth("exam_id,chest,spleen\na,1,1\nb,0,0\n");
        let ev = Evaluation::compute(&[pred], &t, &EvaluationSettings::default()).unwrap();
        assert_eq!(ev.regions, ["chest"]);
        assert_eq!(ev.dropped.len(), 1);
        assert_eq!(ev.dropped[0].item, DroppedItem::Region("spleen".into()));
        assert_eq!(ev.dropped[0].reason, DropReason::NoPredictionColumn);
        let json = serde_json::to_value(&ev).unwrap();
        assert_eq!(json["dropped"][0]["item"]["region"], "spleen");
    }

    #[test]
    fn exams_left_out_are_listed_by_id_and_reason() {
        let pred = file("p.csv", "exam_id,chest\na,0.9\nb,0.1\nz,0.5\nc,\n");
        let t = truth("exam_id,chest\na,1\nb,0\nc,1\ny,0\n");
        let ev = Evaluation::compute(&[pred], &t, &EvaluationSettings::default()).unwrap();
        let listed: Vec<(String, DropReason)> = (ev.dropped.iter())
            .map(|d| (d.item.to_string(), d.reason.clone()))
            .collect();
        assert_eq!(
            listed,
            [
                ("z".to_string(), DropReason::NoTruthRow),
                ("y".to_string(), DropReason::NoPredictionRow),
                ("c".to_string(), DropReason::EmptyPrediction),
            ]
        );
        assert!(
            ev.notes
                .contains(&"p.csv: 1 exam(s) left out (no truth row): z".to_string())
        );
    }

    #[test]
    fn the_ensemble_lists_exams_some_seed_lacks() {
        let p1 = file("p1", "exam_id,chest\na,0.2\nb,0.6\nc,0.1\n");
        let p2 = file("p2", "exam_id,chest\na,0.8\nb,0.2\n");
        let t = truth("exam_id,chest\na,1\nb,0\nc,0\n");
        let settings = EvaluationSettings {
            ensemble: Ensemble::MeanOfSeeds,
            ..EvaluationSettings::default()
        };
        let ev = Evaluation::compute(&[p1, p2], &t, &settings).unwrap();
        let ensemble: Vec<&Dropped> = (ev.dropped.iter())
            .filter(|d| d.file == "ensemble")
            .collect();
        assert_eq!(ensemble.len(), 1);
        assert_eq!(ensemble[0].item.to_string(), "c");
        assert_eq!(ensemble[0].reason, DropReason::NotInEveryFile);
    }

    #[test]
    fn more_resamples_than_the_limit_are_refused() {
        let pred = file("p", "exam_id,chest\na,0.9\n");
        let t = truth("exam_id,chest\na,1\n");
        let mut settings = EvaluationSettings::default();
        settings.ci.resamples = usize::MAX;
        let err = Evaluation::compute(&[pred], &t, &settings).unwrap_err();
        assert!(matches!(err, EvalError::Limit(_)), "{err}");
    }

    #[test]
    fn a_threshold_outside_zero_one_is_refused() {
        let pred = file("p", "exam_id,chest\na,0.9\n");
        let t = truth("exam_id,chest\na,1\n");
        let settings = EvaluationSettings {
            threshold: 1.5,
            ..EvaluationSettings::default()
        };
        let err = Evaluation::compute(&[pred], &t, &settings).unwrap_err();
        assert!(matches!(err, EvalError::Threshold(_)));
    }
}
