//! The analysis benchmark (`uptake bench analysis`): AUROC, 1,000-resample bootstrap CIs and
//! 10,000-iteration permutation tests for 26 regions x 5 seeds x 814 exams (the study's test
//! set), two synthetic models.

use crate::resample::{Alternative, bootstrap_mean_ci, paired_permutation_test};
use rand::Rng;
use std::fmt;
use std::time::{Duration, Instant};
use uptake_core::Progress;
use uptake_core::metrics::auroc;

/// The size of the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BenchSize {
    /// Regions.
    pub regions: usize,
    /// Seeds per model.
    pub seeds: usize,
    /// Exams.
    pub exams: usize,
}

impl Default for BenchSize {
    fn default() -> Self {
        Self {
            regions: 26,
            seeds: 5,
            exams: 814,
        }
    }
}

/// Timings of one benchmark run.
#[derive(Debug, Clone)]
pub struct AnalysisBench {
    /// What was measured.
    pub size: BenchSize,
    /// Every AUROC of both models.
    pub auroc: Duration,
    /// Bootstrap CIs and permutation tests of every region.
    pub tests: Duration,
    /// The median permutation p-value (a check that the work was done).
    pub median_p: f64,
}

/// Seeds x regions x exams probabilities: `(uniform + shift if abnormal) / (1 + shift)`.
fn model(rng: &mut impl Rng, labels: &[Vec<bool>], seeds: usize, shift: f64) -> Vec<Vec<Vec<f64>>> {
    (0..seeds)
        .map(|_| {
            (labels.iter())
                .map(|l| {
                    (l.iter())
                        .map(|&y| {
                            (rng.random::<f64>() + if y { shift } else { 0.0 }) / (1.0 + shift)
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// Runs the benchmark on seeded synthetic data.
pub fn bench_analysis(size: BenchSize, progress: &dyn Progress) -> AnalysisBench {
    let BenchSize {
        regions,
        seeds,
        exams,
    } = size;
    let mut rng = uptake_core::seeded::rng(7);
    let labels: Vec<Vec<bool>> = (0..regions)
        .map(|_| (0..exams).map(|_| rng.random::<f64>() < 0.2).collect())
        .collect();
    let (a, b) = (
        model(&mut rng, &labels, seeds, 0.6),
        model(&mut rng, &labels, seeds, 0.5),
    );
    progress.start("bench", 2);
    let start = Instant::now();
    let aurocs = |m: &Vec<Vec<Vec<f64>>>| -> Vec<Vec<f64>> {
        (0..regions)
            .map(|r| {
                (0..seeds)
                    .map(|s| auroc(&m[s][r], &labels[r]).unwrap_or(0.5))
                    .collect()
            })
            .collect()
    };
    let (sa, sb) = (aurocs(&a), aurocs(&b));
    let t_auc = start.elapsed();
    progress.advance(1);
    let mut ps = Vec::new();
    for r in 0..regions {
        bootstrap_mean_ci(&sa[r], 0.95, 1000, r as u64);
        bootstrap_mean_ci(&sb[r], 0.95, 1000, r as u64);
        let test = paired_permutation_test(&sa[r], &sb[r], Alternative::Greater, 10_000, r as u64);
        ps.push(test.p_value);
    }
    progress.advance(1);
    progress.finish();
    let total = start.elapsed();
    ps.sort_by(f64::total_cmp);
    AnalysisBench {
        size,
        auroc: t_auc,
        tests: total - t_auc,
        median_p: ps.get(ps.len() / 2).copied().unwrap_or(f64::NAN),
    }
}

impl fmt::Display for AnalysisBench {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let BenchSize {
            regions,
            seeds,
            exams,
        } = self.size;
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        writeln!(
            f,
            "analysis bench: {regions} regions x {seeds} seeds x {exams} exams, two models"
        )?;
        writeln!(
            f,
            "  AUROC ({} evaluations):                          {:>8.2} ms",
            2 * regions * seeds,
            ms(self.auroc)
        )?;
        writeln!(
            f,
            "  + bootstrap CIs (1,000) and permutation tests (10,000): {:>8.2} ms",
            ms(self.tests)
        )?;
        writeln!(
            f,
            "  total:                                             {:>8.2} ms",
            ms(self.auroc + self.tests)
        )?;
        writeln!(f, "  (check: median p-value {:.4})", self.median_p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_bench_compares_a_better_model_with_a_worse_one() {
        let size = BenchSize {
            regions: 2,
            seeds: 3,
            exams: 60,
        };
        let b = bench_analysis(size, &uptake_core::NoProgress);
        assert!(b.median_p > 0.0 && b.median_p <= 1.0);
        let text = b.to_string();
        assert!(
            text.starts_with("analysis bench: 2 regions x 3 seeds x 60 exams"),
            "{text}"
        );
        assert!(text.contains("AUROC (12 evaluations)"), "{text}");
    }
}
