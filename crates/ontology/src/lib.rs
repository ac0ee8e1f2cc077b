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

mod tasks;

pub use tasks::{TASK_REGIONS, TaskRegion};

use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

/// The data file shipped with uptake.
pub const BUILTIN_TOML: &str = include_str!("../../../data/ontology.toml");
/// The name of the root region (the whole body); every region must reach it.
pub const ROOT: &str = "full";

/// A small index of a region in its ontology. Only meaningful with the ontology that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionId(u16);

impl RegionId {
    /// The position of the region in the file (0-based).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The body side of a lateral variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Left,
    Right,
}

#[derive(Debug, Clone)]
pub struct Region {
    /// Stable snake_case identifier (label file columns, CLI).
    pub name: String,
    pub display_name: String,
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

#[derive(Debug, thiserror::Error)]
pub enum OntologyError {
    #[error("cannot read ontology file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{source_name}: not a valid ontology file: {message}")]
    Parse {
        source_name: String,
        message: String,
    },
    #[error(
        "{source_name}: region `{region}`: the name must be snake_case (lower-case letters, digits and underscores, starting with a letter)"
    )]
    NotSnakeCase { source_name: String, region: String },
    #[error("{source_name}: region `{region}` is defined twice")]
    DuplicateName { source_name: String, region: String },
    #[error("{source_name}: region `{region}` names an unknown parent `{parent}`")]
    UnknownParent {
        source_name: String,
        region: String,
        parent: String,
    },
    #[error("{source_name}: region `{region}` names an unknown {side} variant `{variant}`")]
    UnknownVariant {
        source_name: String,
        region: String,
        side: &'static str,
        variant: String,
    },
    #[error("{source_name}: region `{region}`: {message}")]
    BadVariant {
        source_name: String,
        region: String,
        message: String,
    },
    #[error("{source_name}: the parents form a cycle: {cycle}")]
    Cycle { source_name: String, cycle: String },
    #[error("{source_name}: there is no root region `full` (the whole body)")]
    NoRoot { source_name: String },
    #[error("{source_name}: the root region `full` must not have parents")]
    RootHasParents { source_name: String },
    #[error("{source_name}: region `{region}` does not reach `full` through its parents")]
    Unreachable { source_name: String, region: String },
    #[error("{source_name}: region `{region}`: pattern `{pattern}` does not compile: {message}")]
    BadPattern {
        source_name: String,
        region: String,
        pattern: String,
        message: String,
    },
    #[error("{source_name}: more than {max} regions", max = u16::MAX)]
    TooMany { source_name: String },
    #[error("{source_name}: the task regions differ from shared/regions.md: {}", problems.join("; "))]
    TaskRegions {
        source_name: String,
        problems: Vec<String>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    #[serde(default)]
    tagging: TaggingToml,
    #[serde(default)]
    region: Vec<RegionToml>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TaggingToml {
    #[serde(default)]
    left: Vec<String>,
    #[serde(default)]
    right: Vec<String>,
    #[serde(default)]
    both: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    node: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionToml {
    name: String,
    display: Option<String>,
    #[serde(default)]
    parents: Vec<String>,
    #[serde(default)]
    task: bool,
    #[serde(default)]
    rare: bool,
    #[serde(default)]
    patterns: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    left: Option<String>,
    right: Option<String>,
    note: Option<String>,
}

/// The region DAG with precomputed ancestor and descendant sets.
#[derive(Debug, Clone)]
pub struct Ontology {
    source_name: String,
    regions: Vec<Region>,
    by_name: HashMap<String, RegionId>,
    topo: Vec<RegionId>,
    ancestors: Vec<Vec<RegionId>>,
    descendants: Vec<Vec<RegionId>>,
    children: Vec<Vec<RegionId>>,
    depth: Vec<usize>,
    /// Bit set of ancestors per region (64 regions per word) for O(1) ancestry tests.
    ancestor_bits: Vec<Vec<u64>>,
    rules: TaggingRules,
}

/// Wraps a pattern the way the tagger matches it: case-insensitive, on word boundaries.
pub fn anchored_pattern(pattern: &str) -> String {
    format!(r"(?i)(?-u:\b)(?:{pattern})(?-u:\b)")
}

fn is_snake_case(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.ends_with('_')
        && !name.contains("__")
}

impl Ontology {
    /// The ontology shipped with uptake (`data/ontology.toml`, embedded at build time).
    ///
    /// # Panics
    /// Never for a released build: a test checks that the embedded file loads.
    pub fn builtin() -> Ontology {
        Self::from_toml_str(BUILTIN_TOML, "data/ontology.toml (built in)")
            .expect("the built-in ontology is checked by the tests")
    }

    /// Reads and validates an ontology file.
    pub fn from_path(path: &Path) -> Result<Ontology, OntologyError> {
        let text = std::fs::read_to_string(path).map_err(|source| OntologyError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    /// Parses and validates ontology text; `source_name` is used in messages.
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<Ontology, OntologyError> {
        let sn = || source_name.to_string();
        let file: FileToml = toml::from_str(text).map_err(|e| OntologyError::Parse {
            source_name: sn(),
            message: e.to_string(),
        })?;
        if file.region.len() >= u16::MAX as usize {
            return Err(OntologyError::TooMany { source_name: sn() });
        }
        let mut by_name = HashMap::new();
        for (i, r) in file.region.iter().enumerate() {
            if !is_snake_case(&r.name) {
                return Err(OntologyError::NotSnakeCase {
                    source_name: sn(),
                    region: r.name.clone(),
                });
            }
            if by_name.insert(r.name.clone(), RegionId(i as u16)).is_some() {
                return Err(OntologyError::DuplicateName {
                    source_name: sn(),
                    region: r.name.clone(),
                });
            }
        }
        let lookup = |name: &str| by_name.get(name).copied();
        let mut regions = Vec::with_capacity(file.region.len());
        for r in &file.region {
            let mut parents = Vec::with_capacity(r.parents.len());
            for p in &r.parents {
                let id = lookup(p).ok_or_else(|| OntologyError::UnknownParent {
                    source_name: sn(),
                    region: r.name.clone(),
                    parent: p.clone(),
                })?;
                if !parents.contains(&id) {
                    parents.push(id);
                }
            }
            let variant = |v: &Option<String>, side: &'static str| -> Result<_, OntologyError> {
                v.as_deref()
                    .map(|name| {
                        lookup(name).ok_or_else(|| OntologyError::UnknownVariant {
                            source_name: sn(),
                            region: r.name.clone(),
                            side,
                            variant: name.to_string(),
                        })
                    })
                    .transpose()
            };
            regions.push(Region {
                name: r.name.clone(),
                display_name: r
                    .display
                    .clone()
                    .unwrap_or_else(|| r.name.replace('_', " ")),
                parents,
                task: r.task || r.rare,
                rare: r.rare,
                patterns: r.patterns.clone(),
                exclude: r.exclude.clone(),
                left: variant(&r.left, "left")?,
                right: variant(&r.right, "right")?,
                lateral_of: None,
                note: r.note.clone(),
            });
        }
        let rules = TaggingRules {
            left: file.tagging.left,
            right: file.tagging.right,
            both: file.tagging.both,
            ignore: file.tagging.ignore,
            node: file.tagging.node,
        };
        if !rules.node.is_empty() {
            check_pattern(&rules.node, &rules.node, "[tagging] node", source_name)?;
        }
        for pattern in rules
            .left
            .iter()
            .chain(&rules.right)
            .chain(&rules.both)
            .chain(&rules.ignore)
        {
            check_pattern(pattern, &rules.expand(pattern), "[tagging]", source_name)?;
        }
        for r in &regions {
            for pattern in r.patterns.iter().chain(&r.exclude) {
                check_pattern(pattern, &rules.expand(pattern), &r.name, source_name)?;
            }
        }
        // Lateral variants point back at their base region.
        for i in 0..regions.len() {
            for (side, v) in [
                (Side::Left, regions[i].left),
                (Side::Right, regions[i].right),
            ] {
                let Some(v) = v else { continue };
                let base = RegionId(i as u16);
                if v == base {
                    return Err(OntologyError::BadVariant {
                        source_name: sn(),
                        region: regions[i].name.clone(),
                        message: "a region cannot be its own lateral variant".into(),
                    });
                }
                if let Some((_, other)) = regions[v.index()].lateral_of
                    && other != base
                {
                    return Err(OntologyError::BadVariant {
                        source_name: sn(),
                        region: regions[v.index()].name.clone(),
                        message: format!(
                            "it is a lateral variant of both `{}` and `{}`",
                            regions[other.index()].name,
                            regions[i].name
                        ),
                    });
                }
                regions[v.index()].lateral_of = Some((side, base));
            }
        }
        let root = lookup(ROOT).ok_or(OntologyError::NoRoot { source_name: sn() })?;
        if !regions[root.index()].parents.is_empty() {
            return Err(OntologyError::RootHasParents { source_name: sn() });
        }
        if let Some(cycle) = find_cycle(&regions) {
            let names: Vec<&str> = cycle
                .iter()
                .map(|id| regions[id.index()].name.as_str())
                .collect();
            return Err(OntologyError::Cycle {
                source_name: sn(),
                cycle: names.join(" -> "),
            });
        }
        let topo = topological_order(&regions);
        let n = regions.len();
        let mut ancestors: Vec<BTreeSet<RegionId>> = vec![BTreeSet::new(); n];
        let mut depth = vec![0usize; n];
        for &id in &topo {
            let mut set = BTreeSet::new();
            let mut d = 0;
            for &p in &regions[id.index()].parents {
                set.insert(p);
                set.extend(ancestors[p.index()].iter().copied());
                d = d.max(depth[p.index()] + 1);
            }
            ancestors[id.index()] = set;
            depth[id.index()] = d;
        }
        for (i, a) in ancestors.iter().enumerate() {
            if RegionId(i as u16) != root && !a.contains(&root) {
                return Err(OntologyError::Unreachable {
                    source_name: sn(),
                    region: regions[i].name.clone(),
                });
            }
        }
        let mut descendants: Vec<BTreeSet<RegionId>> = vec![BTreeSet::new(); n];
        let mut children: Vec<Vec<RegionId>> = vec![Vec::new(); n];
        for (i, a) in ancestors.iter().enumerate() {
            for &anc in a {
                descendants[anc.index()].insert(RegionId(i as u16));
            }
            for &p in &regions[i].parents {
                children[p.index()].push(RegionId(i as u16));
            }
        }
        let mut topo_pos = vec![0usize; n];
        for (pos, id) in topo.iter().enumerate() {
            topo_pos[id.index()] = pos;
        }
        let words = n.div_ceil(64);
        let ancestor_bits: Vec<Vec<u64>> = ancestors
            .iter()
            .map(|set| {
                let mut bits = vec![0u64; words];
                for a in set {
                    bits[a.index() / 64] |= 1 << (a.index() % 64);
                }
                bits
            })
            .collect();
        let in_topo = |set: BTreeSet<RegionId>| -> Vec<RegionId> {
            let mut v: Vec<RegionId> = set.into_iter().collect();
            v.sort_by_key(|id| topo_pos[id.index()]);
            v
        };
        let ancestors = ancestors.into_iter().map(in_topo).collect();
        let descendants = descendants.into_iter().map(in_topo).collect();
        Ok(Ontology {
            source_name: source_name.to_string(),
            regions,
            by_name,
            topo,
            ancestors,
            descendants,
            children,
            depth,
            ancestor_bits,
            rules,
        })
    }

    /// Where the ontology came from (a path or "built in"), for messages.
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    pub fn len(&self) -> usize {
        self.regions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    pub fn id(&self, name: &str) -> Option<RegionId> {
        self.by_name.get(name).copied()
    }

    /// # Panics
    /// If `id` comes from another ontology with more regions (a programming error).
    pub fn region(&self, id: RegionId) -> &Region {
        &self.regions[id.index()]
    }

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

    /// Compares the task regions with shared/regions.md (names, order, parents, rarity).
    pub fn task_region_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let tasks = self.task_regions();
        let names: Vec<&str> = tasks.iter().map(|id| self.name(*id)).collect();
        for t in TASK_REGIONS {
            let Some(id) = self.id(t.name) else {
                problems.push(format!("task region `{}` is missing", t.name));
                continue;
            };
            let r = self.region(id);
            if !r.task {
                problems.push(format!("`{}` must have `task = true`", t.name));
            }
            if r.rare != t.rare {
                problems.push(format!("`{}` must have `rare = {}`", t.name, t.rare));
            }
            let mut parents: Vec<&str> = r.parents.iter().map(|p| self.name(*p)).collect();
            parents.sort_unstable();
            let mut expected: Vec<&str> = t.parents.to_vec();
            expected.sort_unstable();
            if parents != expected {
                problems.push(format!(
                    "`{}` has parents [{}] but must have [{}]",
                    t.name,
                    parents.join(", "),
                    expected.join(", ")
                ));
            }
        }
        for n in &names {
            if !TASK_REGIONS.iter().any(|t| t.name == *n) {
                problems.push(format!(
                    "`{n}` is marked `task = true` but is not a task region"
                ));
            }
        }
        let expected_order: Vec<&str> = TASK_REGIONS.iter().map(|t| t.name).collect();
        if problems.is_empty() && names != expected_order {
            problems.push(format!(
                "the task regions must appear in the order of regions.md: {}",
                expected_order.join(", ")
            ));
        }
        problems
    }

    /// Fails unless the task regions match shared/regions.md (the scan model, label files and
    /// checkpoints rely on them).
    pub fn check_task_regions(&self) -> Result<(), OntologyError> {
        let problems = self.task_region_problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(OntologyError::TaskRegions {
                source_name: self.source_name.clone(),
                problems,
            })
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

impl fmt::Display for RegionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Compiles `expanded` (the pattern with `<node>` replaced); messages show the pattern as written.
fn check_pattern(
    pattern: &str,
    expanded: &str,
    region: &str,
    source_name: &str,
) -> Result<(), OntologyError> {
    let bad = |message: String| OntologyError::BadPattern {
        source_name: source_name.to_string(),
        region: region.to_string(),
        pattern: pattern.to_string(),
        message,
    };
    if pattern.trim().is_empty() {
        return Err(bad("the pattern is empty".into()));
    }
    let re = regex::Regex::new(&anchored_pattern(expanded)).map_err(|e| bad(e.to_string()))?;
    if re.find_iter("a b").any(|m| m.is_empty()) {
        return Err(bad("the pattern matches empty text".into()));
    }
    Ok(())
}

/// Finds one cycle in the parent graph, as a closed path (first = last).
fn find_cycle(regions: &[Region]) -> Option<Vec<RegionId>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let mut mark = vec![Mark::New; regions.len()];
    for start in 0..regions.len() {
        if mark[start] != Mark::New {
            continue;
        }
        // Iterative DFS over parent edges; `path` is the active chain.
        let mut path: Vec<(usize, usize)> = vec![(start, 0)];
        mark[start] = Mark::Active;
        while let Some(&mut (node, ref mut next)) = path.last_mut() {
            if let Some(&p) = regions[node].parents.get(*next) {
                *next += 1;
                match mark[p.index()] {
                    Mark::Active => {
                        let from = path.iter().position(|(n, _)| *n == p.index()).unwrap_or(0);
                        let mut cycle: Vec<RegionId> = path[from..]
                            .iter()
                            .map(|(n, _)| RegionId(*n as u16))
                            .collect();
                        cycle.push(p);
                        return Some(cycle);
                    }
                    Mark::New => {
                        mark[p.index()] = Mark::Active;
                        path.push((p.index(), 0));
                    }
                    Mark::Done => {}
                }
            } else {
                mark[node] = Mark::Done;
                path.pop();
            }
        }
    }
    None
}

/// Parents before children; among ready regions, file order first. Assumes no cycle.
fn topological_order(regions: &[Region]) -> Vec<RegionId> {
    let n = regions.len();
    let mut missing: Vec<usize> = regions.iter().map(|r| r.parents.len()).collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, r) in regions.iter().enumerate() {
        for p in &r.parents {
            children[p.index()].push(i);
        }
    }
    let mut ready: BTreeSet<usize> = (0..n).filter(|&i| missing[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop_first() {
        order.push(RegionId(i as u16));
        for &c in &children[i] {
            missing[c] -= 1;
            if missing[c] == 0 {
                ready.insert(c);
            }
        }
    }
    order
}

#[cfg(test)]
mod tests;
