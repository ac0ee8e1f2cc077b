//! Comparison of two models, each trained with several seeds, by AUROC: per region and over all
//! regions, with bootstrap CIs and permutation tests over seeds ([`SeedTest`]: paired by seed by
//! default, or unpaired as the study's analysis code computed it).
//!
//! [`Comparison::compute`] makes the figures; `write` puts them into a folder and `Display`
//! prints them as a table.

mod text;
mod write;

use crate::dropped::{self, Dropped};
use crate::evaluate::{Aligned, EvalError, align, choose_regions, unmatched_columns};
use crate::format::{f4, mean_ci};
use crate::inputs::{InputError, ModelPredictions, PredictionFile, PredictionFormat, TruthTable};
use crate::pairing::{ExamSet, UnpairedExams, pair_aligned};
use crate::resample::{
    Alternative, CiSettings, MAX_PERMUTATIONS, MeanCi, PermutationTest, SeedTest, TooLarge,
    at_most, bonferroni, bootstrap_mean_ci,
};
use serde::Serialize;
use std::path::{Path, PathBuf};
use uptake_core::metrics::auroc;

/// Models that cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// A prediction or truth file cannot be read.
    #[error(transparent)]
    Input(#[from] InputError),
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
    /// The files predict different exams (without [`ExamSet::Intersection`]).
    #[error(transparent)]
    Unpaired(#[from] UnpairedExams),
    /// Too many iterations or resamples.
    #[error(transparent)]
    Limit(#[from] TooLarge),
}

/// How to compare.
#[derive(Debug, Clone)]
pub struct CompareSettings {
    /// Regions to compare; `None`: every region both models and the truth have.
    pub regions: Option<Vec<String>>,
    /// The alternative hypothesis about mean(A) - mean(B).
    pub alternative: Alternative,
    /// The permutation test over seeds (paired sign-flip by default).
    pub test: SeedTest,
    /// Permutation iterations (at most [`MAX_PERMUTATIONS`]).
    pub iterations: usize,
    /// Seed of the permutations and the bootstrap.
    pub seed: u64,
    /// Coverage of the CIs.
    pub ci_level: f64,
    /// Bootstrap resamples of the CIs (at most [`crate::resample::MAX_RESAMPLES`]).
    pub bootstrap_resamples: usize,
    /// The models' names in tables.
    pub names: ModelNames,
    /// Whether every file must predict the same exams (default), or the comparison uses the
    /// exams all files share.
    pub exam_set: ExamSet,
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
            test: SeedTest::PairedSignFlip,
            iterations: 10_000,
            seed: 0,
            ci_level: 0.95,
            bootstrap_resamples: 1000,
            names: ModelNames::default(),
            exam_set: ExamSet::Same,
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
    /// mean(A) - mean(B) over the seeds where both are defined; with the permutation test
    /// ([`Comparison::test`]).
    pub test: Option<PermutationTest>,
    /// p-value times the number of per-region tests (capped at 1).
    pub p_bonferroni: Option<f64>,
}

/// Two models compared region by region and over all regions.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The alternative hypothesis tested.
    pub alternative: Alternative,
    /// The permutation test over seeds.
    pub test: SeedTest,
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
    /// Every exam and region left out, and why.
    pub dropped: Vec<Dropped>,
    /// The models' names (from the settings).
    #[serde(skip)]
    pub names: ModelNames,
    /// Seed pairs compared.
    #[serde(skip)]
    pub seed_pairs: usize,
    /// The files it was computed from (never replaced by [`Comparison::write`]).
    #[serde(skip)]
    pub inputs: Vec<PathBuf>,
}

/// Regions to compare: as for an evaluation of A, and (unless requested) also columns of B;
/// with the columns of either model or the truth that are left out.
fn regions_of(
    a: &[PredictionFile],
    b: &[PredictionFile],
    truth: &TruthTable,
    requested: Option<&[String]>,
) -> Result<(Vec<String>, Vec<Dropped>), EvalError> {
    let first = a.first().ok_or(EvalError::NoPredictions)?;
    let src = &truth.source;
    let mut regions = choose_regions(&first.table, &first.path, &truth.table, src, requested)?;
    if requested.is_some() {
        return Ok((regions, Vec::new()));
    }
    regions.retain(|r| b[0].table.region_index(r).is_some());
    if regions.is_empty() {
        return Err(EvalError::NoCommonRegions {
            pred: b[0].path.clone(),
            truth: src.clone(),
        });
    }
    let mut dropped = unmatched_columns(&first.table, &first.path, &truth.table);
    dropped.extend(unmatched_columns(&b[0].table, &b[0].path, &truth.table));
    Ok((regions, dropped))
}

/// Every file aligned with the truth and restricted to the exams all of them share (or an
/// error, see [`ExamSet`]); with what was left out.
fn aligned_pairs(
    files: &[&PredictionFile],
    truth: &TruthTable,
    regions: &[String],
    exam_set: ExamSet,
) -> Result<(Vec<Aligned>, Vec<Dropped>), CompareError> {
    let mut aligned = (files.iter())
        .map(|p| align(&p.table, &p.path, &truth.table, &truth.source, regions))
        .collect::<Result<Vec<_>, _>>()?;
    let mut dropped: Vec<Dropped> = aligned.iter().flat_map(|a| a.dropped.clone()).collect();
    dropped.extend(pair_aligned(&mut aligned, exam_set)?);
    Ok((aligned, dropped))
}

/// AUROC per region of one aligned file.
fn aurocs(a: &Aligned) -> Vec<Option<f64>> {
    (0..a.regions.len())
        .map(|i| auroc(&a.probs[i], &a.labels[i]))
        .collect()
}

impl Comparison {
    /// Reads model A's and model B's prediction files (one per seed) and the truth (`truth`,
    /// else the targets of paper-format files), then compares them ([`Comparison::compute`]).
    pub fn read(
        a: &[PathBuf],
        b: &[PathBuf],
        truth: Option<&Path>,
        format: PredictionFormat,
        settings: &CompareSettings,
    ) -> Result<Self, CompareError> {
        let a = ModelPredictions::read(a, format)?;
        let b = ModelPredictions::read(b, format)?;
        let truth = a.truth(truth)?;
        Self::compute(&a.seeds, &b.seeds, &truth, settings)
    }

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
        at_most(
            "permutation iterations",
            settings.iterations,
            MAX_PERMUTATIONS,
        )?;
        let ci = CiSettings {
            level: settings.ci_level,
            resamples: settings.bootstrap_resamples,
            seed: settings.seed,
        };
        ci.check()?;
        let (regions, mut dropped) = regions_of(a, b, truth, settings.regions.as_deref())?;
        let files: Vec<&PredictionFile> = a.iter().chain(b).collect();
        let (aligned, left_out) = aligned_pairs(&files, truth, &regions, settings.exam_set)?;
        dropped.extend(left_out);
        let scores: Vec<Vec<Option<f64>>> = aligned.iter().map(aurocs).collect();
        let (sa, sb) = scores.split_at(a.len());
        let mut notes = dropped::notes(&dropped);
        if a.len() < 2 {
            notes.push("one seed per model: no confidence interval is possible, and the permutation test has only one pair per region".into());
        }
        let (out_regions, all_a, all_b) = region_tests(&regions, sa, sb, settings, &mut notes);
        let overall_seed = settings.seed.wrapping_add(u32::MAX as u64);
        Ok(Comparison {
            alternative: settings.alternative,
            test: settings.test,
            iterations: settings.iterations,
            seed: settings.seed,
            regions: out_regions,
            comparisons: regions.len(),
            overall_a: ci.mean_ci(&macro_per_seed(sa, sb)),
            overall_b: ci.mean_ci(&macro_per_seed(sb, sa)),
            overall_test: (!all_a.is_empty())
                .then(|| permutation(&all_a, &all_b, settings, overall_seed)),
            notes,
            dropped,
            names: settings.names.clone(),
            seed_pairs: a.len(),
            inputs: (files.iter().map(|f| f.path.clone()))
                .chain([truth.source.clone()])
                .collect(),
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

/// Per region: both models' mean AUROC with CIs and the test over the seeds where both AUROCs
/// are defined (the same seeds for either test, so that their p-values differ only by the
/// test); with every (region, seed) pair of AUROCs defined for both models (the overall test).
fn region_tests(
    regions: &[String],
    sa: &[Vec<Option<f64>>],
    sb: &[Vec<Option<f64>>],
    settings: &CompareSettings,
    notes: &mut Vec<String>,
) -> (Vec<RegionComparison>, Vec<f64>, Vec<f64>) {
    let ci = |v: &[Option<f64>]| {
        let defined: Vec<f64> = v.iter().flatten().copied().collect();
        bootstrap_mean_ci(
            &defined,
            settings.ci_level,
            settings.bootstrap_resamples,
            settings.seed,
        )
    };
    let mut out = Vec::new();
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
        out.push(RegionComparison {
            region: region.clone(),
            a: ci(&a_seed),
            b: ci(&b_seed),
            p_bonferroni: test.map(|t| bonferroni(t.p_value, regions.len())),
            test,
            a_per_seed: a_seed,
            b_per_seed: b_seed,
        });
    }
    (out, all_a, all_b)
}

fn permutation(a: &[f64], b: &[f64], settings: &CompareSettings, seed: u64) -> PermutationTest {
    (settings.test).run(a, b, settings.alternative, settings.iterations, seed)
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

    /// The truth and model A on exams a..f; model B on a..c only.
    fn unpaired() -> (TruthTable, PredictionFile, PredictionFile) {
        let t = truth("exam_id,chest\na,1\nb,0\nc,1\nd,0\ne,1\nf,0\n");
        let a = file(
            "a.csv",
            "exam_id,chest\na,0.9\nb,0.1\nc,0.8\nd,0.2\ne,0.7\nf,0.3\n",
        );
        let b = file("b.csv", "exam_id,chest\na,0.9\nb,0.1\nc,0.05\n");
        (t, a, b)
    }

    #[test]
    fn models_scored_on_different_exams_are_refused() {
        let (t, a, b) = unpaired();
        let err = Comparison::compute(&[a], &[b], &t, &CompareSettings::default()).unwrap_err();
        let CompareError::Unpaired(e) = &err else {
            panic!("{err}")
        };
        assert_eq!((e.n_file, e.n_other, e.common), (6, 3, 3));
        assert_eq!(e.example.as_str(), "d");
    }

    #[test]
    fn with_the_intersection_the_exams_left_out_are_listed() {
        let (t, a, b) = unpaired();
        let settings = CompareSettings {
            exam_set: ExamSet::Intersection,
            ..CompareSettings::default()
        };
        let c = Comparison::compute(&[a], &[b], &t, &settings).unwrap();
        // On a, b, c: A ranks both abnormal exams first (1.0), B ranks c below b (0.5).
        assert_eq!(c.regions[0].a_per_seed, [Some(1.0)]);
        assert_eq!(c.regions[0].b_per_seed, [Some(0.5)]);
        let from_a: Vec<String> = (c.dropped.iter())
            .filter(|d| d.file == "a.csv")
            .map(|d| d.item.to_string())
            .collect();
        assert_eq!(from_a, ["d", "e", "f"]);
        assert!(
            c.notes
                .iter()
                .any(|n| n.contains("not predicted in every file): d, e, f"))
        );
    }

    #[test]
    fn more_iterations_than_the_limit_are_refused() {
        let (t, a, _) = unpaired();
        let settings = CompareSettings {
            iterations: usize::MAX,
            ..CompareSettings::default()
        };
        let one = std::slice::from_ref(&a);
        let err = Comparison::compute(one, one, &t, &settings).unwrap_err();
        assert!(err.to_string().contains("above the limit"), "{err}");
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
