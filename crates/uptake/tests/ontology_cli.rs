//! `uptake ontology check|tree|show` end to end through the binary.

use std::process::Command;

fn uptake() -> Command {
    Command::new(env!("CARGO_BIN_EXE_uptake"))
}

fn stdout(args: &[&str]) -> String {
    let run = uptake().args(args).output().unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8(run.stdout).unwrap()
}

#[test]
fn ontology_check_reports_a_cycle_and_every_command_honours_the_ontology_option() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/ontology.toml"
    ))
    .unwrap();
    let broken = text.replace(
        "name = \"lungs\"\ndisplay = \"Lungs\"\nparents = [\"chest\"]",
        "name = \"lungs\"\ndisplay = \"Lungs\"\nparents = [\"chest\", \"lingula\"]",
    );
    assert_ne!(broken, text, "the replacement must apply");
    let path = dir.path().join("o.toml");
    std::fs::write(&path, broken).unwrap();
    let run = uptake()
        .args(["ontology", "check"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("lungs -> lingula -> left_lungs -> lungs")
    );
    let run = uptake()
        .arg("--ontology")
        .arg(&path)
        .args(["ontology", "tree"])
        .output()
        .unwrap();
    assert!(!run.status.success());
    let ok = uptake().args(["ontology", "check"]).output().unwrap();
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).contains("30 task regions (4 rare)"));
}

#[test]
fn check_counts_the_regions_and_patterns_of_the_builtin_ontology() {
    let out = stdout(&["ontology", "check"]);
    let counts = out.trim().split(": OK: ").nth(1).unwrap();
    let numbers: Vec<usize> = counts
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    assert_eq!(numbers.len(), 4, "{out}");
    assert!(numbers[0] >= 94, "{out}");
    assert_eq!(&numbers[1..3], [30, 4]);
    assert!(numbers[3] > numbers[0], "every region has patterns: {out}");
}

#[test]
fn tree_starts_at_the_whole_body_and_indents_children() {
    let out = stdout(&["ontology", "tree"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "full [task]");
    assert_eq!(lines[1], "  head_neck [task]");
    assert!(lines.contains(&"    lungs [task]"), "{out}");
    assert!(lines.contains(&"      left_lungs [task]"), "{out}");
}

#[test]
fn show_lists_a_regions_parents_ancestors_and_side() {
    let out = stdout(&["ontology", "show", "left_lungs"]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("left_lungs ("), "{out}");
    assert_eq!(lines[1], "  kind:        task region");
    assert_eq!(lines[2], "  parents:     lungs");
    assert_eq!(lines[3], "  ancestors:   full, chest, lungs");
    assert!(
        lines.contains(&"  lateral:     Left variant of lungs"),
        "{out}"
    );
}

#[test]
fn show_of_an_unknown_region_suggests_similar_names() {
    let run = uptake()
        .args(["ontology", "show", "lung"])
        .output()
        .unwrap();
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("no region `lung`"), "{stderr}");
    assert!(stderr.contains("lungs"), "{stderr}");
}

#[test]
fn ontology_check_refuses_a_pattern_that_matches_any_text() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/ontology.toml"
    ))
    .unwrap();
    let junk = text.replacen("patterns = ['lungs?', ", "patterns = ['.*', 'lungs?', ", 1);
    assert_ne!(junk, text, "the replacement must apply");
    let path = dir.path().join("o.toml");
    std::fs::write(&path, junk).unwrap();
    let run = uptake()
        .args(["ontology", "check"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("region `lungs`: pattern `.*`") && stderr.contains("names no body part"),
        "{stderr}"
    );
}
