//! How far one model's macro figure could move on other exams like these: a percentile
//! bootstrap over the evaluated exams.
//!
//! A single held-out figure (the demo's 240 exams) is one draw. Resampling whole exams keeps
//! each exam's regions together, so the interval reflects which exams happened to be held out
//! and not a variance of independent cells.

use std::collections::BTreeMap;

use super::align::Aligned;
use crate::metrics::{Metric, RegionMetrics};
use crate::resample::{CiSettings, StatisticCi, bootstrap_statistic_ci};
use uptake_core::ExamId;

/// Each region's row of every exam in the evaluation (`None` where the region has no label or
/// prediction for it), exams in id order.
fn rows_by_exam(aligned: &Aligned) -> Vec<Vec<Option<usize>>> {
    let mut index: BTreeMap<&ExamId, Vec<Option<usize>>> = BTreeMap::new();
    let regions = aligned.regions.len();
    for (r, exams) in aligned.exams.iter().enumerate() {
        for (row, exam) in exams.iter().enumerate() {
            index.entry(exam).or_insert_with(|| vec![None; regions])[r] = Some(row);
        }
    }
    index.into_values().collect()
}

/// The macro mean of `metric` (at `threshold`) over the regions where it is defined, with its
/// percentile bootstrap CI over exams: each resample draws as many exams as were evaluated,
/// with replacement, and recomputes every region's figure on them. `None` when the metric is
/// undefined in every region.
pub fn macro_ci_over_exams(
    aligned: &Aligned,
    metric: Metric,
    threshold: f64,
    ci: &CiSettings,
) -> Option<StatisticCi> {
    let exams = rows_by_exam(aligned);
    let (mut probs, mut labels) = (Vec::new(), Vec::new());
    let statistic = |drawn: &[usize]| {
        let mut values = Vec::with_capacity(aligned.regions.len());
        for (r, region) in aligned.regions.iter().enumerate() {
            probs.clear();
            labels.clear();
            for row in drawn.iter().filter_map(|&e| exams[e][r]) {
                probs.push(aligned.probs[r][row]);
                labels.push(aligned.labels[r][row]);
            }
            let m = RegionMetrics::compute(region, &probs, &labels, threshold);
            values.extend(m.get(metric));
        }
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    bootstrap_statistic_ci(exams.len(), statistic, ci.level, ci.resamples, ci.seed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::align::align;
    use uptake_core::RegionTable;

    fn table(rows: &[(&str, f64, f64)]) -> RegionTable {
        let mut t = RegionTable::new(vec!["chest".into(), "abdomen".into()]);
        for (id, a, b) in rows {
            t.insert(ExamId::new(id).unwrap(), vec![Some(*a), Some(*b)]);
        }
        t
    }

    fn aligned(pred: &RegionTable, truth: &RegionTable) -> Aligned {
        let regions = ["chest".to_string(), "abdomen".to_string()];
        let p = std::path::Path::new("p.csv");
        align(pred, p, truth, p, &regions).unwrap()
    }

    /// 40 exams: chest ranked perfectly, abdomen at chance by construction.
    fn cohort() -> (RegionTable, RegionTable) {
        let (mut pred, mut truth) = (Vec::new(), Vec::new());
        for i in 0..40 {
            let id = format!("E{i:02}");
            let chest = i % 2 == 0;
            let abdomen = i % 4 < 2;
            let (c, a) = (if chest { 0.9 } else { 0.1 }, (i % 8) as f64 / 8.0);
            pred.push((id.clone(), c, a));
            truth.push((id, chest as u8 as f64, abdomen as u8 as f64));
        }
        let as_rows = |v: &[(String, f64, f64)]| {
            table(
                &v.iter()
                    .map(|(i, a, b)| (i.as_str(), *a, *b))
                    .collect::<Vec<_>>(),
            )
        };
        (as_rows(&pred), as_rows(&truth))
    }

    #[test]
    fn the_estimate_is_the_macro_mean_and_the_interval_surrounds_it() {
        let (pred, truth) = cohort();
        let a = aligned(&pred, &truth);
        let ci = macro_ci_over_exams(&a, Metric::Auroc, 0.5, &CiSettings::default()).unwrap();
        let per_region: Vec<f64> = a.metrics(0.5).iter().filter_map(|m| m.auroc).collect();
        let mean = per_region.iter().sum::<f64>() / per_region.len() as f64;
        assert!((ci.estimate - mean).abs() < 1e-12);
        let (lo, hi) = ci.ci.unwrap();
        assert!(
            lo < ci.estimate && ci.estimate < hi,
            "{lo} {} {hi}",
            ci.estimate
        );
        assert!(
            hi - lo > 0.02 && hi <= 1.0,
            "an interval as wide as 40 exams allow: {lo}-{hi}"
        );
        assert_eq!(ci.resamples, 1000);
    }

    #[test]
    fn the_same_seed_gives_the_same_interval_and_another_seed_another() {
        let (pred, truth) = cohort();
        let a = aligned(&pred, &truth);
        let run = |seed| {
            let settings = CiSettings {
                seed,
                ..CiSettings::default()
            };
            macro_ci_over_exams(&a, Metric::Auroc, 0.5, &settings)
                .unwrap()
                .ci
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }
}
