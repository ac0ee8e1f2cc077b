//! Comparison of two models, each trained with several seeds, by AUROC: per region and over all
//! regions, with bootstrap CIs and paired permutation tests (pairs by seed).
//!
//! [`Comparison::compute`] makes the figures; `write` puts them into a folder and `Display`
//! prints them as a table.

mod text;
mod write;

use crate::evaluate::{EvalError, align, choose_regions};
use crate::format::{f4, mean_ci};
use crate::inputs::{PredictionFile, TruthTable};
use crate::resample::{
    Alternative, MeanCi, PermutationTest, bonferroni, bootstrap_mean_ci, paired_permutation_test,
};
use serde::Serialize;
use uptake_core::metrics::auroc;

/// Models that cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// A model's predictions do not match the truth.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// Pairs are formed by seed.
    #[error(
        "model A has {a} prediction files and model B has {b}: pairs are formed by seed, so both need the same number (file i of A is paired with file i of B)"
    )]
    SeedCountMismatch {
        /// Files of model A.
        a: usize,
        /// Files of model B.
        b: usize,
    },
}

/// How to compare.
#[derive(Debug, Clone)]
pub struct CompareSettings {
    /// Regions to compare; `None`: every region both models and the truth have.
    pub regions: Option<Vec<String>>,
    /// The alternative hypothesis about mean(A) - mean(B).
    pub alternative: Alternative,
    /// Permutation iterations.
    pub iterations: usize,
    /// Seed of the permutations and the bootstrap.
    pub seed: u64,
    /// Coverage of the CIs.
    pub ci_level: f64,
    /// Bootstrap resamples of the CIs.
    pub bootstrap_resamples: usize,
    /// The models' names in tables.
    pub names: ModelNames,
}

/// What tables call the two models.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelNames {
    /// Model A (default `A`).
    pub a: String,
    /// Model B (default `B`).
    pub b: String,
}

impl Default for ModelNames {
    fn default() -> Self {
        Self {
            a: "A".into(),
            b: "B".into(),
        }
    }
}

impl Default for CompareSettings {
    fn default() -> Self {
        Self {
            regions: None,
            alternative: Alternative::Greater,
            iterations: 10_000,
            seed: 0,
            ci_level: 0.95,
            bootstrap_resamples: 1000,
            names: ModelNames::default(),
        }
    }
}

/// One region's comparison.
#[derive(Debug, Clone, Serialize)]
pub struct RegionComparison {
    /// The region.
    pub region: String,
    /// Model A's AUROC per seed.
    pub a_per_seed: Vec<Option<f64>>,
    /// Model B's AUROC per seed.
    pub b_per_seed: Vec<Option<f64>>,
    /// Model A's mean AUROC with its CI.
    pub a: Option<MeanCi>,
    /// Model B's mean AUROC with its CI.
    pub b: Option<MeanCi>,
    /// mean(A) - mean(B) over the seeds where both are defined; with the permutation test.
    pub test: Option<PermutationTest>,
    /// p-value times the number of per-region tests (capped at 1).
    pub p_bonferroni: Option<f64>,
}

/// Two models compared region by region and over all regions.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The alternative hypothesis tested.
    pub alternative: Alternative,
    /// Permutation iterations.
    pub iterations: usize,
    /// Seed of the permutations.
    pub seed: u64,
    /// Per region.
    pub regions: Vec<RegionComparison>,
    /// Number of per-region tests the Bonferroni correction divides by.
    pub comparisons: usize,
    /// Macro AUROC of A per seed, averaged over regions defined for both, with its CI.
    pub overall_a: Option<MeanCi>,
    /// The same for B.
    pub overall_b: Option<MeanCi>,
    /// Test over all (region, seed) pairs of AUROCs.
    pub overall_test: Option<PermutationTest>,
    /// Human-readable notes.
    pub notes: Vec<String>,
    /// The models' names (from the settings).
    #[serde(skip)]
    pub names: ModelNames,
    /// Seed pairs compared.
    #[serde(skip)]
    pub seed_pairs: usize,
}

/// AUROC per seed (outer) and region (inner).
fn aurocs(
    files: &[PredictionFile],
    truth: &TruthTable,
    regions: &[String],
) -> Result<Vec<Vec<Option<f64>>>, EvalError> {
    files
        .iter()
        .map(|p| {
            let a = align(&p.table, &p.path, &truth.table, &truth.source, regions)?;
            Ok((0..regions.len())
                .map(|i| auroc(&a.probs[i], &a.labels[i]))
                .collect())
        })
        .collect()
}

/// Regions to compare: as for an evaluation of A, and (unless requested) also columns of B.
fn regions_of(
    a: &[PredictionFile],
    b: &[PredictionFile],
    truth: &TruthTable,
    requested: Option<&[String]>,
) -> Result<Vec<String>, EvalError> {
    let first = a.first().ok_or(EvalError::NoPredictions)?;
    let src = &truth.source;
    let mut regions = choose_regions(&first.table, &first.path, &truth.table, src, requested)?;
    if requested.is_none() {
        regions.retain(|r| b[0].table.region_index(r).is_some());
        if regions.is_empty() {
            return Err(EvalError::NoCommonRegions {
                pred: b[0].path.clone(),
                truth: src.clone(),
            });
        }
    }
    Ok(regions)
}

impl Comparison {
    /// Compares model A (one file per seed) with model B (file i of B paired with file i of A).
    pub fn compute(
        a: &[PredictionFile],
        b: &[PredictionFile],
        truth: &TruthTable,
        settings: &CompareSettings,
    ) -> Result<Self, CompareError> {
        if a.len() != b.len() {
            return Err(CompareError::SeedCountMismatch {
                a: a.len(),
                b: b.len(),
            });
        }
        let regions = regions_of(a, b, truth, settings.regions.as_deref())?;
        let sa = aurocs(a, truth, &regions)?;
        let sb = aurocs(b, truth, &regions)?;
        let mut notes = Vec::new();
        if a.len() < 2 {
            notes.push("one seed per model: no confidence interval is possible, and the permutation test has only one pair per region".into());
        }
        let ci = |v: &[f64]| {
            bootstrap_mean_ci(
                v,
                settings.ci_level,
                settings.bootstrap_resamples,
                settings.seed,
            )
        };
        let mut out_regions = Vec::new();
        let (mut all_a, mut all_b) = (Vec::new(), Vec::new());
        for (i, region) in regions.iter().enumerate() {
            let a_seed: Vec<Option<f64>> = sa.iter().map(|s| s[i]).collect();
            let b_seed: Vec<Option<f64>> = sb.iter().map(|s| s[i]).collect();
            let (pa, pb): (Vec<f64>, Vec<f64>) = a_seed
                .iter()
                .zip(&b_seed)
                .filter_map(|(x, y)| Some(((*x)?, (*y)?)))
                .unzip();
            // A different stream per region, so that regions are not tested with the same draws.
            let test = (!pa.is_empty())
                .then(|| permutation(&pa, &pb, settings, settings.seed.wrapping_add(i as u64)));
            if test.is_none() {
                notes.push(format!(
                    "{region}: AUROC undefined (a class is missing in the truth): not tested"
                ));
            }
            all_a.extend_from_slice(&pa);
            all_b.extend_from_slice(&pb);
            out_regions.push(RegionComparison {
                region: region.clone(),
                a: ci(&a_seed.iter().flatten().copied().collect::<Vec<_>>()),
                b: ci(&b_seed.iter().flatten().copied().collect::<Vec<_>>()),
                p_bonferroni: test.map(|t| bonferroni(t.p_value, regions.len())),
                test,
                a_per_seed: a_seed,
                b_per_seed: b_seed,
            });
        }
        let overall_seed = settings.seed.wrapping_add(u32::MAX as u64);
        Ok(Comparison {
            alternative: settings.alternative,
            iterations: settings.iterations,
            seed: settings.seed,
            regions: out_regions,
            comparisons: regions.len(),
            overall_a: ci(&macro_per_seed(&sa, &sb)),
            overall_b: ci(&macro_per_seed(&sb, &sa)),
            overall_test: (!all_a.is_empty())
                .then(|| permutation(&all_a, &all_b, settings, overall_seed)),
            notes,
            names: settings.names.clone(),
            seed_pairs: a.len(),
        })
    }

    /// The table printed and written: columns, then one row per region and one over all.
    pub(crate) fn table(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let ModelNames { a, b } = &self.names;
        let columns = vec![
            "region".into(),
            format!("{a} AUROC"),
            format!("{b} AUROC"),
            "diff".into(),
            "p".into(),
            "p_bonf".into(),
        ];
        let diff = |t: Option<PermutationTest>| {
            t.map(|t| format!("{:+.4}", t.mean_difference))
                .unwrap_or_else(|| "n/a".into())
        };
        let mut rows: Vec<Vec<String>> = self
            .regions
            .iter()
            .map(|r| {
                vec![
                    r.region.clone(),
                    mean_ci(r.a.as_ref()),
                    mean_ci(r.b.as_ref()),
                    diff(r.test),
                    f4(r.test.map(|t| t.p_value)),
                    f4(r.p_bonferroni),
                ]
            })
            .collect();
        rows.push(vec![
            "all regions".into(),
            mean_ci(self.overall_a.as_ref()),
            mean_ci(self.overall_b.as_ref()),
            diff(self.overall_test),
            f4(self.overall_test.map(|t| t.p_value)),
            String::new(),
        ]);
        (columns, rows)
    }
}

fn permutation(a: &[f64], b: &[f64], settings: &CompareSettings, seed: u64) -> PermutationTest {
    paired_permutation_test(a, b, settings.alternative, settings.iterations, seed)
}

/// Macro AUROC of each seed of `model` over the regions defined for both models in that seed.
fn macro_per_seed(model: &[Vec<Option<f64>>], other: &[Vec<Option<f64>>]) -> Vec<f64> {
    model
        .iter()
        .zip(other)
        .filter_map(|(s, o)| {
            let v: Vec<f64> = s.iter().zip(o).filter_map(|(x, y)| y.and(*x)).collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::inline::{file, truth};

    #[test]
    fn a_model_compared_with_itself_has_p_value_one_and_zero_difference() {
        let t = truth("exam_id,chest,liver\na,1,0\nb,0,1\nc,1,0\nd,0,1\n");
        let models = vec![
            file(
                "s1",
                "exam_id,chest,liver\na,0.9,0.2\nb,0.3,0.6\nc,0.4,0.1\nd,0.5,0.7\n",
            ),
            file(
                "s2",
                "exam_id,chest,liver\na,0.8,0.3\nb,0.2,0.9\nc,0.6,0.4\nd,0.7,0.5\n",
            ),
        ];
        let c = Comparison::compute(&models, &models, &t, &CompareSettings::default()).unwrap();
        for r in &c.regions {
            assert_eq!(r.test.unwrap().p_value, 1.0);
            assert_eq!(r.test.unwrap().mean_difference, 0.0);
        }
        assert_eq!(c.overall_test.unwrap().p_value, 1.0);
        assert_eq!(c.comparisons, 2);
    }

    #[test]
    fn a_better_model_has_a_positive_difference() {
        let t = truth("exam_id,chest\na,1\nb,0\nc,1\nd,0\n");
        let good = [file("g", "exam_id,chest\na,0.9\nb,0.1\nc,0.8\nd,0.2\n")];
        let poor = [file("p", "exam_id,chest\na,0.2\nb,0.1\nc,0.8\nd,0.9\n")];
        let c = Comparison::compute(&good, &poor, &t, &CompareSettings::default()).unwrap();
        // AUROC 1 vs 0.5.
        assert_eq!(c.regions[0].test.unwrap().mean_difference, 0.5);
        assert!(c.notes[0].contains("one seed per model"));
    }

    #[test]
    fn seed_counts_must_match() {
        let t = truth("exam_id,chest\na,1\nb,0\n");
        let s = file("a1", "exam_id,chest\na,0.9\nb,0.1\n");
        let a = vec![s.clone(), s.clone()];
        let b = vec![s];
        assert!(matches!(
            Comparison::compute(&a, &b, &t, &CompareSettings::default()),
            Err(CompareError::SeedCountMismatch { a: 2, b: 1 })
        ));
    }
}
