//! Splitting a report into its sections (history, technique, comparison, findings, impression),
//! with the header vocabulary as data (`data/sections.toml`, or a user's copy).
//!
//! Layouts handled: upper- or mixed-case headers with a colon ("FINDINGS:", "Impression:"),
//! headers alone on their line without a colon ("FINDINGS"), headers after a sentence on the
//! same line ("... 2019. FINDINGS: ..."), combined headers ("FINDINGS AND IMPRESSION:",
//! "Findings/Impression:"), European "Report:" ... "Conclusion:", organ-system templates whose
//! organ headers ("HEAD/NECK:", "CHEST:") follow TECHNIQUE with no FINDINGS header, organ
//! sub-headers inside findings (they stay in the findings), "END OF IMPRESSION", unheaded
//! bodies after the history, and no headers at all (then the whole text is findings). A report
//! with headers but no findings or impression falls back to tagging everything outside history,
//! technique and comparison: its text is never silently dropped.

use regex::Regex;
use serde::Deserialize;
use std::path::{Path, PathBuf};
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
    /// A header uptake does not know, or text before the first header.
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

    /// History, technique or comparison: the parts before the findings that are never tagged.
    fn is_front_matter(self) -> bool {
        matches!(
            self,
            SectionKind::History | SectionKind::Technique | SectionKind::Comparison
        )
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

/// How the findings of a report were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SectionLayout {
    /// A findings or impression header (or an organ header after the front matter).
    #[default]
    Headed,
    /// No header at all: the whole text is the findings.
    Unheaded,
    /// Headers, but none of findings or impression: everything outside history, technique
    /// and comparison is tagged as findings. `uptake label` counts these reports.
    Fallback,
}

/// A report cut into sections, and how its findings were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitReport {
    /// The sections in text order (bodies never overlap).
    pub sections: Vec<Section>,
    /// How the findings were found.
    pub layout: SectionLayout,
}

/// Why a sections file cannot be used. Messages name the file, the kind and the pattern.
#[derive(Debug, thiserror::Error)]
#[allow(missing_docs)] // the fields are named by the messages
pub enum SectionsError {
    /// The file cannot be read.
    #[error("cannot read sections file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Not valid TOML of the sections format.
    #[error("{source_name}: not a valid sections file: {message}")]
    Parse {
        source_name: String,
        message: String,
    },
    /// A header pattern that does not compile or matches empty text.
    #[error("{source_name}: [[section]] kind `{kind}`: header `{pattern}`: {message}")]
    BadPattern {
        source_name: String,
        kind: String,
        pattern: String,
        message: String,
    },
}

/// What a header opens (the file's `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum HeaderKind {
    History,
    Technique,
    Comparison,
    Findings,
    Impression,
    Organ,
    Other,
}

impl HeaderKind {
    fn section(self) -> SectionKind {
        match self {
            HeaderKind::History => SectionKind::History,
            HeaderKind::Technique => SectionKind::Technique,
            HeaderKind::Comparison => SectionKind::Comparison,
            HeaderKind::Findings | HeaderKind::Organ => SectionKind::Findings,
            HeaderKind::Impression => SectionKind::Impression,
            HeaderKind::Other => SectionKind::Other,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionsToml {
    #[serde(default)]
    front_matter_ends_at_blank_line: bool,
    #[serde(default)]
    end_markers: Vec<String>,
    #[serde(default)]
    section: Vec<SectionToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionToml {
    kind: HeaderKind,
    headers: Vec<String>,
}

/// The data file shipped with uptake.
const BUILTIN_TOML: &str = include_str!("../data/sections.toml");

static BUILTIN: LazyLock<SectionVocabulary> = LazyLock::new(|| {
    SectionVocabulary::from_toml_str(BUILTIN_TOML, "crates/reports/data/sections.toml (built in)")
        .expect("the built-in sections file is checked by the tests")
});

/// The header vocabulary of report sections, compiled: which header opens which section.
#[derive(Debug, Clone)]
pub struct SectionVocabulary {
    source_name: String,
    /// Any header, with its terminator (colon, dash or end of line).
    header: Regex,
    /// Each header pattern anchored on both ends, with its kind, in file order.
    kinds: Vec<(Regex, HeaderKind)>,
    /// End markers ("END OF IMPRESSION"), anywhere.
    end: Option<Regex>,
    front_matter_ends_at_blank_line: bool,
}

/// A header found in the text: where its words start, where its body starts, what it opens.
#[derive(Debug, Clone, Copy)]
struct Mark {
    start: usize,
    body: usize,
    kind: HeaderKind,
}

impl SectionVocabulary {
    /// The vocabulary shipped with uptake (`crates/reports/data/sections.toml`).
    pub fn builtin() -> SectionVocabulary {
        BUILTIN.clone()
    }

    /// Reads and compiles a sections file.
    pub fn from_path(path: &Path) -> Result<SectionVocabulary, SectionsError> {
        let text = std::fs::read_to_string(path).map_err(|source| SectionsError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    /// Parses and compiles sections-file text; `source_name` is used in messages.
    pub fn from_toml_str(
        text: &str,
        source_name: &str,
    ) -> Result<SectionVocabulary, SectionsError> {
        let file: SectionsToml = toml::from_str(text).map_err(|e| SectionsError::Parse {
            source_name: source_name.to_string(),
            message: e.to_string(),
        })?;
        let mut kinds = Vec::new();
        let mut words = Vec::new();
        for section in &file.section {
            for pattern in &section.headers {
                let bad = |message: String| SectionsError::BadPattern {
                    source_name: source_name.to_string(),
                    kind: format!("{:?}", section.kind).to_lowercase(),
                    pattern: pattern.clone(),
                    message,
                };
                let anchored =
                    Regex::new(&format!("(?i)^(?:{pattern})$")).map_err(|e| bad(e.to_string()))?;
                if pattern.trim().is_empty() || anchored.is_match("") {
                    return Err(bad("the header matches empty text".into()));
                }
                kinds.push((anchored, section.kind));
                words.push(format!("(?:{pattern})"));
            }
        }
        let never = "[^\\s\\S]".to_string();
        let words = if words.is_empty() {
            never
        } else {
            words.join("|")
        };
        let header = Regex::new(&format!(
            r"(?im)(?:^|[.!?]\s+)[ \t]*(?P<h>{words})[ \t]*(?::|\s-\s|[ \t]*$)[ \t]*"
        ))
        .map_err(|e| SectionsError::Parse {
            source_name: source_name.to_string(),
            message: format!("the headers together do not compile: {e}"),
        })?;
        let end = match file.end_markers.as_slice() {
            [] => None,
            markers => {
                let alts: Vec<String> = markers.iter().map(|m| format!("(?:{m})")).collect();
                let re = Regex::new(&format!(r"(?i)\b(?:{})\b[ \t:.]*", alts.join("|"))).map_err(
                    |e| SectionsError::BadPattern {
                        source_name: source_name.to_string(),
                        kind: "end_markers".into(),
                        pattern: markers.join(", "),
                        message: e.to_string(),
                    },
                )?;
                Some(re)
            }
        };
        Ok(SectionVocabulary {
            source_name: source_name.to_string(),
            header,
            kinds,
            end,
            front_matter_ends_at_blank_line: file.front_matter_ends_at_blank_line,
        })
    }

    /// The file the vocabulary comes from.
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    /// What the header words `header` open, if they are a header of the vocabulary.
    fn kind_of(&self, header: &str) -> Option<HeaderKind> {
        let header = header.trim();
        self.kinds
            .iter()
            .find(|(re, _)| re.is_match(header))
            .map(|(_, k)| *k)
    }

    /// Every header of `text`, in text order.
    fn marks(&self, text: &str) -> Vec<Mark> {
        let mut marks: Vec<Mark> = Vec::new();
        // find_iter, not captures_iter (much faster): the header words are the part of the
        // match from its first letter to its last letter or digit.
        for whole in self.header.find_iter(text) {
            let w = whole.as_str();
            let (Some(first), Some(last)) =
                (w.find(char::is_alphabetic), w.rfind(char::is_alphanumeric))
            else {
                continue;
            };
            let last_len = w[last..].chars().next().map_or(1, char::len_utf8);
            let (start, end) = (whole.start() + first, whole.start() + last + last_len);
            let Some(kind) = self.kind_of(&text[start..end]) else {
                continue;
            };
            // A header alone on its line without a colon must look like a header (not a word
            // that starts a sentence such as "Summary of..."): upper case or a line of its own.
            let after = &text[end..whole.end()];
            if !after.contains(':') && !after.contains('-') {
                let is_upper = !text[start..end].chars().any(char::is_lowercase);
                let line_end = text[end..].find('\n').map_or(text.len(), |p| end + p);
                if !is_upper && !text[end..line_end].trim().is_empty() {
                    continue;
                }
            }
            // An organ header keeps its words in the findings text ("CHEST: ..." as under a
            // FINDINGS header), so the rules see it as a header.
            let body = match kind {
                HeaderKind::Organ => start,
                _ => whole.end(),
            };
            marks.push(Mark { start, body, kind });
        }
        if let Some(end_re) = &self.end {
            for m in end_re.find_iter(text) {
                if !marks.iter().any(|k| k.start == m.start()) {
                    marks.push(Mark {
                        start: m.start(),
                        body: m.end(),
                        kind: HeaderKind::Other,
                    });
                }
            }
        }
        marks.sort_by_key(|m| m.start);
        organ_headers_open_findings_only_after_front_matter(marks)
    }

    /// Splits a report into sections and says how its findings were found.
    pub fn split(&self, text: &str) -> SplitReport {
        let marks = self.marks(text);
        if marks.is_empty() {
            return SplitReport {
                sections: vec![Section {
                    kind: SectionKind::Findings,
                    start: 0,
                    end: text.len(),
                }],
                layout: SectionLayout::Unheaded,
            };
        }
        let mut sections = Vec::new();
        if !text[..marks[0].start].trim().is_empty() {
            sections.push(Section {
                kind: SectionKind::Other,
                start: 0,
                end: marks[0].start,
            });
        }
        for (i, m) in marks.iter().enumerate() {
            let end = marks.get(i + 1).map_or(text.len(), |next| next.start);
            let section = Section {
                kind: m.kind.section(),
                start: m.body,
                end: end.max(m.body),
            };
            match self.front_matter_ends_at_blank_line {
                true => sections.extend(unheaded_body_after_blank_line(text, section)),
                false => sections.push(section),
            }
        }
        let layout = if sections.iter().any(|s| s.kind.is_tagged()) {
            SectionLayout::Headed
        } else {
            for s in &mut sections {
                if !s.kind.is_front_matter() {
                    s.kind = SectionKind::Findings;
                }
            }
            SectionLayout::Fallback
        };
        SplitReport { sections, layout }
    }
}

/// An organ header opens the findings only where no findings or impression is open (after the
/// front matter, an unknown header, or at the start); elsewhere it is a sub-header in the text.
fn organ_headers_open_findings_only_after_front_matter(marks: Vec<Mark>) -> Vec<Mark> {
    let mut out: Vec<Mark> = Vec::with_capacity(marks.len());
    for m in marks {
        let open_is_tagged = out.last().is_some_and(|p| p.kind.section().is_tagged());
        if m.kind == HeaderKind::Organ && open_is_tagged {
            continue;
        }
        out.push(m);
    }
    out
}

/// A history, technique or comparison body ends at its first blank line after some text; what
/// follows (up to the next header) is an unheaded findings body. Other sections are returned
/// as they are.
fn unheaded_body_after_blank_line(text: &str, section: Section) -> Vec<Section> {
    static BLANK_LINE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\n[ \t]*\r?\n").expect("static"));
    if !section.kind.is_front_matter() {
        return vec![section];
    }
    let body = &text[section.start..section.end];
    let content = body.len() - body.trim_start().len();
    let Some(blank) = BLANK_LINE.find_at(body, content) else {
        return vec![section];
    };
    if body[blank.end()..].trim().is_empty() {
        return vec![section];
    }
    vec![
        Section {
            end: section.start + blank.start(),
            ..section
        },
        Section {
            kind: SectionKind::Findings,
            start: section.start + blank.end(),
            end: section.end,
        },
    ]
}

/// Splits a report into sections with the built-in vocabulary (see
/// [`SectionVocabulary::split`]). With no recognised header the whole text is one findings
/// section; text before the first header is `Other` (titles, patient data).
pub fn split_sections(text: &str) -> Vec<Section> {
    BUILTIN.split(text).sections
}
