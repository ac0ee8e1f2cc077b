//! The BERT report model: a token classifier that scores each tagged mention, trained and run
//! with burn.
//!
//! The public API speaks plain Rust types (paths, strings, spans, `f64` probabilities); burn
//! stays inside this crate, so a burn upgrade touches `bert.rs`, `checkpoint.rs`, `model.rs`
//! and `train.rs` only.
//!
//! - [`ReportModel`]: load a model folder (any Hugging Face BERT checkpoint, plus our head) and
//!   score mentions (mean of their tokens' probabilities), batched.
//! - [`train::train`]: fine-tune on hand-labelled mentions (masked BCE, Adam, early stopping,
//!   checkpoints, resume).
//! - [`metrics`]: AUROC, F1, sensitivity, specificity.

mod bert;
pub mod checkpoint;
pub mod config;
mod error;
pub mod metrics;
mod model;
pub mod pretrain;
mod resume;
mod scorer;
pub mod tokenize;
pub mod train;
pub mod vocab;

pub use config::BertConfig;
pub use error::ModelError;
pub use model::{ReportModel, SentenceMentions, init_random_model};
