//! How well probabilities are calibrated: the reliability table (equal-width bins) and the
//! expected calibration error computed from it, one definition for every labeller and model.
//!
//! ECE = sum over bins of (n_b / N) |mean probability in b - share of positives in b|, with
//! ten bins of width 0.1 by default (a probability of exactly 1 falls in the last bin). 0 is
//! perfect; it is undefined (`None`) without any case.
//!
//! Temperature scaling ([`fit_temperature`]): one number T that divides every log odds,
//! p' = sigmoid(logit(p) / T), fitted by maximum likelihood on held-out cases. T > 1 softens
//! overconfident probabilities; the order of the cases (and so the AUROC) never changes.

use serde::Serialize;

/// Bins of the reliability table and the ECE unless a caller asks for others.
pub const DEFAULT_BINS: usize = 10;

/// One bin of a reliability table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ReliabilityBin {
    /// Lower edge (inclusive).
    pub lower: f64,
    /// Upper edge (exclusive, except 1 for the last bin).
    pub upper: f64,
    /// Cases in the bin.
    pub count: usize,
    /// Mean probability of those cases; `None` for an empty bin.
    pub mean_probability: Option<f64>,
    /// Share of those cases that are positive; `None` for an empty bin.
    pub positive_rate: Option<f64>,
}

/// Probabilities against binary outcomes, binned: the data of a reliability diagram.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reliability {
    /// The bins, from 0 up.
    pub bins: Vec<ReliabilityBin>,
    /// Cases.
    pub n: usize,
}

impl Reliability {
    /// Bins `probabilities` (clamped to [0, 1]) against `labels` into `bins` equal-width bins
    /// (at least one).
    pub fn new(probabilities: &[f64], labels: &[bool], bins: usize) -> Self {
        debug_assert_eq!(probabilities.len(), labels.len());
        let k = bins.max(1);
        let mut sums = vec![(0usize, 0.0f64, 0usize); k];
        for (&p, &y) in probabilities.iter().zip(labels) {
            let p = p.clamp(0.0, 1.0);
            let b = ((p * k as f64) as usize).min(k - 1);
            sums[b].0 += 1;
            sums[b].1 += p;
            sums[b].2 += usize::from(y);
        }
        let bins = sums
            .iter()
            .enumerate()
            .map(|(b, &(count, p_sum, positives))| ReliabilityBin {
                lower: b as f64 / k as f64,
                upper: (b + 1) as f64 / k as f64,
                count,
                mean_probability: (count > 0).then(|| p_sum / count as f64),
                positive_rate: (count > 0).then(|| positives as f64 / count as f64),
            })
            .collect();
        Self {
            bins,
            n: probabilities.len(),
        }
    }

    /// The expected calibration error of the table; `None` without cases.
    pub fn ece(&self) -> Option<f64> {
        (self.n > 0).then(|| {
            self.bins
                .iter()
                .filter_map(|b| {
                    let gap = (b.mean_probability? - b.positive_rate?).abs();
                    Some(b.count as f64 / self.n as f64 * gap)
                })
                .sum()
        })
    }
}

/// The expected calibration error with [`DEFAULT_BINS`] bins; `None` without cases.
pub fn expected_calibration_error(probabilities: &[f64], labels: &[bool]) -> Option<f64> {
    Reliability::new(probabilities, labels, DEFAULT_BINS).ece()
}

/// The log odds of a probability, clamped to +-logit(1e-6) so that 0 and 1 stay finite.
pub fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

/// sigmoid(`log_odds` / `temperature`).
pub fn with_temperature(log_odds: f64, temperature: f64) -> f64 {
    1.0 / (1.0 + (-log_odds / temperature).exp())
}

/// The temperature that minimises the mean negative log-likelihood of `labels` under
/// sigmoid(`log_odds` / T), searched over T in [0.05, 100] (the likelihood is concave in 1/T,
/// so a golden-section search on 1/T finds the optimum). `None` without both classes.
pub fn fit_temperature(log_odds: &[f64], labels: &[bool]) -> Option<f64> {
    let positives = labels.iter().filter(|&&y| y).count();
    if positives == 0 || positives == labels.len() {
        return None;
    }
    let loss = |inverse: f64| -> f64 {
        log_odds
            .iter()
            .zip(labels)
            .map(|(&z, &y)| {
                let s = if y { z * inverse } else { -z * inverse };
                // -log sigmoid(s), stable for large |s|.
                (-s).max(0.0) + (-s.abs()).exp().ln_1p()
            })
            .sum()
    };
    let (mut a, mut b) = (0.01, 20.0);
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..100 {
        let c = b - ratio * (b - a);
        let d = a + ratio * (b - a);
        if loss(c) < loss(d) {
            b = d;
        } else {
            a = c;
        }
    }
    Some(2.0 / (a + b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_that_match_the_outcome_rate_have_no_calibration_error() {
        // Four cases at 0.25 with one positive, four at 0.75 with three.
        let p = [0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75];
        let y = [true, false, false, false, true, true, true, false];
        assert_eq!(expected_calibration_error(&p, &y), Some(0.0));
    }

    #[test]
    fn the_error_is_the_count_weighted_gap_per_bin() {
        // Bin 0.9-1.0: 2 cases at 0.95 and 1.0 (mean 0.975), none positive: gap 0.975.
        // Bin 0.0-0.1: 2 cases at 0.0, both negative: gap 0.
        let p = [0.95, 1.0, 0.0, 0.0];
        let y = [false, false, false, false];
        let r = Reliability::new(&p, &y, 10);
        assert_eq!(
            r.bins[9].count, 2,
            "a probability of 1 falls in the last bin"
        );
        assert!((r.ece().unwrap() - 0.5 * 0.975).abs() < 1e-12);
        assert_eq!(r.bins[4].mean_probability, None);
    }

    #[test]
    fn the_fitted_temperature_undoes_a_known_overconfidence() {
        // True log odds z; the outcomes follow sigmoid(z) exactly in expectation (weights as
        // repeated cases); the scores shown are 3 z: the temperature that fixes them is 3.
        let (mut scores, mut labels) = (Vec::new(), Vec::new());
        for k in -20..=20 {
            let z = k as f64 / 5.0;
            let positives = (100.0 / (1.0 + (-z).exp())).round() as usize;
            for i in 0..100 {
                scores.push(3.0 * z);
                labels.push(i < positives);
            }
        }
        let t = fit_temperature(&scores, &labels).unwrap();
        assert!((t - 3.0).abs() < 0.05, "{t}");
        assert_eq!(fit_temperature(&[1.0, 2.0], &[true, true]), None);
    }

    #[test]
    fn no_cases_have_no_calibration_error() {
        assert_eq!(expected_calibration_error(&[], &[]), None);
    }
}
