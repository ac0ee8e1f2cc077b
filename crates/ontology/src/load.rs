//! Reading and validating an ontology file (`data/ontology.toml` format).

use crate::error::OntologyError;
use crate::graph::{Ontology, ROOT};
use crate::region::{Region, RegionId, Side, TaggingRules, anchored_pattern};
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// The data file shipped with uptake.
pub(crate) const BUILTIN_TOML: &str = include_str!("../../../data/ontology.toml");

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
        let file: FileToml = toml::from_str(text).map_err(|e| OntologyError::Parse {
            source_name: source_name.to_string(),
            message: e.to_string(),
        })?;
        if file.region.len() >= u16::MAX as usize {
            return Err(OntologyError::TooMany {
                source_name: source_name.to_string(),
            });
        }
        let by_name = index_names(&file.region, source_name)?;
        let mut regions = file
            .region
            .iter()
            .map(|r| region(r, &by_name, source_name))
            .collect::<Result<Vec<_>, _>>()?;
        let rules = TaggingRules {
            left: file.tagging.left,
            right: file.tagging.right,
            both: file.tagging.both,
            ignore: file.tagging.ignore,
            node: file.tagging.node,
        };
        check_patterns(&rules, &regions, source_name)?;
        link_lateral_variants(&mut regions, source_name)?;
        let root = by_name
            .get(ROOT)
            .copied()
            .ok_or_else(|| OntologyError::NoRoot {
                source_name: source_name.to_string(),
            })?;
        if !regions[root.index()].parents.is_empty() {
            return Err(OntologyError::RootHasParents {
                source_name: source_name.to_string(),
            });
        }
        if let Some(cycle) = find_cycle(&regions) {
            let names: Vec<&str> = cycle
                .iter()
                .map(|id| regions[id.index()].name.as_str())
                .collect();
            return Err(OntologyError::Cycle {
                source_name: source_name.to_string(),
                cycle: names.join(" -> "),
            });
        }
        build(regions, by_name, rules, root, source_name)
    }
}

/// Region ids by name; fails on a name that is not snake_case or defined twice.
fn index_names(
    regions: &[RegionToml],
    source_name: &str,
) -> Result<HashMap<String, RegionId>, OntologyError> {
    let mut by_name = HashMap::new();
    for (i, r) in regions.iter().enumerate() {
        if !is_snake_case(&r.name) {
            return Err(OntologyError::NotSnakeCase {
                source_name: source_name.to_string(),
                region: r.name.clone(),
            });
        }
        if by_name.insert(r.name.clone(), RegionId(i as u16)).is_some() {
            return Err(OntologyError::DuplicateName {
                source_name: source_name.to_string(),
                region: r.name.clone(),
            });
        }
    }
    Ok(by_name)
}

/// One region of the file with its parents and variants looked up.
fn region(
    r: &RegionToml,
    by_name: &HashMap<String, RegionId>,
    source_name: &str,
) -> Result<Region, OntologyError> {
    let sn = || source_name.to_string();
    let mut parents = Vec::with_capacity(r.parents.len());
    for p in &r.parents {
        let id = by_name
            .get(p)
            .copied()
            .ok_or_else(|| OntologyError::UnknownParent {
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
                by_name
                    .get(name)
                    .copied()
                    .ok_or_else(|| OntologyError::UnknownVariant {
                        source_name: sn(),
                        region: r.name.clone(),
                        side,
                        variant: name.to_string(),
                    })
            })
            .transpose()
    };
    Ok(Region {
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
    })
}

/// Every tagging pattern of the file compiles and matches no empty text.
fn check_patterns(
    rules: &TaggingRules,
    regions: &[Region],
    source_name: &str,
) -> Result<(), OntologyError> {
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
    for r in regions {
        for pattern in r.patterns.iter().chain(&r.exclude) {
            check_pattern(pattern, &rules.expand(pattern), &r.name, source_name)?;
        }
    }
    Ok(())
}

/// Points each lateral variant back at its base region.
fn link_lateral_variants(regions: &mut [Region], source_name: &str) -> Result<(), OntologyError> {
    for i in 0..regions.len() {
        for (side, v) in [
            (Side::Left, regions[i].left),
            (Side::Right, regions[i].right),
        ] {
            let Some(v) = v else { continue };
            let base = RegionId(i as u16);
            if v == base {
                return Err(OntologyError::BadVariant {
                    source_name: source_name.to_string(),
                    region: regions[i].name.clone(),
                    message: "a region cannot be its own lateral variant".into(),
                });
            }
            if let Some((_, other)) = regions[v.index()].lateral_of
                && other != base
            {
                return Err(OntologyError::BadVariant {
                    source_name: source_name.to_string(),
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
    Ok(())
}

/// The ontology with its ancestor, descendant and child sets; fails when a region does not
/// reach the root. Assumes no cycle.
fn build(
    regions: Vec<Region>,
    by_name: HashMap<String, RegionId>,
    rules: TaggingRules,
    root: RegionId,
    source_name: &str,
) -> Result<Ontology, OntologyError> {
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
                source_name: source_name.to_string(),
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
    let ancestor_bits = ancestors.iter().map(|set| bits(set, n)).collect();
    let in_topo = |set: BTreeSet<RegionId>| -> Vec<RegionId> {
        let mut v: Vec<RegionId> = set.into_iter().collect();
        v.sort_by_key(|id| topo_pos[id.index()]);
        v
    };
    Ok(Ontology {
        source_name: source_name.to_string(),
        regions,
        by_name,
        topo,
        ancestors: ancestors.into_iter().map(in_topo).collect(),
        descendants: descendants.into_iter().map(in_topo).collect(),
        children,
        depth,
        ancestor_bits,
        rules,
    })
}

/// A bit set of `n` regions, 64 per word.
fn bits(set: &BTreeSet<RegionId>, n: usize) -> Vec<u64> {
    let mut bits = vec![0u64; n.div_ceil(64)];
    for a in set {
        bits[a.index() / 64] |= 1 << (a.index() % 64);
    }
    bits
}

/// Words that name no body part, side or lymph node: a pattern that matches any of them would
/// tag (or, as `ignore`/`exclude`, hide) text everywhere.
const NONSENSE: &str = "zqxv wbkj-ptrf 7391 yhgm; qqq.";

/// Compiles `expanded` (the pattern with `<node>` replaced); messages show the pattern as
/// written. Refuses patterns that match empty text or [`NONSENSE`].
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
    let re = regex::Regex::new(&anchored_pattern(expanded))
        .map_err(|e| bad(format!("does not compile: {e}")))?;
    if re.find_iter("a b").any(|m| m.is_empty()) {
        return Err(bad("the pattern matches empty text".into()));
    }
    if re.is_match(NONSENSE) {
        return Err(bad(
            "the pattern matches text that names no body part (`.*`, `\\w+` and the like would tag every report)"
                .into(),
        ));
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
