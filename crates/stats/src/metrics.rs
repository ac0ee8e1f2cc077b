//! The metrics of one region on one prediction set: AUROC (Mann-Whitney, ties as half, from
//! [`uptake_core::metrics`]) and precision, recall, F1, sensitivity and specificity at a
//! threshold (from [`uptake_core::Confusion`], whose rule for empty cases they follow); ROC
//! points; macro means over regions.

use serde::{Serialize, Serializer};
use uptake_core::Confusion;
use uptake_core::metrics::auroc;

/// All metrics of one region on one prediction set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionMetrics {
    /// The region.
    pub region: String,
    /// Exams with both a truth label and a prediction for this region.
    pub n: usize,
    /// Exams labelled positive.
    pub positives: usize,
    /// AUROC; undefined without positives or without negatives.
    pub auroc: Option<f64>,
    /// TP / (TP + FP); undefined when nothing is called positive.
    pub precision: Option<f64>,
    /// TP / (TP + FN), the same as `sensitivity`; undefined without positives.
    pub recall: Option<f64>,
    /// 2 TP / (2 TP + FP + FN); undefined without positives.
    pub f1: Option<f64>,
    /// TP / (TP + FN); undefined without positives.
    pub sensitivity: Option<f64>,
    /// TN / (TN + FP); undefined without negatives.
    pub specificity: Option<f64>,
    /// The counts at the threshold (written as `tp`, `fp`, `tn`, `fn_` in JSON).
    #[serde(serialize_with = "counts_json")]
    pub confusion: Confusion,
}

impl RegionMetrics {
    /// The metrics of `probs` against `labels`, a probability `>= threshold` counting positive.
    pub fn compute(region: &str, probs: &[f64], labels: &[bool], threshold: f64) -> Self {
        let confusion = Confusion::at_threshold(probs, labels, threshold);
        Self {
            region: region.to_string(),
            n: probs.len(),
            positives: labels.iter().filter(|&&l| l).count(),
            auroc: auroc(probs, labels),
            precision: confusion.precision(),
            recall: confusion.sensitivity(),
            f1: confusion.f1(),
            sensitivity: confusion.sensitivity(),
            specificity: confusion.specificity(),
            confusion,
        }
    }

    /// One metric.
    pub fn get(&self, metric: Metric) -> Option<f64> {
        match metric {
            Metric::Auroc => self.auroc,
            Metric::Precision => self.precision,
            Metric::Recall => self.recall,
            Metric::F1 => self.f1,
            Metric::Sensitivity => self.sensitivity,
            Metric::Specificity => self.specificity,
        }
    }
}

/// The evaluation files keep their short names for the four counts.
fn counts_json<S: Serializer>(c: &Confusion, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Counts {
        tp: usize,
        fp: usize,
        tn: usize,
        fn_: usize,
    }
    Counts {
        tp: c.true_positives,
        fp: c.false_positives,
        tn: c.true_negatives,
        fn_: c.false_negatives,
    }
    .serialize(s)
}

/// The score metrics a table reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Area under the ROC curve.
    Auroc,
    /// Positive predictive value.
    Precision,
    /// Sensitivity, under its other name.
    Recall,
    /// Harmonic mean of precision and recall.
    F1,
    /// True-positive rate.
    Sensitivity,
    /// True-negative rate.
    Specificity,
}

impl Metric {
    /// Every metric, in table order.
    pub const ALL: [Metric; 6] = [
        Metric::Auroc,
        Metric::Precision,
        Metric::Recall,
        Metric::F1,
        Metric::Sensitivity,
        Metric::Specificity,
    ];

    /// The column name: `auroc`, `precision`, `recall`, `f1`, `sensitivity`, `specificity`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Auroc => "auroc",
            Metric::Precision => "precision",
            Metric::Recall => "recall",
            Metric::F1 => "f1",
            Metric::Sensitivity => "sensitivity",
            Metric::Specificity => "specificity",
        }
    }
}

/// Macro mean of a metric over the regions where it is defined.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MacroMean {
    /// The mean; `None` when no region defines the metric.
    pub mean: Option<f64>,
    /// Regions that entered the mean.
    pub defined: usize,
    /// Regions where the metric is undefined (e.g. AUROC without positives) and was left out.
    pub undefined: usize,
}

/// The macro mean of `metric` over `metrics`, leaving out regions where it is undefined.
pub fn macro_mean(metrics: &[RegionMetrics], metric: Metric) -> MacroMean {
    let vals: Vec<f64> = metrics.iter().filter_map(|m| m.get(metric)).collect();
    MacroMean {
        mean: (!vals.is_empty()).then(|| vals.iter().sum::<f64>() / vals.len() as f64),
        defined: vals.len(),
        undefined: metrics.len() - vals.len(),
    }
}

/// ROC curve points (false-positive rate, true-positive rate), one per distinct threshold,
/// from (0, 0) to (1, 1). `None` when a class is missing.
pub fn roc_curve(probs: &[f64], labels: &[bool]) -> Option<Vec<(f64, f64)>> {
    let n_pos = labels.iter().filter(|&&l| l).count();
    let n_neg = labels.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..probs.len()).collect();
    order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
    let mut points = vec![(0.0, 0.0)];
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j < order.len() && probs[order[j]] == probs[order[i]] {
            if labels[order[j]] {
                tp += 1;
            } else {
                fp += 1;
            }
            j += 1;
        }
        points.push((fp as f64 / n_neg as f64, tp as f64 / n_pos as f64));
        i = j;
    }
    Some(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusion_metrics_at_threshold() {
        let probs = [0.9, 0.5, 0.4, 0.2];
        let labels = [true, false, true, false];
        let m = RegionMetrics::compute("chest", &probs, &labels, 0.5);
        assert_eq!(
            (
                m.confusion.true_positives,
                m.confusion.false_positives,
                m.confusion.true_negatives,
                m.confusion.false_negatives
            ),
            (1, 1, 1, 1)
        );
        assert_eq!(m.precision, Some(0.5));
        assert_eq!(m.recall, Some(0.5));
        assert_eq!(m.specificity, Some(0.5));
        assert_eq!(m.f1, Some(0.5));
    }

    #[test]
    fn precision_is_undefined_when_nothing_is_flagged_but_f1_is_zero() {
        let m = RegionMetrics::compute("liver", &[0.1, 0.2], &[true, false], 0.5);
        assert_eq!(m.precision, None);
        assert_eq!(m.recall, Some(0.0));
        assert_eq!(m.f1, Some(0.0));
    }

    #[test]
    fn without_positives_f1_is_undefined_even_with_false_alarms() {
        let m = RegionMetrics::compute("liver", &[0.9, 0.2], &[false, false], 0.5);
        assert_eq!(m.f1, None);
        assert_eq!(m.precision, Some(0.0));
        assert_eq!(macro_mean(&[m], Metric::F1).undefined, 1);
    }

    #[test]
    fn the_counts_keep_their_short_json_names() {
        let m = RegionMetrics::compute("chest", &[0.9], &[true], 0.5);
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(
            json["confusion"],
            serde_json::json!({"tp": 1, "fp": 0, "tn": 0, "fn_": 0})
        );
    }

    #[test]
    fn roc_curve_runs_from_origin_to_one_one_and_groups_ties() {
        let pts = roc_curve(&[0.9, 0.5, 0.5, 0.1], &[true, true, false, false]).unwrap();
        assert_eq!(pts, vec![(0.0, 0.0), (0.0, 0.5), (0.5, 1.0), (1.0, 1.0)]);
    }
}
