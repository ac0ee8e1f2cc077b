//! One module per area of the pipeline; each holds its subcommands' arguments and `run`.
pub mod analysis;
pub mod annotate;
pub mod bench;
pub mod demo;
pub mod imaging;
pub mod label;
pub mod localise;
pub mod ontology;
pub mod report_model;
pub mod scan_model;
pub mod synth;
pub mod tag;
