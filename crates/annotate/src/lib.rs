//! The labelling tool: a local web app to hand-label tagged mentions fast.
//!
//! The core takes plain, already-tagged data ([`Candidate`] sentences with their section
//! context and tagged mentions as character spans); [`candidates`] makes them from reports
//! with the ontology's tagger. The pieces:
//! - [`candidates`] and [`region_catalog`]: the sentences to label and the regions to pick from;
//! - sampling: which sentences to label and in what order ([`choose_sample`]: stratified by
//!   region, or by a model's uncertainty, from [`predict`] or a predictions file);
//! - [`Journal`]: the append-only, fsynced event log, the labelling state replayed from it, and
//!   the consolidated mention file (exactly `uptake_core::LabelledSentence` JSONL);
//! - [`Server`]: the axum app serving the embedded page and its JSON API, refusing any request
//!   another web page could forge; [`stop_signal`] stops it gracefully on SIGINT/SIGTERM;
//! - [`agreement()`]: Cohen's kappa per region between two annotators' files;
//! - [`time_saving_labels`]: what a saved label costs on disk.
//!
//! ```
//! use uptake_annotate::{SampleOrder, SampleSettings, candidates, choose_sample};
//! use uptake_ontology::Ontology;
//! use uptake_reports::{Report, Tagger};
//!
//! let tagger = Tagger::new(&Ontology::builtin()).unwrap();
//! let reports = [
//!     Report::new("E1", "FINDINGS: Intense uptake in the liver. No other findings."),
//!     Report::new("E2", "FINDINGS: Avid nodes in the left axilla."),
//! ];
//! let pool = candidates(&reports, &tagger).unwrap();
//! assert_eq!(pool.len(), 2);
//! assert_eq!(pool[0].id, "E1:0");
//! assert_eq!(pool[0].mentions[0].region, "liver");
//!
//! let settings = SampleSettings { size: 1, seed: 0, order: SampleOrder::Stratified };
//! assert_eq!(choose_sample(&pool, &settings).len(), 1);
//! ```

#![warn(missing_docs)]

mod access;
mod agreement;
mod agreement_files;
mod bench;
mod candidate;
mod from_reports;
mod journal;
mod mention_file;
mod sample;
mod scoring;
mod serve;
mod server;
mod session;
mod signals;

pub use agreement::{AgreementError, AgreementReport, RegionAgreement, agreement};
pub use agreement_files::{FileAgreement, FileAgreementError, agreement_of_files};
pub use bench::{SaveBenchError, SaveBenchSettings, SaveTiming, time_saving_labels};
pub use candidate::{Candidate, CandidateMention, RegionCatalog, RegionInfo};
pub use from_reports::{PoolError, candidates, region_catalog};
pub use journal::{
    ApplyError, Decision, Edit, EditError, Journal, JournalError, MentionState, RegionCounts,
    journal_path,
};
pub use sample::{Predictions, PredictionsError, SampleOrder, SampleSettings, choose_sample};
pub use scoring::predict;
pub use serve::serve;
pub use server::{ServeOptions, Server, ServerError};
pub use session::{ActiveOrder, Session, SessionError, SessionSettings};
pub use signals::stop_signal;
