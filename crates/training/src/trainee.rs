//! What a model implements to be trained by the engine, and the epoch it is handed.

use crate::error::RunError;
use crate::optimizer::AdamOptimizer;
use crate::record::{DataPlan, Validation};
use crate::replica::{Replica, sum_gradients, sum_values};
use burn::collective::PeerId;
use burn::module::AutodiffModule;
use burn::optim::{GradientsParams, Optimizer};
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{ElementConversion, Tensor};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::Path;

/// A model with its data, as the engine drives it: the engine owns the run folder, the
/// optimizer, the schedule and the seeds; the model builds, saves and loads itself, trains one
/// epoch by calling [`Epoch::step`] per batch, and validates.
pub trait Trainee<B: AutodiffBackend> {
    /// The network.
    type Model: AutodiffModule<B>;
    /// What the model logs per epoch besides the engine's figures.
    type Metrics: Clone + Serialize + DeserializeOwned;
    /// The model's error type; it wraps the engine's.
    type Error: From<RunError>;

    /// What a resumed run must share with the run in the folder besides the run options (the
    /// network's configuration, the base weights, a fingerprint of the data...).
    fn settings(&self) -> serde_json::Value;

    /// The job's size, for progress bars.
    fn plan(&self) -> DataPlan;

    /// The model a new run starts from; writes what the run folder `dir` needs besides the
    /// engine's files (e.g. the network's configuration). In a data-parallel run every replica
    /// must start from the same weights, and only the leader ([`Replica::is_leader`]) writes.
    fn start(&mut self, dir: &Path, device: &B::Device) -> Result<Self::Model, Self::Error>;

    /// The model [`Trainee::save`] wrote into `checkpoint`.
    fn load(&mut self, checkpoint: &Path, device: &B::Device) -> Result<Self::Model, Self::Error>;

    /// Writes the model into the (existing) folder `checkpoint`; the engine adds the optimizer.
    fn save(&self, model: &Self::Model, checkpoint: &Path) -> Result<(), Self::Error>;

    /// Keeps the best model so far in the run folder `dir` (called after each epoch that
    /// improved the validation score).
    fn save_best(
        &self,
        model: &Self::Model,
        dir: &Path,
        best_epoch: usize,
        best_score: Option<f64>,
    ) -> Result<(), Self::Error>;

    /// Trains one epoch: calls [`Epoch::step`] once per batch; returns the model and the
    /// epoch's training loss.
    fn train_epoch(
        &mut self,
        model: Self::Model,
        epoch: &mut Epoch<'_, B, Self::Model>,
    ) -> Result<(Self::Model, f64), Self::Error>;

    /// The model's validation after an epoch (inference mode).
    fn validate(
        &mut self,
        model: &<Self::Model as AutodiffModule<B>>::InnerModule,
    ) -> Result<Validation<Self::Metrics>, Self::Error>;
}

/// One epoch as the model trains it.
pub struct Epoch<'a, B: AutodiffBackend, M: AutodiffModule<B>> {
    /// The epoch (1-based).
    pub number: usize,
    /// This epoch's learning rate.
    pub learning_rate: f64,
    /// This epoch's random stream: draw sampling and augmentation from it only. Every replica
    /// of a data-parallel run draws the same stream, so each draws the same global batches and
    /// trains on its [`Replica::part`] of them.
    pub rng: ChaCha8Rng,
    /// This replica of the run ([`Replica::ALONE`] on one device).
    pub replica: Replica,
    pub(crate) peer: Option<PeerId>,
    pub(crate) optim: &'a mut AdamOptimizer<M, B>,
    pub(crate) on_batch: &'a mut dyn FnMut(usize, f64),
    pub(crate) batches: usize,
}

impl<B: AutodiffBackend, M: AutodiffModule<B>> Epoch<'_, B, M> {
    /// One optimizer step on `loss`: back-propagates, updates the model with Adam and
    /// reports the batch. Returns the updated model and the loss's value. A loss that is not
    /// finite is an error (training would only spread it).
    ///
    /// In a data-parallel run `loss` is this replica's share of the batch's loss (its part's
    /// terms over the whole batch's count): the replicas' gradients and losses are summed
    /// before the step, so every replica takes the step one device would take on the whole
    /// batch, and the value returned is the whole batch's loss.
    pub fn step(&mut self, model: M, loss: Tensor<B, 1>) -> Result<(M, f64), RunError> {
        let value = loss.clone().into_scalar().elem::<f64>();
        self.batches += 1;
        let Some(peer) = self.peer else {
            self.finite(value)?;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            return Ok(self.update(model, grads, value));
        };
        let device = loss.device();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let grads = sum_gradients::<B::InnerBackend>(peer, grads)?;
        let total = sum_values::<B::InnerBackend>(peer, &[value as f32], &device)?;
        let value = f64::from(total[0]);
        self.finite(value)?;
        Ok(self.update(model, grads, value))
    }

    /// An error when the loss is not finite.
    fn finite(&self, value: f64) -> Result<(), RunError> {
        if value.is_finite() {
            return Ok(());
        }
        Err(RunError::LossNotFinite {
            epoch: self.number,
            batch: self.batches,
            loss: value,
        })
    }

    /// Adam's step with `grads`, reported as a batch of loss `value`.
    fn update(&mut self, model: M, grads: GradientsParams, value: f64) -> (M, f64) {
        let model = self.optim.step(self.learning_rate, model, grads);
        (self.on_batch)(self.batches, value);
        (model, value)
    }
}
