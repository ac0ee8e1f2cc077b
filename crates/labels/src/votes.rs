//! The labellers' probabilities of each mention (their votes), scored once per sentence and
//! kept, so the label model's fit and the labelling after it ask each labeller only once.

use std::collections::HashMap;

use uptake_core::{ByteSpan, Progress};

use crate::scorer::{MentionScorer, ScoreError, SentenceMentions};

/// Every labeller's probability of every mention, per sentence: `[sentence][mention][labeller]`.
pub type Votes = Vec<Vec<Vec<f64>>>;

/// Sentences per call to a labeller when the sentences come without batches of their own.
const BATCH_SENTENCES: usize = 64;

/// The votes of the sentences scored so far, keyed by text and spans.
#[derive(Debug, Default)]
pub(crate) struct VoteCache {
    votes: HashMap<(String, Vec<ByteSpan>), Vec<Vec<f64>>>,
}

fn key(s: &SentenceMentions<'_>) -> (String, Vec<ByteSpan>) {
    (s.text.to_string(), s.spans.clone())
}

impl VoteCache {
    /// Scores each of `batches` whole, with every labeller, unless all its sentences are
    /// already known. Whole, because a batch is what a labeller would be asked for anyway
    /// (one report's sentences, as `uptake label` scores them): a shared scorer such as
    /// [`crate::MemoScorer`] then answers it from memory. Reports `progress` per batch.
    pub(crate) fn score_batches(
        &mut self,
        labellers: &mut [Box<dyn MentionScorer>],
        batches: &[Vec<SentenceMentions<'_>>],
        progress: &dyn Progress,
    ) -> Result<(), ScoreError> {
        for batch in batches {
            if !batch.iter().all(|s| self.votes.contains_key(&key(s))) {
                self.score_batch(labellers, batch)?;
            }
            progress.advance(1);
        }
        Ok(())
    }

    fn score_batch(
        &mut self,
        labellers: &mut [Box<dyn MentionScorer>],
        batch: &[SentenceMentions<'_>],
    ) -> Result<(), ScoreError> {
        let mut per_labeller = Vec::with_capacity(labellers.len());
        for labeller in labellers.iter_mut() {
            per_labeller.push(labeller.score(batch)?);
        }
        for (b, s) in batch.iter().enumerate() {
            let mentions = (0..s.spans.len())
                .map(|m| per_labeller.iter().map(|l| l[b][m]).collect())
                .collect();
            self.votes.insert(key(s), mentions);
        }
        Ok(())
    }

    /// The votes of `sentences`, from memory where known; the rest are scored in batches of
    /// [`BATCH_SENTENCES`] and kept. Reports `progress` per sentence.
    pub(crate) fn votes_of(
        &mut self,
        labellers: &mut [Box<dyn MentionScorer>],
        sentences: &[SentenceMentions<'_>],
        progress: &dyn Progress,
    ) -> Result<Votes, ScoreError> {
        let missing: Vec<SentenceMentions<'_>> = sentences
            .iter()
            .filter(|s| !self.votes.contains_key(&key(s)))
            .cloned()
            .collect();
        for chunk in missing.chunks(BATCH_SENTENCES) {
            self.score_batch(labellers, chunk)?;
            progress.advance(chunk.len() as u64);
        }
        progress.advance((sentences.len() - missing.len()) as u64);
        Ok(sentences
            .iter()
            .map(|s| self.votes[&key(s)].clone())
            .collect())
    }
}
