//! Percentile bootstrap confidence intervals of any statistic over resampled units (sentences,
//! exams, seeds), seeded: the one implementation every crate's intervals come from.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// The most bootstrap resamples a CI may ask for (each costs one mean; a million take well
/// under a second on seed scores).
pub const MAX_RESAMPLES: usize = 1_000_000;

/// The percentile of sorted values with linear interpolation between order statistics (the
/// definition numpy uses by default).
pub fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// A statistic with its percentile bootstrap confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StatisticCi {
    /// The statistic on the units as they are.
    pub estimate: f64,
    /// `None` when fewer than two resamples gave a value.
    pub ci: Option<(f64, f64)>,
    /// Resamples on which the statistic was defined.
    pub resamples: usize,
}

/// Percentile bootstrap CI at `level` of any statistic of `units` resampled units (sentences,
/// exams): each of `resamples` draws picks `units` unit indices with replacement, seeded, and
/// `statistic` computes the figure on them (`None` where undefined, e.g. an AUROC with one
/// class). Resampling whole units keeps what they share together: the mentions of one
/// sentence, or the paired scores of two labellers on the same mentions. `None` if the
/// statistic is undefined on the units as they are.
pub fn bootstrap_statistic_ci(
    units: usize,
    mut statistic: impl FnMut(&[usize]) -> Option<f64>,
    level: f64,
    resamples: usize,
    seed: u64,
) -> Option<StatisticCi> {
    let all: Vec<usize> = (0..units).collect();
    let estimate = statistic(&all)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut draw = vec![0; units];
    // The capacity is bounded: a caller's huge count must not abort on allocation.
    let mut values = Vec::with_capacity(resamples.min(MAX_RESAMPLES));
    for _ in 0..resamples {
        draw.iter_mut()
            .for_each(|u| *u = rng.random_range(0..units.max(1)));
        if let Some(v) = statistic(&draw) {
            values.push(v);
        }
    }
    values.sort_by(f64::total_cmp);
    let alpha = (1.0 - level) / 2.0;
    let ci = (values.len() >= 2).then(|| {
        (
            percentile_sorted(&values, alpha),
            percentile_sorted(&values, 1.0 - alpha),
        )
    });
    Some(StatisticCi {
        estimate,
        ci,
        resamples: values.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_interpolates_like_numpy() {
        // numpy.percentile([1, 2, 3, 4], 25) == 1.75
        assert_eq!(percentile_sorted(&[1.0, 2.0, 3.0, 4.0], 0.25), 1.75);
    }

    #[test]
    fn a_statistic_ci_brackets_the_estimate_and_widens_with_the_level() {
        let scores: Vec<f64> = (0..40).map(|i| (i % 7) as f64).collect();
        let median_ish = |idx: &[usize]| {
            let mut v: Vec<f64> = idx.iter().map(|&i| scores[i]).collect();
            v.sort_by(f64::total_cmp);
            Some(v[v.len() / 2])
        };
        let narrow = bootstrap_statistic_ci(40, median_ish, 0.5, 400, 2).unwrap();
        let wide = bootstrap_statistic_ci(40, median_ish, 0.95, 400, 2).unwrap();
        assert_eq!(narrow.estimate, 3.0);
        let (n, w) = (narrow.ci.unwrap(), wide.ci.unwrap());
        assert!(w.0 <= n.0 && n.0 <= 3.0 && 3.0 <= n.1 && n.1 <= w.1);
        assert!(w.1 - w.0 > 0.0);
    }

    #[test]
    fn a_statistic_ci_skips_resamples_where_the_statistic_is_undefined() {
        // Undefined whenever unit 0 is missing from the draw.
        let ci =
            bootstrap_statistic_ci(4, |idx| idx.contains(&0).then_some(1.0), 0.9, 400, 1).unwrap();
        // P(unit 0 drawn at least once in 4) = 1 - (3/4)^4 = 0.68.
        assert!(ci.resamples > 230 && ci.resamples < 310, "{}", ci.resamples);
        assert_eq!(ci.ci, Some((1.0, 1.0)));
    }

    #[test]
    fn a_statistic_undefined_on_the_data_has_no_ci() {
        assert!(bootstrap_statistic_ci(3, |_| None, 0.95, 10, 0).is_none());
    }
}
