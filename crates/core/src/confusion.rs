//! Threshold metrics from one confusion matrix, with one rule for empty cases.
//!
//! Every command that prints precision, sensitivity, specificity or F1 computes them here, so
//! the same cells always give the same figures. A figure whose denominator is empty is
//! *undefined* (`None`, printed `-`) and left out of means, never 0 and never 1:
//!
//! | figure | formula | undefined when |
//! |---|---|---|
//! | precision | TP / (TP + FP) | nothing is called positive |
//! | sensitivity (recall) | TP / (TP + FN) | there is no positive |
//! | specificity | TN / (TN + FP) | there is no negative |
//! | F1 | 2 TP / (2 TP + FP + FN) | there is no positive |
//!
//! F1 measures how well positives are found, so a cell without positives has none (as it has
//! no AUROC); a cell with positives of which none is found has F1 = 0.

use serde::{Deserialize, Serialize};

/// Counts of calls against truth at one threshold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    /// Positives called positive.
    pub true_positives: usize,
    /// Negatives called positive.
    pub false_positives: usize,
    /// Negatives called negative.
    pub true_negatives: usize,
    /// Positives called negative.
    pub false_negatives: usize,
}

impl Confusion {
    /// Calls `score >= threshold` positive and counts them against `labels`.
    pub fn at_threshold(scores: &[f64], labels: &[bool], threshold: f64) -> Self {
        let mut counts = Self::default();
        for (&score, &label) in scores.iter().zip(labels) {
            counts.add(score >= threshold, label);
        }
        counts
    }

    /// Counts one call.
    pub fn add(&mut self, called_positive: bool, is_positive: bool) {
        match (called_positive, is_positive) {
            (true, true) => self.true_positives += 1,
            (true, false) => self.false_positives += 1,
            (false, false) => self.true_negatives += 1,
            (false, true) => self.false_negatives += 1,
        }
    }

    /// Cases that are positive.
    pub fn positives(&self) -> usize {
        self.true_positives + self.false_negatives
    }

    /// Cases that are negative.
    pub fn negatives(&self) -> usize {
        self.true_negatives + self.false_positives
    }

    /// All cases.
    pub fn total(&self) -> usize {
        self.positives() + self.negatives()
    }

    /// TP / (TP + FP); undefined when nothing is called positive.
    pub fn precision(&self) -> Option<f64> {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    /// TP / (TP + FN); undefined when there is no positive.
    pub fn sensitivity(&self) -> Option<f64> {
        ratio(self.true_positives, self.positives())
    }

    /// TN / (TN + FP); undefined when there is no negative.
    pub fn specificity(&self) -> Option<f64> {
        ratio(self.true_negatives, self.negatives())
    }

    /// 2 TP / (2 TP + FP + FN); undefined when there is no positive.
    pub fn f1(&self) -> Option<f64> {
        if self.positives() == 0 {
            return None;
        }
        ratio(
            2 * self.true_positives,
            2 * self.true_positives + self.false_positives + self.false_negatives,
        )
    }
}

fn ratio(numerator: usize, denominator: usize) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_follow_their_formulas() {
        let c = Confusion::at_threshold(
            &[0.9, 0.8, 0.7, 0.2, 0.1, 0.6],
            &[true, true, false, true, false, false],
            0.5,
        );
        assert_eq!(
            c,
            Confusion {
                true_positives: 2,
                false_positives: 2,
                true_negatives: 1,
                false_negatives: 1
            }
        );
        assert_eq!(c.precision(), Some(0.5));
        assert_eq!(c.sensitivity(), Some(2.0 / 3.0));
        assert_eq!(c.specificity(), Some(1.0 / 3.0));
        assert_eq!(c.f1(), Some(4.0 / 7.0));
    }

    #[test]
    fn the_threshold_itself_counts_as_positive() {
        let c = Confusion::at_threshold(&[0.5], &[true], 0.5);
        assert_eq!(c.true_positives, 1);
    }

    #[test]
    fn without_positives_f1_and_sensitivity_are_undefined_even_with_false_alarms() {
        let c = Confusion::at_threshold(&[0.9, 0.1], &[false, false], 0.5);
        assert_eq!(c.f1(), None);
        assert_eq!(c.sensitivity(), None);
        assert_eq!(c.precision(), Some(0.0));
        assert_eq!(c.specificity(), Some(0.5));
    }

    #[test]
    fn positives_that_are_all_missed_give_f1_zero_and_no_precision() {
        let c = Confusion::at_threshold(&[0.1, 0.2], &[true, false], 0.5);
        assert_eq!(c.f1(), Some(0.0));
        assert_eq!(c.precision(), None);
    }

    #[test]
    fn an_empty_matrix_has_no_figure() {
        let c = Confusion::default();
        assert_eq!(
            (c.precision(), c.sensitivity(), c.specificity(), c.f1()),
            (None, None, None, None)
        );
    }
}
