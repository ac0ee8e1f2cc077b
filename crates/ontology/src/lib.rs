//! The anatomical region ontology (a DAG loaded from a data file a clinician can edit) and its queries.
//!
//! The ontology is `data/ontology.toml` (embedded in the binary, see [`Ontology::builtin`]) or a
//! user file with the same format ([`Ontology::from_path`]). Each `[[region]]` has a snake_case
//! name, a display name, its parents (several allowed), tagging patterns (regular expressions,
//! matched case-insensitively on word boundaries) and optional `left`/`right` variants that the
//! tagger picks when a laterality word governs a mention. A `[tagging]` table holds the
//! laterality words and phrases that must never be tagged (`ignore`).
//!
//! Loading validates everything and fails with a message naming the file and the region.
//!
//! - [`Ontology`]: the DAG and its queries (ancestors, descendants, task regions, a tree);
//! - [`RegionSelection`]: which regions a table has columns for (`all`, the 30 `tasks`, or a
//!   list of names), parsed once and resolved against an ontology;
//! - [`TASK_REGIONS`]: the 30 task regions of shared/regions.md.
//!
//! ```
//! use uptake_ontology::{Ontology, RegionSelection};
//!
//! let ontology = Ontology::builtin();
//! ontology.check_task_regions().unwrap();
//! let lungs = ontology.id("left_lungs").unwrap();
//! let ancestors: Vec<&str> = ontology.ancestors(lungs).iter().map(|&a| ontology.name(a)).collect();
//! assert_eq!(ancestors, ["full", "chest", "lungs"]);
//!
//! let columns: RegionSelection = "tasks".parse().unwrap();
//! assert_eq!(columns.resolve(&ontology).unwrap().len(), 30);
//! ```

#![warn(missing_docs)]

mod describe;
mod error;
mod graph;
mod load;
mod region;
mod selection;
mod tasks;
mod tree;

pub use describe::{RegionDescription, UnknownRegion};
pub use error::OntologyError;
pub use graph::Ontology;
pub use region::{Region, RegionId, Side, TaggingRules, anchored_pattern};
pub use selection::{RegionSelection, SelectionError};
pub use tasks::{TASK_REGIONS, TaskRegion};
pub use tree::OntologySummary;

#[cfg(test)]
mod tests;
