//! A scorer that remembers what it scored, so several labelling methods over the same reports
//! (model, model+rules and the label model, say) run a slow scorer such as the BERT report
//! model once, not once per method.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use uptake_core::ByteSpan;

use crate::scorer::{MentionScorer, ScoreError, SentenceMentions};

/// What a sentence's scores depend on: its text, its spans and the regions they name.
type SentenceKey = (String, Vec<ByteSpan>, Vec<String>);

struct Memo {
    scorer: Box<dyn MentionScorer>,
    batches: HashMap<Vec<SentenceKey>, Vec<Vec<f64>>>,
}

/// Wraps a scorer; clones share it and its memory. A batch of sentences is scored by the
/// wrapped scorer the first time any clone sees it and answered from memory after that.
///
/// The memory is per batch, not per sentence, on purpose: a neural scorer's probabilities move
/// in the last bits with the batch a sentence is padded in, so answering sentence by sentence
/// would give each method's table slightly other figures than the same method run alone.
/// Methods that tag the same reports ask for the same batches, so they all hit.
#[derive(Clone)]
pub struct MemoScorer {
    name: String,
    memo: Rc<RefCell<Memo>>,
}

impl MemoScorer {
    /// Remembers the scores of `scorer`, under its name.
    pub fn new(scorer: Box<dyn MentionScorer>) -> Self {
        let name = scorer.name().to_string();
        let memo = Memo {
            scorer,
            batches: HashMap::new(),
        };
        Self {
            name,
            memo: Rc::new(RefCell::new(memo)),
        }
    }

    /// Batches scored by the wrapped scorer so far.
    pub fn remembered(&self) -> usize {
        self.memo.borrow().batches.len()
    }
}

fn key(s: &SentenceMentions<'_>) -> SentenceKey {
    let regions = s.regions.iter().map(|r| r.to_string()).collect();
    (s.text.to_string(), s.spans.clone(), regions)
}

impl MentionScorer for MemoScorer {
    fn name(&self) -> &str {
        &self.name
    }

    fn score(&mut self, sentences: &[SentenceMentions<'_>]) -> Result<Vec<Vec<f64>>, ScoreError> {
        let batch: Vec<SentenceKey> = sentences.iter().map(key).collect();
        let mut memo = self.memo.borrow_mut();
        if let Some(scores) = memo.batches.get(&batch) {
            return Ok(scores.clone());
        }
        let scores = memo.scorer.score(sentences)?;
        memo.batches.insert(batch, scores.clone());
        Ok(scores)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scores every mention 0.25 and counts the sentences it was asked to score.
    struct Counting(Rc<RefCell<usize>>);

    impl MentionScorer for Counting {
        fn name(&self) -> &str {
            "counting"
        }

        fn score(&mut self, s: &[SentenceMentions<'_>]) -> Result<Vec<Vec<f64>>, ScoreError> {
            *self.0.borrow_mut() += s.len();
            Ok(s.iter().map(|m| vec![0.25; m.spans.len()]).collect())
        }
    }

    fn sentence(text: &str) -> SentenceMentions<'_> {
        SentenceMentions::new(text, vec![ByteSpan { start: 0, end: 4 }])
    }

    #[test]
    fn clones_share_one_memory_so_each_batch_is_scored_once() {
        let calls = Rc::new(RefCell::new(0));
        let mut first = MemoScorer::new(Box::new(Counting(calls.clone())));
        let mut second = first.clone();
        let batch = [
            sentence("Lung nodule."),
            sentence("Lung clear."),
            sentence("Lung nodule."),
        ];
        let a = first.score(&batch).unwrap();
        let b = second.score(&batch).unwrap();
        assert_eq!(a, vec![vec![0.25]; 3]);
        assert_eq!(a, b);
        assert_eq!(*calls.borrow(), 3, "one batch of three, scored once");
        assert_eq!(second.remembered(), 1);
        assert_eq!(second.name(), "counting");
    }

    #[test]
    fn a_batch_is_scored_whole_as_the_scorer_alone_would_score_it() {
        // Sentences already seen in another batch are scored again with this one: the scorer
        // sees exactly the batches it would see without the memory.
        let calls = Rc::new(RefCell::new(0));
        let mut memo = MemoScorer::new(Box::new(Counting(calls.clone())));
        memo.score(&[sentence("Lung nodule.")]).unwrap();
        memo.score(&[sentence("Lung nodule."), sentence("Lung clear.")])
            .unwrap();
        assert_eq!(*calls.borrow(), 3);
        assert_eq!(memo.remembered(), 2);
    }

    #[test]
    fn other_spans_in_the_same_sentence_are_scored_anew() {
        let calls = Rc::new(RefCell::new(0));
        let mut memo = MemoScorer::new(Box::new(Counting(calls.clone())));
        memo.score(&[sentence("Lung nodule.")]).unwrap();
        let other = SentenceMentions::new("Lung nodule.", vec![ByteSpan { start: 5, end: 11 }]);
        memo.score(&[other]).unwrap();
        assert_eq!(*calls.borrow(), 2);
    }
}
