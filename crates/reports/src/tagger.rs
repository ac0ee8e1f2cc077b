//! Tagging: finding every mention of every ontology region in the findings and impression.
//!
//! One `RegexSet` over all patterns tells which patterns occur in a sentence; only those are
//! then run to get positions. Overlaps are resolved longest match first, then the most
//! specific (deepest) region ("iliac bone" beats "iliac"; "hepatic flexure" beats "hepatic").
//! Two rule passes follow:
//! - lists sharing a head word: "cervical, thoracic and lumbar spine", "right external and
//!   internal iliac nodes", "pancreatic head and tail": each item is re-read with the shared
//!   word ("thoracic spine") and tagged as that region when it is one;
//! - laterality: a side word ("left", "R", "bilateral") right before a mention picks the
//!   region's lateral variant and carries over a list ("left axillary and supraclavicular
//!   nodes" gives left axillary AND left supraclavicular). "Bilateral" gives both variants;
//!   the span is split so that mentions never overlap (the side word or the first half gets
//!   the left variant, the rest the right variant).

use crate::read::Report;
use crate::sections::{SectionKind, SectionLayout, SectionVocabulary};
use crate::sentences::{Sentence, split_sentences};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;
use uptake_core::{ByteSpan, CharSpan, ExamId};
use uptake_ontology::{Ontology, RegionId, Side, anchored_pattern};

/// A mention of a region in a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mention {
    /// Where it is: bytes of the sentence text.
    pub span: ByteSpan,
    /// The region it names.
    pub region: RegionId,
}

impl Mention {
    fn new(start: usize, end: usize, region: RegionId) -> Self {
        Self {
            span: ByteSpan::new(start, end),
            region,
        }
    }
}

/// A sentence of a tagged section with its mentions.
#[derive(Debug, Clone, PartialEq)]
pub struct TaggedSentence {
    /// The report it comes from.
    pub exam_id: ExamId,
    /// Findings or impression.
    pub section: SectionKind,
    /// Position of the sentence among the tagged sentences of its report (0-based).
    pub index: usize,
    /// Where the sentence is in the report.
    pub span: ByteSpan,
    /// The sentence.
    pub text: String,
    /// Sorted by start; never overlapping.
    pub mentions: Vec<Mention>,
}

impl TaggedSentence {
    /// The id `uptake tag` and the labelling tool give the sentence: `<exam>:<index>`.
    pub fn id(&self) -> String {
        format!("{}:{}", self.exam_id, self.index)
    }

    /// Where a mention is, in characters of the sentence (the unit of mention files).
    ///
    /// # Panics
    /// If `mention` is not one of this sentence's (the tagger's spans lie on character
    /// boundaries of its text).
    pub fn char_span(&self, mention: &Mention) -> CharSpan {
        mention
            .span
            .to_chars(&self.text)
            .expect("tagged spans lie on character boundaries of their sentence")
    }
}

/// Why the tagging functions of an ontology cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum TaggerError {
    /// One pattern does not compile.
    #[error("{source_name}: region `{region}`: pattern `{pattern}` does not compile: {message}")]
    Pattern {
        /// The ontology file.
        source_name: String,
        /// The region (or `[tagging]`) the pattern belongs to.
        region: String,
        /// The pattern as written.
        pattern: String,
        /// The regex compiler's message.
        message: String,
    },
    /// All patterns together exceed the regex size limits.
    #[error("{source_name}: the patterns together are too large to compile: {message}")]
    TooLarge {
        /// The ontology file.
        source_name: String,
        /// The regex compiler's message.
        message: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum EntryKind {
    Region(RegionId),
    Exclude(RegionId),
    Ignore,
}

#[derive(Debug)]
struct Entry {
    kind: EntryKind,
    regex: Regex,
}

/// A report's tagged sentences, and how its findings were found.
#[derive(Debug, Clone, PartialEq)]
pub struct TaggedReport {
    /// Every findings and impression sentence, with or without mentions.
    pub sentences: Vec<TaggedSentence>,
    /// How the sections were found ([`SectionLayout::Fallback`]: no findings or impression
    /// header; the text outside history, technique and comparison was tagged).
    pub layout: SectionLayout,
}

impl TaggedReport {
    /// The number of mentions in all sentences.
    pub fn mention_count(&self) -> usize {
        self.sentences.iter().map(|s| s.mentions.len()).sum()
    }
}

/// The compiled tagging functions of one ontology, and the section headers they read.
#[derive(Debug)]
pub struct Tagger {
    ontology: Ontology,
    sections: SectionVocabulary,
    set: RegexSet,
    entries: Vec<Entry>,
    /// Side words (any side).
    sides: Regex,
    /// Whole-word classifiers of a side word: both, left (else right).
    side_kinds: [Regex; 2],
    depth: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SideWord {
    One(Side),
    Both,
}

/// Text between two list items: ", ", " and ", ", and ", " or ", "/", " & ", " as well as ".
static CONNECTOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:\s*,\s*(?:and\s+|or\s+|and/or\s+)?|\s+(?:and|or|and/or|&|as well as|plus)\s+|\s*/\s*)(?:the\s+|both\s+)?$").expect("static")
});
static CONNECTOR_AT_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|and/or|&|as well as)\s+|\s*/\s*)$")
        .expect("static")
});
static CONNECTOR_AT_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|and/or|&|as well as)\s+|\s*/\s*)")
        .expect("static")
});
static WORD_AT_END: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z][A-Za-z-]*$").expect("static"));
static WORD_AT_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z][A-Za-z-]*").expect("static"));

/// Compiles ASCII-only when possible (faster on the lazy DFA), Unicode otherwise.
fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .build()
        .or_else(|_| RegexBuilder::new(pattern).build())
}

/// The side-word expression and its classifiers (both sides, left; else right).
fn side_regexes(ontology: &Ontology) -> Result<(Regex, [Regex; 2]), TaggerError> {
    let rules = ontology.tagging_rules();
    let group = |words: &[String]| -> String {
        let mut w: Vec<String> = words.iter().map(|p| format!("(?:{p})")).collect();
        if w.is_empty() {
            w.push("(?:[^\\s\\S])".into()); // never matches
        }
        w.join("|")
    };
    let sides_pattern = format!(
        r"(?i)(?-u:\b)(?:(?P<b>(?:left|right)\s+(?:and|or|&)\s+(?:left|right)|{})|(?P<l>{})|(?P<r>{}))(?-u:\b)",
        group(&rules.both),
        group(&rules.left),
        group(&rules.right)
    );
    let side_error = |e: regex::Error| TaggerError::Pattern {
        source_name: ontology.source_name().to_string(),
        region: "[tagging]".into(),
        pattern: "left/right/both".into(),
        message: e.to_string(),
    };
    let sides = compile(&sides_pattern).map_err(side_error)?;
    let both = format!(
        r"(?i)^(?:(?:left|right)\s+(?:and|or|&)\s+(?:left|right)|{})$",
        group(&rules.both)
    );
    let left = format!(r"(?i)^(?:{})$", group(&rules.left));
    let side_kinds = [
        compile(&both).map_err(side_error)?,
        compile(&left).map_err(side_error)?,
    ];
    Ok((sides, side_kinds))
}

impl Tagger {
    /// Compiles the tagging patterns of `ontology` (a fraction of a second for the built-in one);
    /// sections are found with the built-in header vocabulary.
    pub fn new(ontology: &Ontology) -> Result<Tagger, TaggerError> {
        Self::with_sections(ontology, SectionVocabulary::builtin())
    }

    /// Like [`Tagger::new`], with another section-header vocabulary (`--sections FILE`).
    pub fn with_sections(
        ontology: &Ontology,
        sections: SectionVocabulary,
    ) -> Result<Tagger, TaggerError> {
        let rules = ontology.tagging_rules();
        let mut patterns: Vec<String> = Vec::new();
        let mut entries: Vec<Entry> = Vec::new();
        let mut add = |kind: EntryKind, raw: &str, owner: &str| -> Result<(), TaggerError> {
            let p = anchored_pattern(&rules.expand(raw));
            let regex = compile(&p).map_err(|e| TaggerError::Pattern {
                source_name: ontology.source_name().to_string(),
                region: owner.to_string(),
                pattern: raw.to_string(),
                message: e.to_string(),
            })?;
            patterns.push(p);
            entries.push(Entry { kind, regex });
            Ok(())
        };
        for &id in ontology.ids() {
            let r = ontology.region(id);
            for p in &r.patterns {
                add(EntryKind::Region(id), p, &r.name)?;
            }
            for p in &r.exclude {
                add(EntryKind::Exclude(id), p, &r.name)?;
            }
        }
        for p in &rules.ignore {
            add(EntryKind::Ignore, p, "[tagging] ignore")?;
        }
        let too_large = |e: regex::Error| TaggerError::TooLarge {
            source_name: ontology.source_name().to_string(),
            message: e.to_string(),
        };
        let set = RegexSetBuilder::new(&patterns)
            .unicode(false)
            .size_limit(256 << 20)
            .dfa_size_limit(64 << 20)
            .build()
            .or_else(|_| {
                RegexSetBuilder::new(&patterns)
                    .size_limit(256 << 20)
                    .dfa_size_limit(64 << 20)
                    .build()
            })
            .map_err(too_large)?;
        let (sides, side_kinds) = side_regexes(ontology)?;
        let depth = (0..ontology.len())
            .map(|i| {
                ontology.depth(
                    ontology
                        .ids()
                        .iter()
                        .copied()
                        .find(|id| id.index() == i)
                        .expect("id"),
                )
            })
            .collect();
        Ok(Tagger {
            ontology: ontology.clone(),
            sections,
            set,
            entries,
            sides,
            side_kinds,
            depth,
        })
    }

    /// The ontology whose regions the mentions name.
    pub fn ontology(&self) -> &Ontology {
        &self.ontology
    }

    /// The section-header vocabulary the tagger reads reports with.
    pub fn sections(&self) -> &SectionVocabulary {
        &self.sections
    }

    /// Tags the findings and impression sentences of a report. Every sentence of those
    /// sections is returned, with or without mentions.
    pub fn tag_report(&self, report: &Report) -> Vec<TaggedSentence> {
        self.tag(report).sentences
    }

    /// Tags a report: its findings and impression sentences and how its sections were found.
    pub fn tag(&self, report: &Report) -> TaggedReport {
        let text = report.text.as_str();
        let (sentences, layout) = self.tagged_sentences(text);
        let out = (sentences.into_iter().enumerate())
            .map(|(index, (section, s))| {
                let sentence = &text[s.start..s.end];
                TaggedSentence {
                    exam_id: report.exam_id.clone(),
                    section,
                    index,
                    span: ByteSpan::new(s.start, s.end),
                    text: sentence.to_string(),
                    mentions: self.tag_sentence(sentence),
                }
            })
            .collect();
        TaggedReport {
            sentences: out,
            layout,
        }
    }

    /// The findings and impression sentences of `text`, in order (sentence `i` of the list is
    /// sentence `<exam>:<i>` of [`TaggedSentence::id`]), with how the sections were found.
    pub(crate) fn tagged_sentences(
        &self,
        text: &str,
    ) -> (Vec<(SectionKind, Sentence)>, SectionLayout) {
        let split = self.sections.split(text);
        let sentences = (split.sections.iter())
            .filter(|section| section.kind.is_tagged())
            .flat_map(|section| {
                let sentences = split_sentences(text, section.start..section.end);
                sentences.into_iter().map(|s| (section.kind, s))
            })
            .collect();
        (sentences, split.layout)
    }

    /// Every span of `sentence` (bytes) that a pattern of the ontology matches: region
    /// patterns, exclusions, ignored phrases and side words ("left", "bilateral") alike, before
    /// overlaps are resolved; sorted.
    pub(crate) fn pattern_spans(&self, sentence: &str) -> Vec<ByteSpan> {
        let mut spans: Vec<ByteSpan> = (self.set.matches(sentence).iter())
            .flat_map(|idx| self.entries[idx].regex.find_iter(sentence))
            .chain(self.sides.find_iter(sentence))
            .map(|m| ByteSpan::new(m.start(), m.end()))
            .collect();
        spans.sort_unstable_by_key(|s| (s.start, s.end));
        spans
    }

    /// The mentions of one sentence (byte offsets into it), sorted, never overlapping.
    pub fn tag_sentence(&self, sentence: &str) -> Vec<Mention> {
        let hits = self.set.matches(sentence);
        if !hits.matched_any() {
            return Vec::new();
        }
        let mut cands: Vec<(usize, usize, EntryKind)> = Vec::new();
        for idx in hits.iter() {
            let e = &self.entries[idx];
            for m in e.regex.find_iter(sentence) {
                cands.push((m.start(), m.end(), e.kind));
            }
        }
        let mut mentions = self.select(&cands);
        if mentions.is_empty() {
            return mentions;
        }
        self.expand_lists(sentence, &mut mentions);
        self.apply_laterality(sentence, mentions)
    }

    /// Longest match first, then deepest region; exclusions and ignored phrases applied.
    fn select(&self, cands: &[(usize, usize, EntryKind)]) -> Vec<Mention> {
        // Exclusion spans per region, sorted by start, with the running maximum of their ends,
        // so that "does an exclusion of r overlap a..b" is a binary search (long reports).
        let mut excl: HashMap<RegionId, (Vec<usize>, Vec<usize>)> = HashMap::new();
        let mut raw: Vec<(RegionId, usize, usize)> = cands
            .iter()
            .filter_map(|&(s, e, k)| match k {
                EntryKind::Exclude(r) => Some((r, s, e)),
                _ => None,
            })
            .collect();
        raw.sort_unstable();
        for (r, s, e) in raw {
            let (starts, max_ends) = excl.entry(r).or_default();
            let m = max_ends.last().copied().unwrap_or(0).max(e);
            starts.push(s);
            max_ends.push(m);
        }
        let excluded = |start: usize, end: usize, region: RegionId| {
            excl.get(&region).is_some_and(|(starts, max_ends)| {
                let n = starts.partition_point(|&s| s < end);
                n > 0 && max_ends[n - 1] > start
            })
        };
        let mut pool: Vec<(usize, usize, Option<RegionId>)> = cands
            .iter()
            .filter_map(|&(s, e, k)| match k {
                EntryKind::Region(r) if !excluded(s, e, r) => Some((s, e, Some(r))),
                EntryKind::Ignore => Some((s, e, None)),
                _ => None,
            })
            .collect();
        pool.sort_by_key(|&(s, e, r)| {
            let depth = r.map_or(usize::MAX, |r| self.depth[r.index()]);
            (std::cmp::Reverse(e - s), std::cmp::Reverse(depth), s)
        });
        // Chosen spans are disjoint: only the one starting last before `end` can overlap.
        let mut chosen: BTreeMap<usize, (usize, Option<RegionId>)> = BTreeMap::new();
        for (s, e, r) in pool {
            let overlaps = chosen
                .range(..e)
                .next_back()
                .is_some_and(|(_, &(pe, _))| pe > s);
            if !overlaps {
                chosen.insert(s, (e, r));
            }
        }
        chosen
            .into_iter()
            .filter_map(|(start, (end, r))| r.map(|region| Mention::new(start, end, region)))
            .collect()
    }

    /// The deepest region one of whose patterns matches all of `text` (not excluded by the
    /// region's own `exclude`, and not an ignored phrase).
    fn whole_match(&self, text: &str) -> Option<RegionId> {
        let hits = self.set.matches(text);
        let whole = |e: &Entry| {
            e.regex
                .find_iter(text)
                .any(|m| m.start() == 0 && m.end() == text.len())
        };
        let mut found: Vec<RegionId> = Vec::new();
        let mut vetoed: Vec<RegionId> = Vec::new();
        for idx in hits.iter() {
            let e = &self.entries[idx];
            match e.kind {
                EntryKind::Region(r) if whole(e) => found.push(r),
                EntryKind::Exclude(r) if whole(e) => vetoed.push(r),
                EntryKind::Ignore if whole(e) => return None,
                _ => {}
            }
        }
        found
            .into_iter()
            .filter(|r| !vetoed.contains(r))
            .max_by_key(|r| self.depth[r.index()])
    }

    /// Lists sharing a head word ("cervical, thoracic and lumbar spine") or a modifier
    /// ("pancreatic head and tail"): re-read each item with the shared word.
    fn expand_lists(&self, s: &str, mentions: &mut Vec<Mention>) {
        let mut added: Vec<Mention> = Vec::new();
        for m in mentions.iter() {
            let mt = &s[m.span.start..m.span.end];
            let Some(first_end) = mt.find(char::is_whitespace) else {
                continue;
            };
            let last_start = mt.rfind(char::is_whitespace).map_or(0, |p| p + 1);
            // Backwards: "W, ... and <first> <rest>" -> "W <rest>".
            let rest = &mt[first_end..];
            let mut pos = m.span.start;
            loop {
                // Look back a short window only, so long reports stay linear.
                let lo = window_start(s, pos);
                let Some(conn) = CONNECTOR_AT_END.find(&s[lo..pos]) else {
                    break;
                };
                let conn_start = lo + conn.start();
                let wlo = window_start(s, conn_start);
                let Some(w) = WORD_AT_END.find(&s[wlo..conn_start]) else {
                    break;
                };
                let (w_start, w_end, w) = (wlo + w.start(), wlo + w.end(), w.as_str());
                if self.sides.is_match(w) {
                    break;
                }
                let Some(region) = self.whole_match(&format!("{w}{rest}")) else {
                    break;
                };
                added.push(Mention::new(w_start, w_end, region));
                pos = w_start;
            }
            // Forwards: "<head> <last>, ... and W" -> "<head> W".
            let head = &mt[..last_start];
            let mut pos = m.span.end;
            while let Some(conn) = CONNECTOR_AT_START.find(&s[pos..]) {
                let wstart = pos + conn.end();
                let Some(w) = WORD_AT_START.find(&s[wstart..]) else {
                    break;
                };
                if self.sides.is_match(w.as_str()) {
                    break;
                }
                let Some(region) = self.whole_match(&format!("{head}{}", w.as_str())) else {
                    break;
                };
                added.push(Mention::new(wstart, wstart + w.end(), region));
                pos = wstart + w.end();
            }
        }
        if added.is_empty() {
            return;
        }
        for a in added {
            // Replace a mention lying inside the item word; never cut a longer mention.
            if mentions.iter().any(|m| {
                m.span.start < a.span.end
                    && a.span.start < m.span.end
                    && (m.span.start < a.span.start || m.span.end > a.span.end)
            }) {
                continue;
            }
            mentions.retain(|m| !(m.span.start >= a.span.start && m.span.end <= a.span.end));
            mentions.push(a);
        }
        mentions.sort_by_key(|m| m.span.start);
        mentions.dedup();
    }

    fn side_words(&self, s: &str) -> Vec<(usize, usize, SideWord)> {
        // find_iter and then classify the few matches: much faster than captures_iter.
        self.sides
            .find_iter(s)
            .map(|m| {
                let w = m.as_str();
                let side = if self.side_kinds[0].is_match(w) {
                    SideWord::Both
                } else if self.side_kinds[1].is_match(w) {
                    SideWord::One(Side::Left)
                } else {
                    SideWord::One(Side::Right)
                };
                (m.start(), m.end(), side)
            })
            .collect()
    }

    fn apply_laterality(&self, s: &str, mentions: Vec<Mention>) -> Vec<Mention> {
        let words = self.side_words(s);
        if words.is_empty() {
            return mentions;
        }
        let mut out = Vec::with_capacity(mentions.len() + 2);
        let mut prev: Option<(usize, Option<SideWord>)> = None; // (end, side) of the previous mention
        let mut floor = 0; // side words before this belong to earlier mentions
        for m in mentions {
            // A side word inside the mention, at its start ("left upper lobe" as one pattern).
            let at = words.partition_point(|w| w.0 < m.span.start);
            let inside = words
                .get(at)
                .filter(|w| w.0 == m.span.start && w.1 <= m.span.end)
                .map(|w| (w.0, w.1, w.2, false));
            // The nearest side word before it, at most two words away, no punctuation between.
            let before_idx = words.partition_point(|w| w.1 <= m.span.start);
            let before = before_idx
                .checked_sub(1)
                .map(|i| &words[i])
                .filter(|w| w.0 >= floor)
                .filter(|w| governs(&s[w.1..m.span.start]))
                .map(|w| {
                    (
                        w.0,
                        w.1,
                        w.2,
                        s[w.1..m.span.start]
                            .trim_matches(|c: char| c.is_whitespace() || c == '-')
                            .is_empty(),
                    )
                });
            let own = inside.or(before);
            let side = match own {
                Some((_, _, side, _)) => Some(side),
                None => match prev {
                    Some((pend, pside))
                        if pend <= m.span.start && CONNECTOR.is_match(&s[pend..m.span.start]) =>
                    {
                        pside
                    }
                    _ => None,
                },
            };
            prev = Some((m.span.end, side));
            floor = m.span.end;
            let adjacent_start = match own {
                Some((ws, _, _, true)) => Some(ws),
                _ => None,
            };
            let start = adjacent_start.unwrap_or(m.span.start);
            match side {
                None => out.push(m),
                Some(SideWord::One(side)) => {
                    let region = self
                        .ontology
                        .lateral_variant(m.region, side)
                        .unwrap_or(m.region);
                    out.push(Mention::new(start, m.span.end, region));
                }
                Some(SideWord::Both) => {
                    // The side word right before the mention ("bilateral hilar") splits off
                    // as the left part; otherwise the mention itself is split.
                    let split = match own {
                        Some((_, wend, _, true)) => Some((wend, m.span.start)),
                        _ => split_point(s, m.span.start, m.span.end),
                    };
                    out.extend(self.both_sides(m, start, split));
                }
            }
        }
        out
    }

    /// A mention governed by "bilateral" from `start`: its left variant up to the split and
    /// its right variant after it; itself when the region has no variants or cannot be split.
    fn both_sides(&self, m: Mention, start: usize, split: Option<(usize, usize)>) -> Vec<Mention> {
        let left = self.ontology.lateral_variant(m.region, Side::Left);
        let right = self.ontology.lateral_variant(m.region, Side::Right);
        match (left, right, split) {
            (Some(l), Some(r), Some((left_end, right_start))) => vec![
                Mention::new(start, left_end, l),
                Mention::new(right_start, m.span.end, r),
            ],
            _ => vec![Mention::new(start, m.span.end, m.region)],
        }
    }

    /// The `uptake tag` output record: the mention-file shape without labels.
    pub(crate) fn to_record(&self, t: &TaggedSentence) -> TaggedRecord {
        TaggedRecord {
            id: t.id(),
            exam_id: t.exam_id.to_string(),
            section: t.section.as_str(),
            text: t.text.clone(),
            mentions: t
                .mentions
                .iter()
                .map(|m| TaggedSpan::new(t.char_span(m), self.ontology.name(m.region)))
                .collect(),
        }
    }
}

/// One line of `uptake tag` output: like a mention-file line, without labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct TaggedRecord {
    /// `<exam>:<index>`, see [`TaggedSentence::id`].
    pub id: String,
    /// The report it comes from.
    pub exam_id: String,
    /// `findings` or `impression`.
    pub section: &'static str,
    /// The sentence.
    pub text: String,
    /// Its mentions, in order.
    pub mentions: Vec<TaggedSpan>,
}

/// A tagged mention as files write it: character offsets into the sentence, end exclusive.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaggedSpan {
    /// First character.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// The region name.
    pub region: String,
}

impl TaggedSpan {
    /// The record of a mention at `span` naming `region`.
    pub fn new(span: CharSpan, region: &str) -> Self {
        Self {
            start: span.start,
            end: span.end,
            region: region.to_string(),
        }
    }

    /// Where the mention is.
    pub fn span(&self) -> CharSpan {
        CharSpan::new(self.start, self.end)
    }
}

/// Start of a window of at most 48 bytes before `pos`, on a character boundary.
fn window_start(s: &str, pos: usize) -> usize {
    let mut lo = pos.saturating_sub(48);
    while !s.is_char_boundary(lo) {
        lo += 1;
    }
    lo
}

/// Whether a side word governs a mention with `gap` between them: at most two words, no
/// punctuation ("left axillary", "right-sided hilar", "left level II", "right upper paratracheal").
fn governs(gap: &str) -> bool {
    if gap.contains([',', ';', ':', '.', '(', ')']) {
        return false;
    }
    let words = gap
        .split(|c: char| c.is_whitespace() || c == '-')
        .filter(|w| !w.is_empty() && !w.eq_ignore_ascii_case("sided"));
    words.count() <= 2
}

/// Where to split a span between left and right variants, as (end of the left part, start of
/// the right part): at the last white space before the middle (or the first after it); for
/// one word, at the middle character.
fn split_point(s: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let span = &s[start..end];
    let mid = span.len() / 2;
    let ws: Vec<usize> = span
        .match_indices(char::is_whitespace)
        .map(|(i, _)| i)
        .collect();
    if let Some(&p) = ws
        .iter()
        .rev()
        .find(|&&p| p <= mid && p > 0)
        .or(ws.iter().find(|&&p| p > 0))
    {
        return Some((start + p, start + p + 1));
    }
    let p = (mid..span.len()).find(|&p| span.is_char_boundary(p))?;
    (p > 0 && p < span.len()).then_some((start + p, start + p))
}
