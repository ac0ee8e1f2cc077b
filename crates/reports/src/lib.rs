//! Radiology report reading, section and sentence splitting, and region mention tagging.
//!
//! - [`read_reports_with`] ([`read_reports`] with the defaults): report files as hospitals
//!   export them: JSONL, strict CSV (other column names, exact line numbers with CRLF), FHIR
//!   `DiagnosticReport` (Bundle or NDJSON), accession numbers with a mapping file, and several
//!   reports per exam merged by one policy (latest final or amended report, addenda appended).
//!   Warnings and errors name the file, line and exam (never the report text); a
//!   [`ReadSummary`] says what was read, skipped and merged.
//! - [`SectionVocabulary`] (the header words as data, `data/sections.toml`, or a user's file)
//!   and [`split_sections`]: history, technique, comparison, findings, impression, for the
//!   common layouts (combined, European, organ-system templates, unheaded bodies), with a
//!   fallback that never drops text ([`SectionLayout::Fallback`]).
//! - [`split_sentences`]: sentences that survive "1.3 x 1.2 cm", "SUVmax 4.1", "Dr.", lists.
//! - [`Tagger`]: the ontology's tagging functions over findings and impression sentences;
//!   [`write_tagged`] writes what it finds (`uptake tag`).
//! - [`suggest_terms`]: the study's term analysis, word n-grams of findings and impressions
//!   that no pattern of the ontology matches, as a TOML snippet to grow the ontology with
//!   (`uptake ontology suggest`);
//! - [`check_ontology`]: an ontology file loads, has the task regions and compiles into a
//!   tagger (`uptake ontology check`);
//! - [`evaluate_mentions`]: tagging recall against hand-marked mentions;
//!   [`measure_tagging`]: tagging speed.
//!
//! Mention spans are bytes of the sentence ([`uptake_core::ByteSpan`]); files write them as
//! characters ([`uptake_core::CharSpan`], see [`TaggedSentence::char_span`]).
//!
//! ```
//! use uptake_ontology::Ontology;
//! use uptake_reports::{Report, Tagger};
//!
//! let ontology = Ontology::builtin();
//! let tagger = Tagger::new(&ontology).unwrap();
//! let report = Report::new(
//!     "E1",
//!     "HISTORY: Lymphoma.\nFINDINGS: Avid left axillary nodes. The liver is normal.",
//! );
//! let tagged = tagger.tag_report(&report);
//! let regions: Vec<&str> = tagged
//!     .iter()
//!     .flat_map(|s| s.mentions.iter().map(|m| ontology.name(m.region)))
//!     .collect();
//! assert_eq!(regions, ["left_axillary_lymph_node", "liver"]);
//! assert_eq!(tagged[0].char_span(&tagged[0].mentions[0]).slice(&tagged[0].text), Some("left axillary nodes"));
//! ```

#![warn(missing_docs)]

mod accession;
mod check;
mod csv_strict;
mod eval;
mod eval_text;
mod fhir;
mod merge;
mod read;
mod read_error;
mod record;
mod sections;
mod sentences;
mod speed;
mod suggest;
mod tagger;
mod write;

pub use check::{OntologyCheck, OntologyCheckError, check_ontology};
pub use eval::{Extra, MentionEval, Miss, evaluate_mentions};
pub use eval_text::MentionListing;
pub use read::{
    MAX_REPORT_BYTES, ReadSettings, ReadSummary, Report, ReportFormat, ReportSet, read_reports,
    read_reports_with,
};
pub use read_error::{ReportError, ReportWarning};
pub use record::{Location, ReportKind, ReportStatus};
pub use sections::{
    Section, SectionKind, SectionLayout, SectionVocabulary, SectionsError, SplitReport,
    split_sections,
};
pub use sentences::{Sentence, split_sentences};
pub use speed::{TaggingSpeed, measure_tagging};
pub use suggest::{
    EXAMPLES_PER_TERM, MAX_WORDS, SentenceRef, SuggestSettings, SuggestedTerm, TermSuggestions,
    suggest_terms,
};
pub use tagger::{Mention, TaggedReport, TaggedSentence, TaggedSpan, Tagger, TaggerError};
pub use write::{SentenceFilter, TagSettings, TagSummary, write_tagged};

#[cfg(test)]
mod tests;
