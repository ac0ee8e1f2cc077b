//! Tagging quality against hand-marked mentions (`shared/data/mentions.jsonl`).
//!
//! A hand mention is found when the tagger marks an overlapping span with the same region,
//! an ancestor or a descendant of it. Extra mentions are tagged spans that overlap no hand
//! mention; wrong-region mentions overlap one but name an unrelated region.

use crate::tagger::{TaggedSpan, Tagger};
use uptake_core::{CharSpan, LabelledSentence, LabelledSpan};
use uptake_ontology::{Ontology, RegionId};

/// A hand mention the tagger missed, with what it tagged in that sentence instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    /// Position of the sentence in the mention file (0-based).
    pub sentence: usize,
    /// The hand mention.
    pub span: CharSpan,
    /// The region of the hand mention.
    pub region: String,
    /// Every mention the tagger found in the sentence.
    pub tagged: Vec<TaggedSpan>,
}

/// A tagged mention that matches no hand mention.
#[derive(Debug, Clone, PartialEq)]
pub struct Extra {
    /// Position of the sentence in the mention file (0-based).
    pub sentence: usize,
    /// The tagged mention.
    pub tagged: TaggedSpan,
    /// The region of the hand mention it overlaps (an unrelated one); `None` when it
    /// overlaps none.
    pub hand_region: Option<String>,
}

/// How the tagger's mentions compare with hand-marked ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MentionEval {
    /// Sentences compared.
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
    /// The hand mentions not found, in file order.
    pub misses: Vec<Miss>,
    /// The extra and wrong-region tagged mentions, in file order.
    pub extras: Vec<Extra>,
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

/// A tagged mention in characters of its sentence.
struct Tagged {
    span: CharSpan,
    region: RegionId,
}

fn overlap(a: CharSpan, b: CharSpan) -> bool {
    a.start < b.end && b.start < a.end
}

fn hand_span(h: &LabelledSpan) -> CharSpan {
    CharSpan::new(h.start, h.end)
}

/// Tags each sentence's text and compares with its hand mentions.
pub fn evaluate_mentions(tagger: &Tagger, sentences: &[LabelledSentence]) -> MentionEval {
    let o = tagger.ontology();
    let mut ev = MentionEval {
        sentences: sentences.len(),
        ..Default::default()
    };
    for (i, s) in sentences.iter().enumerate() {
        let tagged: Vec<Tagged> = tagger
            .tag_sentence(&s.text)
            .into_iter()
            .map(|m| Tagged {
                span: m
                    .span
                    .to_chars(&s.text)
                    .expect("tagged spans lie on character boundaries"),
                region: m.region,
            })
            .collect();
        ev.tagged += tagged.len();
        compare_hand_mentions(o, i, s, &tagged, &mut ev);
        compare_tagged_mentions(o, i, s, &tagged, &mut ev);
    }
    ev
}

/// Counts the hand mentions of sentence `i` found (and strictly found), records the misses.
fn compare_hand_mentions(
    o: &Ontology,
    i: usize,
    s: &LabelledSentence,
    tagged: &[Tagged],
    ev: &mut MentionEval,
) {
    for h in &s.mentions {
        ev.hand += 1;
        let at = hand_span(h);
        let hit = o.id(&h.region).is_some_and(|hr| {
            tagged
                .iter()
                .any(|t| overlap(t.span, at) && o.related(t.region, hr))
        });
        let strict = o.id(&h.region).is_some_and(|hr| {
            tagged
                .iter()
                .any(|t| overlap(t.span, at) && o.is_ancestor_or_self(hr, t.region))
        });
        ev.found_strict += usize::from(strict);
        if hit {
            ev.found += 1;
        } else {
            ev.misses.push(Miss {
                sentence: i,
                span: at,
                region: h.region.clone(),
                tagged: tagged
                    .iter()
                    .map(|t| TaggedSpan::new(t.span, o.name(t.region)))
                    .collect(),
            });
        }
    }
}

/// Counts the tagged mentions of sentence `i` that overlap no hand mention or only hand
/// mentions of unrelated regions.
fn compare_tagged_mentions(
    o: &Ontology,
    i: usize,
    s: &LabelledSentence,
    tagged: &[Tagged],
    ev: &mut MentionEval,
) {
    for t in tagged {
        let overlapping: Vec<&LabelledSpan> = s
            .mentions
            .iter()
            .filter(|h| overlap(t.span, hand_span(h)))
            .collect();
        let hand_region = match overlapping.first() {
            None => {
                ev.extra += 1;
                None
            }
            Some(first)
                if !overlapping
                    .iter()
                    .any(|h| o.id(&h.region).is_some_and(|hr| o.related(t.region, hr))) =>
            {
                ev.wrong_region += 1;
                Some(first.region.clone())
            }
            Some(_) => continue,
        };
        ev.extras.push(Extra {
            sentence: i,
            tagged: TaggedSpan::new(t.span, o.name(t.region)),
            hand_region,
        });
    }
}
