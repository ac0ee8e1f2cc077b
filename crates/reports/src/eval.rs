//! Tagging quality against hand-marked mentions (`shared/data/mentions.jsonl`).
//!
//! A hand mention is found when the tagger marks an overlapping span with the same region,
//! an ancestor or a descendant of it. Extra mentions are tagged spans that overlap no hand
//! mention; wrong-region mentions overlap one but name an unrelated region.

use crate::tagger::{Tagger, char_offset};
use uptake_core::LabelledSentence;

/// A hand mention the tagger missed: sentence position in the file, character span, region.
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    pub sentence: usize,
    pub start: usize,
    pub end: usize,
    pub region: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MentionEval {
    pub sentences: usize,
    /// Hand-marked mentions.
    pub hand: usize,
    /// Hand mentions found (overlapping span, related region).
    pub found: usize,
    /// Hand mentions found with the same region or a descendant of it (not an ancestor).
    pub found_strict: usize,
    /// Mentions the tagger produced.
    pub tagged: usize,
    /// Tagged mentions overlapping no hand mention.
    pub extra: usize,
    /// Tagged mentions overlapping a hand mention but of an unrelated region.
    pub wrong_region: usize,
    pub misses: Vec<Miss>,
}

impl MentionEval {
    /// Fraction of hand mentions found (1 when there are none).
    pub fn recall(&self) -> f64 {
        if self.hand == 0 {
            1.0
        } else {
            self.found as f64 / self.hand as f64
        }
    }

    /// Fraction of hand mentions found at their region or finer (not an ancestor).
    pub fn strict_recall(&self) -> f64 {
        if self.hand == 0 {
            1.0
        } else {
            self.found_strict as f64 / self.hand as f64
        }
    }
}

/// Tags each sentence's text and compares with its hand mentions.
pub fn evaluate_mentions(tagger: &Tagger, sentences: &[LabelledSentence]) -> MentionEval {
    let o = tagger.ontology();
    let mut ev = MentionEval {
        sentences: sentences.len(),
        ..Default::default()
    };
    for (i, s) in sentences.iter().enumerate() {
        let tagged: Vec<(usize, usize, uptake_ontology::RegionId)> = tagger
            .tag_sentence(&s.text)
            .into_iter()
            .map(|m| {
                (
                    char_offset(&s.text, m.start),
                    char_offset(&s.text, m.end),
                    m.region,
                )
            })
            .collect();
        ev.tagged += tagged.len();
        for h in &s.mentions {
            ev.hand += 1;
            let hit = o.id(&h.region).is_some_and(|hr| {
                tagged
                    .iter()
                    .any(|&(ts, te, tr)| ts < h.end && h.start < te && o.related(tr, hr))
            });
            let strict = o.id(&h.region).is_some_and(|hr| {
                tagged.iter().any(|&(ts, te, tr)| {
                    ts < h.end && h.start < te && o.is_ancestor_or_self(hr, tr)
                })
            });
            ev.found_strict += usize::from(strict);
            if hit {
                ev.found += 1;
            } else {
                ev.misses.push(Miss {
                    sentence: i,
                    start: h.start,
                    end: h.end,
                    region: h.region.clone(),
                });
            }
        }
        for &(ts, te, tr) in &tagged {
            let overlapping: Vec<_> = s
                .mentions
                .iter()
                .filter(|h| ts < h.end && h.start < te)
                .collect();
            if overlapping.is_empty() {
                ev.extra += 1;
            } else if !overlapping
                .iter()
                .any(|h| o.id(&h.region).is_some_and(|hr| o.related(tr, hr)))
            {
                ev.wrong_region += 1;
            }
        }
    }
    ev
}
