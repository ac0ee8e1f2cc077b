//! Why an ontology file cannot be used; every message names the file and the region.

use std::path::PathBuf;

/// A problem with an ontology file. `source_name` is the file (or "built in").
#[derive(Debug, thiserror::Error)]
#[allow(missing_docs)] // the fields are named by the messages: file, region, parent, pattern
pub enum OntologyError {
    /// The file cannot be read.
    #[error("cannot read ontology file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not valid TOML of the ontology format.
    #[error("{source_name}: not a valid ontology file: {message}")]
    Parse {
        source_name: String,
        message: String,
    },
    /// A region name is not snake_case.
    #[error(
        "{source_name}: region `{region}`: the name must be snake_case (lower-case letters, digits and underscores, starting with a letter)"
    )]
    NotSnakeCase { source_name: String, region: String },
    /// Two regions have the same name.
    #[error("{source_name}: region `{region}` is defined twice")]
    DuplicateName { source_name: String, region: String },
    /// A parent is not a region of the file.
    #[error("{source_name}: region `{region}` names an unknown parent `{parent}`")]
    UnknownParent {
        source_name: String,
        region: String,
        parent: String,
    },
    /// A lateral variant is not a region of the file.
    #[error("{source_name}: region `{region}` names an unknown {side} variant `{variant}`")]
    UnknownVariant {
        source_name: String,
        region: String,
        side: &'static str,
        variant: String,
    },
    /// A lateral variant that points at itself or belongs to two regions.
    #[error("{source_name}: region `{region}`: {message}")]
    BadVariant {
        source_name: String,
        region: String,
        message: String,
    },
    /// The parents form a cycle (shown as a path).
    #[error("{source_name}: the parents form a cycle: {cycle}")]
    Cycle { source_name: String, cycle: String },
    /// There is no root region `full`.
    #[error("{source_name}: there is no root region `full` (the whole body)")]
    NoRoot { source_name: String },
    /// The root has parents.
    #[error("{source_name}: the root region `full` must not have parents")]
    RootHasParents { source_name: String },
    /// A region that does not reach the root through its parents.
    #[error("{source_name}: region `{region}` does not reach `full` through its parents")]
    Unreachable { source_name: String, region: String },
    /// A tagging pattern that does not compile, matches empty text, or matches text that names
    /// no body part.
    #[error("{source_name}: region `{region}`: pattern `{pattern}`: {message}")]
    BadPattern {
        source_name: String,
        region: String,
        pattern: String,
        message: String,
    },
    /// More regions than a [`crate::RegionId`] can count.
    #[error("{source_name}: more than {max} regions", max = u16::MAX)]
    TooMany { source_name: String },
    /// The task regions differ from shared/regions.md.
    #[error("{source_name}: the task regions differ from shared/regions.md: {}", problems.join("; "))]
    TaskRegions {
        source_name: String,
        problems: Vec<String>,
    },
}
