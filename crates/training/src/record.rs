//! What a run reports: the line of `metrics.jsonl` each epoch writes, the validation result a
//! model gives, and the events the caller's callback receives.

use serde::{Deserialize, Serialize};

/// One epoch, as a line of `metrics.jsonl` and in [`TrainEvent::Epoch`]; the model's own
/// metrics are flattened into the same JSON object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord<M> {
    /// The epoch (1-based).
    pub epoch: usize,
    /// The learning rate it trained with.
    pub learning_rate: f64,
    /// Its training loss, as the model averages it.
    pub train_loss: f64,
    /// Its validation score (higher is better); `None` where undefined.
    pub validation_score: Option<f64>,
    /// The best epoch so far, this one included.
    pub best_epoch: usize,
    /// Wall-clock seconds of training and validation.
    pub seconds: f64,
    /// The model's own metrics of the epoch.
    #[serde(flatten)]
    pub metrics: M,
}

/// A model's validation after an epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation<M> {
    /// Higher is better; the best epoch is kept. `None` (no usable validation set) makes the
    /// latest epoch the best while no epoch had a score.
    pub score: Option<f64>,
    /// Logged with the epoch.
    pub metrics: M,
}

/// For models that log nothing beyond the engine's own figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoMetrics {}

/// The size of the training job, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataPlan {
    /// Examples trained on (sentences, windows, exams).
    pub train_examples: usize,
    /// Examples validated on.
    pub validation_examples: usize,
    /// Optimizer steps per epoch.
    pub batches_per_epoch: usize,
}

/// What a run reports as it goes. Libraries print nothing; a command-line tool draws its
/// progress bars and log lines from these.
#[derive(Debug, Clone, PartialEq)]
pub enum TrainEvent<M> {
    /// The run starts at `first_epoch` of `epochs`; a first epoch past 1 means it resumes a
    /// run the folder held (past `epochs`: nothing is left to do).
    Started {
        /// The first epoch to train (1-based).
        first_epoch: usize,
        /// The last epoch to train.
        epochs: usize,
        /// The job's size.
        plan: DataPlan,
    },
    /// One optimizer step is done.
    Batch {
        /// The epoch (1-based).
        epoch: usize,
        /// The batch in the epoch (1-based).
        batch: usize,
        /// Its loss.
        loss: f64,
    },
    /// An epoch is done and checkpointed.
    Epoch(EpochRecord<M>),
    /// No better validation score for `patience_epochs`: the run stops after `epoch`.
    EarlyStop {
        /// The last epoch trained.
        epoch: usize,
    },
}
