//! Progress of a training run drawn from its events: one bar over the batches left, a line
//! when it starts, resumes or stops early, and the caller's line per epoch.

use uptake_textmodel::cv::FoldEvent;
use uptake_training::{EpochRecord, TrainEvent};

/// Turns a run's [`TrainEvent`]s into a progress bar on stderr (hidden when quiet).
pub struct TrainProgress {
    what: String,
    quiet: bool,
    /// Hidden until the run starts.
    bar: indicatif::ProgressBar,
    loss: Option<f64>,
    score: String,
}

impl TrainProgress {
    /// A bar labelled `what` ("train", "pretrain", "fold 1/5"), drawn from the run's start.
    pub fn new(what: &str, quiet: bool) -> Self {
        Self {
            what: what.to_string(),
            quiet,
            bar: indicatif::ProgressBar::hidden(),
            loss: None,
            score: "-".into(),
        }
    }

    /// Draws one event; `epoch_line` gives the line printed after each epoch (if any).
    pub fn show<M>(
        &mut self,
        event: TrainEvent<M>,
        epoch_line: impl Fn(&EpochRecord<M>) -> Option<String>,
    ) {
        match event {
            TrainEvent::Started {
                first_epoch,
                epochs,
                plan,
            } => {
                let left = (epochs + 1).saturating_sub(first_epoch) * plan.batches_per_epoch;
                self.bar = crate::common::progress(left as u64, &self.what, self.quiet);
                self.bar.println(format!(
                    "training on {} examples, validating on {}; epochs {first_epoch}..={epochs}",
                    plan.train_examples, plan.validation_examples
                ));
            }
            TrainEvent::Batch { epoch, loss, .. } => {
                let avg = self.loss.map_or(loss, |a| 0.9 * a + 0.1 * loss);
                self.loss = Some(avg);
                self.bar.inc(1);
                let score = &self.score;
                (self.bar).set_prefix(format!("epoch {epoch} loss {avg:.4} validation {score}"));
            }
            TrainEvent::Epoch(record) => {
                self.score = (record.validation_score).map_or("-".into(), |s| format!("{s:.3}"));
                if let Some(line) = epoch_line(&record) {
                    self.bar.println(line);
                }
            }
            TrainEvent::EarlyStop { epoch } => {
                self.bar.println(format!("early stop after epoch {epoch}"));
            }
        }
    }

    /// Draws one event of a cross-validation: each fold's training on a bar of its own
    /// ("fold 1/5"), without epoch lines.
    pub fn show_fold(&mut self, e: FoldEvent) {
        if let Some(what) = e.fold_started() {
            std::mem::replace(self, Self::new(&what, self.quiet)).finish();
        }
        self.show(e.event, |_| None);
    }

    /// Clears the bar.
    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}
