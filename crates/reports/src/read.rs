//! Reading report files: JSONL (`{"exam_id": ..., "text": ...}` per line) or CSV
//! (`exam_id,text` columns), chosen by extension. Messages name the file, the line and the
//! exam, never the report text.

use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};
use uptake_core::{DuplicateExam, ExamId, ExamLines};

/// The largest report accepted (bytes). Larger texts are an error, not a hang: real reports
/// are a few kilobytes.
pub const MAX_REPORT_BYTES: usize = 16 * 1024 * 1024;

/// One exam's free-text report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The exam the report is about.
    pub exam_id: ExamId,
    /// The free text.
    pub text: String,
}

impl Report {
    /// A report from an id and text.
    ///
    /// # Panics
    /// If the id is blank (a programming error; files are checked by [`read_reports`]).
    pub fn new(exam_id: &str, text: impl Into<String>) -> Report {
        Report {
            exam_id: ExamId::new(exam_id).expect("non-empty exam id"),
            text: text.into(),
        }
    }
}

/// Something wrong with one record that was skipped rather than failing the whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportWarning {
    /// The report text is missing or blank; the exam is skipped.
    EmptyText {
        /// The report file.
        path: PathBuf,
        /// 1-based line of the record.
        line: u64,
        /// The exam.
        exam: ExamId,
    },
}

impl fmt::Display for ReportWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportWarning::EmptyText { path, line, exam } => {
                write!(
                    f,
                    "{}, line {line}, exam `{exam}`: empty or missing report text; skipped",
                    path.display()
                )
            }
        }
    }
}

/// The reports of a file, in file order, and the warnings met while reading it.
#[derive(Debug, Clone, Default)]
pub struct ReportSet {
    /// The reports read, in file order.
    pub reports: Vec<Report>,
    /// Records skipped, with why.
    pub warnings: Vec<ReportWarning>,
}

impl ReportSet {
    /// Number of reports read.
    pub fn len(&self) -> usize {
        self.reports.len()
    }

    /// True when no report was read.
    pub fn is_empty(&self) -> bool {
        self.reports.is_empty()
    }
}

/// Why a report file cannot be read. Messages name the file, the line and the exam.
#[derive(Debug, thiserror::Error)]
#[allow(missing_docs)] // fields: the file, the 1-based line, the exam, and what the message says
pub enum ReportError {
    /// The file cannot be read.
    #[error("cannot read reports file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Neither `.jsonl` nor `.csv`.
    #[error(
        "{path}: unknown report file type; use .jsonl (one {{\"exam_id\", \"text\"}} object per line) or .csv (columns exam_id,text)"
    )]
    UnknownExtension { path: PathBuf },
    /// Bytes that are not UTF-8.
    #[error("{path}, line {line}: the text is not valid UTF-8 (byte {byte_offset} of the line)")]
    NotUtf8 {
        path: PathBuf,
        line: u64,
        byte_offset: usize,
    },
    /// A JSONL line that is not a report record.
    #[error("{path}, line {line}: not a valid JSON report record: {message}")]
    Json {
        path: PathBuf,
        line: u64,
        message: String,
    },
    /// A CSV record that does not parse.
    #[error("{path}, line {line}: not valid CSV: {message}")]
    Csv {
        path: PathBuf,
        line: u64,
        message: String,
    },
    /// A CSV file without an `exam_id` or `text` column.
    #[error("{path}: the CSV header has no `{column}` column (found: {found})")]
    MissingColumn {
        path: PathBuf,
        column: &'static str,
        found: String,
    },
    /// A record without an exam id.
    #[error("{path}, line {line}: missing or empty exam_id")]
    MissingExamId { path: PathBuf, line: u64 },
    /// An exam on two records.
    #[error(transparent)]
    DuplicateExam(#[from] DuplicateExam),
    /// A report over [`MAX_REPORT_BYTES`].
    #[error(
        "{path}, line {line}, exam `{exam}`: the report is {bytes} bytes, more than the {max} accepted"
    )]
    TooLarge {
        path: PathBuf,
        line: u64,
        exam: ExamId,
        bytes: usize,
        max: usize,
    },
}

/// Reads a `.jsonl` or `.csv` report file (by extension, case-insensitive).
///
/// Blank or missing texts are warnings (the exam is skipped); non-UTF-8 bytes, duplicate exam
/// ids, missing ids, missing CSV columns and over-large reports are errors.
pub fn read_reports(path: &Path) -> Result<ReportSet, ReportError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    let bytes = std::fs::read(path).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    match ext.as_deref() {
        Some("jsonl") | Some("ndjson") => parse_jsonl(&bytes, path),
        Some("csv") => parse_csv(&bytes, path),
        _ => Err(ReportError::UnknownExtension {
            path: path.to_path_buf(),
        }),
    }
}

#[derive(Deserialize)]
struct JsonRecord {
    exam_id: Option<serde_json::Value>,
    text: Option<String>,
}

/// Accumulates records, checking ids, duplicates, sizes and empty texts.
struct Builder<'a> {
    path: &'a Path,
    lines: ExamLines,
    set: ReportSet,
}

impl<'a> Builder<'a> {
    fn new(path: &'a Path) -> Self {
        Self {
            path,
            lines: ExamLines::default(),
            set: ReportSet::default(),
        }
    }

    fn push(
        &mut self,
        line: u64,
        exam: Option<&str>,
        text: Option<String>,
    ) -> Result<(), ReportError> {
        let path = self.path.to_path_buf();
        let exam = exam
            .and_then(ExamId::new)
            .ok_or(ReportError::MissingExamId {
                path: path.clone(),
                line,
            })?;
        self.lines.record(self.path, &exam, line)?;
        let text = text.unwrap_or_default();
        if text.len() > MAX_REPORT_BYTES {
            return Err(ReportError::TooLarge {
                path,
                line,
                exam,
                bytes: text.len(),
                max: MAX_REPORT_BYTES,
            });
        }
        if text.trim().is_empty() {
            self.set
                .warnings
                .push(ReportWarning::EmptyText { path, line, exam });
            return Ok(());
        }
        self.set.reports.push(Report {
            exam_id: exam,
            text,
        });
        Ok(())
    }
}

fn parse_jsonl(bytes: &[u8], path: &Path) -> Result<ReportSet, ReportError> {
    let mut b = Builder::new(path);
    for (i, raw) in bytes.split(|&c| c == b'\n').enumerate() {
        let line = i as u64 + 1;
        let text = std::str::from_utf8(raw).map_err(|e| ReportError::NotUtf8 {
            path: path.to_path_buf(),
            line,
            byte_offset: e.valid_up_to(),
        })?;
        if text.trim().is_empty() {
            continue;
        }
        // serde_json messages give positions and expectations, never the input text.
        let rec: JsonRecord = serde_json::from_str(text).map_err(|e| ReportError::Json {
            path: path.to_path_buf(),
            line,
            message: e.to_string(),
        })?;
        let exam = match &rec.exam_id {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            Some(serde_json::Value::Null) | None => None,
            Some(_) => {
                return Err(ReportError::Json {
                    path: path.to_path_buf(),
                    line,
                    message: "exam_id must be a string or a number".into(),
                });
            }
        };
        b.push(line, exam.as_deref(), rec.text)?;
    }
    Ok(b.set)
}

fn parse_csv(bytes: &[u8], path: &Path) -> Result<ReportSet, ReportError> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let csv_err = |line: u64, e: csv::Error| ReportError::Csv {
        path: path.to_path_buf(),
        line,
        message: match e.kind() {
            // The csv crate's UTF-8 error would not name our line consistently; report position.
            csv::ErrorKind::Utf8 { pos, .. } => format!(
                "invalid UTF-8 in record {}",
                pos.as_ref().map_or(0, |p| p.record())
            ),
            _ => e.to_string(),
        },
    };
    let header = rdr.byte_headers().map_err(|e| csv_err(1, e))?.clone();
    let header: Vec<String> = header
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    let col = |name: &'static str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| ReportError::MissingColumn {
                path: path.to_path_buf(),
                column: name,
                found: header.join(","),
            })
    };
    let (id_col, text_col) = (col("exam_id")?, col("text")?);
    let mut b = Builder::new(path);
    let mut record = csv::ByteRecord::new();
    loop {
        let line = rdr.position().line();
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_err(line, e)),
        }
        let line = record.position().map_or(line, |p| p.line());
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        let field = |i: usize| -> Result<Option<String>, ReportError> {
            match record.get(i) {
                None => Ok(None),
                Some(raw) => match std::str::from_utf8(raw) {
                    Ok(s) => Ok(Some(s.to_string())),
                    Err(e) => {
                        // Line of the bad byte: the record's line plus the line breaks before it.
                        let before = &raw[..e.valid_up_to()];
                        let extra = before.iter().filter(|&&c| c == b'\n').count() as u64;
                        let line_start = before
                            .iter()
                            .rposition(|&c| c == b'\n')
                            .map_or(0, |p| p + 1);
                        Err(ReportError::NotUtf8 {
                            path: path.to_path_buf(),
                            line: line + extra,
                            byte_offset: e.valid_up_to() - line_start,
                        })
                    }
                },
            }
        };
        let exam = field(id_col)?;
        let text = field(text_col)?;
        b.push(line, exam.as_deref(), text)?;
    }
    Ok(b.set)
}
