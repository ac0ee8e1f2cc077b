use super::*;
use std::collections::HashMap;

fn load(text: &str) -> Result<Ontology, OntologyError> {
    Ontology::from_toml_str(text, "test.toml")
}

const SMALL: &str = r#"
[[region]]
name = "full"
[[region]]
name = "chest"
parents = ["full"]
patterns = ["chest"]
[[region]]
name = "lungs"
parents = ["chest"]
left = "left_lungs"
[[region]]
name = "left_lungs"
parents = ["lungs"]
[[region]]
name = "pelvis"
parents = ["full"]
[[region]]
name = "pelvic_skeleton"
parents = ["pelvis", "chest"]
"#;

#[test]
fn the_builtin_ontology_loads_with_at_least_94_regions() {
    let o = Ontology::builtin();
    assert!(o.len() >= 94, "{} regions", o.len());
}

#[test]
fn the_builtin_task_regions_match_regions_md_in_order() {
    let o = Ontology::builtin();
    assert_eq!(o.task_region_problems(), Vec::<String>::new());
    let names: Vec<&str> = o.task_regions().iter().map(|id| o.name(*id)).collect();
    let expected: Vec<&str> = TASK_REGIONS.iter().map(|t| t.name).collect();
    assert_eq!(names, expected);
    assert_eq!(o.main_task_regions().len(), 26);
    let rare: Vec<&str> = o
        .task_regions()
        .into_iter()
        .filter(|id| o.region(*id).rare)
        .map(|id| o.name(id))
        .collect();
    assert_eq!(rare, ["celiac_lymph_node", "pancreas", "adrenal", "kidney"]);
}

#[test]
fn every_finer_builtin_region_has_a_task_region_ancestor() {
    let o = Ontology::builtin();
    for &id in o.ids() {
        let r = o.region(id);
        assert!(
            r.task || o.ancestors(id).iter().any(|a| o.region(*a).task),
            "{}",
            r.name
        );
    }
}

#[test]
fn builtin_has_lobes_lingula_and_lateral_variants() {
    let o = Ontology::builtin();
    let left_lungs = o.id("left_lungs").unwrap();
    assert!(o.is_ancestor_or_self(left_lungs, o.id("lingula").unwrap()));
    assert!(o.is_ancestor_or_self(left_lungs, o.id("left_lower_lobe").unwrap()));
    let axillary = o.id("axillary_lymph_node").unwrap();
    assert_eq!(
        o.lateral_variant(axillary, Side::Left),
        o.id("left_axillary_lymph_node")
    );
    assert_eq!(
        o.region(o.id("right_kidney").unwrap()).lateral_of,
        Some((Side::Right, o.id("kidney").unwrap()))
    );
}

#[test]
fn ids_put_parents_before_children() {
    let o = Ontology::builtin();
    let pos: HashMap<RegionId, usize> =
        o.ids().iter().enumerate().map(|(i, id)| (*id, i)).collect();
    for &id in o.ids() {
        for p in &o.region(id).parents {
            assert!(pos[p] < pos[&id], "{} before {}", o.name(*p), o.name(id));
        }
    }
    assert_eq!(o.ids()[0], o.root());
}

#[test]
fn ancestors_and_descendants_follow_every_parent() {
    let o = load(SMALL).unwrap();
    let id = |n| o.id(n).unwrap();
    let names = |ids: &[RegionId]| {
        ids.iter()
            .map(|i| o.name(*i).to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(o.ancestors(id("pelvic_skeleton"))),
        ["full", "chest", "pelvis"]
    );
    assert_eq!(
        names(o.ancestors(id("left_lungs"))),
        ["full", "chest", "lungs"]
    );
    assert_eq!(
        names(o.descendants(id("chest"))),
        ["lungs", "left_lungs", "pelvic_skeleton"]
    );
    assert!(o.is_ancestor_or_self(id("chest"), id("left_lungs")));
    assert!(!o.is_ancestor_or_self(id("left_lungs"), id("chest")));
    assert!(o.is_ancestor_or_self(id("lungs"), id("lungs")));
    assert!(o.related(id("left_lungs"), id("chest")));
    assert!(!o.related(id("left_lungs"), id("pelvis")));
}

#[test]
fn a_cycle_is_reported_with_its_path() {
    let text = SMALL.replace(
        "name = \"lungs\"\nparents = [\"chest\"]",
        "name = \"lungs\"\nparents = [\"chest\", \"left_lungs\"]",
    );
    let err = load(&text).unwrap_err().to_string();
    assert!(err.contains("test.toml") && err.contains("cycle"), "{err}");
    assert!(err.contains("lungs -> left_lungs -> lungs"), "{err}");
}

#[test]
fn an_unknown_parent_names_region_and_parent() {
    let text = SMALL.replace(
        "parents = [\"pelvis\", \"chest\"]",
        "parents = [\"pelvis\", \"thorax\"]",
    );
    let err = load(&text).unwrap_err();
    assert!(
        matches!(&err, OntologyError::UnknownParent { region, parent, .. } if region == "pelvic_skeleton" && parent == "thorax"),
        "{err}"
    );
    assert!(err.to_string().contains("test.toml"));
}

#[test]
fn a_duplicate_name_is_an_error() {
    let text = format!("{SMALL}\n[[region]]\nname = \"lungs\"\nparents = [\"chest\"]\n");
    assert!(
        matches!(load(&text), Err(OntologyError::DuplicateName { region, .. }) if region == "lungs")
    );
}

#[test]
fn a_region_that_does_not_reach_full_is_an_error() {
    let text = format!("{SMALL}\n[[region]]\nname = \"orphan\"\n");
    assert!(
        matches!(load(&text), Err(OntologyError::Unreachable { region, .. }) if region == "orphan")
    );
}

#[test]
fn a_pattern_that_does_not_compile_names_region_and_pattern() {
    let text = SMALL.replace("patterns = [\"chest\"]", "patterns = [\"chest(\"]");
    let err = load(&text).unwrap_err();
    assert!(
        matches!(&err, OntologyError::BadPattern { region, pattern, .. } if region == "chest" && pattern == "chest("),
        "{err}"
    );
}

#[test]
fn a_pattern_matching_empty_text_is_rejected() {
    let text = SMALL.replace("patterns = [\"chest\"]", "patterns = [\"(?:chest)?\"]");
    assert!(matches!(load(&text), Err(OntologyError::BadPattern { .. })));
}

#[test]
fn patterns_that_match_any_text_are_refused_naming_region_and_pattern() {
    for junk in [
        ".*", "\\\\w+", "[a-z]+", ".", "\\\\S+", "\\\\d+", "chest|.+",
    ] {
        let text = SMALL.replace(
            "patterns = [\"chest\"]",
            &format!("patterns = [\"{junk}\"]"),
        );
        let err = load(&text).unwrap_err();
        assert!(
            matches!(&err, OntologyError::BadPattern { region, .. } if region == "chest"),
            "{junk}: {err}"
        );
        assert!(err.to_string().contains("names no body part"), "{err}");
    }
    let ignore = SMALL.replacen(
        "[[region]]",
        "[tagging]\nignore = ['\\w+']\n\n[[region]]",
        1,
    );
    assert!(
        matches!(load(&ignore), Err(OntologyError::BadPattern { .. })),
        "an ignore pattern"
    );
}

#[test]
fn a_name_that_is_not_snake_case_is_rejected() {
    let text = SMALL
        .replace("name = \"pelvis\"", "name = \"Pelvis\"")
        .replace("[\"pelvis\", \"chest\"]", "[\"Pelvis\", \"chest\"]");
    assert!(
        matches!(load(&text), Err(OntologyError::NotSnakeCase { region, .. }) if region == "Pelvis")
    );
}

#[test]
fn a_missing_root_is_an_error() {
    let text = "[[region]]\nname = \"chest\"\n";
    assert!(matches!(load(text), Err(OntologyError::NoRoot { .. })));
}

#[test]
fn an_unknown_lateral_variant_is_an_error() {
    let text = SMALL.replace("left = \"left_lungs\"", "left = \"left_lung\"");
    assert!(
        matches!(load(&text), Err(OntologyError::UnknownVariant { variant, .. }) if variant == "left_lung")
    );
}

#[test]
fn a_toml_syntax_error_names_the_file() {
    let err = load("[[region]\nname = 1").unwrap_err().to_string();
    assert!(err.starts_with("test.toml"), "{err}");
}

#[test]
fn a_small_ontology_fails_the_task_region_check_with_a_list() {
    let o = load(SMALL).unwrap();
    let err = o.check_task_regions().unwrap_err().to_string();
    assert!(err.contains("`head_neck` is missing"), "{err}");
}

#[test]
fn node_placeholders_expand_to_optional_and_required_suffixes() {
    let o = Ontology::builtin();
    let rules = o.tagging_rules();
    let optional = regex::Regex::new(&anchored_pattern(&rules.expand("axillary<node>"))).unwrap();
    assert_eq!(
        optional
            .find("left axillary lymph nodes, 2 cm")
            .unwrap()
            .as_str(),
        "axillary lymph nodes"
    );
    assert_eq!(
        optional.find("the axillary region").unwrap().as_str(),
        "axillary"
    );
    let required = regex::Regex::new(&anchored_pattern(&rules.expand("pelvic<NODE>"))).unwrap();
    assert!(required.find("pelvic bones").is_none());
    assert_eq!(
        required.find("pelvic adenopathy").unwrap().as_str(),
        "pelvic adenopathy"
    );
}

#[test]
fn the_tree_lists_every_region_and_marks_tasks() {
    let o = Ontology::builtin();
    let tree = o.tree();
    for name in o.names() {
        assert!(
            tree.lines()
                .any(|l| l.trim_start().starts_with(&format!("{name} ")) || l.trim() == name),
            "{name}"
        );
    }
    assert!(tree.contains("  head_neck [task]"));
    assert!(
        tree.contains("pelvic_skeleton [task] (see above)")
            || tree.contains("pelvic_skeleton [task] (also under pelvis)")
    );
}
