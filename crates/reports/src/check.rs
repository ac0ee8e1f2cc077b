//! `uptake ontology check` as one call: an ontology file loads (syntax, names, the DAG,
//! patterns one by one), its task regions are those of shared/regions.md, and its patterns
//! compile together into a [`Tagger`].

use crate::tagger::{Tagger, TaggerError};
use std::fmt;
use std::path::Path;
use uptake_ontology::{Ontology, OntologyError, OntologySummary};

/// Why an ontology does not pass the check (the message names the file and the problem).
#[derive(Debug, thiserror::Error)]
pub enum OntologyCheckError {
    /// The file does not load, or its task regions differ from regions.md.
    #[error(transparent)]
    Ontology(#[from] OntologyError),
    /// Its patterns do not compile together.
    #[error(transparent)]
    Tagger(#[from] TaggerError),
}

/// An ontology that passed the check. Displays as `<file>: OK: <summary>`.
#[derive(Debug, Clone)]
pub struct OntologyCheck {
    /// The file checked (or the built-in one).
    pub source_name: String,
    /// What it holds.
    pub summary: OntologySummary,
}

impl fmt::Display for OntologyCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: OK: {}", self.source_name, self.summary)
    }
}

/// Checks the ontology file `file`, else the built-in one.
pub fn check_ontology(file: Option<&Path>) -> Result<OntologyCheck, OntologyCheckError> {
    let ontology = Ontology::from_path_or_builtin(file)?;
    ontology.check_task_regions()?;
    // Compiling the tagger catches pattern sets too large to build together.
    Tagger::new(&ontology)?;
    Ok(OntologyCheck {
        source_name: ontology.source_name().to_string(),
        summary: ontology.summary(),
    })
}
