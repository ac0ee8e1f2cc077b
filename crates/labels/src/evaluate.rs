//! How well a mention scorer agrees with hand labels of mentions (`shared/data/mentions.jsonl`).
//!
//! Mention-level figures for one labeller: AUROC, and precision, sensitivity (recall),
//! specificity and F1 at a threshold. The general evaluation of region tables lives in the
//! stats crate; this is the small part the labelling commands need.

use crate::scorer::{MentionScorer, ScoreError, SentenceMentions};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use uptake_core::calibration::expected_calibration_error;
use uptake_core::metrics::auroc;
use uptake_core::{AtomicWriteError, Confusion, LabelledSentence};

/// Binary classification figures at one threshold; `None` where undefined. The threshold
/// figures come from [`Confusion`] and follow its one rule for empty cases (F1 and sensitivity
/// undefined without positives, precision undefined when nothing is called positive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BinaryMetrics {
    /// Cases.
    pub n: usize,
    /// Positive cases.
    pub positives: usize,
    /// Area under the ROC curve (undefined with one class).
    pub auroc: Option<f64>,
    /// TP / (TP + FP).
    pub precision: Option<f64>,
    /// TP / (TP + FN).
    pub sensitivity: Option<f64>,
    /// TN / (TN + FP).
    pub specificity: Option<f64>,
    /// 2 TP / (2 TP + FP + FN).
    pub f1: Option<f64>,
}

/// Figures for scores against binary labels; a score >= `threshold` predicts positive.
pub fn binary_metrics(scores: &[f64], labels: &[bool], threshold: f64) -> BinaryMetrics {
    let counts = Confusion::at_threshold(scores, labels, threshold);
    BinaryMetrics {
        n: labels.len(),
        positives: counts.positives(),
        auroc: auroc(scores, labels),
        precision: counts.precision(),
        sensitivity: counts.sensitivity(),
        specificity: counts.specificity(),
        f1: counts.f1(),
    }
}

/// A scorer's agreement with hand-labelled mentions: all mentions pooled, and per region.
#[derive(Debug, Clone, PartialEq)]
pub struct MentionEvaluation {
    /// The scorer's name.
    pub scorer: String,
    /// A probability at or above it calls a mention abnormal.
    pub threshold: f64,
    /// All mentions pooled.
    pub overall: BinaryMetrics,
    /// By the region the hand label names, sorted by name.
    pub per_region: BTreeMap<String, BinaryMetrics>,
    /// Expected calibration error (10 bins) of all mentions pooled; `None` without any.
    pub ece: Option<f64>,
}

impl MentionEvaluation {
    /// Mean of a per-region figure over the regions where it is defined.
    pub fn macro_mean(&self, figure: impl Fn(&BinaryMetrics) -> Option<f64>) -> Option<f64> {
        let values: Vec<f64> = self.per_region.values().filter_map(figure).collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    }
}

/// Scores every hand-labelled mention with `scorer`: one vector per sentence, in order.
pub fn score_labelled(
    scorer: &mut dyn MentionScorer,
    sentences: &[LabelledSentence],
) -> Result<Vec<Vec<f64>>, ScoreError> {
    let batch = sentences
        .iter()
        .enumerate()
        .map(|(i, s)| SentenceMentions::from_labelled(s, i))
        .collect::<Result<Vec<_>, ScoreError>>()?;
    scorer.score(&batch)
}

/// Evaluates a scorer on hand-labelled mentions at `threshold`.
pub fn evaluate_scorer(
    scorer: &mut dyn MentionScorer,
    sentences: &[LabelledSentence],
    threshold: f64,
) -> Result<MentionEvaluation, ScoreError> {
    let scores = score_labelled(scorer, sentences)?;
    Ok(evaluate_scores(
        scorer.name(),
        sentences,
        &scores,
        threshold,
    ))
}

/// Figures for mention scores already computed (one vector per sentence, as
/// [`score_labelled`] returns them), so callers can keep the scores too.
pub fn evaluate_scores(
    scorer: &str,
    sentences: &[LabelledSentence],
    scores: &[Vec<f64>],
    threshold: f64,
) -> MentionEvaluation {
    let mut all: (Vec<f64>, Vec<bool>) = (Vec::new(), Vec::new());
    let mut by_region: BTreeMap<String, (Vec<f64>, Vec<bool>)> = BTreeMap::new();
    for (sentence, probs) in sentences.iter().zip(scores) {
        for (mention, &p) in sentence.mentions.iter().zip(probs) {
            let label = mention.label == 1;
            all.0.push(p);
            all.1.push(label);
            let entry = by_region.entry(mention.region.clone()).or_default();
            entry.0.push(p);
            entry.1.push(label);
        }
    }
    MentionEvaluation {
        scorer: scorer.to_string(),
        threshold,
        overall: binary_metrics(&all.0, &all.1, threshold),
        ece: expected_calibration_error(&all.0, &all.1),
        per_region: by_region
            .into_iter()
            .map(|(region, (s, l))| (region, binary_metrics(&s, &l, threshold)))
            .collect(),
    }
}

/// Writes one CSV row per hand-labelled mention: where it is (`line`: the sentence's position,
/// from 1; its `id`, the mention's index, region and character span), its label and each
/// labeller's score, one column per name in `names` (`scores[labeller][sentence][mention]`).
/// No report text.
pub fn write_mention_scores(
    path: &Path,
    sentences: &[LabelledSentence],
    names: &[String],
    scores: &[Vec<Vec<f64>>],
) -> Result<(), AtomicWriteError> {
    uptake_core::write_atomic(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        let mut header = vec!["line", "id", "mention", "region", "start", "end", "label"];
        header.extend(names.iter().map(String::as_str));
        csv.write_record(&header)?;
        for (i, sentence) in sentences.iter().enumerate() {
            for (j, m) in sentence.mentions.iter().enumerate() {
                let mut row = vec![
                    (i + 1).to_string(),
                    sentence.id.clone().unwrap_or_default(),
                    j.to_string(),
                    m.region.clone(),
                    m.start.to_string(),
                    m.end.to_string(),
                    m.label.to_string(),
                ];
                row.extend(scores.iter().map(|s| format!("{:.6}", s[i][j])));
                csv.write_record(&row)?;
            }
        }
        csv.flush()
    })
}

/// A figure with three decimals, `-` when undefined.
fn figure(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.3}"))
}

/// One row of the table: a name, then n, positives, AUROC, F1, sensitivity, specificity.
fn row(f: &mut fmt::Formatter<'_>, name: &str, cells: [String; 6]) -> fmt::Result {
    let [n, pos, auroc, f1, sens, spec] = cells;
    writeln!(
        f,
        "{name:<28} {n:>6} {pos:>6} {auroc:>7} {f1:>6} {sens:>6} {spec:>6}"
    )
}

/// The figures of one row.
fn cells(m: &BinaryMetrics) -> [String; 6] {
    let [auroc, f1, sens, spec] = [m.auroc, m.f1, m.sensitivity, m.specificity].map(figure);
    [
        m.n.to_string(),
        m.positives.to_string(),
        auroc,
        f1,
        sens,
        spec,
    ]
}

/// The table `uptake label --mentions` prints: a header, one row per region, all mentions
/// pooled, the macro means over regions, and the calibration error of all mentions.
impl fmt::Display for MentionEvaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = ["n", "pos", "AUROC", "F1", "sens", "spec"].map(String::from);
        row(f, "region", header)?;
        for (region, m) in &self.per_region {
            row(f, region, cells(m))?;
        }
        row(f, "all mentions", cells(&self.overall))?;
        let mean = |g: fn(&BinaryMetrics) -> Option<f64>| figure(self.macro_mean(g));
        let [auroc, f1, sens, spec] = [
            mean(|m| m.auroc),
            mean(|m| m.f1),
            mean(|m| m.sensitivity),
            mean(|m| m.specificity),
        ];
        row(
            f,
            "macro mean over regions",
            [String::new(), String::new(), auroc, f1, sens, spec],
        )?;
        write!(
            f,
            "expected calibration error (10 bins), all mentions: {}",
            figure(self.ece)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_figures_count_the_confusion_matrix() {
        // tp 2, fn 1, fp 1, tn 2.
        let m = binary_metrics(
            &[0.9, 0.8, 0.1, 0.7, 0.2, 0.3],
            &[true, true, true, false, false, false],
            0.5,
        );
        assert_eq!(m.positives, 3);
        assert_eq!(m.sensitivity, Some(2.0 / 3.0));
        assert_eq!(m.specificity, Some(2.0 / 3.0));
        assert_eq!(m.precision, Some(2.0 / 3.0));
        assert_eq!(m.f1, Some(4.0 / 6.0));
    }

    #[test]
    fn byte_spans_follow_characters_before_them() {
        let s: LabelledSentence = serde_json::from_str(
            r#"{"text": "Noted — liver uptake", "mentions": [{"start": 8, "end": 13, "region": "liver", "label": 1}]}"#,
        )
        .unwrap();
        let spans = s
            .mentions
            .iter()
            .map(|m| uptake_core::CharSpan::new(m.start, m.end));
        let sentence = SentenceMentions::from_chars(&s.text, spans, 0).unwrap();
        assert_eq!(sentence.spans[0].slice(&s.text), Some("liver"));
    }

    #[test]
    fn a_character_span_past_the_sentence_is_an_error_naming_it() {
        let s: LabelledSentence = serde_json::from_str(
            r#"{"text": "Liver.", "mentions": [{"start": 0, "end": 9, "region": "liver", "label": 1}]}"#,
        )
        .unwrap();
        let err = score_labelled(&mut crate::RulesLabeller::builtin(), &[s]).unwrap_err();
        assert!(err.to_string().contains("characters 0..9"), "{err}");
    }

    #[test]
    fn a_region_without_positives_has_no_f1_and_no_sensitivity() {
        let m = binary_metrics(&[0.9, 0.1], &[false, false], 0.5);
        assert_eq!((m.f1, m.sensitivity, m.precision), (None, None, Some(0.0)));
        assert_eq!(m.specificity, Some(0.5));
    }
}
