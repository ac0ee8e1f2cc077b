//! Synthetic cohort generator: free-text reports, whole-body PET/CT phantoms as DICOM, outcomes.
//!
//! Real patient data never reaches development machines, so tests and the demo run on data made
//! here. Two calls make a data set on disk:
//!
//! - [`reports::write_report_set`]: free-text reports with the truth of what each says
//!   (`reports.jsonl`, `specs.jsonl`, `truth.csv`), from [`reports::ReportsSettings`];
//! - [`cohort::generate`]: a whole cohort (DICOM CT and PET per exam, region maps, reports,
//!   manifest, truth tables, outcomes), from [`cohort::CohortConfig`].
//!
//! Both sample patients and exams the same way; [`spec::ExamSpec`] is the ground truth of one
//! exam that the report writer and the phantom writer share. The same settings give the same
//! files. Long steps report to a [`uptake_core::Progress`]; nothing is printed.
//!
//! ```
//! use uptake_core::NoProgress;
//! use uptake_synth::reports::{ReportsSettings, generate, write_report_set};
//!
//! let settings = ReportsSettings { n: 3, seed: 7, ..Default::default() };
//! let reports = generate(&settings, &NoProgress);
//! assert_eq!(reports.len(), 3);
//! assert_eq!(reports, generate(&settings, &NoProgress), "same seed, same reports");
//!
//! let dir = tempfile::tempdir().unwrap();
//! let summary = write_report_set(&settings, dir.path(), &NoProgress).unwrap();
//! assert_eq!(summary.reports, 3);
//! let lines = std::fs::read_to_string(dir.path().join("reports.jsonl")).unwrap();
//! assert_eq!(lines.lines().count(), 3);
//! ```

#![warn(missing_docs)]

mod anatomy;
pub mod catalogue;
pub mod cohort;
mod dataset;
pub mod dates;
mod dicom;
mod findings;
pub mod geometry;
mod patient;
pub mod phantom;
pub mod reports;
mod sites;
pub mod spec;
pub mod taxonomy;
mod weighted;

pub use dataset::DatasetError;
