//! The hand-labelled mention file (JSONL), the format of `../shared/data/mentions.jsonl`.
//!
//! One line per sentence: `{"text": ..., "mentions": [{"start", "end", "region", "label"}]}`.
//! Spans are character offsets (Unicode scalar values, as Python indexes strings), end
//! exclusive. Label 1 means the mention describes abnormal FDG uptake, 0 neutral or negative.
//! Optional fields say where the sentence came from (`exam_id`, `section`, `id`).

use crate::atomic::{AtomicWriteError, write_atomic};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// One hand-labelled mention: a character span, its region and its label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelledSpan {
    /// First character of the mention (character offset into `text`).
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// Region name (snake_case, from the ontology).
    pub region: String,
    /// 1 abnormal, 0 neutral.
    pub label: u8,
}

impl LabelledSpan {
    /// Where the mention lies, in characters.
    pub fn span(&self) -> crate::CharSpan {
        crate::CharSpan::new(self.start, self.end)
    }
}

/// One sentence of a mention file with its labelled mentions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelledSentence {
    /// A stable id of the sentence, when the file has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The exam the sentence comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exam_id: Option<String>,
    /// The report section (findings, impression).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// The sentence.
    pub text: String,
    /// Its labelled mentions.
    pub mentions: Vec<LabelledSpan>,
}

/// A mention file that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum MentionFileError {
    /// The file cannot be read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A line is not a mention record.
    #[error("{path}, line {line}: not a valid mention record: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line in the file.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A span lies outside its sentence or is empty.
    #[error(
        "{path}, line {line}: mention {start}..{end} ({region}) is outside the sentence of {len} characters"
    )]
    SpanOutOfRange {
        /// The file.
        path: PathBuf,
        /// 1-based line in the file.
        line: usize,
        /// Span start (characters).
        start: usize,
        /// Span end (characters).
        end: usize,
        /// Region name.
        region: String,
        /// Sentence length in characters.
        len: usize,
    },
    /// Two spans of a sentence overlap.
    #[error("{path}, line {line}: mentions {a} and {b} overlap")]
    Overlap {
        /// The file.
        path: PathBuf,
        /// 1-based line in the file.
        line: usize,
        /// The first mention.
        a: String,
        /// The second mention.
        b: String,
    },
    /// A label other than 0 or 1.
    #[error("{path}, line {line}: label {label} of mention {start}..{end} must be 0 or 1")]
    BadLabel {
        /// The file.
        path: PathBuf,
        /// 1-based line in the file.
        line: usize,
        /// Span start (characters).
        start: usize,
        /// Span end (characters).
        end: usize,
        /// The label found.
        label: u8,
    },
    /// Writing failed; the old file is intact.
    #[error(transparent)]
    Write(#[from] AtomicWriteError),
}

impl LabelledSentence {
    /// The text of a span (character offsets), or `None` if out of range.
    pub fn span_text(&self, span: &LabelledSpan) -> Option<&str> {
        char_slice(&self.text, span.start, span.end)
    }

    /// Checks spans (in range, non-empty, not overlapping) and labels. `line` and `path` are
    /// only used in messages.
    pub fn validate(&self, path: &Path, line: usize) -> Result<(), MentionFileError> {
        let len = self.text.chars().count();
        for m in &self.mentions {
            if m.start >= m.end || m.end > len {
                return Err(MentionFileError::SpanOutOfRange {
                    path: path.to_path_buf(),
                    line,
                    start: m.start,
                    end: m.end,
                    region: m.region.clone(),
                    len,
                });
            }
            if m.label > 1 {
                return Err(MentionFileError::BadLabel {
                    path: path.to_path_buf(),
                    line,
                    start: m.start,
                    end: m.end,
                    label: m.label,
                });
            }
        }
        let mut spans: Vec<&LabelledSpan> = self.mentions.iter().collect();
        spans.sort_by_key(|m| (m.start, m.end));
        for w in spans.windows(2) {
            if w[1].start < w[0].end {
                let show = |m: &LabelledSpan| format!("{}..{} ({})", m.start, m.end, m.region);
                return Err(MentionFileError::Overlap {
                    path: path.to_path_buf(),
                    line,
                    a: show(w[0]),
                    b: show(w[1]),
                });
            }
        }
        Ok(())
    }
}

/// Slices `text` by character offsets (see [`crate::CharSpan`]).
pub fn char_slice(text: &str, start: usize, end: usize) -> Option<&str> {
    crate::CharSpan::new(start, end).slice(text)
}

/// Reads and validates a mention file. Blank lines are skipped.
pub fn read_mentions(path: &Path) -> Result<Vec<LabelledSentence>, MentionFileError> {
    let file = std::fs::File::open(path).map_err(|source| MentionFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let reader = std::io::BufReader::new(file);
    let mut out = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line_no = i + 1;
        let line = line.map_err(|e| MentionFileError::Parse {
            path: path.to_path_buf(),
            line: line_no,
            message: e.to_string(),
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let sentence: LabelledSentence =
            serde_json::from_str(&line).map_err(|e| MentionFileError::Parse {
                path: path.to_path_buf(),
                line: line_no,
                message: e.to_string(),
            })?;
        sentence.validate(path, line_no)?;
        out.push(sentence);
    }
    Ok(out)
}

/// Writes a mention file atomically.
pub fn write_mentions(path: &Path, sentences: &[LabelledSentence]) -> Result<(), MentionFileError> {
    write_atomic(path, |w| {
        for s in sentences {
            serde_json::to_writer(&mut *w, s)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentence(text: &str, spans: &[(usize, usize)]) -> LabelledSentence {
        LabelledSentence {
            id: None,
            exam_id: None,
            section: None,
            text: text.into(),
            mentions: spans
                .iter()
                .map(|&(start, end)| LabelledSpan {
                    start,
                    end,
                    region: "liver".into(),
                    label: 1,
                })
                .collect(),
        }
    }

    #[test]
    fn char_slice_counts_characters_not_bytes() {
        assert_eq!(char_slice("é liver", 2, 7), Some("liver"));
        assert_eq!(char_slice("abc", 1, 9), None);
    }

    #[test]
    fn span_past_the_end_is_rejected() {
        let err = sentence("liver", &[(0, 6)])
            .validate(Path::new("m.jsonl"), 4)
            .unwrap_err();
        assert!(err.to_string().contains("m.jsonl, line 4"), "{err}");
    }

    #[test]
    fn overlapping_spans_are_rejected() {
        let s = sentence("hepatic lesion", &[(0, 7), (5, 14)]);
        assert!(matches!(
            s.validate(Path::new("m"), 1),
            Err(MentionFileError::Overlap { .. })
        ));
    }

    #[test]
    fn the_starter_mention_set_is_valid() {
        let shared =
            crate::shared_dir().expect("shared/ beside the repository (or UPTAKE_SHARED_DIR)");
        let path = shared.join("data/mentions.jsonl");
        let sentences = read_mentions(&path).unwrap();
        assert_eq!(sentences.len(), 1200);
        let first = &sentences[0];
        assert_eq!(
            first.span_text(&first.mentions[0]),
            Some("anterior mediastinal")
        );
    }
}
