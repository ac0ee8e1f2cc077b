//! End-to-end pipelines over uptake's library crates.
//!
//! [`demo::run_demo`] runs the whole study on a fresh synthetic cohort: DICOM and reports are
//! generated, reports become weak labels (regex, rules and, when its weights are set up, the
//! BERT report model), DICOM becomes an exam store, a scan model trains on the rule labels and
//! is evaluated on held-out exams against the image truth, and the analysis ends in one HTML
//! report. Each step is a typed library call; the demo also hands the equivalent `uptake`
//! command line to its observer, so it doubles as a tutorial.
//!
//! [`tagging_bench::bench_tagging`] times reading reports (tagging, then regex labelling and
//! noisy-OR) on generated reports or a file.
//!
//! ```
//! use uptake_pipeline::demo::{DemoSettings, ReportModelChoice, command_lines};
//!
//! let settings = DemoSettings {
//!     out: "uptake-demo".into(),
//!     report_model: ReportModelChoice::Skip,
//!     ..DemoSettings::default()
//! };
//! let lines = command_lines(&settings);
//! assert!(lines[0].to_string().starts_with("uptake synth cohort --n 960 --seed 7"));
//! assert!(lines.iter().any(|l| l.to_string().starts_with("uptake train ")));
//! ```
//!
//! Running it (`run_demo(&settings, &mut observer)`) takes minutes; `crates/uptake/tests/`
//! runs a 20-exam demo end to end.

#![warn(missing_docs)]

pub mod demo;
pub mod tagging_bench;
