//! One region of the ontology, its id, and the tagging rules that are data rather than code.

use std::fmt;

/// A small index of a region in its ontology. Only meaningful with the ontology that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionId(pub(crate) u16);

impl RegionId {
    /// The position of the region in the file (0-based).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for RegionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The body side of a lateral variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The patient's left.
    Left,
    /// The patient's right.
    Right,
}

/// One region as the ontology file defines it.
#[derive(Debug, Clone)]
pub struct Region {
    /// Stable snake_case identifier (label file columns, CLI).
    pub name: String,
    /// The name shown to people ("Left lung").
    pub display_name: String,
    /// Direct parents, in file order without repeats.
    pub parents: Vec<RegionId>,
    /// One of the 30 task regions of the scan model.
    pub task: bool,
    /// A rare task region (under 3 % of exams).
    pub rare: bool,
    /// Regular expressions (case-insensitive, matched on word boundaries) that mention it.
    pub patterns: Vec<String>,
    /// Phrases that look like a mention but are not (a match of one removes overlapping
    /// mentions of this region).
    pub exclude: Vec<String>,
    /// The variant the tagger uses when "left" governs a mention of this region.
    pub left: Option<RegionId>,
    /// The variant the tagger uses when "right" governs a mention of this region.
    pub right: Option<RegionId>,
    /// Set on a lateral variant: which side it is and the region it is a variant of.
    pub lateral_of: Option<(Side, RegionId)>,
    /// Free text for the clinician reading the file.
    pub note: Option<String>,
}

/// Tagging rules that are data rather than code.
#[derive(Debug, Clone, Default)]
pub struct TaggingRules {
    /// Words (regexes) that make the following mentions left-sided ("left", "L").
    pub left: Vec<String>,
    /// Words that make the following mentions right-sided.
    pub right: Vec<String>,
    /// Words that make the following mentions both-sided ("bilateral", "both").
    pub both: Vec<String>,
    /// Phrases never tagged; they also hide shorter mentions inside them.
    pub ignore: Vec<String>,
    /// What `<node>` (optional) and `<NODE>` (required) stand for in patterns: the words
    /// that make an adjective a lymph-node mention (" lymph nodes", " adenopathy"...).
    pub node: String,
}

impl TaggingRules {
    /// Replaces `<node>` and `<NODE>` in a pattern by the node-suffix expression.
    pub fn expand(&self, pattern: &str) -> String {
        if !pattern.contains('<') {
            return pattern.to_string();
        }
        let node = if self.node.is_empty() {
            "(?:lymph\\s+)?nodes?"
        } else {
            self.node.as_str()
        };
        pattern
            .replace("<node>", &format!("(?:\\s+{node})?"))
            .replace("<NODE>", &format!("\\s+{node}"))
    }
}

/// Wraps a pattern the way the tagger matches it: case-insensitive, on word boundaries.
pub fn anchored_pattern(pattern: &str) -> String {
    format!(r"(?i)(?-u:\b)(?:{pattern})(?-u:\b)")
}
