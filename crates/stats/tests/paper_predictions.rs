//! Our metrics reproduce the original study's `test_metrics.json` on its own released
//! predictions (shared/data/paper-predictions/multi-task/seed0..4).
//!
//! Definitions: the original code used scikit-learn at threshold 0.5 (`prob >= 0.5`; no
//! probability is exactly 0.5, so `>` would give the same) and zero_division = 0: precision is
//! reported as 0 when nothing is predicted positive. We report it as undefined (`None`, printed
//! "n/a"); the test checks that this happens exactly where the study wrote 0.
//!
//! AUROC: the released probabilities carry about 7 significant decimals (many are written as
//! 1 - q with q rounded), while the study computed its AUROC on the unrounded model outputs. A
//! positive and a negative closer than 2.5e-7 therefore cannot be ordered from the file. Where no
//! such pair exists our AUROC must equal the study's to 1e-6; where some exist, the study's value
//! must lie between the AUROCs obtained by counting every such pair as lost or as won.

use std::path::PathBuf;
use uptake_stats::metrics::RegionMetrics;
use uptake_stats::paper::read_paper_predictions;

fn seed_dir(seed: usize) -> PathBuf {
    let shared = uptake_core::shared_dir()
        .expect("shared/ data folder not found beside the repository (set UPTAKE_SHARED_DIR)");
    let dir = shared.join(format!("data/paper-predictions/multi-task/seed{seed}"));
    assert!(dir.is_dir(), "missing {}", dir.display());
    dir
}

#[test]
fn auroc_precision_recall_f1_match_the_study_for_every_seed_and_region() {
    let mut exact = 0;
    for seed in 0..5 {
        let dir = seed_dir(seed);
        let pp = read_paper_predictions(&dir.join("test_preds.csv")).unwrap();
        let text = std::fs::read_to_string(dir.join("test_metrics.json")).unwrap();
        let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
        let expected = expected.as_object().unwrap();
        assert_eq!(expected.len(), 26);
        assert_eq!(pp.pred.len(), 814);
        let aligned = uptake_stats::evaluate::align(
            &pp.pred,
            &dir.join("test_preds.csv"),
            &pp.truth,
            &dir.join("test_preds.csv"),
            &expected.keys().cloned().collect::<Vec<_>>(),
        )
        .unwrap();
        for (i, region) in aligned.regions.iter().enumerate() {
            let m = RegionMetrics::compute(region, &aligned.probs[i], &aligned.labels[i], 0.5);
            let e = &expected[region];
            let close = |ours: f64, key: &str| {
                let theirs = e[key].as_f64().unwrap();
                assert!(
                    (ours - theirs).abs() < 1e-6,
                    "seed {seed} {region} {key}: ours {ours}, study {theirs}"
                );
            };
            let (lo, hi, unresolved) = auroc_bounds(&aligned.probs[i], &aligned.labels[i], 2.5e-7);
            let study_auroc = e["roc_auc"].as_f64().unwrap();
            if unresolved == 0 {
                close(m.auroc.unwrap(), "roc_auc");
                exact += 1;
            } else {
                assert!(
                    lo - 1e-6 <= study_auroc && study_auroc <= hi + 1e-6,
                    "seed {seed} {region}: study AUROC {study_auroc} outside [{lo}, {hi}] ({unresolved} unresolvable pairs)"
                );
            }
            close(m.recall.unwrap(), "recall");
            close(m.f1.unwrap(), "f1_score");
            match m.precision {
                Some(p) => close(p, "precision"),
                None => {
                    assert_eq!(m.confusion.true_positives + m.confusion.false_positives, 0);
                    close(0.0, "precision");
                }
            }
            close(m.specificity.unwrap(), "negative_recall");
            let acc = (m.confusion.true_positives + m.confusion.true_negatives) as f64 / m.n as f64;
            close(acc, "accuracy");
        }
    }
    // Most (seed, region) AUROCs are fully resolvable and hence checked to 1e-6.
    assert!(
        exact >= 65,
        "only {exact} of 130 AUROCs were checked exactly"
    );
}

/// AUROC with every positive-negative pair closer than `resolution` counted as lost (low) or
/// won (high), and the number of such pairs.
fn auroc_bounds(probs: &[f64], labels: &[bool], resolution: f64) -> (f64, f64, usize) {
    let pos: Vec<f64> = probs
        .iter()
        .zip(labels)
        .filter(|p| *p.1)
        .map(|p| *p.0)
        .collect();
    let neg: Vec<f64> = probs
        .iter()
        .zip(labels)
        .filter(|p| !*p.1)
        .map(|p| *p.0)
        .collect();
    let (mut lo, mut hi, mut unresolved) = (0.0, 0.0, 0);
    for &a in &pos {
        for &b in &neg {
            if (a - b).abs() <= resolution {
                hi += 1.0;
                unresolved += 1;
            } else if a > b {
                lo += 1.0;
                hi += 1.0;
            }
        }
    }
    let n = (pos.len() * neg.len()) as f64;
    (lo / n, hi / n, unresolved)
}

#[test]
fn positives_per_region_match_the_published_test_counts() {
    // regions.md lists the test positives of the study's 814 hand-labelled exams.
    let pp = read_paper_predictions(&seed_dir(0).join("test_preds.csv")).unwrap();
    let count = |r: &str| {
        pp.truth
            .column(r)
            .unwrap()
            .iter()
            .filter(|v| **v == Some(1.0))
            .count()
    };
    assert_eq!(count("full"), 614);
    assert_eq!(count("chest"), 358);
    assert_eq!(count("liver"), 69);
    assert_eq!(count("inguinal_lymph_node"), 56);
}
