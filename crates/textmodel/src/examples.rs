//! Hand-labelled sentences as training examples: their windows of word pieces, and per window
//! the labelled token positions (tokens inside a mention get its label; others are ignored).

use crate::error::ModelError;
use crate::tokenize::{EncodedSentence, WordPieces};
use uptake_core::{CharSpan, LabelledSentence};

/// A sentence ready for training.
pub(crate) struct Example {
    /// Per window: (position, label 0/1).
    pub(crate) targets: Vec<Vec<(usize, f32)>>,
    pub(crate) encoded: EncodedSentence,
    /// Each mention's label.
    pub(crate) labels: Vec<bool>,
    /// Where it came from: for rewriting (swapped mentions, joined sentences).
    pub(crate) sentence: LabelledSentence,
    /// Its index in the sentences given (for messages).
    pub(crate) index: usize,
}

impl Example {
    /// Encodes sentence number `index` for a model of `max_positions`.
    pub(crate) fn new(
        tokenizer: &WordPieces,
        index: usize,
        sentence: &LabelledSentence,
        max_positions: usize,
    ) -> Result<Self, ModelError> {
        let spans: Vec<CharSpan> = sentence
            .mentions
            .iter()
            .map(|m| CharSpan::new(m.start, m.end))
            .collect();
        let encoded = tokenizer.encode(&sentence.text, &spans, max_positions, index)?;
        let mut targets = vec![Vec::new(); encoded.windows.len()];
        for (m, tokens) in sentence.mentions.iter().zip(&encoded.mentions) {
            for &p in &tokens.positions {
                targets[tokens.window].push((p, m.label as f32));
            }
        }
        Ok(Self {
            targets,
            labels: sentence.mentions.iter().map(|m| m.label == 1).collect(),
            encoded,
            sentence: sentence.clone(),
            index,
        })
    }

    /// The example's windows of ids.
    pub(crate) fn windows(&self) -> &[Vec<u32>] {
        &self.encoded.windows
    }

    /// The text of each of its mentions.
    pub(crate) fn mention_texts(&self) -> Vec<String> {
        let chars: Vec<char> = self.sentence.text.chars().collect();
        self.sentence
            .mentions
            .iter()
            .map(|m| {
                chars[m.start.min(chars.len())..m.end.min(chars.len())]
                    .iter()
                    .collect()
            })
            .collect()
    }
}
