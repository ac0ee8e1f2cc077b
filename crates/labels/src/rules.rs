//! The rule-based mention labeller: negation scope, benign attributions, resolution and
//! hedging, with its vocabulary in a TOML file a clinician can review (`data/rules.toml`).

use crate::scorer::{MentionScorer, ScoreError, SentenceMentions, score_each};
use regex::Regex;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use uptake_core::ByteSpan;

/// The built-in vocabulary.
pub(crate) const BUILTIN_RULES: &str = include_str!("../data/rules.toml");

/// Why a rules file cannot be used. `origin` names the file (or "built-in rules").
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The file cannot be read.
    #[error("cannot read the rules file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not valid TOML of the rules format.
    #[error("{origin}: not a valid rules file: {message}")]
    Parse {
        /// The file.
        origin: String,
        /// The TOML parser's message.
        message: String,
    },
    /// An entry that is not a regular expression.
    #[error("{origin}: [{list}] entry `{entry}` is not a valid regular expression: {message}")]
    BadPattern {
        /// The file.
        origin: String,
        /// The list (`negation.before`...).
        list: String,
        /// The entry as written.
        entry: String,
        /// The regex compiler's message.
        message: String,
    },
    /// A score outside [0, 1].
    #[error("{origin}: score `{name}` = {value} is not a probability in [0, 1]")]
    BadScore {
        /// The file.
        origin: String,
        /// The score's name.
        name: String,
        /// Its value.
        value: f64,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    scores: Scores,
    clauses: ClauseRules,
    negation: NegationRules,
    resolution: ResolutionRules,
    benign: PhraseList,
    uncertain: PhraseList,
    abnormal: PhraseList,
    weak: PhraseList,
    generic: PhraseList,
    landmark: LandmarkRules,
}

/// The probability given to a mention for each kind of decision.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scores {
    landmark: f64,
    negated: f64,
    resolved: f64,
    benign: f64,
    benign_but_uncertain: f64,
    uncertain: f64,
    abnormal: f64,
    weak: f64,
    generic: f64,
    no_cue: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClauseRules {
    boundaries: Vec<String>,
    exception_phrases: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct NegationRules {
    before: Vec<String>,
    adjacent: Vec<String>,
    after: Vec<String>,
    pseudo: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolutionRules {
    phrases: Vec<String>,
    pseudo: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PhraseList {
    phrases: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct LandmarkRules {
    relation_before: Vec<String>,
    tumour_after: Vec<String>,
    comparison_before: Vec<String>,
    reference_organ: Vec<String>,
    reference_after: Vec<String>,
}

/// Why a mention got its probability: the first rule that fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Decision {
    /// Only a reference point: "encasing the aorta", "uptake less than liver".
    Landmark,
    /// A section header ("CHEST:"), not a finding.
    Header,
    /// Governed by a negation: "no FDG-avid axillary nodes", "the left lung is clear".
    Negated,
    /// Its clause says the finding resolved.
    Resolved,
    /// Its clause attributes the uptake to physiology, inflammation, infection, treatment...
    Benign,
    /// A benign attribution and a hedge towards disease in one clause.
    BenignButUncertain,
    /// Hedged ("indeterminate", "cannot exclude", "suspicious for"): abnormal by the label rules.
    Uncertain,
    /// Strong words of abnormal uptake or disease.
    Abnormal,
    /// Only mild uptake words.
    Weak,
    /// Only neutral uptake words.
    Generic,
    /// Nothing about uptake.
    NoCue,
}

/// The rule labeller. Build it once (it compiles its patterns) and score many sentences.
#[derive(Debug, Clone)]
pub struct RulesLabeller {
    scores: Scores,
    boundaries: Regex,
    exception: Regex,
    neg_before: Regex,
    neg_adjacent: Regex,
    neg_after: Regex,
    neg_pseudo: Regex,
    resolution: Regex,
    resolution_pseudo: Regex,
    benign: Regex,
    uncertain: Regex,
    abnormal: Regex,
    weak: Regex,
    generic: Regex,
    relation_before: Regex,
    tumour_after: Regex,
    comparison_before: Regex,
    reference_organ: Regex,
    reference_after: Regex,
}

/// Words between two mentions that make them separate noun phrases.
static PHRASE_SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r",|\b(?:and|or|with|while|whereas|nor)\b").expect("static pattern")
});
/// A mention inside a section header ("CHEST:", "Abdomen/Pelvis:") names no finding: header
/// words from the line start, then a colon.
static HEADER_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\n.:])[ \t]*(?:[a-z]+[ \t]*(?:/|&|and)[ \t]*)?$").expect("static pattern")
});
static HEADER_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[ \t]*(?:/|&|and)[ \t]*[a-z]+)*[ \t]*:").expect("static pattern")
});

/// For each mention of a sentence (at `spans`, sorted), whether it is a section header over a
/// finding that names its own subject ("ABDOMEN/PELVIS: FDG-avid left inguinal node"): layout,
/// not a statement about the header's region. A header with no mention after it ("Thyroid:
/// focal uptake in a 1.6 cm nodule") is the finding's subject, and is not layout.
pub(crate) fn layout_headers(text: &str, spans: &[ByteSpan]) -> Vec<bool> {
    // ASCII lower-casing keeps byte offsets.
    let lower = text.to_ascii_lowercase();
    spans
        .iter()
        .map(|span| spans.iter().any(|s| s.start >= span.end) && is_header(&lower, *span))
        .collect()
}

fn is_header(lower: &str, span: ByteSpan) -> bool {
    HEADER_AFTER.is_match(&lower[span.end..]) && HEADER_BEFORE.is_match(&lower[..span.start])
}

/// How far (bytes) after a comma another mention may start for a negation to carry on
/// through a list ("no FDG-avid celiac, superior mesenteric or para-aortic nodes").
const LIST_CONTINUATION_BYTES: usize = 30;
/// How far (bytes) before a mention an adjective like "non-avid" still modifies it.
const ADJACENT_BYTES: usize = 25;

enum Anchor {
    /// Word boundaries on both sides where the entry starts/ends with a word.
    Words,
    /// Must end where the text ends (a pattern over the text before a mention).
    AtEnd,
    /// Must start where the text starts (a pattern over the text after a mention).
    AtStart,
}

fn compile(
    entries: &[String],
    list: &str,
    origin: &str,
    anchor: Anchor,
) -> Result<Regex, RulesError> {
    let bad = |entry: &str, message: String| RulesError::BadPattern {
        origin: origin.to_string(),
        list: list.to_string(),
        entry: entry.to_string(),
        message,
    };
    let mut parts = Vec::with_capacity(entries.len());
    for entry in entries {
        let entry = entry.trim();
        if entry.is_empty() {
            return Err(bad(entry, "empty entry".into()));
        }
        Regex::new(entry).map_err(|e| bad(entry, e.to_string()))?;
        let punct = |c: char| matches!(c, ';' | ',' | ':' | '.' | ' ');
        let first = entry.chars().next().unwrap_or(' ');
        let last = entry.chars().last().unwrap_or(' ');
        let start = if punct(first) || matches!(anchor, Anchor::AtStart) {
            ""
        } else {
            r"(?-u:\b)"
        };
        let end = if punct(last) || matches!(anchor, Anchor::AtEnd) {
            ""
        } else {
            r"(?-u:\b)"
        };
        parts.push(format!("{start}(?:{entry}){end}"));
    }
    if parts.is_empty() {
        // An empty list matches nothing.
        parts.push(r"\x00\x01\x00".to_string());
    }
    let body = parts.join("|");
    let pattern = match anchor {
        Anchor::Words => format!("(?i-u)(?:{body})"),
        Anchor::AtEnd => format!(r"(?i-u)(?:{body})(?:\s+(?:the|a|an))?\s*$"),
        Anchor::AtStart => format!(r"(?i-u)^[\s,]*(?:(?:[a-z0-9-]+\s+){{0,2}})(?:{body})"),
    };
    Regex::new(&pattern).map_err(|e| bad(list, e.to_string()))
}

impl RulesLabeller {
    /// The labeller with the built-in vocabulary (`data/rules.toml`).
    pub fn builtin() -> Self {
        Self::from_toml_str(BUILTIN_RULES, "built-in rules").expect("the built-in rules are valid")
    }

    /// Loads a vocabulary file (same format as `data/rules.toml`).
    pub fn from_path(path: &Path) -> Result<Self, RulesError> {
        let text = std::fs::read_to_string(path).map_err(|source| RulesError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    /// Parses a vocabulary; `origin` names it in error messages.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Self, RulesError> {
        let file: RulesFile = toml::from_str(text).map_err(|e| RulesError::Parse {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        let s = file.scores;
        for (name, value) in [
            ("landmark", s.landmark),
            ("negated", s.negated),
            ("resolved", s.resolved),
            ("benign", s.benign),
            ("benign_but_uncertain", s.benign_but_uncertain),
            ("uncertain", s.uncertain),
            ("abnormal", s.abnormal),
            ("weak", s.weak),
            ("generic", s.generic),
            ("no_cue", s.no_cue),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(RulesError::BadScore {
                    origin: origin.to_string(),
                    name: name.into(),
                    value,
                });
            }
        }
        let c = |entries: &Vec<String>, list: &str| compile(entries, list, origin, Anchor::Words);
        Ok(Self {
            scores: s,
            boundaries: c(&file.clauses.boundaries, "clauses.boundaries")?,
            exception: c(&file.clauses.exception_phrases, "clauses.exception_phrases")?,
            neg_before: c(&file.negation.before, "negation.before")?,
            neg_adjacent: c(&file.negation.adjacent, "negation.adjacent")?,
            neg_after: c(&file.negation.after, "negation.after")?,
            neg_pseudo: c(&file.negation.pseudo, "negation.pseudo")?,
            resolution: c(&file.resolution.phrases, "resolution.phrases")?,
            resolution_pseudo: c(&file.resolution.pseudo, "resolution.pseudo")?,
            benign: c(&file.benign.phrases, "benign.phrases")?,
            uncertain: c(&file.uncertain.phrases, "uncertain.phrases")?,
            abnormal: c(&file.abnormal.phrases, "abnormal.phrases")?,
            weak: c(&file.weak.phrases, "weak.phrases")?,
            generic: c(&file.generic.phrases, "generic.phrases")?,
            relation_before: compile(
                &file.landmark.relation_before,
                "landmark.relation_before",
                origin,
                Anchor::AtEnd,
            )?,
            tumour_after: compile(
                &file.landmark.tumour_after,
                "landmark.tumour_after",
                origin,
                Anchor::AtStart,
            )?,
            comparison_before: compile(
                &file.landmark.comparison_before,
                "landmark.comparison_before",
                origin,
                Anchor::AtEnd,
            )?,
            reference_organ: c(&file.landmark.reference_organ, "landmark.reference_organ")?,
            reference_after: compile(
                &file.landmark.reference_after,
                "landmark.reference_after",
                origin,
                Anchor::AtStart,
            )?,
        })
    }

    /// The probability a decision maps to.
    pub(crate) fn probability(&self, decision: Decision) -> f64 {
        let s = &self.scores;
        match decision {
            Decision::Landmark | Decision::Header => s.landmark,
            Decision::Negated => s.negated,
            Decision::Resolved => s.resolved,
            Decision::Benign => s.benign,
            Decision::BenignButUncertain => s.benign_but_uncertain,
            Decision::Uncertain => s.uncertain,
            Decision::Abnormal => s.abnormal,
            Decision::Weak => s.weak,
            Decision::Generic => s.generic,
            Decision::NoCue => s.no_cue,
        }
    }

    /// Probabilities of the mentions of one sentence (spans: byte offsets, valid ranges).
    pub(crate) fn score_sentence(&self, text: &str, spans: &[ByteSpan]) -> Vec<f64> {
        self.decide(text, spans)
            .into_iter()
            .map(|d| self.probability(d))
            .collect()
    }

    /// The decision for each mention of one sentence: what the probability rests on.
    pub(crate) fn decide(&self, text: &str, spans: &[ByteSpan]) -> Vec<Decision> {
        // ASCII lower-casing keeps byte offsets, so spans index `lower` as they index `text`.
        let lower = text.to_ascii_lowercase();
        let sentence = SentenceCues::find(self, &lower, spans);
        spans
            .iter()
            .map(|span| sentence.decide(self, &lower, *span))
            .collect()
    }
}

type Range = (usize, usize);

fn matches(re: &Regex, text: &str) -> Vec<Range> {
    re.find_iter(text).map(|m| (m.start(), m.end())).collect()
}

fn overlaps(a: Range, b: Range) -> bool {
    a.0 < b.1 && b.0 < a.1
}

fn without_overlapping(found: Vec<Range>, cancel: &[Range]) -> Vec<Range> {
    found
        .into_iter()
        .filter(|r| !cancel.iter().any(|c| overlaps(*r, *c)))
        .collect()
}

/// The cue matches of one sentence, found once and shared by its mentions.
struct SentenceCues<'s> {
    spans: &'s [ByteSpan],
    /// Whether each span is a section header.
    headers: Vec<bool>,
    /// Clause breaks, sorted.
    breaks: Vec<Range>,
    neg_before: Vec<Range>,
    neg_adjacent: Vec<Range>,
    neg_after: Vec<Range>,
    resolution: Vec<Range>,
    benign: Vec<Range>,
    uncertain: Vec<Range>,
    abnormal: Vec<Range>,
    weak: Vec<Range>,
    generic: Vec<Range>,
}

impl<'s> SentenceCues<'s> {
    fn find(rules: &RulesLabeller, lower: &str, spans: &'s [ByteSpan]) -> Self {
        let mut breaks = matches(&rules.boundaries, lower);
        // "Apart from the hypermetabolic tongue primary, the rest is unremarkable": the
        // exception phrase ends at its comma.
        for (_, end) in matches(&rules.exception, lower) {
            if let Some(comma) = lower[end..].find(',') {
                breaks.push((end + comma, end + comma + 1));
            }
        }
        // A break inside a mention ("separate from" never is, but an edited vocabulary might
        // hold a region word) must not split it.
        breaks.retain(|b| !spans.iter().any(|s| overlaps(*b, (s.start, s.end))));
        breaks.sort_unstable();
        let pseudo = matches(&rules.neg_pseudo, lower);
        let neg_before = without_overlapping(matches(&rules.neg_before, lower), &pseudo);
        let neg_adjacent = without_overlapping(matches(&rules.neg_adjacent, lower), &pseudo);
        let neg_after = without_overlapping(matches(&rules.neg_after, lower), &pseudo);
        let res_pseudo = matches(&rules.resolution_pseudo, lower);
        let resolution = without_overlapping(matches(&rules.resolution, lower), &res_pseudo);
        // "non-avid" holds "avid": words inside a negation are not evidence of disease.
        let negations: Vec<Range> = neg_before
            .iter()
            .chain(&neg_adjacent)
            .chain(&neg_after)
            .copied()
            .collect();
        let abnormal = without_overlapping(matches(&rules.abnormal, lower), &negations);
        let generic = without_overlapping(matches(&rules.generic, lower), &negations);
        Self {
            spans,
            headers: spans.iter().map(|s| is_header(lower, *s)).collect(),
            breaks,
            neg_before,
            neg_adjacent,
            neg_after,
            resolution,
            benign: matches(&rules.benign, lower),
            uncertain: matches(&rules.uncertain, lower),
            abnormal,
            weak: matches(&rules.weak, lower),
            generic,
        }
    }

    /// The clause around a span: from the end of the last break before it to the start of the
    /// first break after it.
    fn clause(&self, span: ByteSpan, len: usize) -> Range {
        let start = self
            .breaks
            .iter()
            .filter(|b| b.1 <= span.start)
            .map(|b| b.1)
            .max()
            .unwrap_or(0);
        let end = self
            .breaks
            .iter()
            .filter(|b| b.0 >= span.end)
            .map(|b| b.0)
            .min()
            .unwrap_or(len);
        (start, end)
    }

    fn decide(&self, rules: &RulesLabeller, lower: &str, span: ByteSpan) -> Decision {
        let clause = self.clause(span, lower.len());
        let in_clause = |cues: &[Range]| cues.iter().any(|c| self.owns(lower, span, clause, *c));
        if is_header(lower, span) {
            return Decision::Header;
        }
        if self.is_landmark(rules, lower, span) {
            return Decision::Landmark;
        }
        if self.is_negated(lower, span, clause) {
            return Decision::Negated;
        }
        if in_clause(&self.resolution) {
            return Decision::Resolved;
        }
        let uncertain = in_clause(&self.uncertain);
        if in_clause(&self.benign) {
            return if uncertain {
                Decision::BenignButUncertain
            } else {
                Decision::Benign
            };
        }
        if uncertain {
            return Decision::Uncertain;
        }
        if in_clause(&self.abnormal) {
            return Decision::Abnormal;
        }
        if in_clause(&self.weak) {
            return Decision::Weak;
        }
        if in_clause(&self.generic) {
            return Decision::Generic;
        }
        Decision::NoCue
    }

    /// Whether a cue in the clause speaks about this mention. Cues before the first or after
    /// the last mention of the clause speak about all of them ("physiologic uptake in the
    /// brain, tonsils and bladder"); a cue between two mentions belongs to the nearer one
    /// ("an FDG-avid lesion in the left lobe and a photopenic cyst in the right lobe").
    fn owns(&self, lower: &str, span: ByteSpan, clause: Range, cue: Range) -> bool {
        if cue.0 < clause.0 || cue.1 > clause.1 {
            return false;
        }
        if overlaps(cue, (span.start, span.end)) {
            return true;
        }
        let others = self
            .spans
            .iter()
            .zip(&self.headers)
            .filter_map(|(s, &header)| {
                (*s != span && s.start >= clause.0 && s.end <= clause.1 && !header).then_some(s)
            });
        // Only separate noun phrases ("X and a non-avid Y", "X, Y") compete for a cue; in
        // "the skeleton shows physiologic marrow uptake" both mentions share it.
        let separated = |from: usize, to: usize| PHRASE_SEPARATOR.is_match(&lower[from..to]);
        if cue.1 <= span.start {
            let prev_end = others.filter(|s| s.end <= cue.0).map(|s| s.end).max();
            prev_end.is_none_or(|p| !separated(p, span.start) || span.start - cue.1 <= cue.0 - p)
        } else {
            let next_start = others.filter(|s| s.start >= cue.1).map(|s| s.start).min();
            next_start.is_none_or(|n| !separated(span.end, n) || cue.0 - span.end < n - cue.1)
        }
    }

    fn is_landmark(&self, rules: &RulesLabeller, lower: &str, span: ByteSpan) -> bool {
        let before = &lower[..span.start];
        let mention = &lower[span.start..span.end];
        let after = &lower[span.end..];
        if rules.relation_before.is_match(before)
            && !rules.tumour_after.is_match(after)
            && !rules.abnormal.is_match(mention)
        {
            return true;
        }
        (rules.reference_after.is_match(after) || rules.reference_organ.is_match(mention))
            && rules.comparison_before.is_match(before)
    }

    fn is_negated(&self, lower: &str, span: ByteSpan, clause: Range) -> bool {
        // A negation before the mention whose scope reaches it.
        let pre = self.neg_before.iter().any(|t| {
            t.0 >= clause.0 && t.1 <= span.start && self.scope_reaches(lower, t.1, span.start)
        });
        if pre {
            return true;
        }
        // An adjective right before it: "a non-avid right hilar node".
        let adjacent = self.neg_adjacent.iter().any(|t| {
            t.1 <= span.start
                && t.0 >= clause.0
                && span.start - t.1 <= ADJACENT_BYTES
                && !lower[t.1..span.start].contains(',')
        });
        if adjacent {
            return true;
        }
        // A negation after it in its clause, with no word of disease in between:
        // "the liver and biliary tree are unremarkable", "nodules ... are non-avid".
        self.neg_after.iter().any(|t| {
            t.0 >= span.end
                && t.1 <= clause.1
                && !self.modifies_another_mention(lower, *t, span)
                && !self
                    .spans
                    .iter()
                    .any(|s| *s != span && overlaps(*t, (s.start, s.end)))
                && !self
                    .abnormal
                    .iter()
                    .chain(&self.uncertain)
                    .any(|a| a.0 >= span.end && a.1 <= t.0)
        })
    }

    /// Whether a cue is an adjective right before another mention ("... and a non-avid right
    /// obturator node"): then it is that mention's, not an earlier one's.
    fn modifies_another_mention(&self, lower: &str, cue: Range, own: ByteSpan) -> bool {
        self.spans.iter().any(|s| {
            *s != own
                && s.start >= cue.1
                && s.start - cue.1 <= ADJACENT_BYTES
                && !lower[cue.1..s.start].contains(',')
        })
    }

    /// Whether a negation ending at `from` still governs text at `to`: a comma ends the scope
    /// unless another mention follows closely (a list).
    fn scope_reaches(&self, lower: &str, from: usize, to: usize) -> bool {
        let segment = &lower[from..to];
        segment.match_indices(',').all(|(i, _)| {
            let comma = from + i;
            self.spans
                .iter()
                .any(|s| s.start > comma && s.start <= comma + LIST_CONTINUATION_BYTES)
        })
    }
}

impl MentionScorer for RulesLabeller {
    fn name(&self) -> &str {
        "rules"
    }

    fn score(&mut self, sentences: &[SentenceMentions<'_>]) -> Result<Vec<Vec<f64>>, ScoreError> {
        score_each(sentences, |text, spans| self.score_sentence(text, spans))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decisions for the mentions marked with [brackets] in `marked`.
    fn decide(marked: &str) -> Vec<Decision> {
        let (text, spans) = unmark(marked);
        RulesLabeller::builtin().decide(&text, &spans)
    }

    fn unmark(marked: &str) -> (String, Vec<ByteSpan>) {
        let mut text = String::new();
        let mut spans = Vec::new();
        let mut open = 0;
        for c in marked.chars() {
            match c {
                '[' => open = text.len(),
                ']' => spans.push(ByteSpan::new(open, text.len())),
                _ => text.push(c),
            }
        }
        (text, spans)
    }

    use Decision::*;

    #[test]
    fn a_leading_no_negates_every_mention_of_a_list() {
        assert_eq!(
            decide("No FDG-avid [axillary] or [inguinal adenopathy]."),
            [Negated, Negated]
        );
        assert_eq!(
            decide(
                "No hypermetabolic lymphadenopathy in the [neck], [chest], [abdomen] or [pelvis]."
            ),
            [Negated; 4]
        );
    }

    #[test]
    fn negation_scope_ends_at_but_however_and_semicolons() {
        assert_eq!(
            decide("No [cervical] nodes, but a hypermetabolic [left axillary] node."),
            [Negated, Abnormal]
        );
        assert_eq!(
            decide("No [hilar] adenopathy; intense uptake in the [liver]."),
            [Negated, Abnormal]
        );
        assert_eq!(
            decide("No uptake in the [spleen]; however, the [liver] has an FDG-avid lesion."),
            [Negated, Abnormal]
        );
    }

    #[test]
    fn negation_scope_ends_at_a_comma_that_does_not_continue_a_list() {
        let d = decide(
            "Uptake in the [left base of tongue] without a discrete mass, suspicious for a primary, with a positive FDG-avid [left level II node].",
        );
        assert_eq!(d, [Uncertain, Abnormal]);
    }

    #[test]
    fn phrases_of_negation_before_the_mention() {
        for marked in [
            "Negative for FDG-avid disease in the [mediastinum].",
            "No evidence of hypermetabolic disease in the [liver].",
            "There is no abnormal uptake in the [thyroid].",
            "Hypermetabolic left hilar mass without [extrathoracic] disease.",
        ] {
            assert_eq!(decide(marked), [Negated], "{marked}");
        }
    }

    #[test]
    fn phrases_of_negation_after_the_mention() {
        for marked in [
            "The [left lung] is clear.",
            "The [liver] and [biliary tree] are unremarkable.",
            "A 7 mm [LLL] nodule is not FDG avid.",
            "Small [pericardial] effusion without abnormal uptake.",
            "Subcentimeter nodules in both [lungs] are unchanged and non-avid.",
            "Cysts in the [right hepatic lobe] are photopenic.",
        ] {
            assert!(
                decide(marked).iter().all(|d| *d == Negated),
                "{marked}: {:?}",
                decide(marked)
            );
        }
    }

    #[test]
    fn a_negated_neighbour_does_not_negate_the_abnormal_mention() {
        assert_eq!(
            decide("Hypermetabolic [left obturator] node and a non-avid [right obturator] node."),
            [Abnormal, Negated]
        );
        assert_eq!(
            decide("Hypermetabolic [right axillary] node; the [left axilla] is unremarkable."),
            [Abnormal, Negated]
        );
    }

    #[test]
    fn no_change_and_cannot_exclude_are_not_negations() {
        assert_eq!(
            decide("No change in the hypermetabolic [right lung] mass."),
            [Abnormal]
        );
        assert_eq!(
            decide("Metastasis to the [T7 vertebra] cannot be excluded."),
            [Uncertain]
        );
    }

    #[test]
    fn uptake_attributed_to_physiology_or_inflammation_is_benign() {
        for marked in [
            "Physiologic activity is seen in the [brain], [tonsils] and [bladder].",
            "Mildly FDG-avid bilateral [inguinal lymph nodes] are likely reactive.",
            "Consolidation in the [left lower lobe] with intense uptake is most consistent with pneumonia.",
            "Brown fat uptake in the [supraclavicular] regions.",
            "Diffusely increased [bone marrow] activity is related to recent G-CSF administration.",
            "Mild uptake along the [esophagus] likely reflects esophagitis.",
        ] {
            assert!(
                decide(marked).iter().all(|d| *d == Benign),
                "{marked}: {:?}",
                decide(marked)
            );
        }
    }

    #[test]
    fn resolved_findings_are_not_abnormal() {
        assert_eq!(
            decide("Interval resolution of the hypermetabolic [subcarinal] node."),
            [Resolved]
        );
        assert_eq!(
            decide("The previously avid [right level III] node has resolved."),
            [Negated]
        );
        assert_eq!(
            decide("The [celiac] metastasis is no longer visualized."),
            [Resolved]
        );
    }

    #[test]
    fn hedged_findings_count_as_abnormal() {
        let labeller = RulesLabeller::builtin();
        for marked in [
            "Focal uptake in the [right thyroid lobe], indeterminate.",
            "Malignancy in the [left adrenal] cannot be excluded.",
            "Uptake in the [sigmoid colon] is suspicious for a neoplasm.",
        ] {
            let (text, spans) = unmark(marked);
            let p = labeller.score_sentence(&text, &spans);
            assert!(p[0] > 0.5, "{marked}: {p:?}");
        }
    }

    #[test]
    fn reference_organs_and_landmarks_are_not_findings() {
        assert_eq!(
            decide(
                "The [spleen] shows increased uptake greater than the [liver], consistent with lymphoma."
            ),
            [Abnormal, Landmark]
        );
        assert_eq!(
            decide("Hypermetabolic nodes encasing the [aorta]."),
            [Landmark]
        );
        assert_eq!(
            decide("FDG-avid node adjacent to the [distal esophageal] primary."),
            [Abnormal],
            "a tumour word after the mention makes it a finding"
        );
    }

    #[test]
    fn a_mention_without_any_uptake_words_is_not_abnormal() {
        let labeller = RulesLabeller::builtin();
        let (text, spans) = unmark("The [gallbladder] is surgically absent.");
        assert!(labeller.score_sentence(&text, &spans)[0] < 0.5);
    }

    #[test]
    fn scores_follow_the_decision_order() {
        let s = RulesLabeller::builtin().scores;
        assert!(s.negated < 0.5 && s.benign < 0.5 && s.resolved < 0.5 && s.landmark < 0.5);
        assert!(s.uncertain > 0.5 && s.abnormal > s.uncertain);
    }

    #[test]
    fn a_broken_pattern_is_reported_with_its_list_and_entry() {
        let bad = BUILTIN_RULES.replacen("\"reactive\",", "\"reac(tive\",", 1);
        let err = RulesLabeller::from_toml_str(&bad, "my-rules.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("my-rules.toml")
                && err.contains("benign.phrases")
                && err.contains("reac(tive"),
            "{err}"
        );
    }

    #[test]
    fn a_score_outside_zero_one_is_rejected() {
        let bad = BUILTIN_RULES.replacen("abnormal = 0.95", "abnormal = 1.5", 1);
        let err = RulesLabeller::from_toml_str(&bad, "r.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("abnormal") && err.contains("1.5"), "{err}");
    }
}
