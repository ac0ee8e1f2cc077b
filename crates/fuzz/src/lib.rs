//! Fuzzing on stable Rust: every reader of user files is fed seeded mutants of valid inputs
//! (bit flips, boundary bytes, format delimiters, deletions, duplications, insertions,
//! truncations, splices), and a panic anywhere is caught, counted and its input kept. No
//! reader may panic: the bar is zero.
//!
//! - [`target::Target`]: the readers fed (reports JSONL and CSV, region tables, mention files,
//!   the ontology and rules TOML, the exam store, PyTorch checkpoints, DICOM slices);
//! - [`seeds::seeds`]: valid inputs of each, from the repository's data and the synthetic
//!   generators;
//! - [`mutate::Mutator`]: the mutations, reproducible from a seed;
//! - [`run::run_fuzz`]: a run for a number of cases per target (the test suite's bounded runs)
//!   or for a time (`uptake bench fuzz --seconds N`), giving a [`run::FuzzReport`] that prints
//!   as a table.
//!
//! ```
//! use uptake_fuzz::run::{Budget, FuzzSettings, run_fuzz};
//! use uptake_fuzz::target::Target;
//!
//! let settings = FuzzSettings {
//!     targets: vec![Target::RegionTable, Target::Rules],
//!     budget: Budget::CasesPerTarget(20),
//!     seed: 1,
//!     findings_dir: None,
//! };
//! let report = run_fuzz(&settings, &uptake_core::NoProgress).unwrap();
//! assert_eq!(report.cases(), 40);
//! assert_eq!(report.panics(), 0);
//! ```

#![warn(missing_docs)]

pub mod mutate;
pub mod readers;
pub mod report;
pub mod run;
pub mod seeds;
pub mod target;
