//! The scan model: multi-task I3D with per-region attention heads, training, prediction, saliency.
//!
//! The encoder is Inception-V1 inflated to 3D (I3D) over two channels (CT, PET); each task region
//! gets its own head that pools the encoder's feature grid (soft attention, multi-head attention
//! or plain sum) into one probability. Burn types stay inside this crate: the public API speaks
//! in [`ModelVolume`]s, [`uptake_core::RegionTable`]s and files.

pub mod bench;
pub mod checkpoint;
pub mod config;
pub mod conv_cpu;
pub mod data;
pub mod error;
mod evaluation;
pub mod guided;
pub mod heads;
pub mod i3d;
pub mod init;
pub mod kinetics;
mod loader;
pub mod maps;
pub mod model;
pub mod phantom;
pub mod pool;
pub mod pool_cpu;
pub mod predict;
pub mod run;
pub mod targets;
mod tasks;
pub mod torch;
pub mod train;
mod units;

pub use config::{EncoderConfig, HeadKind, ModelConfig};

pub use data::{MemoryStore, ModelVolume, VolumeSource};
pub use error::ScanModelError;

/// The backend of the command-line tool: CPU (flex), or CUDA with the `gpu` feature.
#[cfg(not(feature = "gpu"))]
pub type DefaultBackend = burn::backend::Flex;
#[cfg(feature = "gpu")]
pub type DefaultBackend = burn::backend::Cuda;
pub type DefaultTrainBackend = burn::backend::Autodiff<DefaultBackend>;

/// The CPU backend used for inference.
pub type CpuBackend = burn::backend::Flex;
/// The CPU backend with automatic differentiation, used for training and saliency.
pub type CpuTrainBackend = burn::backend::Autodiff<burn::backend::Flex>;
