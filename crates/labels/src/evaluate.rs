//! How well a mention scorer agrees with hand labels of mentions (`shared/data/mentions.jsonl`).
//!
//! Mention-level figures for one labeller: AUROC, and precision, sensitivity (recall),
//! specificity and F1 at a threshold. The general evaluation of region tables lives in the
//! stats crate; this is the small part the labelling commands need.

use crate::scorer::{MentionScorer, ScoreError, SentenceMentions};
use std::collections::BTreeMap;
use uptake_core::ByteSpan;
use uptake_core::LabelledSentence;

/// Binary classification figures at one threshold; `None` where undefined (no positives...).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BinaryMetrics {
    pub n: usize,
    pub positives: usize,
    pub auroc: Option<f64>,
    pub precision: Option<f64>,
    pub sensitivity: Option<f64>,
    pub specificity: Option<f64>,
    pub f1: Option<f64>,
}

fn ratio(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

pub use uptake_core::metrics::auroc;

/// Figures for scores against binary labels; a score >= `threshold` predicts positive.
pub fn binary_metrics(scores: &[f64], labels: &[bool], threshold: f64) -> BinaryMetrics {
    let (mut tp, mut fp, mut tn, mut fn_) = (0, 0, 0, 0);
    for (&s, &l) in scores.iter().zip(labels) {
        match (s >= threshold, l) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, false) => tn += 1,
            (false, true) => fn_ += 1,
        }
    }
    let precision = ratio(tp, tp + fp);
    let sensitivity = ratio(tp, tp + fn_);
    let f1 = ratio(2 * tp, 2 * tp + fp + fn_).filter(|_| tp + fn_ > 0);
    BinaryMetrics {
        n: labels.len(),
        positives: tp + fn_,
        auroc: auroc(scores, labels),
        precision,
        sensitivity,
        specificity: ratio(tn, tn + fp),
        f1,
    }
}

/// A scorer's agreement with hand-labelled mentions: all mentions pooled, and per region.
#[derive(Debug, Clone, PartialEq)]
pub struct MentionEvaluation {
    pub scorer: String,
    pub threshold: f64,
    pub overall: BinaryMetrics,
    /// By the region the hand label names, sorted by name.
    pub per_region: BTreeMap<String, BinaryMetrics>,
}

impl MentionEvaluation {
    /// Mean of a per-region figure over the regions where it is defined.
    pub fn macro_mean(&self, figure: impl Fn(&BinaryMetrics) -> Option<f64>) -> Option<f64> {
        let values: Vec<f64> = self.per_region.values().filter_map(figure).collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    }
}

/// Byte spans of a hand-labelled sentence (its file stores character offsets).
pub fn byte_spans(sentence: &LabelledSentence) -> Vec<ByteSpan> {
    let mut byte_at: Vec<usize> = sentence.text.char_indices().map(|(b, _)| b).collect();
    byte_at.push(sentence.text.len());
    let at = |c: usize| byte_at.get(c).copied().unwrap_or(sentence.text.len());
    sentence
        .mentions
        .iter()
        .map(|m| ByteSpan::new(at(m.start), at(m.end)))
        .collect()
}

/// Scores every hand-labelled mention with `scorer`: one vector per sentence, in order.
pub fn score_labelled(
    scorer: &mut dyn MentionScorer,
    sentences: &[LabelledSentence],
) -> Result<Vec<Vec<f64>>, ScoreError> {
    let spans: Vec<Vec<ByteSpan>> = sentences.iter().map(byte_spans).collect();
    let batch: Vec<SentenceMentions<'_>> = sentences
        .iter()
        .zip(&spans)
        .map(|(s, sp)| SentenceMentions::new(&s.text, sp.clone()))
        .collect();
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
        per_region: by_region
            .into_iter()
            .map(|(region, (s, l))| (region, binary_metrics(&s, &l, threshold)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auroc_of_a_perfect_ranking_is_one_and_of_a_reversed_one_zero() {
        assert_eq!(
            auroc(&[0.1, 0.2, 0.8, 0.9], &[false, false, true, true]),
            Some(1.0)
        );
        assert_eq!(
            auroc(&[0.9, 0.8, 0.2, 0.1], &[false, false, true, true]),
            Some(0.0)
        );
    }

    #[test]
    fn auroc_counts_ties_as_one_half() {
        assert_eq!(auroc(&[0.5, 0.5], &[false, true]), Some(0.5));
        // One positive above both negatives, one tied with a negative: (1 + 1 + 1 + 0.5) / 4.
        assert_eq!(
            auroc(&[0.2, 0.6, 0.9, 0.6], &[false, false, true, true]),
            Some(0.875)
        );
    }

    #[test]
    fn auroc_is_undefined_with_one_class() {
        assert_eq!(auroc(&[0.1, 0.9], &[true, true]), None);
    }

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
        let spans = byte_spans(&s);
        assert_eq!(&s.text[spans[0].start..spans[0].end], "liver");
    }
}
