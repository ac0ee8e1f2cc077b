//! Evaluation of prediction tables against truth tables: exam matching, per-region metrics,
//! several seeds with bootstrap CIs, and the seed ensemble.

use crate::metrics::{Metric, RegionMetrics};
use crate::resample::{MeanCi, bootstrap_mean_ci};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use uptake_core::{ExamId, RegionTable};

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error(
        "{pred} and {truth} share no exam_id: nothing to evaluate ({n_pred} predicted exams, {n_truth} labelled exams)"
    )]
    NoMatchedExams {
        pred: PathBuf,
        truth: PathBuf,
        n_pred: usize,
        n_truth: usize,
    },
    #[error("region `{region}` is not a column of {path}")]
    MissingRegion { region: String, path: PathBuf },
    #[error("{pred} and {truth} have no region column in common")]
    NoCommonRegions { pred: PathBuf, truth: PathBuf },
    #[error("{path}, exam `{exam}`, region `{region}`: truth must be 0 or 1, found {value}")]
    NonBinaryTruth {
        path: PathBuf,
        exam: ExamId,
        region: String,
        value: f64,
    },
    #[error("no prediction file given")]
    NoPredictions,
    #[error(
        "the prediction files share no exam with a prediction for every region: cannot ensemble"
    )]
    EmptyEnsemble,
}

/// How the exams of a prediction file and a truth file matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchSummary {
    pub pred_file: String,
    pub matched: usize,
    /// Predicted exams without a truth row (ignored).
    pub pred_only: usize,
    /// Labelled exams without a prediction row (ignored).
    pub truth_only: usize,
}

/// The (probability, label) pairs of each region for one prediction file.
#[derive(Debug, Clone)]
pub struct Aligned {
    pub regions: Vec<String>,
    /// Per region: exams that have a truth label and a prediction.
    pub exams: Vec<Vec<ExamId>>,
    pub probs: Vec<Vec<f64>>,
    pub labels: Vec<Vec<bool>>,
    pub matching: MatchSummary,
}

/// The regions to evaluate: those requested (each must be in both tables), or else every region
/// column the prediction table shares with the truth table, in prediction-table order.
pub fn choose_regions(
    pred: &RegionTable,
    pred_path: &Path,
    truth: &RegionTable,
    truth_path: &Path,
    requested: Option<&[String]>,
) -> Result<Vec<String>, EvalError> {
    match requested {
        Some(req) => {
            for r in req {
                if pred.region_index(r).is_none() {
                    return Err(EvalError::MissingRegion {
                        region: r.clone(),
                        path: pred_path.into(),
                    });
                }
                if truth.region_index(r).is_none() {
                    return Err(EvalError::MissingRegion {
                        region: r.clone(),
                        path: truth_path.into(),
                    });
                }
            }
            Ok(req.to_vec())
        }
        None => {
            let common: Vec<String> = pred
                .regions()
                .iter()
                .filter(|r| truth.region_index(r).is_some())
                .cloned()
                .collect();
            if common.is_empty() {
                return Err(EvalError::NoCommonRegions {
                    pred: pred_path.into(),
                    truth: truth_path.into(),
                });
            }
            Ok(common)
        }
    }
}

/// Matches exams by exam_id. Empty truth cells are skipped, as are empty prediction cells.
/// Refuses when no exam matches; truth values must be 0 or 1.
pub fn align(
    pred: &RegionTable,
    pred_path: &Path,
    truth: &RegionTable,
    truth_path: &Path,
    regions: &[String],
) -> Result<Aligned, EvalError> {
    let matched: Vec<&ExamId> = pred
        .exams()
        .iter()
        .filter(|e| truth.row(e).is_some())
        .collect();
    if matched.is_empty() {
        return Err(EvalError::NoMatchedExams {
            pred: pred_path.into(),
            truth: truth_path.into(),
            n_pred: pred.len(),
            n_truth: truth.len(),
        });
    }
    let matching = MatchSummary {
        pred_file: pred_path.display().to_string(),
        matched: matched.len(),
        pred_only: pred.len() - matched.len(),
        truth_only: truth.len() - matched.len(),
    };
    let mut out = Aligned {
        regions: regions.to_vec(),
        exams: Vec::new(),
        probs: Vec::new(),
        labels: Vec::new(),
        matching,
    };
    for region in regions {
        let pc = pred
            .region_index(region)
            .ok_or_else(|| EvalError::MissingRegion {
                region: region.clone(),
                path: pred_path.into(),
            })?;
        let tc = truth
            .region_index(region)
            .ok_or_else(|| EvalError::MissingRegion {
                region: region.clone(),
                path: truth_path.into(),
            })?;
        let (mut ex, mut ps, mut ls) = (Vec::new(), Vec::new(), Vec::new());
        for exam in &matched {
            let (Some(t), Some(p)) = (
                truth.row(exam).and_then(|r| r[tc]),
                pred.row(exam).and_then(|r| r[pc]),
            ) else {
                continue;
            };
            let label = if t == 1.0 {
                true
            } else if t == 0.0 {
                false
            } else {
                return Err(EvalError::NonBinaryTruth {
                    path: truth_path.into(),
                    exam: (*exam).clone(),
                    region: region.clone(),
                    value: t,
                });
            };
            ex.push((*exam).clone());
            ps.push(p);
            ls.push(label);
        }
        out.exams.push(ex);
        out.probs.push(ps);
        out.labels.push(ls);
    }
    Ok(out)
}

impl Aligned {
    pub fn metrics(&self, threshold: f64) -> Vec<RegionMetrics> {
        self.regions
            .iter()
            .enumerate()
            .map(|(i, r)| RegionMetrics::compute(r, &self.probs[i], &self.labels[i], threshold))
            .collect()
    }
}

/// Macro mean of a metric over the regions where it is defined.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MacroMean {
    pub mean: Option<f64>,
    /// Regions that entered the mean.
    pub defined: usize,
    /// Regions where the metric is undefined (e.g. AUROC without positives) and was left out.
    pub undefined: usize,
}

pub fn macro_mean(metrics: &[RegionMetrics], metric: Metric) -> MacroMean {
    let vals: Vec<f64> = metrics.iter().filter_map(|m| m.get(metric)).collect();
    MacroMean {
        mean: (!vals.is_empty()).then(|| vals.iter().sum::<f64>() / vals.len() as f64),
        defined: vals.len(),
        undefined: metrics.len() - vals.len(),
    }
}

/// One metric of one region (or the macro mean) over seeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeedStat {
    /// Per-seed values (`None` where undefined for that seed).
    pub per_seed: Vec<Option<f64>>,
    /// Mean over the seeds where defined, with a bootstrap CI over those seed scores.
    pub summary: Option<MeanCi>,
}

/// Settings for summaries over seeds.
#[derive(Debug, Clone, Copy)]
pub struct CiSettings {
    pub level: f64,
    pub resamples: usize,
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

pub fn seed_stat(values: Vec<Option<f64>>, ci: CiSettings) -> SeedStat {
    let defined: Vec<f64> = values.iter().flatten().copied().collect();
    SeedStat {
        summary: bootstrap_mean_ci(&defined, ci.level, ci.resamples, ci.seed),
        per_seed: values,
    }
}

/// The evaluation of one or several prediction files (seeds) against one truth file.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub threshold: f64,
    pub regions: Vec<String>,
    pub matching: Vec<MatchSummary>,
    /// Per seed, per region.
    pub per_seed: Vec<Vec<RegionMetrics>>,
    /// Per region, per metric (in [`Metric::ALL`] order): the mean over seeds with its CI.
    pub over_seeds: Vec<RegionSummary>,
    /// Macro mean per metric: per seed (regions where defined), then over seeds.
    pub macro_over_seeds: Vec<(Metric, SeedStat)>,
    /// Metrics of the mean of the seeds' probabilities, when asked for.
    pub ensemble: Option<Vec<RegionMetrics>>,
    /// Human-readable notes (undefined metrics, missing CIs, skipped exams).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RegionSummary {
    pub region: String,
    pub positives: usize,
    pub n: usize,
    pub metrics: Vec<(Metric, SeedStat)>,
}

/// Evaluates prediction files (one per seed) against the truth.
pub fn evaluate(
    preds: &[(PathBuf, RegionTable)],
    truth: &RegionTable,
    truth_path: &Path,
    requested_regions: Option<&[String]>,
    threshold: f64,
    ensemble: bool,
    ci: CiSettings,
) -> Result<Evaluation, EvalError> {
    let (first_path, first) = preds.first().ok_or(EvalError::NoPredictions)?;
    let regions = choose_regions(first, first_path, truth, truth_path, requested_regions)?;
    let mut aligned = Vec::new();
    for (path, table) in preds {
        aligned.push(align(table, path, truth, truth_path, &regions)?);
    }
    let per_seed: Vec<Vec<RegionMetrics>> = aligned.iter().map(|a| a.metrics(threshold)).collect();
    let mut notes = Vec::new();
    for m in &aligned {
        let mm = &m.matching;
        if mm.pred_only > 0 || mm.truth_only > 0 {
            notes.push(format!(
                "{}: {} exams matched the truth; {} predicted exams have no truth row and {} labelled exams have no prediction (both ignored)",
                mm.pred_file, mm.matched, mm.pred_only, mm.truth_only
            ));
        }
    }
    let unlabelled: Vec<&str> = first
        .regions()
        .iter()
        .filter(|r| truth.region_index(r).is_none())
        .map(String::as_str)
        .collect();
    if requested_regions.is_none() && !unlabelled.is_empty() {
        notes.push(format!(
            "{} region column(s) of {} have no truth column and were not evaluated: {}",
            unlabelled.len(),
            first_path.display(),
            unlabelled.join(", ")
        ));
    }
    if preds.len() == 1 {
        notes.push("one prediction file (one seed): no confidence interval is possible".into());
    }
    for (i, region) in regions.iter().enumerate() {
        let m = &per_seed[0][i];
        if m.auroc.is_none() {
            let why = if m.positives == 0 {
                "no positive exam"
            } else {
                "no negative exam"
            };
            notes.push(format!(
                "{region}: AUROC undefined ({why} among {} labelled exams)",
                m.n
            ));
        }
    }
    let over_seeds = regions
        .iter()
        .enumerate()
        .map(|(i, region)| RegionSummary {
            region: region.clone(),
            positives: per_seed[0][i].positives,
            n: per_seed[0][i].n,
            metrics: Metric::ALL
                .iter()
                .map(|&metric| {
                    (
                        metric,
                        seed_stat(per_seed.iter().map(|s| s[i].get(metric)).collect(), ci),
                    )
                })
                .collect(),
        })
        .collect();
    let macro_over_seeds = Metric::ALL
        .iter()
        .map(|&metric| {
            (
                metric,
                seed_stat(
                    per_seed
                        .iter()
                        .map(|s| macro_mean(s, metric).mean)
                        .collect(),
                    ci,
                ),
            )
        })
        .collect();
    let ensemble = if ensemble {
        let tables: Vec<&RegionTable> = preds.iter().map(|(_, t)| t).collect();
        let mean = mean_table(&tables, &regions)?;
        let a = align(&mean, Path::new("ensemble"), truth, truth_path, &regions)?;
        Some(a.metrics(threshold))
    } else {
        None
    };
    Ok(Evaluation {
        threshold,
        regions,
        matching: aligned.into_iter().map(|a| a.matching).collect(),
        per_seed,
        over_seeds,
        macro_over_seeds,
        ensemble,
        notes,
    })
}

/// The per-exam mean of several prediction tables, over the exams present in all of them; a cell
/// is empty unless every table has a value.
pub fn mean_table(tables: &[&RegionTable], regions: &[String]) -> Result<RegionTable, EvalError> {
    combine_tables(tables, regions, |vals| {
        vals.iter().sum::<f64>() / vals.len() as f64
    })
}

/// The per-exam median of several prediction tables (the paper's survival covariates).
pub fn median_table(tables: &[&RegionTable], regions: &[String]) -> Result<RegionTable, EvalError> {
    combine_tables(tables, regions, |vals| {
        let mut v = vals.to_vec();
        v.sort_by(f64::total_cmp);
        crate::resample::percentile_sorted(&v, 0.5)
    })
}

fn combine_tables(
    tables: &[&RegionTable],
    regions: &[String],
    combine: impl Fn(&[f64]) -> f64,
) -> Result<RegionTable, EvalError> {
    let first = tables.first().ok_or(EvalError::NoPredictions)?;
    let cols: Vec<Vec<Option<usize>>> = tables
        .iter()
        .map(|t| regions.iter().map(|r| t.region_index(r)).collect())
        .collect();
    let mut out = RegionTable::new(regions.to_vec());
    let mut vals = Vec::with_capacity(tables.len());
    for exam in first.exams() {
        let rows: Option<Vec<&[Option<f64>]>> = tables.iter().map(|t| t.row(exam)).collect();
        let Some(rows) = rows else { continue };
        let row = (0..regions.len())
            .map(|j| {
                vals.clear();
                for (k, r) in rows.iter().enumerate() {
                    vals.push(cols[k][j].and_then(|c| r[c])?);
                }
                Some(combine(&vals))
            })
            .collect();
        out.insert(exam.clone(), row);
    }
    if out.is_empty() {
        return Err(EvalError::EmptyEnsemble);
    }
    Ok(out)
}

/// Index of exams by id, for callers joining other files.
pub fn exam_index(exams: &[ExamId]) -> HashMap<&ExamId, usize> {
    exams.iter().enumerate().map(|(i, e)| (e, i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> RegionTable {
        RegionTable::from_reader(text.as_bytes(), Path::new("t.csv")).unwrap()
    }

    #[test]
    fn exams_are_matched_by_id_and_unmatched_ones_counted() {
        let pred = table("exam_id,chest\na,0.9\nb,0.1\nz,0.5\n");
        let truth = table("exam_id,chest\nb,0\na,1\ny,1\nx,0\n");
        let al = align(
            &pred,
            Path::new("p"),
            &truth,
            Path::new("t"),
            &["chest".into()],
        )
        .unwrap();
        assert_eq!(al.matching.matched, 2);
        assert_eq!(al.matching.pred_only, 1);
        assert_eq!(al.matching.truth_only, 2);
        assert_eq!(al.probs[0], vec![0.9, 0.1]);
        assert_eq!(al.labels[0], vec![true, false]);
    }

    #[test]
    fn no_matching_exam_is_refused() {
        let pred = table("exam_id,chest\na,0.9\n");
        let truth = table("exam_id,chest\nb,1\n");
        let err = align(
            &pred,
            Path::new("p.csv"),
            &truth,
            Path::new("t.csv"),
            &["chest".into()],
        )
        .unwrap_err();
        assert!(matches!(err, EvalError::NoMatchedExams { .. }));
        assert!(err.to_string().contains("p.csv") && err.to_string().contains("t.csv"));
    }

    #[test]
    fn empty_truth_cells_are_skipped() {
        let pred = table("exam_id,chest\na,0.9\nb,0.1\nc,0.4\n");
        let truth = table("exam_id,chest\na,1\nb,\nc,0\n");
        let al = align(
            &pred,
            Path::new("p"),
            &truth,
            Path::new("t"),
            &["chest".into()],
        )
        .unwrap();
        assert_eq!(al.probs[0], vec![0.9, 0.4]);
    }

    #[test]
    fn soft_truth_values_are_rejected_naming_the_exam() {
        let pred = table("exam_id,chest\na,0.9\n");
        let truth = table("exam_id,chest\na,0.7\n");
        let err = align(
            &pred,
            Path::new("p"),
            &truth,
            Path::new("t"),
            &["chest".into()],
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("`a`") && err.to_string().contains("chest"),
            "{err}"
        );
    }

    #[test]
    fn a_region_without_positives_has_undefined_auroc_and_a_note() {
        let pred = table("exam_id,chest,liver\na,0.9,0.2\nb,0.1,0.3\n");
        let truth = table("exam_id,chest,liver\na,1,0\nb,0,0\n");
        let ev = evaluate(
            &[("p".into(), pred)],
            &truth,
            Path::new("t"),
            None,
            0.5,
            false,
            CiSettings::default(),
        )
        .unwrap();
        assert_eq!(ev.per_seed[0][1].auroc, None);
        assert!(
            ev.notes
                .iter()
                .any(|n| n.contains("liver") && n.contains("no positive"))
        );
        assert!(
            ev.notes
                .iter()
                .any(|n| n.contains("no confidence interval"))
        );
        let auroc = &ev.macro_over_seeds[0].1;
        // Only chest enters the macro AUROC.
        assert_eq!(auroc.per_seed, vec![Some(1.0)]);
    }

    #[test]
    fn prediction_regions_without_truth_are_named_in_a_note() {
        let pred = table("exam_id,chest,spleen\na,0.9,0.2\nb,0.1,0.3\n");
        let truth = table("exam_id,chest\na,1\nb,0\n");
        let ev = evaluate(
            &[("p.csv".into(), pred)],
            &truth,
            Path::new("t"),
            None,
            0.5,
            false,
            CiSettings::default(),
        )
        .unwrap();
        assert_eq!(ev.regions, vec!["chest".to_string()]);
        assert!(
            ev.notes
                .iter()
                .any(|n| n.contains("no truth column") && n.contains("spleen")),
            "{:?}",
            ev.notes
        );
    }

    #[test]
    fn ensemble_evaluates_the_mean_probability() {
        let p1 = table("exam_id,chest\na,0.2\nb,0.6\nc,0.1\n");
        let p2 = table("exam_id,chest\na,0.8\nb,0.2\nc,0.1\n");
        let truth = table("exam_id,chest\na,1\nb,0\nc,0\n");
        // Seed 1 ranks a below b; the mean (0.5, 0.4, 0.1) ranks a first.
        let ev = evaluate(
            &[("p1".into(), p1), ("p2".into(), p2)],
            &truth,
            Path::new("t"),
            None,
            0.5,
            true,
            CiSettings::default(),
        )
        .unwrap();
        assert_eq!(ev.per_seed[0][0].auroc, Some(0.5));
        assert_eq!(ev.ensemble.as_ref().unwrap()[0].auroc, Some(1.0));
        assert_eq!(ev.ensemble.as_ref().unwrap()[0].confusion.tp, 1);
    }
}
