//! Comparison of two models, each trained with several seeds, by AUROC: per region and over all
//! regions, with bootstrap CIs and paired permutation tests (pairs by seed).

use crate::evaluate::{EvalError, align, choose_regions};
use crate::resample::{
    Alternative, MeanCi, PermutationTest, bonferroni, bootstrap_mean_ci, paired_permutation_test,
};
use serde::Serialize;
use std::path::{Path, PathBuf};
use uptake_core::RegionTable;

#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error(transparent)]
    Eval(#[from] EvalError),
    #[error(
        "model A has {a} prediction files and model B has {b}: pairs are formed by seed, so both need the same number (file i of A is paired with file i of B)"
    )]
    SeedCountMismatch { a: usize, b: usize },
}

#[derive(Debug, Clone, Copy)]
pub struct CompareSettings {
    pub alternative: Alternative,
    pub iterations: usize,
    pub seed: u64,
    pub ci_level: f64,
    pub bootstrap_resamples: usize,
}

impl Default for CompareSettings {
    fn default() -> Self {
        Self {
            alternative: Alternative::Greater,
            iterations: 10_000,
            seed: 0,
            ci_level: 0.95,
            bootstrap_resamples: 1000,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RegionComparison {
    pub region: String,
    pub a_per_seed: Vec<Option<f64>>,
    pub b_per_seed: Vec<Option<f64>>,
    pub a: Option<MeanCi>,
    pub b: Option<MeanCi>,
    /// mean(A) - mean(B) over the seeds where both are defined; with the permutation test.
    pub test: Option<PermutationTest>,
    /// p-value times the number of per-region tests (capped at 1).
    pub p_bonferroni: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub alternative: Alternative,
    pub iterations: usize,
    pub seed: u64,
    pub regions: Vec<RegionComparison>,
    /// Number of per-region tests the Bonferroni correction divides by.
    pub comparisons: usize,
    /// Macro AUROC per seed (A, B), averaged over regions defined for both, with CIs.
    pub overall_a: Option<MeanCi>,
    pub overall_b: Option<MeanCi>,
    /// Test over all (region, seed) pairs of AUROCs.
    pub overall_test: Option<PermutationTest>,
    pub notes: Vec<String>,
}

fn aurocs(
    tables: &[(PathBuf, RegionTable)],
    truth: &RegionTable,
    truth_path: &Path,
    regions: &[String],
) -> Result<Vec<Vec<Option<f64>>>, EvalError> {
    // [seed][region]
    tables
        .iter()
        .map(|(p, t)| {
            let a = align(t, p, truth, truth_path, regions)?;
            Ok((0..regions.len())
                .map(|i| crate::metrics::auroc(&a.probs[i], &a.labels[i]))
                .collect())
        })
        .collect()
}

pub fn compare(
    a: &[(PathBuf, RegionTable)],
    b: &[(PathBuf, RegionTable)],
    truth: &RegionTable,
    truth_path: &Path,
    requested_regions: Option<&[String]>,
    settings: CompareSettings,
) -> Result<Comparison, CompareError> {
    if a.len() != b.len() {
        return Err(CompareError::SeedCountMismatch {
            a: a.len(),
            b: b.len(),
        });
    }
    let (pa, ta) = a.first().ok_or(EvalError::NoPredictions)?;
    let mut regions = choose_regions(ta, pa, truth, truth_path, requested_regions)?;
    if requested_regions.is_none() {
        let (pb, tb) = &b[0];
        regions.retain(|r| tb.region_index(r).is_some());
        if regions.is_empty() {
            return Err(EvalError::NoCommonRegions {
                pred: pb.clone(),
                truth: truth_path.into(),
            }
            .into());
        }
    }
    let sa = aurocs(a, truth, truth_path, &regions)?;
    let sb = aurocs(b, truth, truth_path, &regions)?;
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
    let comparisons = regions.len();
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
        let test = (!pa.is_empty()).then(|| {
            // A different stream per region, so that regions are not tested with the same draws.
            paired_permutation_test(
                &pa,
                &pb,
                settings.alternative,
                settings.iterations,
                settings.seed.wrapping_add(i as u64),
            )
        });
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
            p_bonferroni: test.map(|t| bonferroni(t.p_value, comparisons)),
            test,
            a_per_seed: a_seed,
            b_per_seed: b_seed,
        });
    }
    // Macro AUROC per seed over regions defined in both models for that seed.
    let macro_of = |s: &Vec<Option<f64>>, o: &Vec<Option<f64>>| {
        let v: Vec<f64> = s.iter().zip(o).filter_map(|(x, y)| y.and(*x)).collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    let macro_a: Vec<f64> = sa
        .iter()
        .zip(&sb)
        .filter_map(|(x, y)| macro_of(x, y))
        .collect();
    let macro_b: Vec<f64> = sb
        .iter()
        .zip(&sa)
        .filter_map(|(x, y)| macro_of(x, y))
        .collect();
    let overall_test = (!all_a.is_empty()).then(|| {
        paired_permutation_test(
            &all_a,
            &all_b,
            settings.alternative,
            settings.iterations,
            settings.seed.wrapping_add(u32::MAX as u64),
        )
    });
    Ok(Comparison {
        alternative: settings.alternative,
        iterations: settings.iterations,
        seed: settings.seed,
        regions: out_regions,
        comparisons,
        overall_a: ci(&macro_a),
        overall_b: ci(&macro_b),
        overall_test,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> RegionTable {
        RegionTable::from_reader(text.as_bytes(), Path::new("t.csv")).unwrap()
    }

    #[test]
    fn a_model_compared_with_itself_has_p_value_one_and_zero_difference() {
        let truth = table("exam_id,chest,liver\na,1,0\nb,0,1\nc,1,0\nd,0,1\n");
        let s1 = table("exam_id,chest,liver\na,0.9,0.2\nb,0.3,0.6\nc,0.4,0.1\nd,0.5,0.7\n");
        let s2 = table("exam_id,chest,liver\na,0.8,0.3\nb,0.2,0.9\nc,0.6,0.4\nd,0.7,0.5\n");
        let models = vec![(PathBuf::from("s1"), s1), (PathBuf::from("s2"), s2)];
        let c = compare(
            &models,
            &models,
            &truth,
            Path::new("t"),
            None,
            CompareSettings::default(),
        )
        .unwrap();
        for r in &c.regions {
            assert_eq!(r.test.unwrap().p_value, 1.0);
            assert_eq!(r.test.unwrap().mean_difference, 0.0);
        }
        assert_eq!(c.overall_test.unwrap().p_value, 1.0);
        assert_eq!(c.comparisons, 2);
    }

    #[test]
    fn seed_counts_must_match() {
        let truth = table("exam_id,chest\na,1\nb,0\n");
        let s = table("exam_id,chest\na,0.9\nb,0.1\n");
        let a = vec![
            (PathBuf::from("a1"), s.clone()),
            (PathBuf::from("a2"), s.clone()),
        ];
        let b = vec![(PathBuf::from("b1"), s)];
        assert!(matches!(
            compare(
                &a,
                &b,
                &truth,
                Path::new("t"),
                None,
                CompareSettings::default()
            ),
            Err(CompareError::SeedCountMismatch { a: 2, b: 1 })
        ));
    }
}
