//! Evaluation of prediction tables (one per seed) against the truth: exam matching, per-region
//! metrics, means over seeds with bootstrap CIs, macro means, and the seed ensemble.
//!
//! [`Evaluation::compute`] makes the figures; `write` puts them into a folder (CSV, JSON,
//! figures and the report summary) and `Display` prints them as a table.

mod align;
mod text;
mod write;

pub use crate::metrics::{MacroMean, macro_mean};
pub(crate) use align::choose_regions;
pub use align::{Aligned, EvalError, MatchSummary, align};

use crate::combine::mean_table;
use crate::inputs::{PredictionFile, TruthTable};
use crate::metrics::{Metric, RegionMetrics, roc_curve};
use crate::resample::{CiSettings, MeanCi};
use serde::Serialize;
use std::path::Path;

/// Whether to evaluate the seeds' mean probability too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ensemble {
    /// Only the seeds, one by one and as a mean of their metrics.
    #[default]
    Off,
    /// Also the metrics of the per-exam mean of the seeds' probabilities.
    MeanOfSeeds,
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
    /// Positives among its labelled exams (first seed).
    pub positives: usize,
    /// Exams with a label and a prediction (first seed).
    pub n: usize,
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
    /// Human-readable notes (undefined metrics, missing CIs, skipped exams).
    pub notes: Vec<String>,
    /// Per region, per seed with both classes: the ROC curve (for the figure).
    #[serde(skip)]
    pub roc_curves: Vec<Vec<Vec<(f64, f64)>>>,
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
        let notes = notes(&aligned, preds, truth, settings, &per_seed[0]);
        let ensemble = match settings.ensemble {
            Ensemble::Off => None,
            Ensemble::MeanOfSeeds => Some(ensemble(preds, truth, &regions, settings.threshold)?),
        };
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
        })
    }
}

fn over_seeds(
    regions: &[String],
    per_seed: &[Vec<RegionMetrics>],
    ci: CiSettings,
) -> Vec<RegionSummary> {
    regions
        .iter()
        .enumerate()
        .map(|(i, region)| RegionSummary {
            region: region.clone(),
            positives: per_seed[0][i].positives,
            n: per_seed[0][i].n,
            metrics: Metric::ALL
                .iter()
                .map(|&metric| {
                    let values = per_seed.iter().map(|s| s[i].get(metric)).collect();
                    (metric, SeedStat::new(values, ci))
                })
                .collect(),
        })
        .collect()
}

fn ensemble(
    preds: &[PredictionFile],
    truth: &TruthTable,
    regions: &[String],
    threshold: f64,
) -> Result<Vec<RegionMetrics>, EvalError> {
    let tables: Vec<_> = preds.iter().map(|p| &p.table).collect();
    let mean = mean_table(&tables, regions).ok_or(EvalError::EmptyEnsemble)?;
    let path = Path::new("ensemble");
    let aligned = align(&mean, path, &truth.table, &truth.source, regions)?;
    Ok(aligned.metrics(threshold))
}

/// Notes on exams left out, regions not evaluated, CIs that cannot be computed and undefined
/// AUROCs (of the first seed).
fn notes(
    aligned: &[Aligned],
    preds: &[PredictionFile],
    truth: &TruthTable,
    settings: &EvaluationSettings,
    first_seed: &[RegionMetrics],
) -> Vec<String> {
    let mut notes = Vec::new();
    for m in aligned.iter().map(|a| &a.matching) {
        if m.pred_only > 0 || m.truth_only > 0 {
            notes.push(format!(
                "{}: {} exams matched the truth; {} predicted exams have no truth row and {} labelled exams have no prediction (both ignored)",
                m.pred_file, m.matched, m.pred_only, m.truth_only
            ));
        }
    }
    let first = &preds[0];
    let unlabelled: Vec<&str> = first
        .table
        .regions()
        .iter()
        .filter(|r| truth.table.region_index(r).is_none())
        .map(String::as_str)
        .collect();
    if settings.regions.is_none() && !unlabelled.is_empty() {
        notes.push(format!(
            "{} region column(s) of {} have no truth column and were not evaluated: {}",
            unlabelled.len(),
            first.path.display(),
            unlabelled.join(", ")
        ));
    }
    if preds.len() == 1 {
        notes.push("one prediction file (one seed): no confidence interval is possible".into());
    }
    for m in first_seed.iter().filter(|m| m.auroc.is_none()) {
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
