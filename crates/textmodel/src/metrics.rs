//! Mention-level metrics: AUROC and the threshold metrics (F1, sensitivity, specificity).

use serde::Serialize;

pub use uptake_core::metrics::auroc;

/// Metrics of one labeller on one set of mentions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MentionMetrics {
    pub mentions: usize,
    pub positives: usize,
    pub auroc: Option<f64>,
    pub f1: Option<f64>,
    pub sensitivity: Option<f64>,
    pub specificity: Option<f64>,
}

impl MentionMetrics {
    /// `threshold`: a score at or above it is a positive call.
    pub fn compute(scores: &[f64], labels: &[bool], threshold: f64) -> Self {
        let (mut tp, mut fp, mut tn, mut fn_) = (0usize, 0usize, 0usize, 0usize);
        for (&s, &y) in scores.iter().zip(labels) {
            match (s >= threshold, y) {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, false) => tn += 1,
                (false, true) => fn_ += 1,
            }
        }
        let ratio = |a: usize, b: usize| (b > 0).then(|| a as f64 / b as f64);
        Self {
            mentions: labels.len(),
            positives: tp + fn_,
            auroc: auroc(scores, labels),
            f1: ratio(2 * tp, 2 * tp + fp + fn_),
            sensitivity: ratio(tp, tp + fn_),
            specificity: ratio(tn, tn + fp),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_ranking_gives_auroc_one_and_reversed_gives_zero() {
        let labels = [false, false, true, true];
        assert_eq!(auroc(&[0.1, 0.2, 0.8, 0.9], &labels), Some(1.0));
        assert_eq!(auroc(&[0.9, 0.8, 0.2, 0.1], &labels), Some(0.0));
    }

    #[test]
    fn ties_count_half() {
        assert_eq!(auroc(&[0.5, 0.5], &[false, true]), Some(0.5));
        // one positive above one negative, tied with the other: (1 + 0.5) / 2
        assert_eq!(auroc(&[0.2, 0.6, 0.6], &[false, false, true]), Some(0.75));
    }

    #[test]
    fn auroc_needs_both_classes() {
        assert_eq!(auroc(&[0.1, 0.2], &[true, true]), None);
    }

    #[test]
    fn threshold_metrics_count_calls_at_or_above_the_threshold_as_positive() {
        let m = MentionMetrics::compute(&[0.5, 0.4, 0.9, 0.1], &[true, true, false, false], 0.5);
        assert_eq!(m.sensitivity, Some(0.5));
        assert_eq!(m.specificity, Some(0.5));
        assert_eq!(m.f1, Some(0.5));
        assert_eq!(m.positives, 2);
    }
}
