//! Radiology report reading, section and sentence splitting, and region mention tagging.
//!
//! - [`read_reports`]: `.jsonl` / `.csv` report files, with warnings and errors that name the
//!   file, line and exam (never the report text).
//! - [`split_sections`]: history, technique, comparison, findings, impression.
//! - [`split_sentences`]: sentences that survive "1.3 x 1.2 cm", "SUVmax 4.1", "Dr.", lists.
//! - [`Tagger`]: the ontology's tagging functions over findings and impression sentences.

pub mod eval;
pub mod read;
pub mod sections;
pub mod sentences;
pub mod tagger;

pub use eval::{MentionEval, evaluate_mentions};
pub use read::{MAX_REPORT_BYTES, Report, ReportError, ReportSet, ReportWarning, read_reports};
pub use sections::{Section, SectionKind, split_sections};
pub use sentences::{Sentence, split_sentences};
pub use tagger::{
    Mention, TaggedRecord, TaggedSentence, TaggedSpan, Tagger, TaggerError, char_offset,
};

#[cfg(test)]
mod tests;
