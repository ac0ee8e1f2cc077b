//! The paper's regex baseline: a mention is abnormal unless its sentence holds a negative word.

use crate::scorer::{MentionScorer, ScoreError, SentenceMentions, score_each};
use regex::Regex;

/// The negative words of the original study (Eyuboglu et al. 2021): whole words, any case.
pub(crate) const PAPER_NEGATIVE_WORDS: [&str; 6] = [
    "no",
    "not",
    "without",
    "physiologic",
    "unremarkable",
    "resolution",
];

/// Probability 0 for every mention of a sentence with a negative word, 1 otherwise.
#[derive(Debug, Clone)]
pub struct RegexLabeller {
    negative: Regex,
}

impl Default for RegexLabeller {
    fn default() -> Self {
        Self::new()
    }
}

impl RegexLabeller {
    /// The labeller with the paper's negative words.
    pub fn new() -> Self {
        let pattern = format!(r"(?i)\b(?:{})\b", PAPER_NEGATIVE_WORDS.join("|"));
        Self {
            negative: Regex::new(&pattern).expect("static pattern"),
        }
    }

    /// Whether the sentence holds one of the negative words.
    pub(crate) fn is_negative_sentence(&self, text: &str) -> bool {
        self.negative.is_match(text)
    }

    /// Scores one sentence: the same probability for each of its `n_mentions` mentions.
    pub(crate) fn score_sentence(&self, text: &str, n_mentions: usize) -> Vec<f64> {
        let p = if self.is_negative_sentence(text) {
            0.0
        } else {
            1.0
        };
        vec![p; n_mentions]
    }
}

impl MentionScorer for RegexLabeller {
    fn name(&self) -> &str {
        "regex"
    }

    fn score(&mut self, sentences: &[SentenceMentions<'_>]) -> Result<Vec<Vec<f64>>, ScoreError> {
        score_each(sentences, |text, spans| {
            self.score_sentence(text, spans.len())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(text: &str) -> f64 {
        RegexLabeller::new().score_sentence(text, 1)[0]
    }

    #[test]
    fn each_paper_negative_word_makes_the_sentence_negative() {
        for word in PAPER_NEGATIVE_WORDS {
            let text = format!("Uptake in the liver, {word} more.");
            assert_eq!(label(&text), 0.0, "{word}");
        }
    }

    #[test]
    fn negative_words_match_in_any_case() {
        assert_eq!(label("NO hypermetabolic nodes."), 0.0);
        assert_eq!(label("Physiologic uptake in the bowel."), 0.0);
    }

    #[test]
    fn negative_words_inside_other_words_do_not_count() {
        // "node" holds "no", "nothing" holds "not", "resolutions" is not "resolution".
        assert_eq!(
            label("Hypermetabolic node; nothing else, two resolutions."),
            1.0
        );
    }

    #[test]
    fn a_sentence_without_negative_words_makes_every_mention_abnormal() {
        let labeller = RegexLabeller::new();
        assert_eq!(
            labeller.score_sentence("Mild reactive uptake in the left axilla.", 2),
            vec![1.0, 1.0]
        );
    }
}
