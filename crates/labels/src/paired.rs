//! One labeller minus another on the same hand-labelled mentions, measure by measure, with
//! percentile bootstrap intervals over whole sentences: whether a difference is more than
//! resampling noise. A sentence's mentions share its wording, and both labellers' scores of a
//! mention stay together, so sentences are what is resampled.

use std::fmt;
use uptake_core::LabelledSentence;
use uptake_core::bootstrap::{StatisticCi, bootstrap_statistic_ci};
use uptake_core::calibration::expected_calibration_error;
use uptake_core::{Confusion, metrics};

/// A figure of mention scores against hand labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MentionMeasure {
    /// Area under the ROC curve.
    Auroc,
    /// F1 at the threshold.
    F1,
    /// Sensitivity at the threshold.
    Sensitivity,
    /// Specificity at the threshold.
    Specificity,
    /// Expected calibration error (10 equal-width bins): lower is better.
    CalibrationError,
}

impl MentionMeasure {
    /// Every measure, in the order they are printed.
    pub const ALL: [Self; 5] = [
        Self::Auroc,
        Self::F1,
        Self::Sensitivity,
        Self::Specificity,
        Self::CalibrationError,
    ];

    /// The measure of `scores` against `labels`, a score at or above `threshold` an abnormal
    /// call; `None` where undefined (one class only).
    pub fn of(self, scores: &[f64], labels: &[bool], threshold: f64) -> Option<f64> {
        let counts = || Confusion::at_threshold(scores, labels, threshold);
        match self {
            Self::Auroc => metrics::auroc(scores, labels),
            Self::F1 => counts().f1(),
            Self::Sensitivity => counts().sensitivity(),
            Self::Specificity => counts().specificity(),
            Self::CalibrationError => expected_calibration_error(scores, labels),
        }
    }

    /// Its key in JSON output.
    pub fn key(self) -> &'static str {
        match self {
            Self::Auroc => "auroc",
            Self::F1 => "f1",
            Self::Sensitivity => "sensitivity",
            Self::Specificity => "specificity",
            Self::CalibrationError => "calibration_error",
        }
    }

    /// Its short name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auroc => "AUROC",
            Self::F1 => "F1",
            Self::Sensitivity => "sens",
            Self::Specificity => "spec",
            Self::CalibrationError => "ECE",
        }
    }
}

/// How the differences are computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedSettings {
    /// A score at or above it is an abnormal call.
    pub threshold: f64,
    /// Coverage of the intervals.
    pub level: f64,
    /// Bootstrap resamples of sentences.
    pub resamples: usize,
    /// Seed of the resampling.
    pub seed: u64,
}

impl Default for PairedSettings {
    fn default() -> Self {
        Self {
            threshold: 0.5,
            level: 0.95,
            resamples: 2000,
            seed: 0,
        }
    }
}

/// One measure of a labeller minus the same measure of the reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasureDifference {
    /// The measure.
    pub measure: MentionMeasure,
    /// The difference and its interval; `None` where the measure is undefined.
    pub difference: Option<StatisticCi>,
}

/// `scores` minus `reference` on each of `measures`, both one vector per sentence of
/// `sentences` and one score per mention, against the sentences' hand labels.
pub fn paired_differences(
    scores: &[Vec<f64>],
    reference: &[Vec<f64>],
    sentences: &[LabelledSentence],
    measures: &[MentionMeasure],
    settings: &PairedSettings,
) -> Vec<MeasureDifference> {
    let labels: Vec<Vec<bool>> = (sentences.iter())
        .map(|s| s.mentions.iter().map(|m| m.label == 1).collect())
        .collect();
    let difference = |measure: MentionMeasure| {
        let statistic = |idx: &[usize]| {
            let (mut a, mut b, mut l) = (Vec::new(), Vec::new(), Vec::new());
            for &i in idx {
                a.extend_from_slice(&scores[i]);
                b.extend_from_slice(&reference[i]);
                l.extend_from_slice(&labels[i]);
            }
            let t = settings.threshold;
            Some(measure.of(&a, &l, t)? - measure.of(&b, &l, t)?)
        };
        let (level, resamples, seed) = (settings.level, settings.resamples, settings.seed);
        bootstrap_statistic_ci(sentences.len(), statistic, level, resamples, seed)
    };
    (measures.iter())
        .map(|&measure| MeasureDifference {
            measure,
            difference: difference(measure),
        })
        .collect()
}

/// `+0.017 (+0.007, +0.028)`: a difference and its interval; `+0.017` without an interval; `-`
/// where undefined.
pub fn difference_text(difference: Option<StatisticCi>) -> String {
    match difference {
        Some(StatisticCi {
            estimate,
            ci: Some((lo, hi)),
            ..
        }) => format!("{estimate:+.3} ({lo:+.3}, {hi:+.3})"),
        Some(d) => format!("{:+.3}", d.estimate),
        None => "-".into(),
    }
}

/// [`difference_text`].
impl fmt::Display for MeasureDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&difference_text(self.difference))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uptake_core::LabelledSpan;

    /// `n` sentences of one mention each, alternately abnormal and normal.
    fn sentences(n: usize) -> Vec<LabelledSentence> {
        (0..n)
            .map(|i| LabelledSentence {
                id: None,
                exam_id: None,
                section: None,
                text: "uptake in the liver".into(),
                mentions: vec![LabelledSpan {
                    start: 14,
                    end: 19,
                    region: "liver".into(),
                    label: u8::from(i % 2 == 0),
                }],
            })
            .collect()
    }

    #[test]
    fn a_labeller_that_misses_every_other_lesion_is_worse_on_sensitivity_only_and_surely_so() {
        let s = sentences(200);
        let perfect: Vec<Vec<f64>> = (0..200)
            .map(|i| vec![f64::from(u8::from(i % 2 == 0))])
            .collect();
        // Lesions at 0, 2, 4, ...: every fourth sentence's lesion is missed.
        let missing: Vec<Vec<f64>> = (0..200)
            .map(|i| vec![f64::from(u8::from(i % 2 == 0 && i % 4 != 0))])
            .collect();
        let d = paired_differences(
            &missing,
            &perfect,
            &s,
            &MentionMeasure::ALL,
            &Default::default(),
        );
        let sens = d[2].difference.unwrap();
        assert_eq!(d[2].measure, MentionMeasure::Sensitivity);
        assert!((sens.estimate + 0.5).abs() < 1e-12, "{sens:?}");
        let (lo, hi) = sens.ci.unwrap();
        assert!(lo <= -0.5 && (-0.5..-0.35).contains(&hi), "{sens:?}");
        assert_eq!(
            d[3].difference.unwrap().estimate,
            0.0,
            "specificity unchanged"
        );
        assert_eq!(d[3].difference.unwrap().ci, Some((0.0, 0.0)));
    }

    #[test]
    fn the_same_scores_differ_by_nothing_and_an_undefined_measure_is_shown_as_a_dash() {
        let s = sentences(10);
        let scores: Vec<Vec<f64>> = (0..10).map(|i| vec![0.1 * i as f64]).collect();
        let d = paired_differences(
            &scores,
            &scores,
            &s,
            &[MentionMeasure::F1],
            &Default::default(),
        );
        assert_eq!(d[0].to_string(), "+0.000 (+0.000, +0.000)");
        let normal_only: Vec<LabelledSentence> = s.into_iter().skip(1).step_by(2).collect();
        let five = &scores[..5];
        let d = paired_differences(
            five,
            five,
            &normal_only,
            &[MentionMeasure::Auroc],
            &Default::default(),
        );
        assert_eq!(d[0].to_string(), "-");
    }
}
