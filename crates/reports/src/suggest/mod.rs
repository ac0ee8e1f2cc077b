//! The study's term analysis that grew its ontology: word n-grams (1 to 3 words) of the
//! findings and impression sentences that no pattern of the ontology matches, counted over a
//! corpus, the frequent ones suggested as regions (`uptake ontology suggest`).
//!
//! What is counted, precisely:
//! - sentences: those the [`Tagger`] tags (findings and impression, its section vocabulary);
//!   sentence `i` of a report is `<exam>:<i>`, the id `uptake tag` gives it;
//! - words: maximal runs of letters with inner hyphens ("para-aortic"), lower-cased; any other
//!   character between two words (punctuation, digits, apostrophes) ends a phrase, and n-grams
//!   never cross a phrase end;
//! - matched text: every span any pattern of the ontology matches (region patterns, exclusions,
//!   ignored phrases and the `[tagging]` side words alike, before overlaps are resolved). A word that overlaps such a
//!   span is never part of an n-gram and ends the phrase: so the n-grams lie wholly outside
//!   every match (neither "left axillary" of a matched "left axillary nodes" nor "axillary
//!   nodes with" is counted);
//! - stop words: an n-gram that starts or ends with an English function word ("of the",
//!   "uptake in the", "is") is dropped, which drops every n-gram of stop words only; inner
//!   stop words stay ("lesion of pancreas");
//! - counts are occurrences (a term twice in a sentence counts twice); a term's examples are
//!   the first [`EXAMPLES_PER_TERM`] distinct sentences it occurs in, in corpus order.
//!
//! One pass over the reports with hash maps: words are interned, an n-gram is a key of three
//! word numbers.

mod snippet;

use crate::read::Report;
use crate::tagger::Tagger;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;
use uptake_core::{ExamId, Progress};

/// The most words in a suggested term.
pub const MAX_WORDS: usize = 3;
/// Example sentences kept per term.
pub const EXAMPLES_PER_TERM: usize = 3;

/// What to suggest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuggestSettings {
    /// Occurrences a term needs to be suggested (the study: 35; 0 counts as 1).
    pub min_count: usize,
}

impl Default for SuggestSettings {
    fn default() -> Self {
        Self { min_count: 35 }
    }
}

/// A sentence by id: the exam and the sentence's position among the tagged sentences of its
/// report. Displays as `<exam>:<index>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentenceRef {
    /// The report's exam.
    pub exam_id: ExamId,
    /// Position among the findings and impression sentences of the report (0-based).
    pub index: usize,
}

impl fmt::Display for SentenceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.exam_id, self.index)
    }
}

/// A term no pattern matches, with how often it occurs and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuggestedTerm {
    /// The words, lower case, separated by one space.
    pub term: String,
    /// Occurrences in the corpus.
    pub count: usize,
    /// The first sentences it occurs in (at most [`EXAMPLES_PER_TERM`]).
    pub examples: Vec<SentenceRef>,
}

/// The suggested terms of a corpus, most frequent first (ties by term).
#[derive(Debug, Clone, Serialize)]
pub struct TermSuggestions {
    /// The ontology whose patterns were matched.
    pub ontology: String,
    /// The threshold used.
    pub min_count: usize,
    /// Reports read.
    pub reports: usize,
    /// Findings and impression sentences read.
    pub sentences: usize,
    /// The terms, most frequent first.
    pub terms: Vec<SuggestedTerm>,
}

/// Occurrences and first sentences (report, sentence) of one n-gram.
#[derive(Default)]
struct Tally {
    count: u32,
    examples: [(u32, u32); EXAMPLES_PER_TERM],
    kept: u8,
}

impl Tally {
    fn add(&mut self, at: (u32, u32)) {
        self.count = self.count.saturating_add(1);
        let kept = usize::from(self.kept);
        if kept < EXAMPLES_PER_TERM && (kept == 0 || self.examples[kept - 1] != at) {
            self.examples[kept] = at;
            self.kept += 1;
        }
    }
}

/// Interned lower-case words, and which are stop words.
#[derive(Default)]
struct Words {
    ids: HashMap<String, u32>,
    words: Vec<String>,
    stop: Vec<bool>,
}

/// No word: pads the key of an n-gram shorter than [`MAX_WORDS`].
const NONE: u32 = u32::MAX;

impl Words {
    /// The number of `word` lower-cased (`lower` is a buffer), a new one for a new word.
    fn intern_lower(&mut self, word: &str, lower: &mut String) -> u32 {
        lower.clear();
        lower.extend(word.chars().flat_map(char::to_lowercase));
        if let Some(&id) = self.ids.get(lower.as_str()) {
            return id;
        }
        let id = self.words.len() as u32;
        self.ids.insert(lower.clone(), id);
        self.words.push(lower.clone());
        self.stop
            .push(STOP_WORDS.binary_search(&lower.as_str()).is_ok());
        id
    }

    fn term(&self, key: &[u32; MAX_WORDS]) -> String {
        let words = key.iter().filter(|&&w| w != NONE);
        let words: Vec<&str> = words.map(|&w| self.words[w as usize].as_str()).collect();
        words.join(" ")
    }
}

/// Counts the n-grams of `reports` that no pattern of `tagger`'s ontology matches and keeps
/// those occurring at least `settings.min_count` times (see the module page for the rules).
pub fn suggest_terms(
    reports: &[Report],
    tagger: &Tagger,
    settings: &SuggestSettings,
    progress: &dyn Progress,
) -> TermSuggestions {
    progress.start("terms", reports.len() as u64);
    let mut words = Words::default();
    let mut tallies: HashMap<[u32; MAX_WORDS], Tally> = HashMap::new();
    let (mut sentences, mut sequence, mut lower) = (0, Vec::new(), String::new());
    for (r, report) in reports.iter().enumerate() {
        let text = report.text.as_str();
        for (i, (_, s)) in tagger.tagged_sentences(text).0.into_iter().enumerate() {
            let sentence = &text[s.start..s.end];
            let matched = tagger.pattern_spans(sentence);
            sequence.clear();
            for (start, end) in word_spans(sentence) {
                // A phrase end, or a word overlapping a match: no n-gram goes through it.
                let covered =
                    start == end || matched.iter().any(|m| m.start < end && start < m.end);
                sequence.push(match covered {
                    true => NONE,
                    false => words.intern_lower(&sentence[start..end], &mut lower),
                });
            }
            count_ngrams(&sequence, &words.stop, (r as u32, i as u32), &mut tallies);
            sentences += 1;
        }
        progress.advance(1);
    }
    progress.finish();
    let min_count = settings.min_count.max(1);
    let mut terms: Vec<SuggestedTerm> = (tallies.iter())
        .filter(|(_, t)| t.count as usize >= min_count)
        .map(|(key, t)| SuggestedTerm {
            term: words.term(key),
            count: t.count as usize,
            examples: (t.examples[..usize::from(t.kept)].iter())
                .map(|&(r, i)| SentenceRef {
                    exam_id: reports[r as usize].exam_id.clone(),
                    index: i as usize,
                })
                .collect(),
        })
        .collect();
    terms.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.term.cmp(&b.term)));
    TermSuggestions {
        ontology: tagger.ontology().source_name().to_string(),
        min_count,
        reports: reports.len(),
        sentences,
        terms,
    }
}

/// The words of `sentence` (byte ranges: letters with inner hyphens), with `(0, 0)` between
/// two words that something other than white space separates (a phrase end).
fn word_spans(sentence: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut chars = sentence.char_indices().peekable();
    let mut broken = false;
    while let Some((start, c)) = chars.next() {
        if !c.is_alphabetic() {
            broken |= !c.is_whitespace();
            continue;
        }
        let mut end = start + c.len_utf8();
        while let Some(&(at, next)) = chars.peek() {
            let hyphen_then_letter = next == '-'
                && sentence[at + 1..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphabetic);
            if !next.is_alphabetic() && !hyphen_then_letter {
                break;
            }
            chars.next();
            end = at + next.len_utf8();
        }
        if broken && !out.is_empty() {
            out.push((0, 0));
        }
        broken = false;
        out.push((start, end));
    }
    out
}

/// Adds the n-grams (1 to [`MAX_WORDS`] words) of `sequence` that start and end with a word
/// that is not a stop word and contain no phrase end.
fn count_ngrams(
    sequence: &[u32],
    stop: &[bool],
    at: (u32, u32),
    tallies: &mut HashMap<[u32; MAX_WORDS], Tally>,
) {
    let is_stop = |w: u32| w == NONE || stop[w as usize];
    for first in 0..sequence.len() {
        if is_stop(sequence[first]) {
            continue;
        }
        let mut key = [NONE; MAX_WORDS];
        for (n, &w) in sequence[first..].iter().take(MAX_WORDS).enumerate() {
            if w == NONE {
                break;
            }
            key[n] = w;
            if !is_stop(w) {
                tallies.entry(key).or_default().add(at);
            }
        }
    }
}

/// English function words: an n-gram starting or ending with one is not a term. Sorted.
const STOP_WORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
    "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
    "but", "by", "can", "could", "did", "do", "does", "doing", "down", "due", "during", "each",
    "either", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here",
    "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "may", "me",
    "might", "more", "most", "much", "must", "my", "neither", "no", "nor", "not", "of", "off",
    "on", "once", "only", "or", "other", "our", "out", "over", "per", "s", "same", "she", "should",
    "so", "some", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they",
    "this", "those", "through", "to", "too", "under", "until", "up", "upon", "very", "via", "was",
    "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with",
    "within", "without", "would", "you", "your",
];

#[cfg(test)]
mod tests;
