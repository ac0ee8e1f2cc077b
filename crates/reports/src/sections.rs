//! Splitting a report into its sections (history, technique, comparison, findings, impression).
//!
//! Styles handled: upper- or mixed-case headers with a colon ("FINDINGS:", "Impression:"),
//! headers alone on their line without a colon ("FINDINGS"), headers after a sentence on the
//! same line ("... 2019. FINDINGS: ..."), organ sub-headers inside findings ("CHEST:",
//! "Abdomen/Pelvis:"; they stay in the findings), "END OF IMPRESSION", and no headers at all
//! (then the whole text is findings).

use regex::Regex;
use std::sync::LazyLock;

/// What a section of a report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SectionKind {
    /// Clinical history, indication, reason for the exam.
    History,
    /// Technique, procedure, radiopharmaceutical.
    Technique,
    /// Prior studies compared with.
    Comparison,
    /// The findings (tagged).
    Findings,
    /// The impression or conclusion (tagged).
    Impression,
    /// A header uptake does not know.
    Other,
}

impl SectionKind {
    /// Lower-case name used in files ("findings", "impression", ...).
    pub fn as_str(self) -> &'static str {
        match self {
            SectionKind::History => "history",
            SectionKind::Technique => "technique",
            SectionKind::Comparison => "comparison",
            SectionKind::Findings => "findings",
            SectionKind::Impression => "impression",
            SectionKind::Other => "other",
        }
    }

    /// Whether mentions in this section are tagged (findings and impression only: "history of
    /// right breast cancer" is not a finding).
    pub fn is_tagged(self) -> bool {
        matches!(self, SectionKind::Findings | SectionKind::Impression)
    }
}

impl std::fmt::Display for SectionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A section body: `start..end` are byte offsets into the report, after the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    /// What the section is about.
    pub kind: SectionKind,
    /// First byte of the body.
    pub start: usize,
    /// One past the last byte of the body.
    pub end: usize,
}

/// Header words and the section each opens. Longer phrases first (the regex is leftmost-first).
const HEADERS: &[(&str, SectionKind)] = &[
    (
        r"clinical\s+(?:history|indications?|information|data|question|details)",
        SectionKind::History,
    ),
    (
        r"(?:brief\s+)?(?:history|indications?)(?:\s+for\s+(?:exam(?:ination)?|study))?",
        SectionKind::History,
    ),
    (
        r"reason\s+for\s+(?:exam(?:ination)?|study|referral)",
        SectionKind::History,
    ),
    (r"exam(?:ination)?\s+indication", SectionKind::History),
    (
        r"(?:pet(?:/ct)?\s+)?(?:technique|procedure|protocol|methods?)",
        SectionKind::Technique,
    ),
    (
        r"radiopharmaceutical(?:\s+and\s+dose)?",
        SectionKind::Technique,
    ),
    (
        r"comparisons?(?:\s+stud(?:y|ies))?",
        SectionKind::Comparison,
    ),
    (r"prior\s+stud(?:y|ies)", SectionKind::Comparison),
    (r"(?:pet(?:/ct)?\s+)?findings", SectionKind::Findings),
    (
        r"(?:pet(?:/ct)?\s+)?(?:results|observations|description)",
        SectionKind::Findings,
    ),
    (r"impressions?", SectionKind::Impression),
    (r"conclusions?", SectionKind::Impression),
    (r"summary", SectionKind::Impression),
    (r"interpretation", SectionKind::Impression),
    (r"opinion", SectionKind::Impression),
    (r"end\s+of\s+impression", SectionKind::Other),
    (
        r"(?:addend(?:um|a)|attestation|electronically\s+signed(?:\s+by)?|signed\s+by|dictated\s+by|signature|recommendations?)",
        SectionKind::Other,
    ),
];

/// A header: at the start of a line or after a sentence end, followed by a colon (or a dash),
/// or alone on its line. Case-insensitive.
static HEADER_RE: LazyLock<Regex> = LazyLock::new(|| {
    let alts: Vec<String> = HEADERS.iter().map(|(p, _)| format!("(?:{p})")).collect();
    let words = alts.join("|");
    Regex::new(&format!(
        r"(?im)(?:^|[.!?]\s+)[ \t]*(?P<h>{words})[ \t]*(?::|\s-\s|[ \t]*$)[ \t]*"
    ))
    .expect("static header regex")
});

/// "END OF IMPRESSION" may come without a colon, on its own line or after the last sentence.
static END_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bend\s+of\s+(?:impression|report)\b[ \t:.]*").expect("static")
});

static KIND_RES: LazyLock<Vec<(Regex, SectionKind)>> = LazyLock::new(|| {
    HEADERS
        .iter()
        .map(|(p, kind)| {
            (
                Regex::new(&format!("(?i)^(?:{p})$")).expect("static header pattern"),
                *kind,
            )
        })
        .collect()
});

fn kind_of(header: &str) -> SectionKind {
    let header = header.trim();
    KIND_RES
        .iter()
        .find(|(re, _)| re.is_match(header))
        .map_or(SectionKind::Other, |(_, k)| *k)
}

/// A header's words inside a header match.
struct Span<'a> {
    start: usize,
    end: usize,
    text: &'a str,
}

impl Span<'_> {
    fn start(&self) -> usize {
        self.start
    }
    fn end(&self) -> usize {
        self.end
    }
    fn as_str(&self) -> &str {
        &self.text[self.start..self.end]
    }
}

/// Splits a report into sections. With no recognised header the whole text is one findings
/// section. Text before the first header is `Other` (titles, patient data).
pub fn split_sections(text: &str) -> Vec<Section> {
    let mut marks: Vec<(usize, usize, SectionKind)> = Vec::new(); // (header start, body start, kind)
    // find_iter, not captures_iter (much faster): the header words are the part of the match
    // from its first to its last letter (the rest is punctuation, space and the colon).
    for whole in HEADER_RE.find_iter(text) {
        let w = whole.as_str();
        let (Some(first), Some(last)) =
            (w.find(char::is_alphabetic), w.rfind(char::is_alphanumeric))
        else {
            continue;
        };
        let last_len = w[last..].chars().next().map_or(1, char::len_utf8);
        let h = Span {
            start: whole.start() + first,
            end: whole.start() + last + last_len,
            text,
        };
        let kind = kind_of(h.as_str());
        // A header alone on its line without a colon must look like a header (not a word that
        // starts a sentence such as "Summary of..."): upper case or short title.
        let after = &text[h.end()..whole.end()];
        if !after.contains(':') && !after.contains('-') {
            let is_upper = !h.as_str().chars().any(|c| c.is_lowercase());
            let line_end = text[h.end()..]
                .find('\n')
                .map_or(text.len(), |p| h.end() + p);
            if !is_upper && !text[h.end()..line_end].trim().is_empty() {
                continue;
            }
        }
        marks.push((h.start(), whole.end(), kind));
    }
    for m in END_RE.find_iter(text) {
        if !marks.iter().any(|&(hs, _, _)| hs == m.start()) {
            marks.push((m.start(), m.end(), SectionKind::Other));
        }
    }
    marks.sort_by_key(|m| m.0);
    if marks.is_empty() {
        return vec![Section {
            kind: SectionKind::Findings,
            start: 0,
            end: text.len(),
        }];
    }
    let mut out = Vec::new();
    if !text[..marks[0].0].trim().is_empty() {
        out.push(Section {
            kind: SectionKind::Other,
            start: 0,
            end: marks[0].0,
        });
    }
    for (i, &(_, body_start, kind)) in marks.iter().enumerate() {
        let end = marks.get(i + 1).map_or(text.len(), |m| m.0);
        let end = end.max(body_start);
        out.push(Section {
            kind,
            start: body_start,
            end,
        });
    }
    out
}
