//! The resumable training-run engine both networks train with (the scan model, the report
//! model's fine-tuning and its masked-language-model pre-training).
//!
//! A model implements [`Trainee`]: it builds, saves and loads itself, trains one epoch by
//! calling [`Epoch::step`] once per batch, and validates. [`train`] drives it in a run folder
//! and owns everything the three training loops used to repeat:
//!
//! - the run folder ([`RunDir`]): `state.json` (the settings, epochs done, best epoch, history;
//!   written last each epoch), `metrics.jsonl` (one [`EpochRecord`] per epoch), the last
//!   epoch's checkpoint in `epoch-NNNN/` (the model's files and `optimizer.bin`), and the best
//!   model where the model keeps it ([`Trainee::save_best`]);
//! - Adam with its full state restored on resume (moments and step counts, keyed by parameter
//!   ids derived from the module paths, checked against the model before loading);
//! - per-epoch seeding ([`RunOptions::epoch_rng`], [`RunOptions::backend_seed`]): each epoch
//!   draws from its own stream, so a resumed run gives the weights of an uninterrupted one;
//! - the learning-rate schedule (halving), early stopping with patience, extension of a
//!   finished run to more epochs, and refusal of a folder holding a run of other settings;
//! - events to a callback ([`TrainEvent`]); the engine prints nothing;
//! - data-parallel training with burn's collective ([`train_replicated`]): one replica per
//!   device (and per machine, [`Nodes`]), gradients summed before every step, so N devices
//!   with batches of b train as one device with batches of N x b.
//!
//! Where a network runs is chosen at run time: a [`Device`] (`cpu`, `cuda:N`) is parsed once,
//! checked ([`check_devices`]), and [`run_on`] runs a [`BackendJob`] (written once for any
//! backend) with the CPU backend's or, in a build with the `gpu` feature, CUDA's instance.
//!
//! A line fitted in three epochs, then extended to five (the run resumes after epoch 3):
//!
//! ```
//! use burn::backend::{Autodiff, Flex};
//! use burn::module::Module;
//! use burn::nn::{Linear, LinearConfig};
//! use burn::record::{BinFileRecorder, FullPrecisionSettings};
//! use burn::tensor::backend::Backend;
//! use burn::tensor::{Tensor, TensorData};
//! use std::path::Path;
//! use uptake_training::{DataPlan, Epoch, NoMetrics, RunOptions, TrainEvent, Trainee, Validation};
//!
//! type B = Autodiff<Flex>;
//! type Error = Box<dyn std::error::Error>;
//!
//! /// Fits y = 3x - 1 on eight points, in four full-batch steps per epoch.
//! struct Line;
//!
//! fn mse<K: Backend>(model: &Linear<K>) -> Tensor<K, 1> {
//!     let device = model.weight.val().device();
//!     let x: Vec<f32> = (0..8).map(|i| i as f32 / 8.0).collect();
//!     let y: Vec<f32> = x.iter().map(|x| 3.0 * x - 1.0).collect();
//!     let x = Tensor::<K, 2>::from_data(TensorData::new(x, [8, 1]), &device);
//!     let y = Tensor::<K, 2>::from_data(TensorData::new(y, [8, 1]), &device);
//!     (model.forward(x) - y).powi_scalar(2).mean()
//! }
//!
//! impl Trainee<B> for Line {
//!     type Model = Linear<B>;
//!     type Metrics = NoMetrics;
//!     type Error = Error;
//!
//!     fn settings(&self) -> serde_json::Value {
//!         serde_json::json!({"points": 8})
//!     }
//!     fn plan(&self) -> DataPlan {
//!         DataPlan { train_examples: 8, validation_examples: 8, batches_per_epoch: 4 }
//!     }
//!     fn start(&mut self, _: &Path, device: &burn::tensor::Device<B>) -> Result<Linear<B>, Error> {
//!         Ok(LinearConfig::new(1, 1).init(device))
//!     }
//!     fn load(&mut self, dir: &Path, device: &burn::tensor::Device<B>) -> Result<Linear<B>, Error> {
//!         let recorder = BinFileRecorder::<FullPrecisionSettings>::new();
//!         Ok(LinearConfig::new(1, 1).init(device).load_file(dir.join("line"), &recorder, device)?)
//!     }
//!     fn save(&self, model: &Linear<B>, dir: &Path) -> Result<(), Error> {
//!         let recorder = BinFileRecorder::<FullPrecisionSettings>::new();
//!         Ok(model.clone().save_file(dir.join("line"), &recorder)?)
//!     }
//!     fn save_best(&self, model: &Linear<B>, dir: &Path, _: usize, _: Option<f64>) -> Result<(), Error> {
//!         self.save(model, dir)
//!     }
//!     fn train_epoch(
//!         &mut self,
//!         mut model: Linear<B>,
//!         epoch: &mut Epoch<'_, B, Linear<B>>,
//!     ) -> Result<(Linear<B>, f64), Error> {
//!         let mut sum = 0.0;
//!         for _ in 0..4 {
//!             let loss = mse(&model);
//!             let (next, value) = epoch.step(model, loss)?;
//!             (model, sum) = (next, sum + value);
//!         }
//!         Ok((model, sum / 4.0))
//!     }
//!     fn validate(&mut self, model: &Linear<Flex>) -> Result<Validation<NoMetrics>, Error> {
//!         let loss: f32 = mse(model).into_scalar();
//!         Ok(Validation { score: Some(-f64::from(loss)), metrics: NoMetrics {} })
//!     }
//! }
//!
//! let dir = tempfile::tempdir()?;
//! let options = RunOptions { epochs: 3, learning_rate: 0.1, ..RunOptions::default() };
//! let device = Default::default();
//! let state = uptake_training::train::<B, _>(&mut Line, dir.path(), &options, &device, &mut |_| {})?;
//! assert_eq!(state.finished_epochs, 3);
//! assert!(state.history[2].train_loss < state.history[0].train_loss);
//!
//! let more = RunOptions { epochs: 5, ..options };
//! let mut first_epoch = 0;
//! uptake_training::train::<B, _>(&mut Line, dir.path(), &more, &device, &mut |event| {
//!     if let TrainEvent::Started { first_epoch: e, .. } = event {
//!         first_epoch = e;
//!     }
//! })?;
//! assert_eq!(first_epoch, 4);
//! assert!(dir.path().join("epoch-0005").join("optimizer.bin").is_file());
//! # Ok::<(), Error>(())
//! ```

#![warn(missing_docs)]

mod backend;
mod data_parallel;
mod device;
mod engine;
mod error;
mod optimizer;
mod options;
mod record;
mod replica;
mod run_dir;
mod trainee;

#[cfg(feature = "gpu")]
pub use backend::CudaBackend;
pub use backend::{BackendJob, CpuBackend, is_out_of_memory, run_on};
pub use data_parallel::{Nodes, NodesParseError, run_orchestrator, train_replicated};
pub use device::{Device, DeviceError, DeviceParseError, GPU_BUILD, check_device, check_devices};
pub use engine::{OnEvent, train};
pub use error::RunError;
pub use options::{BackendSeeding, RunOptions, StreamNumbering, settings_without};
pub use record::{DataPlan, EpochRecord, NoMetrics, TrainEvent, Validation};
pub use replica::Replica;
pub use run_dir::{RunDir, RunState};
pub use trainee::{Epoch, Trainee};
