//! One module per area of the pipeline; each holds its subcommands' arguments and `run`.
pub mod demo;
pub mod scan_model;
pub mod bench;
pub mod analysis;
pub mod report_model;
pub mod imaging;
pub mod annotate;
pub mod ontology;
pub mod tag;
pub mod label;
pub mod synth;
