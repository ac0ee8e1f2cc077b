//! The ontology as people read it: an indented tree and a one-line summary.

use crate::graph::Ontology;
use crate::region::RegionId;

/// What an ontology holds, in numbers (`uptake ontology check` prints it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OntologySummary {
    /// All regions.
    pub regions: usize,
    /// Task regions (`task = true`), rare ones included.
    pub task_regions: usize,
    /// Rare task regions.
    pub rare_task_regions: usize,
    /// Tagging patterns over all regions (exclusions not counted).
    pub patterns: usize,
}

impl std::fmt::Display for OntologySummary {
    /// `R regions, T task regions (K rare), P tagging patterns`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} regions, {} task regions ({} rare), {} tagging patterns",
            self.regions, self.task_regions, self.rare_task_regions, self.patterns
        )
    }
}

impl Ontology {
    /// Counts of regions, task regions and tagging patterns.
    pub fn summary(&self) -> OntologySummary {
        let tasks = self.task_regions();
        OntologySummary {
            regions: self.len(),
            task_regions: tasks.len(),
            rare_task_regions: tasks.iter().filter(|id| self.region(**id).rare).count(),
            patterns: self
                .ids()
                .iter()
                .map(|id| self.region(*id).patterns.len())
                .sum(),
        }
    }

    /// The ontology as an indented tree (a region with several parents appears under each,
    /// its subtree printed once and then referenced).
    pub fn tree(&self) -> String {
        let mut out = String::new();
        let mut printed = vec![false; self.len()];
        self.tree_rec(self.root(), 0, &mut printed, &mut out);
        out
    }

    fn tree_rec(&self, id: RegionId, level: usize, printed: &mut [bool], out: &mut String) {
        let r = self.region(id);
        let mut tags = Vec::new();
        if r.task {
            tags.push(if r.rare { "task, rare" } else { "task" });
        }
        let also: Vec<&str> = r.parents.iter().skip(1).map(|p| self.name(*p)).collect();
        let indent = "  ".repeat(level);
        let mut line = format!("{indent}{}", r.name);
        if !tags.is_empty() {
            line.push_str(&format!(" [{}]", tags.join(", ")));
        }
        if printed[id.index()] {
            line.push_str(" (see above)");
            out.push_str(&line);
            out.push('\n');
            return;
        }
        if !also.is_empty() {
            line.push_str(&format!(" (also under {})", also.join(", ")));
        }
        out.push_str(&line);
        out.push('\n');
        printed[id.index()] = true;
        for &c in self.children(id) {
            self.tree_rec(c, level + 1, printed, out);
        }
    }
}
