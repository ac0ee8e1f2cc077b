//! The BERT report model: a token classifier that scores each tagged mention, trained and run
//! with burn on any backend (the CPU by default, CUDA with the `gpu` feature).
//!
//! The public API speaks plain Rust types (paths, sentences, spans, `f64` probabilities); burn
//! stays inside this crate.
//!
//! - [`ReportModel`]: load a model folder (any Hugging Face BERT checkpoint, plus our head) and
//!   score mentions (mean of their tokens' probabilities), batched; [`load_scorer`] gives it
//!   (or a seed ensemble) as a [`uptake_labels::MentionScorer`], [`load_scorers`] each model
//!   on a device chosen at run time ([`uptake_training::Device`]).
//! - [`train::train`]: fine-tune on hand-labelled sentences in memory (masked BCE, Adam,
//!   early stopping, checkpoints, exact resume), a run of the [`uptake_training`] engine;
//!   [`train::train_on`], [`cv::cross_validate_on`] and [`bench::run_bench_on`] take the
//!   device at run time (the CPU, or CUDA in a `gpu` build).
//! - [`pretrain::pretrain`]: domain pre-training by masked language modelling, resumable.
//! - [`vocab::build_domain_vocab`]: a domain WordPiece vocabulary in the base's free slots;
//!   [`corpus::corpus_texts`] reads the text both learn from.
//! - [`evaluate::compare_with_rules`]: the model beside the rule labellers, with bootstrap
//!   intervals of the differences; [`cv::cross_validate`]: k-fold cross-validation.
//! - [`mod@bench`]: labelling and training speed.
//! - [`steps`]: each step from files to files, as the command line runs it.
//!
//! Fine-tuning a tiny random BERT for two epochs on sentences held in memory, then scoring a
//! mention with the saved model:
//!
//! ```
//! use uptake_core::{CharSpan, LabelledSentence, LabelledSpan};
//! use uptake_textmodel::train::{TrainOptions, train};
//! use uptake_textmodel::{BertConfig, CharMentions, CpuTrainBackend, Head, ReportModel, init_random_model};
//!
//! let dir = tempfile::tempdir()?;
//! let base = dir.path().join("base");
//! let vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "no", "intense", "uptake", "in", "the", "liver"];
//! init_random_model(&base, &BertConfig::tiny(vocab.len(), 8, 1, 2, 16), &vocab, 7, Head::Without)?;
//!
//! let sentence = |text: &str, label| LabelledSentence {
//!     id: None,
//!     exam_id: None,
//!     section: None,
//!     mentions: vec![LabelledSpan { start: text.len() - 5, end: text.len(), region: "liver".into(), label }],
//!     text: text.into(),
//! };
//! let sentences = [sentence("intense uptake in the liver", 1), sentence("no uptake in the liver", 0)];
//! let options = TrainOptions { epochs: 2, mentions_per_epoch: 8, batch_size: 4, val_split: 0.0, ..Default::default() };
//! let out = dir.path().join("model");
//! let info = train::<CpuTrainBackend>(&sentences, &base, &out, &options, &Default::default(), &mut |_| {})?;
//! assert_eq!(info.epoch, 2); // without a validation set the latest epoch is the best
//!
//! let model = ReportModel::load_trained(&out)?;
//! let text = "intense uptake in the liver";
//! let scores = model.score(&[CharMentions { text, spans: vec![CharSpan::new(22, 27)] }])?;
//! assert!((0.0..=1.0).contains(&scores[0][0]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod augment;
pub mod bench;
mod bert;
mod calibration;
mod comparison_text;
mod config;
pub mod corpus;
pub mod cv;
mod error;
pub mod evaluate;
mod examples;
mod folder;
mod inference;
mod mlm;
mod model;
mod on_device;
pub mod pretrain;
pub mod reliability;
mod scorer;
pub mod steps;
mod tokenize;
pub mod train;
pub mod vocab;
mod weights;

pub use calibration::Calibration;
pub use config::BertConfig;
pub use error::ModelError;
pub use folder::{Head, init_random_model};
pub use model::{CharMentions, CpuBackend, ReportModel};
pub use scorer::{load_scorer, load_scorers};
pub use uptake_training::{EpochRecord, NoMetrics, TrainEvent};
pub use weights::TensorMap;

/// The CPU backend with automatic differentiation (training on the CPU).
pub type CpuTrainBackend = burn::backend::Autodiff<CpuBackend>;
/// The backend of the command-line tool: the CPU, or CUDA with the `gpu` feature.
#[cfg(not(feature = "gpu"))]
pub type DefaultBackend = CpuBackend;
/// The backend of the command-line tool: the CPU, or CUDA with the `gpu` feature.
#[cfg(feature = "gpu")]
pub type DefaultBackend = burn::backend::Cuda;
/// [`DefaultBackend`] with automatic differentiation (training).
pub type DefaultTrainBackend = burn::backend::Autodiff<DefaultBackend>;
