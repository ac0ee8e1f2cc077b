//! A labelling method's probabilities for the candidate sentences, for active sampling.

use crate::candidate::Candidate;
use crate::sample::Predictions;
use uptake_core::{CharSpan, Progress};
use uptake_labels::{MentionScorer, ScoreError, SentenceMentions};

/// Sentences scored together.
const SCORE_BATCH: usize = 32;

/// Every candidate mention's probability from `scorer` (the report model, say), in batches.
pub fn predict(
    scorer: &mut dyn MentionScorer,
    pool: &[Candidate],
    progress: &dyn Progress,
) -> Result<Predictions, ScoreError> {
    let mut predictions = Predictions::default();
    progress.start("scoring", pool.len() as u64);
    for (b, chunk) in pool.chunks(SCORE_BATCH).enumerate() {
        let batch = chunk
            .iter()
            .enumerate()
            .map(|(i, c)| {
                // Candidates hold characters; scorers take bytes.
                let spans = c.mentions.iter().map(|m| CharSpan::new(m.start, m.end));
                SentenceMentions::from_chars(&c.text, spans, b * SCORE_BATCH + i)
            })
            .collect::<Result<Vec<_>, ScoreError>>()?;
        let scores = scorer.score(&batch)?;
        for (c, probs) in chunk.iter().zip(scores) {
            for (m, p) in c.mentions.iter().zip(probs) {
                predictions.insert(&c.id, CharSpan::new(m.start, m.end), p);
            }
        }
        progress.advance(chunk.len() as u64);
    }
    progress.finish();
    Ok(predictions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::candidate::CandidateMention;
    use uptake_core::NoProgress;

    /// Scores each mention with its length in bytes over 10.
    struct ByLength;

    impl MentionScorer for ByLength {
        fn name(&self) -> &str {
            "length"
        }
        fn score(
            &mut self,
            sentences: &[SentenceMentions<'_>],
        ) -> Result<Vec<Vec<f64>>, ScoreError> {
            Ok(sentences
                .iter()
                .map(|s| s.spans.iter().map(|sp| sp.len() as f64 / 10.0).collect())
                .collect())
        }
    }

    #[test]
    fn character_spans_reach_the_scorer_as_byte_spans() {
        let pool = [Candidate {
            id: "E1:0".into(),
            exam_id: None,
            section: None,
            text: "Ø lésion in the liver.".into(),
            context_before: String::new(),
            context_after: String::new(),
            mentions: vec![CandidateMention {
                start: 2,
                end: 8,
                region: "liver".into(),
            }],
        }];
        let predictions = predict(&mut ByLength, &pool, &NoProgress).unwrap();
        // "lésion" is 6 characters and 7 bytes.
        assert_eq!(predictions.score(&pool[0]), [Some(0.7)]);
    }
}
