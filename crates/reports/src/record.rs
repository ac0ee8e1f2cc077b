//! One record of a report file before the per-exam policy is applied, and where it is.

use std::fmt;

/// Where a record is in its file: a line (JSONL, CSV, NDJSON) or an entry of a FHIR Bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    /// 1-based line where the record starts.
    Line(u64),
    /// 1-based position of the resource among the Bundle's entries.
    Entry(usize),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Entry(n) => write!(f, "entry {n}"),
        }
    }
}

/// The status of a report as exports write it (a `status` column or field; FHIR
/// `DiagnosticReport.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReportStatus {
    /// Preliminary, partial, draft or registered: used only when an exam has no final report.
    Preliminary,
    /// Final, signed, complete (or no status given).
    Final,
    /// Amended, corrected or revised: replaces earlier reports of the exam.
    Amended,
    /// Cancelled or entered in error: never used.
    Cancelled,
}

impl ReportStatus {
    /// The status a word names (case-insensitive), or `None` for a word uptake does not know.
    /// FHIR's `unknown` and an empty cell are [`ReportStatus::Final`].
    pub fn parse(word: &str) -> Option<ReportStatus> {
        Some(match word.trim().to_ascii_lowercase().as_str() {
            "" | "final" | "f" | "signed" | "complete" | "completed" | "appended" | "unknown" => {
                ReportStatus::Final
            }
            "preliminary" | "prelim" | "p" | "partial" | "draft" | "registered" | "pending" => {
                ReportStatus::Preliminary
            }
            "amended" | "corrected" | "revised" | "a" | "c" | "corrected final" => {
                ReportStatus::Amended
            }
            "cancelled" | "canceled" | "entered-in-error" | "entered in error" | "x" | "void"
            | "withdrawn" => ReportStatus::Cancelled,
            _ => return None,
        })
    }
}

/// Whether a record is a report or an addendum to the exam's report (a `kind` column or field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// A report (or no kind given).
    Report,
    /// An addendum: appended to the exam's report.
    Addendum,
}

impl ReportKind {
    /// The kind a word names (case-insensitive), or `None` for a word uptake does not know.
    pub fn parse(word: &str) -> Option<ReportKind> {
        match word.trim().to_ascii_lowercase().as_str() {
            "" | "report" | "main" | "original" | "amendment" | "amended" => {
                Some(ReportKind::Report)
            }
            "addendum" | "addenda" | "add" | "addition" | "supplement" => {
                Some(ReportKind::Addendum)
            }
            _ => None,
        }
    }
}

/// A record as read, before ids are mapped and several records of one exam are merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawRecord {
    pub(crate) at: Location,
    pub(crate) id: Option<String>,
    pub(crate) text: Option<String>,
    /// The status word as written (checked when merging).
    pub(crate) status: Option<String>,
    /// The kind word as written.
    pub(crate) kind: Option<String>,
    /// An ISO 8601 date or time; orders several reports of one exam.
    pub(crate) date: Option<String>,
}
