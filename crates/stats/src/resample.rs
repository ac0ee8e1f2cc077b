//! Resampling statistics over seed scores: bootstrap confidence intervals of a mean, the paired
//! permutation test, the unpaired permutation test of the study's analysis code ([`SeedTest`]),
//! Bonferroni correction.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

// Their home is the core crate (the labelling commands use them too); here for every caller
// of the statistics.
pub use uptake_core::bootstrap::{
    MAX_RESAMPLES, StatisticCi, bootstrap_statistic_ci, percentile_sorted,
};

/// Settings of a bootstrap confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CiSettings {
    /// Coverage of the interval, e.g. 0.95.
    pub level: f64,
    /// Bootstrap resamples.
    pub resamples: usize,
    /// Seed of the resampling.
    pub seed: u64,
}

impl Default for CiSettings {
    fn default() -> Self {
        Self {
            level: 0.95,
            resamples: 1000,
            seed: 0,
        }
    }
}

/// The most iterations a permutation test may ask for.
pub const MAX_PERMUTATIONS: usize = 10_000_000;

/// A count in the settings above its limit (the number of draws, iterations or curve points
/// that the computation would allocate or loop over).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} of {value} is above the limit of {max}")]
pub struct TooLarge {
    /// The setting, e.g. `bootstrap resamples`.
    pub what: &'static str,
    /// The value asked for.
    pub value: usize,
    /// The largest allowed.
    pub max: usize,
}

/// Fails when `value` is above `max`.
pub(crate) fn at_most(what: &'static str, value: usize, max: usize) -> Result<(), TooLarge> {
    if value > max {
        return Err(TooLarge { what, value, max });
    }
    Ok(())
}

impl CiSettings {
    /// Fails when more than [`MAX_RESAMPLES`] resamples are asked for.
    pub fn check(&self) -> Result<(), TooLarge> {
        at_most("bootstrap resamples", self.resamples, MAX_RESAMPLES)
    }

    /// The mean of `scores` with its CI (see [`bootstrap_mean_ci`]).
    pub fn mean_ci(&self, scores: &[f64]) -> Option<MeanCi> {
        bootstrap_mean_ci(scores, self.level, self.resamples, self.seed)
    }
}

/// A mean with its bootstrap confidence interval. `ci` is `None` when it cannot be computed
/// (fewer than two scores).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanCi {
    /// The mean.
    pub mean: f64,
    /// Its percentile bootstrap interval (low, high).
    pub ci: Option<(f64, f64)>,
    /// Number of scores averaged.
    pub n: usize,
}

/// Mean of `scores` with a percentile bootstrap CI at `level` (e.g. 0.95): `resamples` draws of
/// `scores.len()` scores with replacement, seeded. `None` for an empty slice.
pub fn bootstrap_mean_ci(
    scores: &[f64],
    level: f64,
    resamples: usize,
    seed: u64,
) -> Option<MeanCi> {
    if scores.is_empty() {
        return None;
    }
    let n = scores.len();
    let mean_of = |idx: &[usize]| idx.iter().map(|&i| scores[i]).sum::<f64>() / idx.len() as f64;
    let mean = mean_of(&(0..n).collect::<Vec<_>>());
    if n < 2 || resamples == 0 {
        return Some(MeanCi { mean, ci: None, n });
    }
    let ci = bootstrap_statistic_ci(n, |idx| Some(mean_of(idx)), level, resamples, seed)
        .and_then(|s| s.ci);
    Some(MeanCi { mean, ci, n })
}

/// The alternative hypothesis of a test of mean(A) against mean(B).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Alternative {
    /// H1: mean(A) > mean(B).
    #[default]
    Greater,
    /// H1: mean(A) != mean(B).
    TwoSided,
}

/// The choice named `text` among `choices` (name, value), or an error naming them all.
fn choose<T: Copy>(text: &str, choices: &[(&str, T)], what: &str) -> Result<T, String> {
    match choices.iter().find(|(name, _)| *name == text) {
        Some(&(_, value)) => Ok(value),
        None => {
            let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
            Err(format!("`{text}` is not {what} ({})", names.join(" or ")))
        }
    }
}

impl std::str::FromStr for Alternative {
    type Err = String;

    /// `greater` or `two-sided`.
    fn from_str(text: &str) -> Result<Self, String> {
        let choices = [("greater", Self::Greater), ("two-sided", Self::TwoSided)];
        choose(text, &choices, "an alternative")
    }
}

/// Result of a paired permutation test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PermutationTest {
    /// Observed mean of the paired differences a - b.
    pub mean_difference: f64,
    /// Monte-Carlo p-value.
    pub p_value: f64,
    /// Random sign patterns drawn.
    pub iterations: usize,
    /// Pairs tested.
    pub pairs: usize,
}

/// Paired permutation test of mean(a) vs mean(b), pairs (a[i], b[i]).
///
/// Under H0 the labels A and B are exchangeable within each pair, so each iteration swaps the two
/// scores of every pair independently with probability 1/2 (equivalently flips the sign of the
/// pair's difference) and recomputes the mean difference. The p-value is
/// (1 + #{permuted statistic at least as extreme as observed}) / (1 + iterations), which is never
/// 0 and is a valid p-value for a Monte-Carlo test. "At least as extreme" allows a relative
/// tolerance of 1e-12 so that floating-point noise does not make identical models look different.
pub fn paired_permutation_test(
    a: &[f64],
    b: &[f64],
    alternative: Alternative,
    iterations: usize,
    seed: u64,
) -> PermutationTest {
    assert_eq!(a.len(), b.len(), "paired samples must have equal length");
    let diffs: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let n = diffs.len();
    let observed = diffs.iter().sum::<f64>() / n.max(1) as f64;
    let scale = diffs
        .iter()
        .map(|d| d.abs())
        .sum::<f64>()
        .max(f64::MIN_POSITIVE);
    let tol = 1e-12 * scale;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut extreme = 0usize;
    for _ in 0..iterations {
        let mut sum = 0.0;
        let mut bits = 0u64;
        for (i, d) in diffs.iter().enumerate() {
            if i % 64 == 0 {
                bits = rng.random();
            }
            sum += if bits & 1 == 1 { -d } else { *d };
            bits >>= 1;
        }
        let stat = sum / n.max(1) as f64;
        let hit = match alternative {
            Alternative::Greater => stat * n as f64 >= observed * n as f64 - tol,
            Alternative::TwoSided => stat.abs() * n as f64 >= observed.abs() * n as f64 - tol,
        };
        if hit {
            extreme += 1;
        }
    }
    PermutationTest {
        mean_difference: observed,
        p_value: (1 + extreme) as f64 / (1 + iterations) as f64,
        iterations,
        pairs: n,
    }
}

/// Which permutation test compares two models' per-seed scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeedTest {
    /// [`paired_permutation_test`]: seed i of A is paired with seed i of B and the sign of each
    /// pair's difference is flipped (exchangeability within a seed). With five seeds all in
    /// favour of A, p cannot go below 1/32.
    #[default]
    #[serde(alias = "paired")]
    PairedSignFlip,
    /// [`study_permutation_test`]: the test of the study's released analysis code (mlxtend's
    /// `permutation_test`, approximate), which pools both models' seed scores and reshuffles
    /// them (exchangeability of all scores, pairs ignored). With five seeds per model all in
    /// favour of A, p tends to 1/252.
    #[serde(alias = "study")]
    StudyUnpaired,
}

impl SeedTest {
    /// The test of `a` against `b` (equal lengths for the paired test).
    pub fn run(
        self,
        a: &[f64],
        b: &[f64],
        alternative: Alternative,
        iterations: usize,
        seed: u64,
    ) -> PermutationTest {
        match self {
            Self::PairedSignFlip => paired_permutation_test(a, b, alternative, iterations, seed),
            Self::StudyUnpaired => study_permutation_test(a, b, alternative, iterations, seed),
        }
    }
}

impl std::fmt::Display for SeedTest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::PairedSignFlip => "paired permutation test",
            Self::StudyUnpaired => "unpaired permutation test (the study's, mlxtend)",
        })
    }
}

impl std::str::FromStr for SeedTest {
    type Err = String;

    /// `paired` or `study`.
    fn from_str(text: &str) -> Result<Self, String> {
        let choices = [
            ("paired", Self::PairedSignFlip),
            ("study", Self::StudyUnpaired),
        ];
        choose(text, &choices, "a test")
    }
}

/// The unpaired permutation test the study's analysis code ran on per-seed AUROCs: mlxtend's
/// `permutation_test(x, y, method='approximate', num_rounds, func='x_mean > y_mean', seed)`
/// (`'x_mean != y_mean'` for [`Alternative::TwoSided`]).
///
/// As in mlxtend (rasbt/mlxtend, `mlxtend/evaluate/permutation.py`, commit 07dbd37, the
/// `approximate`, `paired=False` branch): both samples are pooled; each round shuffles the
/// pool and splits it into the original sizes (x', y'); a round counts when
/// `diff > observed or np.isclose(diff, observed)` (rtol 1e-5, atol 1e-8), with
/// `diff = mean(x') - mean(y')` (its absolute value when two-sided); and
/// `p = (count + 1) / (num_rounds + 1)`, "to cover the actual experiment results". mlxtend
/// shuffles with numpy's Mersenne Twister; we draw with ChaCha8, so p agrees in distribution,
/// not digit for digit. (mlxtend releases before 2020 counted only `diff > observed` and
/// returned `count / num_rounds`, which can be 0.) `pairs` is the size of `a`.
pub fn study_permutation_test(
    a: &[f64],
    b: &[f64],
    alternative: Alternative,
    iterations: usize,
    seed: u64,
) -> PermutationTest {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let statistic = |x: &[f64], y: &[f64]| match alternative {
        Alternative::Greater => mean(x) - mean(y),
        Alternative::TwoSided => (mean(x) - mean(y)).abs(),
    };
    let observed = statistic(a, b);
    // numpy.isclose(diff, observed): |diff - observed| <= atol + rtol * |observed|.
    let close = |diff: f64| (diff - observed).abs() <= 1e-8 + 1e-5 * observed.abs();
    let mut pooled: Vec<f64> = a.iter().chain(b).copied().collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut count = 0usize;
    for _ in 0..iterations {
        pooled.shuffle(&mut rng);
        let (x, y) = pooled.split_at(a.len());
        let diff = statistic(x, y);
        if diff > observed || close(diff) {
            count += 1;
        }
    }
    PermutationTest {
        mean_difference: mean(a) - mean(b),
        p_value: (count + 1) as f64 / (iterations + 1) as f64,
        iterations,
        pairs: a.len(),
    }
}

/// Bonferroni-adjusted p-value for one of `comparisons` tests.
pub fn bonferroni(p: f64, comparisons: usize) -> f64 {
    (p * comparisons.max(1) as f64).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Five seeds of a model better than five seeds of another, every seed of A above every
    /// seed of B.
    const SEPARATED_A: [f64; 5] = [0.90, 0.91, 0.92, 0.93, 0.94];
    const SEPARATED_B: [f64; 5] = [0.80, 0.81, 0.82, 0.83, 0.84];

    #[test]
    fn alternatives_parse_from_their_names_only() {
        assert_eq!("greater".parse(), Ok(Alternative::Greater));
        assert_eq!("two-sided".parse(), Ok(Alternative::TwoSided));
        assert!(
            "less"
                .parse::<Alternative>()
                .unwrap_err()
                .contains("`less`")
        );
    }

    #[test]
    fn bootstrap_ci_is_deterministic_for_a_seed_and_brackets_the_mean() {
        let scores = [0.80, 0.82, 0.85, 0.79, 0.84];
        let a = bootstrap_mean_ci(&scores, 0.95, 1000, 7).unwrap();
        let b = bootstrap_mean_ci(&scores, 0.95, 1000, 7).unwrap();
        assert_eq!(a, b);
        assert!((a.mean - 0.82).abs() < 1e-12);
        let (lo, hi) = a.ci.unwrap();
        assert!(lo < a.mean && a.mean < hi, "{lo} {hi}");
        assert!(lo >= 0.79 && hi <= 0.85);
    }

    #[test]
    fn one_score_has_a_mean_but_no_ci() {
        let m = bootstrap_mean_ci(&[0.7], 0.95, 1000, 0).unwrap();
        assert_eq!(m.mean, 0.7);
        assert_eq!(m.ci, None);
    }

    #[test]
    fn identical_models_have_permutation_p_value_one() {
        let a = [0.81, 0.83, 0.8, 0.84, 0.82];
        let t = paired_permutation_test(&a, &a, Alternative::Greater, 10_000, 1);
        assert_eq!(t.p_value, 1.0);
        let t = paired_permutation_test(&a, &a, Alternative::TwoSided, 10_000, 1);
        assert_eq!(t.p_value, 1.0);
    }

    #[test]
    fn a_consistently_better_model_reaches_the_smallest_possible_p_value() {
        // Five pairs, A always better: only the identity sign pattern (1 of 32) is as extreme.
        let (a, b) = (SEPARATED_A, SEPARATED_B);
        let t = paired_permutation_test(&a, &b, Alternative::Greater, 20_000, 3);
        assert!((t.p_value - 1.0 / 32.0).abs() < 0.005, "{}", t.p_value);
        let t2 = paired_permutation_test(&a, &b, Alternative::TwoSided, 20_000, 3);
        assert!((t2.p_value - 2.0 / 32.0).abs() < 0.007, "{}", t2.p_value);
        assert!((t.mean_difference - 0.1).abs() < 1e-12);
    }

    #[test]
    fn a_worse_model_is_not_significantly_greater() {
        let a = [0.80, 0.81, 0.82, 0.83, 0.84];
        let b = [0.90, 0.91, 0.92, 0.93, 0.94];
        let t = paired_permutation_test(&a, &b, Alternative::Greater, 10_000, 3);
        assert!(t.p_value > 0.95, "{}", t.p_value);
    }

    #[test]
    fn bonferroni_multiplies_and_caps_at_one() {
        assert!((bonferroni(0.01, 4) - 0.04).abs() < 1e-15);
        assert_eq!(bonferroni(0.4, 4), 1.0);
    }

    #[test]
    fn seed_tests_parse_from_their_cli_names() {
        assert_eq!("paired".parse(), Ok(SeedTest::PairedSignFlip));
        assert_eq!("study".parse(), Ok(SeedTest::StudyUnpaired));
        assert!("exact".parse::<SeedTest>().unwrap_err().contains("`exact`"));
    }

    #[test]
    fn the_study_test_of_fully_separated_seeds_tends_to_one_in_252() {
        // Only the original split of 10 scores into 5 + 5 (1 of C(10, 5) = 252) is as extreme;
        // p = (count + 1) / (rounds + 1) as mlxtend computes it.
        let (a, b) = (SEPARATED_A, SEPARATED_B);
        let t = study_permutation_test(&a, &b, Alternative::Greater, 100_000, 3);
        assert!((t.p_value - 1.0 / 252.0).abs() < 0.0006, "{}", t.p_value);
        assert!((t.mean_difference - 0.1).abs() < 1e-12);
    }

    #[test]
    fn the_study_test_counts_ties_within_numpy_isclose_and_the_observed_round() {
        // Identical scores: every round ties, p = (rounds + 1) / (rounds + 1).
        let a = [0.7; 5];
        let t = study_permutation_test(&a, &a, Alternative::Greater, 99, 0);
        assert_eq!(t.p_value, 1.0);
        // No rounds: p = 1 / 1, the observed arrangement alone.
        assert_eq!(
            study_permutation_test(&a, &a, Alternative::Greater, 0, 0).p_value,
            1.0
        );
    }

    #[test]
    fn the_study_test_ignores_pairing_where_the_paired_test_uses_it() {
        // A beats B by 0.01 in every pair, but the seeds vary much more than that: paired, the
        // 5 positive differences give 1/32; unpaired, the pooled scores overlap and p is large.
        let b = [0.60, 0.70, 0.80, 0.90, 0.65];
        let a: Vec<f64> = b.iter().map(|x| x + 0.01).collect();
        let paired = SeedTest::PairedSignFlip.run(&a, &b, Alternative::Greater, 20_000, 1);
        let study = SeedTest::StudyUnpaired.run(&a, &b, Alternative::Greater, 20_000, 1);
        assert!(paired.p_value < 0.04, "{}", paired.p_value);
        assert!(study.p_value > 0.4, "{}", study.p_value);
    }
}
