//! The labelling tool: a local web app to hand-label tagged mentions fast.
//!
//! The core takes plain, already-tagged data ([`Candidate`] sentences with their section
//! context and tagged mentions as character spans), so it knows nothing of report parsing or
//! tagging. The pieces:
//! - [`sample`]: which sentences to label and in what order (stratified by region, or by a
//!   model's uncertainty);
//! - [`journal`]: the append-only, fsynced event log, the labelling state replayed from it, and
//!   the consolidated mention file (exactly `uptake_core::LabelledSentence` JSONL);
//! - [`server`]: the axum app serving the embedded page and its JSON API;
//! - [`agreement`]: Cohen's kappa per region between two annotators' files.

pub mod agreement;
pub mod candidate;
pub mod journal;
pub mod sample;
pub mod server;

pub use agreement::{AgreementReport, RegionAgreement, agreement};
pub use candidate::{Candidate, CandidateMention, RegionCatalog, RegionInfo};
pub use journal::{Decision, Journal, JournalError, MentionState};
pub use sample::{order_by_uncertainty, stratified_sample};
pub use server::{ServeOptions, Server, ServerError};
