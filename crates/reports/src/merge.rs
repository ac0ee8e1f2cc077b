//! Several records of one exam into one report, by a documented policy: cancelled records are
//! dropped; the exam's report is its latest final or amended report (latest by `date` when every
//! candidate has one, else by file order; a preliminary one only when there is no other); its
//! addenda are appended in order under an "ADDENDUM:" header (a findings header, so they are
//! tagged). Two reports of one exam with no status, kind or date to choose by are an error.

use crate::read_error::{ReportError, ReportWarning};
use crate::record::{Location, ReportKind, ReportStatus};
use std::collections::HashMap;
use std::path::Path;
use uptake_core::ExamId;

/// A record with its exam id, status and kind checked.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    pub(crate) at: Location,
    pub(crate) exam: ExamId,
    pub(crate) text: String,
    pub(crate) status: ReportStatus,
    pub(crate) kind: ReportKind,
    pub(crate) date: Option<String>,
    /// Whether the file said anything about status, kind or date for this record.
    pub(crate) explicit: bool,
}

/// One exam's report after the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Merged {
    pub(crate) exam: ExamId,
    pub(crate) text: String,
    pub(crate) superseded: usize,
    pub(crate) addenda: usize,
}

/// Applies the policy to all records (in file order); exams in order of their first record.
pub(crate) fn merge(
    records: Vec<Checked>,
    path: &Path,
    warnings: &mut Vec<ReportWarning>,
) -> Result<Vec<Merged>, ReportError> {
    let mut order: Vec<ExamId> = Vec::new();
    let mut by_exam: HashMap<ExamId, Vec<Checked>> = HashMap::new();
    for r in records {
        if r.status == ReportStatus::Cancelled {
            warnings.push(ReportWarning::Cancelled {
                path: path.to_path_buf(),
                at: r.at,
                exam: r.exam,
            });
            continue;
        }
        let group = by_exam.entry(r.exam.clone()).or_default();
        if group.is_empty() {
            order.push(r.exam.clone());
        }
        group.push(r);
    }
    order
        .into_iter()
        .map(|exam| {
            let group = by_exam.remove(&exam).unwrap_or_default();
            merge_exam(exam, group, path, warnings)
        })
        .collect()
}

fn merge_exam(
    exam: ExamId,
    group: Vec<Checked>,
    path: &Path,
    warnings: &mut Vec<ReportWarning>,
) -> Result<Merged, ReportError> {
    let (mut reports, addenda): (Vec<Checked>, Vec<Checked>) = group
        .into_iter()
        .partition(|r| r.kind == ReportKind::Report);
    if let [first, second, ..] = reports.as_slice()
        && !reports.iter().any(|r| r.explicit)
    {
        return Err(ReportError::Duplicate {
            path: path.to_path_buf(),
            at: second.at,
            exam,
            first: first.at,
        });
    }
    if reports.iter().all(|r| r.date.is_some()) {
        // Stable: equal dates keep file order.
        reports.sort_by(|a, b| a.date.cmp(&b.date));
    }
    let current = reports
        .iter()
        .rposition(|r| r.status != ReportStatus::Preliminary)
        .or_else(|| reports.len().checked_sub(1));
    let mut text = match current {
        Some(i) => {
            if reports[i].status == ReportStatus::Preliminary {
                warnings.push(ReportWarning::OnlyPreliminary {
                    path: path.to_path_buf(),
                    at: reports[i].at,
                    exam: exam.clone(),
                });
            }
            reports[i].text.clone()
        }
        None => {
            warnings.push(ReportWarning::AddendaWithoutReport {
                path: path.to_path_buf(),
                at: addenda[0].at,
                exam: exam.clone(),
            });
            String::new()
        }
    };
    for a in &addenda {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str("ADDENDUM:\n");
        text.push_str(&a.text);
    }
    Ok(Merged {
        exam,
        text,
        superseded: reports.len().saturating_sub(1),
        addenda: addenda.len(),
    })
}
