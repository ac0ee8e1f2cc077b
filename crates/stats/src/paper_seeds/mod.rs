//! Both permutation tests over seeds ([`SeedTest`]) on the study's released rare-region and
//! mortality predictions (`shared/data/paper-predictions/`, its README says the layout): the
//! multi-task fine-tune against the single-task model from Kinetics for the four rare regions,
//! and the mortality model from the multi-task model against the one without pre-training and
//! the one from the whole-body model, at 45, 90, 180 and 365 days. Five seeds per model.
//!
//! [`PaperSeedTests::compute`] makes the figures with [`Comparison::compute`] (once per test);
//! `Display` prints them as a table (`uptake compare --paper-seeds DIR`).

mod text;
mod write;

use crate::compare::{CompareError, CompareSettings, Comparison, ModelNames};
use crate::inputs::PredictionFormat;
use crate::paper::{PaperFormatError, read_paper_predictions};
use crate::resample::{Alternative, PermutationTest, SeedTest};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The study's released predictions cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum PaperSeedError {
    /// A folder of the layout is missing or unreadable.
    #[error("{path}: cannot list the experiments: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A model of a comparison has no prediction file.
    #[error("{path}: no `exp_*/best/test_preds.csv` for {what}")]
    NoFiles {
        /// The folder searched.
        path: PathBuf,
        /// The region or task.
        what: String,
    },
    /// A prediction file cannot be read.
    #[error(transparent)]
    Paper(#[from] PaperFormatError),
    /// The two models cannot be compared.
    #[error(transparent)]
    Compare(#[from] CompareError),
}

/// How to test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PaperSeedSettings {
    /// Permutation rounds of each test (the study: 10,000).
    pub iterations: usize,
    /// Seed of the permutations (comparison i draws with `seed + i`).
    pub seed: u64,
}

impl Default for PaperSeedSettings {
    fn default() -> Self {
        Self {
            iterations: 10_000,
            seed: 0,
        }
    }
}

/// One comparison of two models' per-seed AUROCs, by both tests (H1: mean(A) > mean(B)).
#[derive(Debug, Clone, Serialize)]
pub struct SeedComparison {
    /// The task: a rare region, or `mortality <days> d`.
    pub task: String,
    /// Model A and model B.
    pub names: (String, String),
    /// Model A's AUROC per seed (seed order: `exp_` number).
    pub a_per_seed: Vec<f64>,
    /// Model B's AUROC per seed.
    pub b_per_seed: Vec<f64>,
    /// The paired sign-flip permutation test (floor 1/32 with five seeds).
    pub paired: PermutationTest,
    /// The study's unpaired test (mlxtend; floor 1/252 with five seeds per model).
    pub study: PermutationTest,
}

impl SeedComparison {
    /// Mean AUROC of A and of B over the seeds.
    pub fn means(&self) -> (f64, f64) {
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        (mean(&self.a_per_seed), mean(&self.b_per_seed))
    }

    /// Every seed of A above every seed of B (then the study's test tends to 1/252).
    pub fn separated(&self) -> bool {
        let min_a = self
            .a_per_seed
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        let max_b = (self.b_per_seed.iter().copied()).fold(f64::NEG_INFINITY, f64::max);
        min_a > max_b
    }
}

/// Every comparison of the study's released rare-region and mortality predictions.
#[derive(Debug, Clone, Serialize)]
pub struct PaperSeedTests {
    /// The folder read.
    pub dir: PathBuf,
    /// Rounds of each test.
    pub iterations: usize,
    /// Rare regions, then mortality by horizon.
    pub comparisons: Vec<SeedComparison>,
}

const RARE: &str = "rare_abnormality_detection";
const MORTALITY: &str = "mortality_prediction";
/// The study's mortality horizons.
pub const MORTALITY_DAYS: [u32; 4] = [45, 90, 180, 365];

impl PaperSeedTests {
    /// Reads `dir` (the study's `paper-predictions` folder) and tests every comparison.
    pub fn compute(dir: &Path, settings: &PaperSeedSettings) -> Result<Self, PaperSeedError> {
        let mut comparisons = Vec::new();
        let fine_tune = region_files(&dir.join(RARE).join("multi-task_fine-tune"))?;
        // "prerain" (sic) is the study's folder name.
        let kinetics = region_files(&dir.join(RARE).join("single-task_kinetics_prerain"))?;
        for (region, a) in &fine_tune {
            let b = (kinetics.iter().find(|(r, _)| r == region)).ok_or_else(|| {
                PaperSeedError::NoFiles {
                    path: dir.join(RARE).join("single-task_kinetics_prerain"),
                    what: region.clone(),
                }
            })?;
            let names = ("multi-task fine-tune", "single-task Kinetics");
            let seed = settings.seed.wrapping_add(comparisons.len() as u64);
            comparisons.push(compare(region, names, a, &b.1, settings, seed)?);
        }
        let group = |name: &str, days: u32| {
            let path = dir
                .join(MORTALITY)
                .join(name)
                .join(format!("threshold_{days}"));
            task_files(&path, &format!("mortality {days} d"))
        };
        for days in MORTALITY_DAYS {
            let mt = group("mt_pretrain", days)?;
            let task = format!("mortality {days} d");
            for other in ["no_pretrain", "binary_pretrain"] {
                let (names, b) = (("mt_pretrain", other), group(other, days)?);
                let seed = settings.seed.wrapping_add(comparisons.len() as u64);
                comparisons.push(compare(&task, names, &mt, &b, settings, seed)?);
            }
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            iterations: settings.iterations,
            comparisons,
        })
    }
}

/// Both tests of A's files against B's (one region each, paired by seed order); `seed` draws
/// the permutations (one stream per comparison).
fn compare(
    task: &str,
    (a_name, b_name): (&str, &str),
    a: &[PathBuf],
    b: &[PathBuf],
    settings: &PaperSeedSettings,
    seed: u64,
) -> Result<SeedComparison, PaperSeedError> {
    let run = |test: SeedTest| {
        let settings = CompareSettings {
            alternative: Alternative::Greater,
            test,
            iterations: settings.iterations,
            seed,
            names: ModelNames {
                a: a_name.into(),
                b: b_name.into(),
            },
            ..CompareSettings::default()
        };
        Comparison::read(a, b, None, PredictionFormat::Paper, &settings)
    };
    let (paired, study) = (
        run(SeedTest::PairedSignFlip)?,
        run(SeedTest::StudyUnpaired)?,
    );
    let (p, s) = (&paired.regions[0], &study.regions[0]);
    let defined = |v: &[Option<f64>]| v.iter().flatten().copied().collect::<Vec<f64>>();
    let missing = || PaperSeedError::NoFiles {
        path: a[0].clone(),
        what: format!("{task} (AUROC undefined: one class only)"),
    };
    Ok(SeedComparison {
        task: task.to_string(),
        names: (a_name.into(), b_name.into()),
        a_per_seed: defined(&p.a_per_seed),
        b_per_seed: defined(&p.b_per_seed),
        paired: p.test.ok_or_else(missing)?,
        study: s.test.ok_or_else(missing)?,
    })
}

/// `exp_*/best/test_preds.csv` of `group`, by region (the region whose `_prob` column a file
/// has), each region's files in `exp_` order; regions in the order of their first file.
fn region_files(group: &Path) -> Result<Vec<(String, Vec<PathBuf>)>, PaperSeedError> {
    let mut out: Vec<(String, Vec<PathBuf>)> = Vec::new();
    for path in experiment_files(group)? {
        let pp = read_paper_predictions(&path)?;
        for region in pp.pred.regions() {
            match out.iter_mut().find(|(r, _)| r == region) {
                Some((_, files)) => files.push(path.clone()),
                None => out.push((region.clone(), vec![path.clone()])),
            }
        }
    }
    match out.is_empty() {
        true => Err(PaperSeedError::NoFiles {
            path: group.into(),
            what: "any rare region".into(),
        }),
        false => Ok(out),
    }
}

/// `exp_*/best/test_preds.csv` of one task's folder, in `exp_` order; at least one.
fn task_files(folder: &Path, what: &str) -> Result<Vec<PathBuf>, PaperSeedError> {
    let files = experiment_files(folder)?;
    match files.is_empty() {
        true => Err(PaperSeedError::NoFiles {
            path: folder.into(),
            what: what.into(),
        }),
        false => Ok(files),
    }
}

/// The `experiments/exp_<n>/best/test_preds.csv` files under `folder` that exist, by `n`
/// (folders holding only `params.json` are skipped).
fn experiment_files(folder: &Path) -> Result<Vec<PathBuf>, PaperSeedError> {
    let experiments = folder.join("experiments");
    let entries = std::fs::read_dir(&experiments).map_err(|source| PaperSeedError::Folder {
        path: experiments.clone(),
        source,
    })?;
    let mut found: Vec<(u64, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name();
            let n = name.to_str()?.strip_prefix("exp_")?.parse().ok()?;
            let file = e.path().join("best").join("test_preds.csv");
            file.is_file().then_some((n, file))
        })
        .collect();
    found.sort();
    Ok(found.into_iter().map(|(_, f)| f).collect())
}
