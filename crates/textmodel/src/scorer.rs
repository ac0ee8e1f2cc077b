//! The report model as a [`MentionScorer`] (the interface of every labelling method).

use crate::error::ModelError;
use crate::model::{ReportModel, SentenceMentions};
use uptake_labels::{MentionScorer, ScoreError};

/// Character offset of a byte offset (the scorer interface speaks bytes, our tokenizer chars).
fn char_offset(text: &str, byte: usize) -> usize {
    text.get(..byte)
        .map(|prefix| prefix.chars().count())
        .unwrap_or_else(|| text.chars().count())
}

impl MentionScorer for ReportModel {
    fn name(&self) -> &str {
        "model"
    }

    fn score(
        &mut self,
        sentences: &[uptake_labels::SentenceMentions<'_>],
    ) -> Result<Vec<Vec<f64>>, ScoreError> {
        let mut converted = Vec::with_capacity(sentences.len());
        for (i, s) in sentences.iter().enumerate() {
            s.validate(i)?;
            converted.push(SentenceMentions {
                text: s.text,
                spans: s
                    .spans
                    .iter()
                    .map(|sp| (char_offset(s.text, sp.start), char_offset(s.text, sp.end)))
                    .collect(),
            });
        }
        let what =
            |i: usize, message: String| ModelError::Training(format!("sentence {i}: {message}"));
        ReportModel::score(self, &converted, &what).map_err(|e| ScoreError::Scorer {
            scorer: "model".into(),
            source: Box::new(e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_offsets_become_character_offsets() {
        assert_eq!(char_offset("é liver", 3), 2);
        assert_eq!(char_offset("é liver", 8), 7);
    }
}
