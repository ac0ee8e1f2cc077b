//! The input of the tool: tagged sentences, and the regions a person may choose from.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One tagged mention, as the tagger proposed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateMention {
    /// First character (character offset into the sentence text, like the mention file).
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// Region name (snake_case, from the ontology).
    pub region: String,
}

/// A sentence to label: its text, the section around it (shown as context) and its mentions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// Stable id, unique in the session (e.g. `exam:section:index`); written to the output so
    /// two annotators' files can be matched.
    pub id: String,
    /// The report it comes from.
    pub exam_id: Option<String>,
    /// `findings` or `impression`.
    pub section: Option<String>,
    /// The sentence.
    pub text: String,
    /// Section text before the sentence (shown greyed out above it).
    pub context_before: String,
    /// Section text after the sentence.
    pub context_after: String,
    /// The tagged mentions, in order.
    pub mentions: Vec<CandidateMention>,
}

impl Candidate {
    /// Length of the text in characters (the unit of spans).
    pub fn len_chars(&self) -> usize {
        self.text.chars().count()
    }
}

/// A region a mention may be assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionInfo {
    /// The snake_case name (what files store).
    pub name: String,
    /// The name shown.
    pub display_name: String,
}

/// The regions of the ontology, in the order the picker lists them.
#[derive(Debug, Clone, Default)]
pub struct RegionCatalog {
    regions: Vec<RegionInfo>,
    by_name: HashMap<String, usize>,
}

impl RegionCatalog {
    /// A catalog listing `regions` in this order.
    pub fn new(regions: Vec<RegionInfo>) -> Self {
        let by_name = regions
            .iter()
            .enumerate()
            .map(|(i, r)| (r.name.clone(), i))
            .collect();
        Self { regions, by_name }
    }

    /// The regions, in picker order.
    pub fn regions(&self) -> &[RegionInfo] {
        &self.regions
    }

    /// Whether a region of this name is in the catalog.
    pub fn contains(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    /// The display name of a region, or its name when the catalog does not know it.
    pub fn display_name<'a>(&'a self, name: &'a str) -> &'a str {
        self.by_name
            .get(name)
            .map_or(name, |&i| self.regions[i].display_name.as_str())
    }
}
