//! The demo: the whole pipeline on a synthetic cohort, as typed library calls.

mod analysis;
mod commands;
mod context;
mod error;
mod labels;
mod observer;
mod run;
mod scan;
mod settings;
mod summary;

pub use commands::{CommandLine, command_lines};
pub use error::DemoError;
pub use observer::{DemoObserver, epoch_line};
pub use run::run_demo;
pub use settings::{DemoPaths, DemoSettings, ReportModelChoice};
pub use summary::{DemoSummary, LabelQuality, RegionQuality, ScanQuality};
pub use uptake_training::{EpochRecord, TrainEvent};
