//! What can go wrong reading a report file: errors (the file is refused) and warnings (a
//! record is skipped). Messages name the file, the line or entry and the exam, never the
//! report text.

use crate::record::Location;
use std::fmt;
use std::path::PathBuf;
use uptake_core::ExamId;

/// Something wrong with one record that was skipped rather than failing the whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportWarning {
    /// The report text is missing or blank; the record is skipped.
    EmptyText {
        /// The report file.
        path: PathBuf,
        /// Where the record is.
        at: Location,
        /// The exam.
        exam: ExamId,
    },
    /// The record is cancelled or entered in error; it is skipped.
    Cancelled {
        /// The report file.
        path: PathBuf,
        /// Where the record is.
        at: Location,
        /// The exam.
        exam: ExamId,
    },
    /// The exam has no final report: its latest preliminary report is used.
    OnlyPreliminary {
        /// The report file.
        path: PathBuf,
        /// Where the record used is.
        at: Location,
        /// The exam.
        exam: ExamId,
    },
    /// The exam has addenda but no report: the addenda are its text.
    AddendaWithoutReport {
        /// The report file.
        path: PathBuf,
        /// Where the first addendum is.
        at: Location,
        /// The exam.
        exam: ExamId,
    },
}

impl fmt::Display for ReportWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (path, at, exam, what) = match self {
            ReportWarning::EmptyText { path, at, exam } => {
                (path, at, exam, "empty or missing report text; skipped")
            }
            ReportWarning::Cancelled { path, at, exam } => {
                (path, at, exam, "cancelled or entered in error; skipped")
            }
            ReportWarning::OnlyPreliminary { path, at, exam } => (
                path,
                at,
                exam,
                "no final report; the latest preliminary one is used",
            ),
            ReportWarning::AddendaWithoutReport { path, at, exam } => (
                path,
                at,
                exam,
                "addenda but no report; the addenda are used as the report",
            ),
        };
        write!(f, "{}, {at}, exam `{exam}`: {what}", path.display())
    }
}

/// Why a report file cannot be read. Messages name the file, the line and the exam.
#[derive(Debug, thiserror::Error)]
#[allow(missing_docs)] // fields: the file, the line or entry, the exam, and what the message says
pub enum ReportError {
    /// The file cannot be read.
    #[error("cannot read reports file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The extension says no format; `--reports-format` can.
    #[error(
        "{path}: unknown report file type; use .jsonl (one {{\"exam_id\", \"text\"}} object per line), .csv (columns exam_id,text), .json or .ndjson (FHIR DiagnosticReport), or name the format (--reports-format)"
    )]
    UnknownExtension { path: PathBuf },
    /// Bytes that are not UTF-8.
    #[error("{path}, line {line}: the text is not valid UTF-8 (byte {byte_offset} of the line)")]
    NotUtf8 {
        path: PathBuf,
        line: u64,
        byte_offset: usize,
    },
    /// A JSON line or document that is not a report record.
    #[error("{path}, {at}: not a valid JSON report record: {message}")]
    Json {
        path: PathBuf,
        at: Location,
        message: String,
    },
    /// A CSV file that does not parse: a stray or missing quote, too many fields.
    #[error("{path}, line {line}: not valid CSV: {message}")]
    Csv {
        path: PathBuf,
        line: u64,
        message: String,
    },
    /// A CSV file without the id or the text column.
    #[error(
        "{path}: the CSV header has no `{column}` column (found: {found}); name the column with --id-column or --text-column"
    )]
    MissingColumn {
        path: PathBuf,
        column: String,
        found: String,
    },
    /// A record without an exam id.
    #[error("{path}, {at}: missing or empty exam id (`{column}`)")]
    MissingExamId {
        path: PathBuf,
        at: Location,
        column: String,
    },
    /// A status or kind word uptake does not know.
    #[error("{path}, {at}, exam `{exam}`: unknown {field} `{word}` ({expected})")]
    UnknownWord {
        path: PathBuf,
        at: Location,
        exam: ExamId,
        field: &'static str,
        word: String,
        expected: &'static str,
    },
    /// Two reports of one exam and nothing that says which one is current.
    #[error(
        "{path}, {at}: exam `{exam}` appears twice (first on {first}) and neither record has a status, kind or date to choose by (see docs: several reports per exam)"
    )]
    Duplicate {
        path: PathBuf,
        at: Location,
        exam: ExamId,
        first: Location,
    },
    /// A report over [`crate::MAX_REPORT_BYTES`].
    #[error(
        "{path}, {at}, exam `{exam}`: the report is {bytes} bytes, more than the {max} accepted"
    )]
    TooLarge {
        path: PathBuf,
        at: Location,
        exam: ExamId,
        bytes: usize,
        max: usize,
    },
    /// No record at all.
    #[error("{path}: the file holds no report records")]
    Empty { path: PathBuf },
    /// Records, but every one was skipped.
    #[error("{path}: none of its {records} records has a usable report (see the warnings)")]
    NothingUsable { path: PathBuf, records: usize },
    /// An accession number that the mapping file does not know.
    #[error("{path}, {at}: accession `{accession}` is not in the accession mapping {map}")]
    UnknownAccession {
        path: PathBuf,
        at: Location,
        accession: String,
        map: PathBuf,
    },
    /// A mapping file that cannot be used.
    #[error("{path}: {message}")]
    BadMapping { path: PathBuf, message: String },
}
