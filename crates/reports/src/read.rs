//! Reading report files, as hospitals export them, with one call: JSONL
//! (`{"exam_id": ..., "text": ...}` per line), CSV (`exam_id,text` columns, or others named in
//! [`ReadSettings`]), and HL7 FHIR `DiagnosticReport` JSON (a Bundle or NDJSON). Several records
//! of one exam (amended reports, addenda) are merged by one documented policy (see `merge`).
//! Messages name the file, the line and the exam, never the report text.

use crate::accession::AccessionMap;
use crate::csv_strict::{CsvRow, parse_csv};
use crate::fhir::{FhirId, parse_fhir};
use crate::merge::{Checked, merge};
use crate::read_error::{ReportError, ReportWarning};
use crate::record::{Location, RawRecord, ReportKind, ReportStatus};
use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use uptake_core::ExamId;

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

/// The format of a report file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportFormat {
    /// By extension: `.jsonl`, `.csv`, `.json` (FHIR), `.ndjson` (FHIR when its first record
    /// has a `resourceType`, else JSONL reports).
    #[default]
    Auto,
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row (RFC 4180 quoting).
    Csv,
    /// FHIR `DiagnosticReport` resources: a Bundle, one resource, or NDJSON.
    Fhir,
}

impl FromStr for ReportFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(ReportFormat::Auto),
            "jsonl" => Ok(ReportFormat::Jsonl),
            "csv" => Ok(ReportFormat::Csv),
            "fhir" => Ok(ReportFormat::Fhir),
            other => Err(format!(
                "unknown report format `{other}`: use auto, jsonl, csv or fhir"
            )),
        }
    }
}

/// How to read a report file. [`Default`]: format by extension, columns `exam_id` and `text`,
/// ids are exam ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadSettings {
    /// The file's format.
    pub format: ReportFormat,
    /// The column (CSV) or field (JSONL) of the id; for FHIR, `id` (the resource id) or an
    /// identifier `system`. `None`: `exam_id`; for FHIR the accession identifier (type code
    /// `ACSN`), else the first identifier, else the resource id.
    pub id_column: Option<String>,
    /// The column or field of the text. `None`: `text` (FHIR: always `presentedForm`, else
    /// `conclusion`).
    pub text_column: Option<String>,
    /// A CSV of `accession,exam_id`: the ids in the report file are accession numbers, mapped
    /// to exam ids by this file (an unknown accession is an error).
    pub accession_map: Option<PathBuf>,
}

impl ReadSettings {
    fn id_column(&self) -> &str {
        self.id_column.as_deref().unwrap_or("exam_id")
    }

    fn text_column(&self) -> &str {
        self.text_column.as_deref().unwrap_or("text")
    }
}

/// What reading a file did, record by record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// Records in the file (lines, rows or DiagnosticReport resources).
    pub records: usize,
    /// Reports read (one per exam).
    pub reports: usize,
    /// Records skipped for an empty or missing text.
    pub skipped_empty: usize,
    /// Records skipped as cancelled or entered in error.
    pub cancelled: usize,
    /// Reports replaced by a later or amended report of the same exam.
    pub superseded: usize,
    /// Addenda appended to their exam's report.
    pub addenda: usize,
    /// FHIR resources that are not DiagnosticReports (skipped).
    pub other_resources: usize,
}

impl fmt::Display for ReadSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} reports from {} records", self.reports, self.records)?;
        let notes = [
            (self.skipped_empty, "skipped for an empty text"),
            (self.cancelled, "cancelled (skipped)"),
            (self.superseded, "superseded by a later or amended report"),
            (self.addenda, "addenda appended"),
            (self.other_resources, "other FHIR resources (skipped)"),
        ];
        for (n, what) in notes.iter().filter(|(n, _)| *n > 0) {
            write!(f, "; {n} {what}")?;
        }
        Ok(())
    }
}

/// The reports of a file, one per exam in order of first appearance, and what reading did.
#[derive(Debug, Clone, Default)]
pub struct ReportSet {
    /// The reports read.
    pub reports: Vec<Report>,
    /// Records skipped or chosen by the policy, with why.
    pub warnings: Vec<ReportWarning>,
    /// Counts of records read, skipped and merged.
    pub summary: ReadSummary,
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

/// Reads a `.jsonl`, `.csv`, `.json` or `.ndjson` report file (by extension) with the default
/// settings. See [`read_reports_with`].
pub fn read_reports(path: &Path) -> Result<ReportSet, ReportError> {
    read_reports_with(path, &ReadSettings::default())
}

/// Reads a report file. Blank or missing texts and cancelled records are warnings (skipped);
/// an empty file, a file with no usable report, non-UTF-8 bytes, malformed CSV quoting, rows
/// with more fields than the header, missing ids or columns, unknown status words, unknown
/// accessions, undecidable duplicates and over-large reports are errors. A UTF-8 byte-order
/// mark is ignored.
pub fn read_reports_with(path: &Path, settings: &ReadSettings) -> Result<ReportSet, ReportError> {
    let bytes = std::fs::read(path).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let text = utf8(bytes, path)?;
    let mut summary = ReadSummary::default();
    let raws = match resolve_format(settings.format, path, text)? {
        ReportFormat::Csv => csv_records(bytes, path, settings)?,
        ReportFormat::Fhir => {
            let fhir = parse_fhir(text, path, &fhir_id(settings))?;
            summary.other_resources = fhir.other_resources;
            fhir.records
        }
        _ => jsonl_records(text, path, settings)?,
    };
    summary.records = raws.len() + summary.other_resources;
    if raws.is_empty() {
        return Err(ReportError::Empty {
            path: path.to_path_buf(),
        });
    }
    let accessions = settings
        .accession_map
        .as_deref()
        .map(AccessionMap::read)
        .transpose()?;
    let mut warnings = Vec::new();
    let mut checked = Vec::with_capacity(raws.len());
    for raw in raws {
        let id_column = settings.id_column();
        if let Some(c) = check(raw, path, id_column, accessions.as_ref(), &mut warnings)? {
            checked.push(c);
        }
    }
    summary.skipped_empty = warnings.len();
    let merged = merge(checked, path, &mut warnings)?;
    summary.cancelled = warnings
        .iter()
        .filter(|w| matches!(w, ReportWarning::Cancelled { .. }))
        .count();
    summary.superseded = merged.iter().map(|m| m.superseded).sum();
    summary.addenda = merged.iter().map(|m| m.addenda).sum();
    summary.reports = merged.len();
    if merged.is_empty() {
        return Err(ReportError::NothingUsable {
            path: path.to_path_buf(),
            records: summary.records,
        });
    }
    let reports = merged
        .into_iter()
        .map(|m| Report {
            exam_id: m.exam,
            text: m.text,
        })
        .collect();
    Ok(ReportSet {
        reports,
        warnings,
        summary,
    })
}

/// The text of the file, or an error naming the line and byte of the first invalid byte.
fn utf8<'a>(bytes: &'a [u8], path: &Path) -> Result<&'a str, ReportError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let before = &bytes[..e.valid_up_to()];
        let line_start = before
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |p| p + 1);
        ReportError::NotUtf8 {
            path: path.to_path_buf(),
            line: before.iter().filter(|&&c| c == b'\n').count() as u64 + 1,
            byte_offset: e.valid_up_to() - line_start,
        }
    })
}

/// The format named, or the one the extension (and for `.ndjson` the first record) says.
fn resolve_format(
    format: ReportFormat,
    path: &Path,
    text: &str,
) -> Result<ReportFormat, ReportError> {
    if format != ReportFormat::Auto {
        return Ok(format);
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    let first_is_fhir = || {
        text.lines()
            .find(|l| !l.trim().is_empty())
            .and_then(|l| serde_json::from_str::<Value>(l).ok())
            .is_some_and(|v| v.get("resourceType").is_some())
    };
    match ext.as_deref() {
        Some("csv") => Ok(ReportFormat::Csv),
        Some("json") => Ok(ReportFormat::Fhir),
        Some("ndjson") if first_is_fhir() => Ok(ReportFormat::Fhir),
        Some("jsonl") | Some("ndjson") => Ok(ReportFormat::Jsonl),
        _ => Err(ReportError::UnknownExtension {
            path: path.to_path_buf(),
        }),
    }
}

fn fhir_id(settings: &ReadSettings) -> FhirId {
    match settings.id_column.as_deref() {
        None => FhirId::Accession,
        Some("id") => FhirId::ResourceId,
        Some(system) => FhirId::System(system.to_string()),
    }
}

/// The records of a JSONL file: one object per non-blank line.
fn jsonl_records(
    text: &str,
    path: &Path,
    settings: &ReadSettings,
) -> Result<Vec<RawRecord>, ReportError> {
    let mut out = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = Location::Line(i as u64 + 1);
        let json_error = |message: String| ReportError::Json {
            path: path.to_path_buf(),
            at,
            message,
        };
        // serde_json messages give positions and expectations, never the input text.
        let value: Value = serde_json::from_str(line).map_err(|e| json_error(e.to_string()))?;
        let Value::Object(fields) = value else {
            return Err(json_error("a report record must be a JSON object".into()));
        };
        let string = |name: &str| -> Result<Option<String>, ReportError> {
            match fields.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Number(n)) => Ok(Some(n.to_string())),
                Some(_) => Err(json_error(format!("`{name}` must be a string or a number"))),
            }
        };
        out.push(RawRecord {
            at,
            id: string(settings.id_column())?,
            text: string(settings.text_column())?,
            status: string("status")?,
            kind: string("kind")?,
            date: string("date")?,
        });
    }
    Ok(out)
}

/// The records of a CSV file: the header names the columns; a row with more fields than the
/// header is an error (an unquoted comma would cut the text).
fn csv_records(
    bytes: &[u8],
    path: &Path,
    settings: &ReadSettings,
) -> Result<Vec<RawRecord>, ReportError> {
    let rows = parse_csv(bytes, path)?;
    let Some((header, rows)) = rows.split_first() else {
        return Ok(Vec::new());
    };
    let names: Vec<String> = header
        .fields
        .iter()
        .map(|f| String::from_utf8_lossy(&f.bytes).trim().to_string())
        .collect();
    let position = |name: &str| names.iter().position(|h| h == name);
    let required = |name: &str| {
        position(name).ok_or_else(|| ReportError::MissingColumn {
            path: path.to_path_buf(),
            column: name.to_string(),
            found: names.join(","),
        })
    };
    let (id_col, text_col) = (
        required(settings.id_column())?,
        required(settings.text_column())?,
    );
    let (status_col, kind_col, date_col) = (position("status"), position("kind"), position("date"));
    let mut out = Vec::new();
    for row in rows.iter().filter(|r| !r.is_blank()) {
        if row.fields.len() > names.len() {
            return Err(ReportError::Csv {
                path: path.to_path_buf(),
                line: row.line,
                message: format!(
                    "{} fields, but the header has {}: quote a text that holds commas",
                    row.fields.len(),
                    names.len()
                ),
            });
        }
        let cell = |col: Option<usize>| cell(row, col);
        out.push(RawRecord {
            at: Location::Line(row.line),
            id: cell(Some(id_col)),
            text: cell(Some(text_col)),
            status: cell(status_col),
            kind: cell(kind_col),
            date: cell(date_col),
        });
    }
    Ok(out)
}

/// A cell as text (the file is valid UTF-8, so every field is).
fn cell(row: &CsvRow, col: Option<usize>) -> Option<String> {
    let field = row.fields.get(col?)?;
    Some(String::from_utf8_lossy(&field.bytes).into_owned())
}

/// A record with its id mapped and checked, its status and kind read; `None` when its text is
/// empty (a warning).
fn check(
    raw: RawRecord,
    path: &Path,
    id_column: &str,
    accessions: Option<&AccessionMap>,
    warnings: &mut Vec<ReportWarning>,
) -> Result<Option<Checked>, ReportError> {
    let at = raw.at;
    let missing = || ReportError::MissingExamId {
        path: path.to_path_buf(),
        at,
        column: id_column.to_string(),
    };
    let id = raw
        .id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(missing)?;
    let id = match accessions {
        None => id,
        Some(map) => map
            .exam_of(id)
            .ok_or_else(|| ReportError::UnknownAccession {
                path: path.to_path_buf(),
                at,
                accession: id.to_string(),
                map: map.path.clone(),
            })?,
    };
    let exam = ExamId::new(id).ok_or_else(missing)?;
    let text = raw.text.unwrap_or_default();
    if text.len() > MAX_REPORT_BYTES {
        return Err(ReportError::TooLarge {
            path: path.to_path_buf(),
            at,
            exam,
            bytes: text.len(),
            max: MAX_REPORT_BYTES,
        });
    }
    let unknown =
        |field: &'static str, word: &str, expected: &'static str| ReportError::UnknownWord {
            path: path.to_path_buf(),
            at,
            exam: exam.clone(),
            field,
            word: word.to_string(),
            expected,
        };
    let status_word = raw.status.as_deref().unwrap_or("");
    let status = ReportStatus::parse(status_word).ok_or_else(|| {
        unknown(
            "status",
            status_word,
            "final, preliminary, amended, corrected, cancelled, entered-in-error",
        )
    })?;
    let kind_word = raw.kind.as_deref().unwrap_or("");
    let kind = ReportKind::parse(kind_word)
        .ok_or_else(|| unknown("kind", kind_word, "report or addendum"))?;
    if text.trim().is_empty() {
        warnings.push(ReportWarning::EmptyText {
            path: path.to_path_buf(),
            at,
            exam,
        });
        return Ok(None);
    }
    let explicit = [&raw.status, &raw.kind, &raw.date]
        .iter()
        .any(|v| v.as_deref().is_some_and(|s| !s.trim().is_empty()));
    Ok(Some(Checked {
        at,
        exam,
        text,
        status,
        kind,
        date: raw.date.filter(|d| !d.trim().is_empty()),
        explicit,
    }))
}
