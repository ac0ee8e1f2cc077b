//! One module per area of the pipeline; each holds its subcommands' arguments and `run`.
pub mod annotate;
pub mod compare;
pub mod demo;
pub mod evaluate;
pub mod fuzz;
pub mod imaging;
pub mod label;
pub mod localise;
pub mod merge;
pub mod ontology;
pub mod report;
pub mod report_model;
pub mod scan_model;
pub mod survival;
pub mod synth;
pub mod tag;
pub mod worklist;
