//! Binary classification metrics for one region: AUROC (Mann-Whitney, ties as half) and the
//! confusion-matrix metrics at a threshold.

use serde::Serialize;

pub use uptake_core::metrics::{auroc, auroc_sorted};

/// Counts at a threshold: a prediction is positive when `prob >= threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct Confusion {
    pub tp: usize,
    pub fp: usize,
    pub tn: usize,
    pub fn_: usize,
}

impl Confusion {
    pub fn at_threshold(probs: &[f64], labels: &[bool], threshold: f64) -> Self {
        let mut c = Confusion::default();
        for (&p, &l) in probs.iter().zip(labels) {
            match (p >= threshold, l) {
                (true, true) => c.tp += 1,
                (true, false) => c.fp += 1,
                (false, false) => c.tn += 1,
                (false, true) => c.fn_ += 1,
            }
        }
        c
    }

    /// tp / (tp + fp); undefined when nothing is predicted positive.
    pub fn precision(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }

    /// Sensitivity, tp / (tp + fn); undefined without positives.
    pub fn recall(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// tn / (tn + fp); undefined without negatives.
    pub fn specificity(&self) -> Option<f64> {
        ratio(self.tn, self.tn + self.fp)
    }

    /// 2 tp / (2 tp + fp + fn): the harmonic mean of precision and recall, and 0 (not undefined)
    /// when tp = 0 but something was missed or wrongly flagged. Undefined only when there are no
    /// positives and nothing is flagged.
    pub fn f1(&self) -> Option<f64> {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }
}

fn ratio(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// All metrics of one region on one prediction set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionMetrics {
    pub region: String,
    /// Exams with both a truth label and a prediction for this region.
    pub n: usize,
    pub positives: usize,
    pub auroc: Option<f64>,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
    pub sensitivity: Option<f64>,
    pub specificity: Option<f64>,
    pub confusion: Confusion,
}

impl RegionMetrics {
    pub fn compute(region: &str, probs: &[f64], labels: &[bool], threshold: f64) -> Self {
        let confusion = Confusion::at_threshold(probs, labels, threshold);
        Self {
            region: region.to_string(),
            n: probs.len(),
            positives: labels.iter().filter(|&&l| l).count(),
            auroc: auroc(probs, labels),
            precision: confusion.precision(),
            recall: confusion.recall(),
            f1: confusion.f1(),
            sensitivity: confusion.recall(),
            specificity: confusion.specificity(),
            confusion,
        }
    }

    /// A metric by name (`auroc`, `precision`, `recall`, `f1`, `sensitivity`, `specificity`).
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

/// The score metrics a table reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Auroc,
    Precision,
    Recall,
    F1,
    Sensitivity,
    Specificity,
}

impl Metric {
    pub const ALL: [Metric; 6] = [
        Metric::Auroc,
        Metric::Precision,
        Metric::Recall,
        Metric::F1,
        Metric::Sensitivity,
        Metric::Specificity,
    ];

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
    fn auroc_of_a_hand_computed_example() {
        // Positives 0.8, 0.4; negatives 0.6, 0.2, 0.1. Pairs won: 0.8 beats all 3, 0.4 beats 2 of 3.
        let probs = [0.8, 0.6, 0.4, 0.2, 0.1];
        let labels = [true, false, true, false, false];
        assert!((auroc(&probs, &labels).unwrap() - 5.0 / 6.0).abs() < 1e-15);
    }

    #[test]
    fn auroc_counts_ties_as_half() {
        // One positive and one negative at 0.5 (half a win), the other positive beats both negatives.
        let probs = [0.5, 0.5, 0.9, 0.1];
        let labels = [true, false, true, false];
        // Pairs: (0.5+,0.5-)=0.5, (0.5+,0.1-)=1, (0.9+,0.5-)=1, (0.9+,0.1-)=1 -> 3.5/4.
        assert!((auroc(&probs, &labels).unwrap() - 0.875).abs() < 1e-15);
    }

    #[test]
    fn auroc_is_undefined_without_positives_or_negatives() {
        assert_eq!(auroc(&[0.1, 0.9], &[false, false]), None);
        assert_eq!(auroc(&[0.1, 0.9], &[true, true]), None);
    }

    #[test]
    fn confusion_metrics_at_threshold() {
        let probs = [0.9, 0.5, 0.4, 0.2];
        let labels = [true, false, true, false];
        let m = RegionMetrics::compute("chest", &probs, &labels, 0.5);
        assert_eq!(
            m.confusion,
            Confusion {
                tp: 1,
                fp: 1,
                tn: 1,
                fn_: 1
            }
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
    fn roc_curve_runs_from_origin_to_one_one_and_groups_ties() {
        let pts = roc_curve(&[0.9, 0.5, 0.5, 0.1], &[true, true, false, false]).unwrap();
        assert_eq!(pts, vec![(0.0, 0.0), (0.0, 0.5), (0.5, 1.0), (1.0, 1.0)]);
    }
}
