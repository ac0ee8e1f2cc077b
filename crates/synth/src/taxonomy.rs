//! The 30 task regions and their parents, exactly as `shared/regions.md` lists them.
//!
//! The synthetic cohort needs them to propagate true labels to ancestors. They are the fixed
//! contract of the project (stable identifiers), so a small table here keeps this crate free of
//! a dependency on the ontology loader; a test checks the table against `regions.md`.

/// (region, parents) in the order of `regions.md`.
pub const TASK_REGIONS: [(&str, &[&str]); 30] = [
    ("full", &[]),
    ("head_neck", &["full"]),
    ("head", &["head_neck"]),
    ("mouth", &["head"]),
    ("neck", &["head_neck"]),
    ("cervical_lymph_node", &["neck"]),
    ("supraclavicular_lymph_node", &["neck"]),
    ("chest", &["full"]),
    ("lungs", &["chest"]),
    ("left_lungs", &["lungs"]),
    ("right_lungs", &["lungs"]),
    ("thoracic_lymph_node", &["chest"]),
    ("hilar_lymph_node", &["thoracic_lymph_node"]),
    ("carinal_lymph_node", &["thoracic_lymph_node"]),
    ("paratracheal_lymph_node", &["thoracic_lymph_node"]),
    ("axillary_lymph_node", &["chest"]),
    ("abdomen", &["full"]),
    ("liver", &["abdomen"]),
    ("abdominal_lymph_node", &["abdomen"]),
    ("retroperitoneal_lymph_node", &["abdominal_lymph_node"]),
    ("celiac_lymph_node", &["abdominal_lymph_node"]),
    ("pancreas", &["abdomen"]),
    ("adrenal", &["abdomen"]),
    ("kidney", &["abdomen"]),
    ("pelvis", &["full"]),
    ("iliac_lymph_node", &["pelvis"]),
    ("inguinal_lymph_node", &["pelvis"]),
    ("skeleton", &["full"]),
    ("spine", &["skeleton"]),
    ("pelvic_skeleton", &["skeleton", "pelvis"]),
];

pub fn task_region_names() -> Vec<String> {
    TASK_REGIONS.iter().map(|(r, _)| r.to_string()).collect()
}

pub fn is_task_region(region: &str) -> bool {
    TASK_REGIONS.iter().any(|(r, _)| *r == region)
}

fn parents(region: &str) -> &'static [&'static str] {
    TASK_REGIONS
        .iter()
        .find(|(r, _)| *r == region)
        .map(|(_, p)| *p)
        .unwrap_or(&[])
}

/// `region` and every task region above it (empty for an unknown name).
pub fn ancestors_or_self(region: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    let Some(start) = TASK_REGIONS
        .iter()
        .find(|(r, _)| *r == region)
        .map(|(r, _)| *r)
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
