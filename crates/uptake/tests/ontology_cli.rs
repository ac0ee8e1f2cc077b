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

/// Three reports whose findings mention an unmatched term (twice in E2) and a matched one.
fn suggest_reports(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("reports.jsonl");
    let line = |id: &str, findings: &str| {
        format!("{{\"exam_id\": \"{id}\", \"text\": \"FINDINGS: {findings}\"}}\n")
    };
    let text = line("E1", "Zorblax ligament uptake. Liver normal.")
        + &line("E2", "Normal spleen. Zorblax ligament, zorblax ligament.")
        + &line("E3", "Liver normal.");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn ontology_suggest_writes_a_toml_snippet_of_the_unmatched_terms() {
    let dir = tempfile::tempdir().unwrap();
    let reports = suggest_reports(dir.path());
    let out = dir.path().join("snippet.toml");
    let printed = stdout(&[
        "ontology",
        "suggest",
        "--reports",
        reports.to_str().unwrap(),
        "--min-count",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    let snippet = std::fs::read_to_string(&out).unwrap();
    assert!(snippet.parse::<toml::Table>().is_ok(), "{snippet}");
    assert!(
        snippet.contains("# \"zorblax ligament\": 3 times, e.g. E1:0, E2:1\n# [[region]]\n"),
        "{snippet}"
    );
    assert!(!snippet.contains("liver"), "{snippet}");
    // The table: 3 reports, 5 sentences; ligament, normal, zorblax, zorblax ligament (3 each).
    assert!(printed.starts_with("3 reports, 5 findings and impression sentences: 4 term(s)"));
    let counts: Vec<&str> = printed
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(counts, ["3", "3", "3", "3"]);
    // Without --out the snippet goes to stdout.
    let args = [
        "ontology",
        "suggest",
        "--reports",
        reports.to_str().unwrap(),
    ];
    let to_stdout = stdout(&[&args[..], &["--min-count", "3"]].concat());
    assert_eq!(to_stdout, snippet);
}

#[test]
fn ontology_suggest_refuses_a_missing_reports_file_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-reports.jsonl");
    let run = uptake()
        .args(["ontology", "suggest", "--reports"])
        .arg(&missing)
        .output()
        .unwrap();
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("no-such-reports.jsonl"), "{err}");
}
