//! What the demo tells its caller as it goes (the library prints nothing).

use super::commands::CommandLine;
use uptake_core::Progress;
use uptake_training::{EpochRecord, TrainEvent};

/// A training event without the model's own metrics, whichever model trains.
pub(crate) fn plain_event<M>(event: TrainEvent<M>) -> TrainEvent<()> {
    match event {
        TrainEvent::Started {
            first_epoch,
            epochs,
            plan,
        } => TrainEvent::Started {
            first_epoch,
            epochs,
            plan,
        },
        TrainEvent::Batch { epoch, batch, loss } => TrainEvent::Batch { epoch, batch, loss },
        TrainEvent::Epoch(r) => TrainEvent::Epoch(EpochRecord {
            epoch: r.epoch,
            learning_rate: r.learning_rate,
            train_loss: r.train_loss,
            validation_score: r.validation_score,
            best_epoch: r.best_epoch,
            seconds: r.seconds,
            metrics: (),
        }),
        TrainEvent::EarlyStop { epoch } => TrainEvent::EarlyStop { epoch },
    }
}

/// Receives the demo's steps, command lines, notes and progress.
pub trait DemoObserver {
    /// A new step begins (a numbered title with the seconds so far).
    fn step(&mut self, title: &str);
    /// The `uptake` command line equivalent to what runs next.
    fn command(&mut self, line: &CommandLine);
    /// Something the user should know: a step skipped, a figure that was not possible.
    fn note(&mut self, text: &str);
    /// Where the long loops (labelling, ingest, prediction) report their progress.
    fn progress(&self) -> &dyn Progress;
    /// An event of the training run in progress.
    fn training(&mut self, event: TrainEvent<()>);
    /// The training run is over.
    fn training_done(&mut self);
}
