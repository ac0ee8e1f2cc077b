//! Shared domain types and file formats: the one home of every format that crosses crates.
//!
//! - [`ExamId`]; the wide [`RegionTable`] of labels and predictions (CSV);
//! - the hand-labelled mention file ([`mentions`]) and spans that say whether they count
//!   characters or bytes ([`CharSpan`], [`ByteSpan`]);
//! - the cohort [`Manifest`] and the exam [`RegionMap`] (`regions.json`);
//! - [`Confusion`]: precision, sensitivity, specificity and F1 with one rule for empty cases,
//!   and [`metrics::auroc`];
//! - small helpers every crate shares: atomic writes ([`write_atomic`], [`json`]), outputs that
//!   never replace inputs, links or special files ([`output_guard`]) and output folders written
//!   as one unit ([`output`]), seeded
//!   randomness and stable hashes ([`seeded`]), the download cache ([`dirs`]), calendar days
//!   ([`date`]) and a [`Progress`] sink for long steps.
//!
//! ```
//! use uptake_core::{Confusion, ExamId, RegionTable};
//!
//! let mut predictions = RegionTable::new(vec!["liver".into(), "lungs".into()]);
//! predictions.insert(ExamId::new("E1").unwrap(), vec![Some(0.9), Some(0.2)]);
//! predictions.insert(ExamId::new("E2").unwrap(), vec![Some(0.1), None]);
//! let liver: Vec<f64> = predictions.column("liver").unwrap().into_iter().flatten().collect();
//! let truth = [true, false];
//! let counts = Confusion::at_threshold(&liver, &truth, 0.5);
//! assert_eq!(counts.f1(), Some(1.0));
//! assert_eq!(uptake_core::metrics::auroc(&liver, &truth), Some(1.0));
//! ```

#![warn(missing_docs)]

/// Atomic file writes: readers see the old or the complete new content, never a part.
pub mod atomic;
pub mod bootstrap;
pub mod calibration;
#[cfg(feature = "cli")]
pub mod cli;
pub mod confusion;
pub mod date;
pub mod dirs;
/// The exam id.
pub mod exam;
pub mod exam_lines;
pub mod exam_list;
pub mod interrupt;
pub mod json;
pub mod manifest;
pub mod mentions;
pub mod metrics;
pub mod output;
pub mod output_guard;
pub mod probability;
pub mod process;
pub mod progress;
pub mod region_map;
pub mod seeded;
pub mod shard;
pub mod shard_merge;
pub mod spans;
mod split_name;
pub mod table;

pub use atomic::{AtomicWriteError, write_atomic};
pub use confusion::Confusion;
pub use dirs::{cache_dir, shared_dir};
pub use exam::ExamId;
pub use exam_lines::{DuplicateExam, ExamLines};
pub use exam_list::{ExamList, ExamListError};
pub use manifest::{Manifest, ManifestEntry, ManifestError};
pub use mentions::{LabelledSentence, LabelledSpan, MentionFileError};
pub use probability::Probability;
pub use progress::{NoProgress, Progress};
pub use region_map::{RegionMap, RegionMapError};
pub use spans::{ByteSpan, CharSpan};
pub use table::{RegionTable, TableError};
