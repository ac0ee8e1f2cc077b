//! The region DAG with precomputed ancestor and descendant sets, and its queries.

use crate::region::{Region, RegionId, Side, TaggingRules};
use std::collections::HashMap;

/// The name of the root region (the whole body); every region must reach it.
pub(crate) const ROOT: &str = "full";

/// The region DAG with precomputed ancestor and descendant sets.
#[derive(Debug, Clone)]
pub struct Ontology {
    pub(crate) source_name: String,
    pub(crate) regions: Vec<Region>,
    pub(crate) by_name: HashMap<String, RegionId>,
    pub(crate) topo: Vec<RegionId>,
    pub(crate) ancestors: Vec<Vec<RegionId>>,
    pub(crate) descendants: Vec<Vec<RegionId>>,
    pub(crate) children: Vec<Vec<RegionId>>,
    pub(crate) depth: Vec<usize>,
    /// Bit set of ancestors per region (64 regions per word) for O(1) ancestry tests.
    pub(crate) ancestor_bits: Vec<Vec<u64>>,
    pub(crate) rules: TaggingRules,
}

impl Ontology {
    /// Where the ontology came from (a path or "built in"), for messages.
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    /// Number of regions.
    pub fn len(&self) -> usize {
        self.regions.len()
    }

    /// True for an ontology without regions (never for a loaded one: it has `full`).
    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    /// The region with this name.
    pub fn id(&self, name: &str) -> Option<RegionId> {
        self.by_name.get(name).copied()
    }

    /// # Panics
    /// If `id` comes from another ontology with more regions (a programming error).
    pub fn region(&self, id: RegionId) -> &Region {
        &self.regions[id.index()]
    }

    /// The snake_case name of a region.
    pub fn name(&self, id: RegionId) -> &str {
        &self.regions[id.index()].name
    }

    /// The root region, `full`.
    pub fn root(&self) -> RegionId {
        self.by_name[ROOT]
    }

    /// All regions, parents before children (ties in file order).
    pub fn ids(&self) -> &[RegionId] {
        &self.topo
    }

    /// All ancestors of a region, excluding itself, parents before children.
    pub fn ancestors(&self, id: RegionId) -> &[RegionId] {
        &self.ancestors[id.index()]
    }

    /// All descendants of a region, excluding itself, parents before children.
    pub fn descendants(&self, id: RegionId) -> &[RegionId] {
        &self.descendants[id.index()]
    }

    /// Direct children, in file order.
    pub fn children(&self, id: RegionId) -> &[RegionId] {
        &self.children[id.index()]
    }

    /// Length of the longest parent path from the root: larger means more specific.
    pub fn depth(&self, id: RegionId) -> usize {
        self.depth[id.index()]
    }

    /// Whether `a` is `b` or one of its ancestors.
    pub fn is_ancestor_or_self(&self, a: RegionId, b: RegionId) -> bool {
        a == b || self.ancestor_bits[b.index()][a.index() / 64] & (1 << (a.index() % 64)) != 0
    }

    /// Whether `a` and `b` are the same region or one is an ancestor of the other.
    pub fn related(&self, a: RegionId, b: RegionId) -> bool {
        self.is_ancestor_or_self(a, b) || self.is_ancestor_or_self(b, a)
    }

    /// The task regions (`task = true`) in file order: for the built-in ontology the 30 of
    /// shared/regions.md in that table's order.
    pub fn task_regions(&self) -> Vec<RegionId> {
        (0..self.regions.len())
            .map(|i| RegionId(i as u16))
            .filter(|id| self.region(*id).task)
            .collect()
    }

    /// The task regions that are not rare (the 26 of the multi-task scan model).
    pub fn main_task_regions(&self) -> Vec<RegionId> {
        self.task_regions()
            .into_iter()
            .filter(|id| !self.region(*id).rare)
            .collect()
    }

    /// All region names in [`Ontology::ids`] order (label file columns).
    pub fn names(&self) -> Vec<String> {
        self.topo
            .iter()
            .map(|id| self.name(*id).to_string())
            .collect()
    }

    /// Region names that contain `text` or are contained in it (at most `most`), for "did you
    /// mean" messages.
    pub fn similar_names(&self, text: &str, most: usize) -> Vec<&str> {
        self.topo
            .iter()
            .map(|id| self.name(*id))
            .filter(|n| n.contains(text) || text.contains(n))
            .take(most)
            .collect()
    }

    /// The laterality words, ignored phrases and node suffix of the file.
    pub fn tagging_rules(&self) -> &TaggingRules {
        &self.rules
    }

    /// The variant of `id` on `side`, if the ontology defines one.
    pub fn lateral_variant(&self, id: RegionId, side: Side) -> Option<RegionId> {
        let r = self.region(id);
        match side {
            Side::Left => r.left,
            Side::Right => r.right,
        }
    }
}
