//! The state every demo step shares: settings, paths, the observer and the clock.

use super::commands::CommandLine;
use super::observer::{DemoObserver, plain_event};
use super::settings::{DemoPaths, DemoSettings};
use std::time::Instant;
use uptake_core::Progress;

/// One demo run.
pub(crate) struct Demo<'a> {
    pub settings: &'a DemoSettings,
    pub paths: DemoPaths,
    pub observer: &'a mut dyn DemoObserver,
    pub started: Instant,
}

impl Demo<'_> {
    /// Starts a numbered step, with the time so far.
    pub fn step(&mut self, title: &str) {
        let seconds = self.started.elapsed().as_secs_f64();
        self.observer.step(&format!("{title}  [{seconds:.0} s]"));
    }

    /// Shows the command line of what runs next and returns it (errors name it).
    pub fn command(&mut self, line: CommandLine) -> CommandLine {
        self.observer.command(&line);
        line
    }

    /// A note for the user.
    pub fn note(&mut self, text: &str) {
        self.observer.note(text);
    }

    /// Where long loops report.
    pub fn progress(&self) -> &dyn Progress {
        self.observer.progress()
    }

    /// A training run's events, as notes to the observer.
    pub fn on_training<M>(&mut self) -> impl FnMut(uptake_training::TrainEvent<M>) + '_ {
        |event| self.observer.training(plain_event(event))
    }
}
