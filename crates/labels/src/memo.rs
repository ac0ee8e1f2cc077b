//! A scorer that remembers what it scored, so several labelling methods over the same reports
//! (model, model+rules and the label model, say) run a slow scorer such as the BERT report
//! model once, not once per method.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use uptake_core::ByteSpan;

use crate::scorer::{MentionScorer, ScoreError, SentenceMentions};

/// What a score depends on: the sentence, its spans and the regions they name.
type MemoKey = (String, Vec<ByteSpan>, Vec<String>);

struct Memo {
    scorer: Box<dyn MentionScorer>,
    scores: HashMap<MemoKey, Vec<f64>>,
}

/// Wraps a scorer; clones share it and its memory. A sentence is scored by the wrapped scorer
/// the first time any clone sees it (with the same spans and regions) and answered from memory
/// after that, so every method that shares the clones sees the very same probabilities.
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
            scores: HashMap::new(),
        };
        Self {
            name,
            memo: Rc::new(RefCell::new(memo)),
        }
    }

    /// Sentences scored by the wrapped scorer so far.
    pub fn remembered(&self) -> usize {
        self.memo.borrow().scores.len()
    }
}

fn key(s: &SentenceMentions<'_>) -> MemoKey {
    let regions = s.regions.iter().map(|r| r.to_string()).collect();
    (s.text.to_string(), s.spans.clone(), regions)
}

impl MentionScorer for MemoScorer {
    fn name(&self) -> &str {
        &self.name
    }

    fn score(&mut self, sentences: &[SentenceMentions<'_>]) -> Result<Vec<Vec<f64>>, ScoreError> {
        // Checked here so that a bad span is reported at the caller's position, not at its
        // position among the sentences not yet remembered.
        for (i, s) in sentences.iter().enumerate() {
            s.validate(i)?;
        }
        let mut memo = self.memo.borrow_mut();
        let keys: Vec<MemoKey> = sentences.iter().map(key).collect();
        let mut queued = HashSet::new();
        let missing: Vec<usize> = (0..keys.len())
            .filter(|&i| !memo.scores.contains_key(&keys[i]) && queued.insert(&keys[i]))
            .collect();
        if !missing.is_empty() {
            let batch: Vec<SentenceMentions<'_>> =
                missing.iter().map(|&i| sentences[i].clone()).collect();
            let scored = memo.scorer.score(&batch)?;
            for (&i, scores) in missing.iter().zip(scored) {
                memo.scores.insert(keys[i].clone(), scores);
            }
        }
        Ok(keys.iter().map(|k| memo.scores[k].clone()).collect())
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
    fn clones_share_one_memory_so_each_sentence_is_scored_once() {
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
        assert_eq!(
            *calls.borrow(),
            2,
            "two distinct sentences, each scored once"
        );
        assert_eq!(second.remembered(), 2);
        assert_eq!(second.name(), "counting");
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

    #[test]
    fn a_bad_span_is_reported_at_the_callers_position() {
        let mut memo = MemoScorer::new(Box::new(Counting(Rc::new(RefCell::new(0)))));
        memo.score(&[sentence("Lung nodule.")]).unwrap();
        let bad = SentenceMentions::new("Lung", vec![ByteSpan { start: 2, end: 9 }]);
        let err = memo.score(&[sentence("Lung nodule."), bad]).unwrap_err();
        assert!(
            matches!(err, ScoreError::BadSpan { sentence: 1, .. }),
            "{err}"
        );
    }
}
