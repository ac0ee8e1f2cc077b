//! The 30 task regions and their parents, exactly as `shared/regions.md` lists them.
//!
//! The synthetic cohort needs them to propagate true labels to ancestors. They are the fixed
//! contract of the project (stable identifiers), kept in one table in the ontology crate.

/// The task table of the ontology crate (regions.md's table): names and parents.
pub use uptake_ontology::TASK_REGIONS;

/// The names of the 30 task regions, in the table's order.
pub fn task_region_names() -> Vec<String> {
    TASK_REGIONS.iter().map(|t| t.name.to_string()).collect()
}

/// Whether `region` is one of the 30 task regions.
#[cfg(test)]
fn is_task_region(region: &str) -> bool {
    TASK_REGIONS.iter().any(|t| t.name == region)
}

fn parents(region: &str) -> &'static [&'static str] {
    TASK_REGIONS
        .iter()
        .find(|t| t.name == region)
        .map(|t| t.parents)
        .unwrap_or(&[])
}

/// `region` and every task region above it (empty for an unknown name).
pub fn ancestors_or_self(region: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    let Some(start) = TASK_REGIONS
        .iter()
        .find(|t| t.name == region)
        .map(|t| t.name)
    else {
        return out;
    };
    let mut stack = vec![start];
    while let Some(r) = stack.pop() {
        if !out.contains(&r) {
            out.push(r);
            stack.extend(parents(r).iter().copied());
        }
    }
    out
}

/// Whether `ancestor` is `region` or above it.
pub fn is_ancestor_or_self(ancestor: &str, region: &str) -> bool {
    ancestors_or_self(region).contains(&ancestor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_matches_regions_md() {
        let dir = uptake_core::shared_dir().expect("shared/ (regions.md) must be present");
        let text = std::fs::read_to_string(dir.join("regions.md")).expect("read regions.md");
        let mut rows = 0;
        for line in text
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| region"))
        {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let name = cells[1].split_whitespace().next().unwrap_or("");
            let parents_cell = cells[2];
            let expected: Vec<&str> = if parents_cell.starts_with('(') {
                vec![]
            } else {
                parents_cell.split(',').map(str::trim).collect()
            };
            assert_eq!(parents(name), expected.as_slice(), "parents of {name}");
            assert!(is_task_region(name), "{name} missing from the table");
            rows += 1;
        }
        assert_eq!(rows, 30);
    }

    #[test]
    fn pelvic_skeleton_propagates_to_both_parents() {
        let a = ancestors_or_self("pelvic_skeleton");
        for r in ["pelvic_skeleton", "skeleton", "pelvis", "full"] {
            assert!(a.contains(&r), "{r}");
        }
        assert_eq!(a.len(), 4);
    }
}
