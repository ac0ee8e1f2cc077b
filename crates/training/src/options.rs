//! The settings of a run the engine itself uses: epochs, seed and its per-epoch streams, the
//! learning-rate schedule, early stopping and Adam's epsilon.

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// How a run trains, beside what the model's own settings say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunOptions {
    /// Most epochs. A finished run given more epochs is extended; all other options must be
    /// those of the run in the folder.
    pub epochs: usize,
    /// Seeds the backend before the model is built and, per epoch, the backend (dropout) and
    /// the epoch's random stream (sampling, augmentation).
    pub seed: u64,
    /// Adam's learning rate in the first epoch.
    pub learning_rate: f64,
    /// The learning rate halves after every this many epochs; `None` keeps it constant.
    pub halve_every_epochs: Option<usize>,
    /// Stop after this many epochs without a better validation score; `None` never stops
    /// early.
    pub patience_epochs: Option<usize>,
    /// Adam's epsilon (burn's default is 1e-5; BERT fine-tuning uses 1e-8).
    pub adam_epsilon: f32,
    /// Which stream number each epoch draws from.
    pub streams: StreamNumbering,
    /// Whether the engine seeds the backend's random generator.
    pub backend_seeding: BackendSeeding,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            epochs: 1,
            seed: 0,
            learning_rate: 1e-3,
            halve_every_epochs: None,
            patience_epochs: None,
            adam_epsilon: 1e-5,
            streams: StreamNumbering::FromOne,
            backend_seeding: BackendSeeding::PerEpoch,
        }
    }
}

/// burn's backends draw initial weights and dropout masks from one generator per process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BackendSeeding {
    /// Seeded with the run's seed before the model is built, and with
    /// [`RunOptions::backend_seed`] before each epoch (models with dropout).
    PerEpoch,
    /// Left alone: for models without dropout that seed their own initialisation (the scan
    /// model builds its weights under a lock of its own), so that a training does not disturb
    /// models built at the same time elsewhere in the process.
    Never,
}

/// Which random stream epoch `e` (counted from 1) draws from. Each epoch has a stream of its
/// own, so a resumed run draws exactly what an uninterrupted one would. The scan model's runs
/// numbered their streams from 0 and the text model's from 1; both stay, so that a seed gives
/// the weights it gave before the engine existed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StreamNumbering {
    /// Epoch `e` draws from stream `e` (the text models).
    FromOne,
    /// Epoch `e` draws from stream `e - 1` (the scan model).
    FromZero,
}

impl RunOptions {
    /// `epochs` at a constant `learning_rate` from `seed`, the rest as [`RunOptions::default`].
    pub fn new(epochs: usize, seed: u64, learning_rate: f64) -> Self {
        Self {
            epochs,
            seed,
            learning_rate,
            ..Self::default()
        }
    }

    /// The learning rate of `epoch` (1-based): halved after every `halve_every_epochs` epochs.
    pub fn learning_rate_at(&self, epoch: usize) -> f64 {
        match self.halve_every_epochs {
            Some(every) => self.learning_rate * 0.5f64.powi(((epoch - 1) / every.max(1)) as i32),
            None => self.learning_rate,
        }
    }

    /// The stream number of `epoch` (1-based).
    fn stream(&self, epoch: usize) -> u64 {
        match self.streams {
            StreamNumbering::FromOne => epoch as u64,
            StreamNumbering::FromZero => epoch as u64 - 1,
        }
    }

    /// The random stream of `epoch`'s sampling and augmentation.
    pub fn epoch_rng(&self, epoch: usize) -> ChaCha8Rng {
        uptake_core::seeded::rng(
            self.seed
                .wrapping_mul(1_000_003)
                .wrapping_add(self.stream(epoch)),
        )
    }

    /// The backend's seed during `epoch` (dropout masks).
    pub fn backend_seed(&self, epoch: usize) -> u64 {
        self.seed.wrapping_add(self.stream(epoch))
    }

    /// The options that must match to resume a run: all but `epochs`.
    pub(crate) fn resumable_part(&self) -> serde_json::Value {
        settings_without(self, &["epochs"])
    }
}

/// `value` as JSON without the fields `keys`: a model's options less what the engine already
/// compares (for [`crate::Trainee::settings`]).
pub fn settings_without(value: &impl Serialize, keys: &[&str]) -> serde_json::Value {
    let mut value = serde_json::to_value(value).expect("settings serialise to JSON");
    if let Some(map) = value.as_object_mut() {
        for key in keys {
            map.remove(*key);
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_learning_rate_halves_after_every_period() {
        let options = RunOptions {
            learning_rate: 1.0,
            halve_every_epochs: Some(2),
            ..Default::default()
        };
        let rates: Vec<f64> = (1..=5).map(|e| options.learning_rate_at(e)).collect();
        assert_eq!(rates, vec![1.0, 1.0, 0.5, 0.5, 0.25]);
    }

    #[test]
    fn streams_numbered_from_zero_are_those_of_the_epoch_before() {
        use rand::Rng;
        let from_one = RunOptions {
            seed: 4,
            ..Default::default()
        };
        let from_zero = RunOptions {
            streams: StreamNumbering::FromZero,
            ..from_one.clone()
        };
        let draw = |mut rng: ChaCha8Rng| rng.random::<u64>();
        assert_eq!(draw(from_zero.epoch_rng(3)), draw(from_one.epoch_rng(2)));
        assert_ne!(draw(from_one.epoch_rng(3)), draw(from_one.epoch_rng(2)));
        assert_eq!(from_zero.backend_seed(1), 4);
        assert_eq!(from_one.backend_seed(1), 5);
    }
}
