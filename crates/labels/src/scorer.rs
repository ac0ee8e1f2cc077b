//! The mention scorer interface every labelling method implements (regex, rules, the report model).

use std::fmt;

use uptake_core::{ByteSpan, CharSpan, LabelledSentence};

/// One sentence and the spans of the region mentions found in it.
///
/// Most scorers only need the text and where the mentions are: which region a mention names
/// does not change whether the sentence calls it abnormal. The label model
/// ([`crate::LabelModel`]) also reads the region names, because how far it trusts each
/// labeller depends on the region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentenceMentions<'a> {
    /// The sentence.
    pub text: &'a str,
    /// Where its mentions are, in order.
    pub spans: Vec<ByteSpan>,
    /// The region each mention names (ontology names), one per span; empty when unknown.
    pub regions: Vec<&'a str>,
}

impl<'a> SentenceMentions<'a> {
    /// A sentence and its mention spans.
    pub fn new(text: &'a str, spans: Vec<ByteSpan>) -> Self {
        Self {
            text,
            spans,
            regions: Vec::new(),
        }
    }

    /// The same sentence with the region each mention names (one per span).
    pub fn with_regions(mut self, regions: Vec<&'a str>) -> Self {
        self.regions = regions;
        self
    }

    /// The region the `mention`-th span names, when known.
    pub fn region(&self, mention: usize) -> Option<&'a str> {
        self.regions.get(mention).copied()
    }

    /// A sentence whose mention spans are in characters (as mention files and the labelling
    /// tool hold them); `sentence` is its position in the batch, for the error.
    pub fn from_chars(
        text: &'a str,
        spans: impl IntoIterator<Item = CharSpan>,
        sentence: usize,
    ) -> Result<Self, ScoreError> {
        let spans = spans
            .into_iter()
            .enumerate()
            .map(|(mention, span)| {
                span.to_bytes(text).ok_or(ScoreError::CharSpanOutside {
                    sentence,
                    mention,
                    start: span.start,
                    end: span.end,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self::new(text, spans))
    }

    /// A sentence of a mention file (character spans), with its mentions' regions; `sentence`
    /// is its position in the batch, for the error. Its labels are not read.
    pub fn from_labelled(
        labelled: &'a LabelledSentence,
        sentence: usize,
    ) -> Result<Self, ScoreError> {
        let spans = labelled.mentions.iter().map(|m| m.span());
        let regions = labelled
            .mentions
            .iter()
            .map(|m| m.region.as_str())
            .collect();
        Ok(Self::from_chars(&labelled.text, spans, sentence)?.with_regions(regions))
    }

    /// Checks that every span lies inside the text on character boundaries.
    pub fn validate(&self, sentence_index: usize) -> Result<(), ScoreError> {
        for (mention, span) in self.spans.iter().enumerate() {
            let ok = span.start < span.end
                && span.end <= self.text.len()
                && self.text.is_char_boundary(span.start)
                && self.text.is_char_boundary(span.end);
            if !ok {
                return Err(ScoreError::BadSpan {
                    sentence: sentence_index,
                    mention,
                    start: span.start,
                    end: span.end,
                    len: self.text.len(),
                });
            }
        }
        Ok(())
    }
}

/// Why mentions could not be scored.
#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    /// A byte span that is empty, past the end or cuts a character.
    #[error(
        "sentence {sentence}, mention {mention}: span {start}..{end} is not a character range inside the {len}-byte sentence"
    )]
    BadSpan {
        /// Position of the sentence in the batch.
        sentence: usize,
        /// Position of the mention in the sentence.
        mention: usize,
        /// First byte.
        start: usize,
        /// One past the last byte.
        end: usize,
        /// Length of the sentence in bytes.
        len: usize,
    },
    /// A character span (as mention files hold them) outside its sentence.
    #[error(
        "sentence {sentence}, mention {mention}: characters {start}..{end} are not inside the sentence"
    )]
    CharSpanOutside {
        /// Position of the sentence in the batch.
        sentence: usize,
        /// Position of the mention in the sentence.
        mention: usize,
        /// First character.
        start: usize,
        /// One past the last character.
        end: usize,
    },
    /// A failure inside a scorer (a model that cannot run, a device error).
    #[error("the {scorer} scorer failed: {source}")]
    Scorer {
        /// The scorer's name.
        scorer: String,
        /// What went wrong.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Scores each sentence on its own with `score` (which gets the text and valid spans): the
/// shape of every rule-based scorer.
pub(crate) fn score_each(
    sentences: &[SentenceMentions<'_>],
    mut score: impl FnMut(&str, &[ByteSpan]) -> Vec<f64>,
) -> Result<Vec<Vec<f64>>, ScoreError> {
    sentences
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.validate(i)?;
            Ok(score(s.text, &s.spans))
        })
        .collect()
}

/// Gives each mention a probability that its sentence describes abnormal FDG uptake there.
///
/// Object safe (`Box<dyn MentionScorer>`) and batched so a neural scorer can run sentences
/// through its model together. The result has one vector per sentence, one probability per
/// span, in the input order.
pub trait MentionScorer {
    /// A short name for messages and reports ("regex", "rules", "model").
    fn name(&self) -> &str;

    /// Scores a batch of sentences.
    fn score(&mut self, sentences: &[SentenceMentions<'_>]) -> Result<Vec<Vec<f64>>, ScoreError>;
}

/// The mean of several scorers' probabilities: a seed ensemble of report models, for one.
pub struct MeanScorer {
    name: String,
    members: Vec<Box<dyn MentionScorer>>,
}

impl MeanScorer {
    /// The mean of `members`, called `name`.
    ///
    /// # Panics
    /// If `members` is empty (a programming error).
    pub fn new(name: impl Into<String>, members: Vec<Box<dyn MentionScorer>>) -> Self {
        assert!(!members.is_empty(), "an ensemble needs at least one scorer");
        Self {
            name: name.into(),
            members,
        }
    }
}

impl MentionScorer for MeanScorer {
    fn name(&self) -> &str {
        &self.name
    }

    fn score(&mut self, sentences: &[SentenceMentions<'_>]) -> Result<Vec<Vec<f64>>, ScoreError> {
        let mut sets = Vec::with_capacity(self.members.len());
        for member in self.members.iter_mut() {
            sets.push(member.score(sentences)?);
        }
        Ok(mean_scores(&sets))
    }
}

/// The mention-by-mention mean of several scorers' results on the same sentences (each one
/// vector per sentence, one probability per mention).
pub fn mean_scores(sets: &[Vec<Vec<f64>>]) -> Vec<Vec<f64>> {
    let Some((first, rest)) = sets.split_first() else {
        return Vec::new();
    };
    let mut mean = first.clone();
    for scores in rest {
        for (acc, s) in mean.iter_mut().zip(scores) {
            for (x, y) in acc.iter_mut().zip(s) {
                *x += y;
            }
        }
    }
    let n = sets.len() as f64;
    mean.iter_mut().flatten().for_each(|x| *x /= n);
    mean
}

impl fmt::Debug for dyn MentionScorer + '_ {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MentionScorer({})", self.name())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Gives every mention the same score.
    pub(crate) struct Constant(pub(crate) f64);

    impl MentionScorer for Constant {
        fn name(&self) -> &str {
            "constant"
        }
        fn score(
            &mut self,
            sentences: &[SentenceMentions<'_>],
        ) -> Result<Vec<Vec<f64>>, ScoreError> {
            Ok(sentences
                .iter()
                .map(|s| vec![self.0; s.spans.len()])
                .collect())
        }
    }

    #[test]
    fn an_ensemble_scores_each_mention_with_the_members_mean() {
        let mut mean = MeanScorer::new(
            "model x2",
            vec![Box::new(Constant(0.2)), Box::new(Constant(0.6))],
        );
        let text = "Avid liver and spleen.";
        let sentences = [SentenceMentions::new(
            text,
            vec![ByteSpan::new(5, 10), ByteSpan::new(15, 21)],
        )];
        let scores = mean.score(&sentences).unwrap();
        assert_eq!(scores.len(), 1);
        for s in &scores[0] {
            assert!((s - 0.4).abs() < 1e-12);
        }
        assert_eq!(mean.name(), "model x2");
    }

    #[test]
    fn mean_scores_averages_each_mention_separately() {
        let a = vec![vec![0.1, 0.9], vec![0.5]];
        let b = vec![vec![0.3, 0.1], vec![1.0]];
        let mean = mean_scores(&[a, b]);
        assert_eq!(mean.len(), 2);
        assert!((mean[0][0] - 0.2).abs() < 1e-12);
        assert!((mean[0][1] - 0.5).abs() < 1e-12);
        assert!((mean[1][0] - 0.75).abs() < 1e-12);
    }
}
