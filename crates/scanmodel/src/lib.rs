//! The scan model: multi-task I3D with per-region attention heads, training, prediction, saliency.
//!
//! The encoder is Inception-V1 inflated to 3D (I3D) over two channels (CT, PET); each task region
//! gets its own head that pools the encoder's feature grid (soft attention, multi-head attention
//! or plain sum) into one probability. Burn types stay inside this crate: the public API speaks
//! in [`ModelVolume`]s, [`uptake_core::RegionTable`]s and files.
//!
//! The steps, in the order a study runs them:
//!
//! - volumes: the exam store of `uptake ingest` as a [`VolumeSource`] ([`StoreSource`]), or
//!   volumes in memory ([`MemoryStore`]);
//! - the network: a [`SizePreset`] or [`NetworkSettings`] gives a [`ModelConfig`];
//! - labels and tasks: [`TrainingLabels`] (weak, hand or both) and a [`TaskSelection`] (the 30
//!   task regions, the prevalent ones, or named ones); whole-body fine-tuning targets in
//!   [`targets`];
//! - training and fine-tuning: [`train`];
//! - prediction, attention and saliency maps: [`predict`] ([`predict::predict_run`]);
//! - whether attention falls on the lesions: [`localise`] ([`localise::localise`]; over an exam
//!   store, against region maps or stored lesion masks: [`localise::localise_store`]).
//!
//! Predicting with a tiny random network on one exam held in memory:
//!
//! ```
//! use uptake_core::{ExamId, NoProgress};
//! use uptake_scanmodel::model::ScanModel;
//! use uptake_scanmodel::predict::predict_table;
//! use uptake_scanmodel::{CpuBackend, MemoryStore, ModelVolume, SizePreset};
//!
//! let config = SizePreset::Tiny.model_config(vec!["liver".into(), "lungs".into()]);
//! let device = Default::default();
//! let model = ScanModel::<CpuBackend>::seeded(&config, 7, &device);
//! let exam = ExamId::new("E1").unwrap();
//! let voxels = 16 * 32 * 32;
//! let store = MemoryStore::new([ModelVolume {
//!     exam_id: exam.clone(),
//!     shape: [16, 32, 32],
//!     spacing_mm: [8.0, 12.5, 12.5],
//!     origin_mm: [0.0, -200.0, -200.0],
//!     ct: vec![0.0; voxels],
//!     pet: vec![0.2; voxels],
//! }]);
//! let table = predict_table(&model, &config, &store, &[exam.clone()], 0, &NoProgress, &device)?;
//! assert_eq!(table.regions(), ["liver", "lungs"]);
//! let liver = table.get(&exam, "liver").unwrap();
//! assert!((0.0..=1.0).contains(&liver));
//! # Ok::<(), uptake_scanmodel::ScanModelError>(())
//! ```

#![warn(missing_docs)]

pub mod bench;
pub mod checkpoint;
pub mod config;
pub(crate) mod conv_cpu;
pub(crate) mod cpu;
pub mod data;
pub mod error;
mod evaluation;
pub mod finetune;
pub(crate) mod guided;
pub mod heads;
pub mod i3d;
pub mod init;
pub mod kinetics;
pub mod labels;
mod loader;
pub mod loader_bench;
mod localisation;
pub mod localise;
pub(crate) mod maps;
pub mod model;
pub(crate) mod norm_cpu;
pub(crate) mod padding;
pub mod phantom;
pub(crate) mod pool;
pub(crate) mod pool_cpu;
pub mod predict;
mod prefetch;
pub mod presets;
pub mod request;
pub mod run;
pub mod selection;
pub mod store;
pub mod targets;
mod tasks;
pub mod torch;
pub mod train;
mod units;

pub use config::{EncoderConfig, EncoderPooling, HeadKind, ModelConfig};
pub use data::{MemoryStore, ModelVolume, VolumeSource};
pub use error::ScanModelError;
pub use labels::{LabelFiles, LabelSource, TrainingLabels};
pub use presets::{HeadChoice, NetworkSettings, SizePreset};
pub use selection::TaskSelection;
pub use store::StoreSource;

/// The backend of the command-line tool: CPU (flex), or CUDA with the `gpu` feature.
#[cfg(not(feature = "gpu"))]
pub type DefaultBackend = burn::backend::Flex;
/// The backend of the command-line tool: CPU (flex), or CUDA with the `gpu` feature.
#[cfg(feature = "gpu")]
pub type DefaultBackend = burn::backend::Cuda;
/// [`DefaultBackend`] with automatic differentiation, for training.
pub type DefaultTrainBackend = burn::backend::Autodiff<DefaultBackend>;

/// The CPU backend used for inference.
pub type CpuBackend = burn::backend::Flex;
/// The CPU backend with automatic differentiation, used for training and saliency.
pub type CpuTrainBackend = burn::backend::Autodiff<burn::backend::Flex>;
