//! Inter-annotator agreement: Cohen's kappa per region between two mention files.
//!
//! Two people label the same sample (same reports, `--sample`, `--seed`), each into their own
//! file. Sentences are matched by `id` (by text when a file has no ids); only sentences both
//! finished count. A unit is a span (sentence, start, end) that either person kept with region
//! R; each person's category for it is `abnormal` (label 1 with region R), `neutral` (label 0
//! with region R) or `other` (the span dropped — not a mention or skipped — or given another
//! region). Kappa = (p_o - p_e) / (1 - p_e) over those units; undefined (None) when p_e = 1.
//! Files with no sentence in common are an error (there is nothing to compare); a region or
//! the whole with no unit has no observed agreement (None), never NaN.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uptake_core::LabelledSentence;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Category {
    Abnormal,
    Neutral,
    Other,
}

const CATEGORIES: [Category; 3] = [Category::Abnormal, Category::Neutral, Category::Other];

/// Agreement on one region (or on all, as `all`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionAgreement {
    /// The region name.
    pub region: String,
    /// Spans either person gave this region.
    pub units: usize,
    /// Fraction of units on which both agree; `None` without units.
    pub observed: Option<f64>,
    /// Cohen's kappa; `None` when chance agreement is 1.
    pub kappa: Option<f64>,
}

/// Agreement between two people's mention files.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgreementReport {
    /// Sentences both people finished.
    pub shared_sentences: usize,
    /// Sentences only the first person finished.
    pub only_a: usize,
    /// Sentences only the second person finished.
    pub only_b: usize,
    /// Per region, by name.
    pub regions: Vec<RegionAgreement>,
    /// Over all (unit, region) pairs together.
    pub overall: RegionAgreement,
}

/// Why two files cannot be compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgreementError {
    /// No sentence is finished in both files.
    #[error(
        "no sentence is labelled in both files ({only_a} only in the first, {only_b} only in the second): nothing to compare (label the same sample: same reports, --sample and --seed)"
    )]
    NoSharedSentences {
        /// Sentences only the first person finished.
        only_a: usize,
        /// Sentences only the second person finished.
        only_b: usize,
    },
}

fn key(s: &LabelledSentence) -> String {
    s.id.clone().unwrap_or_else(|| format!("text:{}", s.text))
}

/// Observed agreement and Cohen's kappa from paired categories (both None without pairs).
fn kappa(pairs: &[(Category, Category)]) -> (Option<f64>, Option<f64>) {
    let n = pairs.len() as f64;
    if pairs.is_empty() {
        return (None, None);
    }
    let observed = pairs.iter().filter(|(a, b)| a == b).count() as f64 / n;
    let expected: f64 = CATEGORIES
        .iter()
        .map(|c| {
            let pa = pairs.iter().filter(|(a, _)| a == c).count() as f64 / n;
            let pb = pairs.iter().filter(|(_, b)| b == c).count() as f64 / n;
            pa * pb
        })
        .sum();
    let k = if (1.0 - expected).abs() < 1e-12 {
        None
    } else {
        Some((observed - expected) / (1.0 - expected))
    };
    (Some(observed), k)
}

/// Agreement between annotator A's and B's mention files.
pub fn agreement(
    a: &[LabelledSentence],
    b: &[LabelledSentence],
) -> Result<AgreementReport, AgreementError> {
    let a_by: HashMap<String, &LabelledSentence> = a.iter().map(|s| (key(s), s)).collect();
    let b_by: HashMap<String, &LabelledSentence> = b.iter().map(|s| (key(s), s)).collect();
    let shared: BTreeSet<&String> = a_by.keys().filter(|k| b_by.contains_key(*k)).collect();
    if shared.is_empty() {
        return Err(AgreementError::NoSharedSentences {
            only_a: a_by.len(),
            only_b: b_by.len(),
        });
    }

    let mut per_region: BTreeMap<String, Vec<(Category, Category)>> = BTreeMap::new();
    for k in &shared {
        let (sa, sb) = (a_by[*k], b_by[*k]);
        let spans: BTreeSet<(usize, usize, &str)> = sa
            .mentions
            .iter()
            .chain(&sb.mentions)
            .map(|m| (m.start, m.end, m.region.as_str()))
            .collect();
        let category = |s: &LabelledSentence, start: usize, end: usize, region: &str| match s
            .mentions
            .iter()
            .find(|m| m.start == start && m.end == end && m.region == region)
        {
            Some(m) if m.label == 1 => Category::Abnormal,
            Some(_) => Category::Neutral,
            None => Category::Other,
        };
        for (start, end, region) in spans {
            per_region.entry(region.to_string()).or_default().push((
                category(sa, start, end, region),
                category(sb, start, end, region),
            ));
        }
    }
    let regions: Vec<RegionAgreement> = per_region
        .iter()
        .map(|(region, pairs)| {
            let (observed, kappa) = kappa(pairs);
            RegionAgreement {
                region: region.clone(),
                units: pairs.len(),
                observed,
                kappa,
            }
        })
        .collect();
    let all: Vec<(Category, Category)> = per_region.values().flatten().copied().collect();
    let (observed, k) = kappa(&all);
    Ok(AgreementReport {
        shared_sentences: shared.len(),
        only_a: a_by.len() - shared.len(),
        only_b: b_by.len() - shared.len(),
        regions,
        overall: RegionAgreement {
            region: "all".into(),
            units: all.len(),
            observed,
            kappa: k,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use uptake_core::LabelledSpan;

    fn sentence(id: &str, mentions: &[(usize, usize, &str, u8)]) -> LabelledSentence {
        LabelledSentence {
            id: Some(id.into()),
            exam_id: None,
            section: None,
            text: "x".repeat(40),
            mentions: mentions
                .iter()
                .map(|&(start, end, region, label)| LabelledSpan {
                    start,
                    end,
                    region: region.into(),
                    label,
                })
                .collect(),
        }
    }

    #[test]
    fn kappa_matches_a_hand_computed_table() {
        // 10 liver units: both abnormal 4, both neutral 3, A abn / B neu 2, A neu / B abn 1.
        // p_o = 0.7; A: 6 abn 4 neu; B: 5 abn 5 neu; p_e = 0.6*0.5 + 0.4*0.5 = 0.5; kappa = 0.4.
        let labels_a = [1, 1, 1, 1, 0, 0, 0, 1, 1, 0];
        let labels_b = [1, 1, 1, 1, 0, 0, 0, 0, 0, 1];
        let a: Vec<_> = (0..10)
            .map(|i| sentence(&format!("s{i}"), &[(0, 5, "liver", labels_a[i])]))
            .collect();
        let b: Vec<_> = (0..10)
            .map(|i| sentence(&format!("s{i}"), &[(0, 5, "liver", labels_b[i])]))
            .collect();
        let report = agreement(&a, &b).unwrap();
        assert_eq!(report.shared_sentences, 10);
        let liver = &report.regions[0];
        assert_eq!((liver.region.as_str(), liver.units), ("liver", 10));
        assert!((liver.observed.unwrap() - 0.7).abs() < 1e-12);
        assert!(
            (liver.kappa.unwrap() - 0.4).abs() < 1e-12,
            "{:?}",
            liver.kappa
        );
    }

    #[test]
    fn a_dropped_or_moved_mention_counts_as_disagreement_in_its_region() {
        let a = vec![sentence("s1", &[(0, 5, "liver", 1), (10, 15, "spine", 0)])];
        let b = vec![sentence("s1", &[(0, 5, "abdomen", 1)])];
        let report = agreement(&a, &b).unwrap();
        let by: HashMap<_, _> = report
            .regions
            .iter()
            .map(|r| (r.region.as_str(), r))
            .collect();
        assert_eq!(by["liver"].units, 1);
        assert_eq!(by["liver"].observed, Some(0.0));
        assert_eq!(by["spine"].observed, Some(0.0));
        assert_eq!(by["abdomen"].units, 1);
    }

    #[test]
    fn perfect_agreement_on_one_category_has_no_kappa_and_unshared_sentences_are_counted() {
        let a = vec![sentence("s1", &[(0, 5, "liver", 1)]), sentence("s2", &[])];
        let b = vec![sentence("s1", &[(0, 5, "liver", 1)]), sentence("s3", &[])];
        let report = agreement(&a, &b).unwrap();
        assert_eq!(
            (report.shared_sentences, report.only_a, report.only_b),
            (1, 1, 1)
        );
        assert_eq!(report.regions[0].observed, Some(1.0));
        assert_eq!(report.regions[0].kappa, None);
    }

    #[test]
    fn files_without_a_shared_sentence_are_an_error_not_nan() {
        let a = vec![sentence("s1", &[(0, 5, "liver", 1)])];
        let b = vec![sentence("s2", &[(0, 5, "liver", 1)]), sentence("s3", &[])];
        let err = agreement(&a, &b).unwrap_err();
        assert_eq!(
            err,
            AgreementError::NoSharedSentences {
                only_a: 1,
                only_b: 2
            }
        );
        assert!(
            err.to_string()
                .starts_with("no sentence is labelled in both files")
        );
    }

    #[test]
    fn shared_sentences_without_kept_mentions_have_no_observed_agreement() {
        let a = vec![sentence("s1", &[])];
        let b = vec![sentence("s1", &[])];
        let report = agreement(&a, &b).unwrap();
        assert_eq!(report.shared_sentences, 1);
        assert_eq!(report.overall.units, 0);
        assert_eq!(report.overall.observed, None);
        assert_eq!(report.overall.kappa, None);
    }
}
