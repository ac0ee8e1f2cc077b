//! What every layout lays out: the exam, its findings by body part, the impression items and
//! the lesions the report describes.

use super::described::Described;
use super::group::Findings;
use crate::spec::ExamSpec;

/// A report before its layout: the same for every style.
pub(super) struct Draft<'a> {
    /// The exam.
    pub(super) spec: &'a ExamSpec,
    /// Whether the scan is a follow-up (there is a prior to compare with).
    pub(super) follow_up: bool,
    /// The findings sentences, by body part.
    pub(super) findings: Findings,
    /// The impression items.
    pub(super) impression: Vec<String>,
    /// The lesions the report describes (abnormal or hedged), so that a layout that adds
    /// negative statements never contradicts them.
    pub(super) reported: Vec<&'a Described<'a>>,
}
