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

/// The line to show after a training epoch of the demo:
/// `epoch   3: train loss 0.1234, validation 0.812` (`n/a` without a validation score).
pub fn epoch_line(record: &EpochRecord<()>) -> String {
    let score = (record.validation_score).map_or("n/a".into(), |s| format!("{s:.3}"));
    format!(
        "epoch {:>3}: train loss {:.4}, validation {score}",
        record.epoch, record.train_loss
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_epoch_line_gives_the_epoch_the_loss_and_the_validation_score() {
        let mut record = EpochRecord {
            epoch: 3,
            learning_rate: 1e-3,
            train_loss: 0.123_44,
            validation_score: Some(0.8123),
            best_epoch: 3,
            seconds: 1.0,
            metrics: (),
        };
        assert_eq!(
            epoch_line(&record),
            "epoch   3: train loss 0.1234, validation 0.812"
        );
        record.validation_score = None;
        assert!(epoch_line(&record).ends_with("validation n/a"));
    }
}
