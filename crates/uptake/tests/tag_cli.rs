//! `uptake tag` and `uptake ontology` end to end through the binary.

use std::process::Command;

fn uptake() -> Command {
    Command::new(env!("CARGO_BIN_EXE_uptake"))
}

#[test]
fn tag_writes_one_line_per_sentence_with_mentions() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("r.jsonl");
    std::fs::write(
        &reports,
        "{\"exam_id\": \"e1\", \"text\": \"HISTORY: Breast cancer.\\nFINDINGS: Avid left axillary and supraclavicular nodes. No other findings.\\nIMPRESSION: Nodal disease.\"}\n\
         {\"exam_id\": \"e2\", \"text\": \"\"}\n",
    )
    .unwrap();
    let out = dir.path().join("m.jsonl");
    let run = uptake()
        .args(["tag", "--reports"])
        .arg(&reports)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("exam `e2`") && stderr.contains("1 reports"),
        "{stderr}"
    );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "only the sentence with mentions");
    let regions: Vec<&str> = lines[0]["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["region"].as_str().unwrap())
        .collect();
    assert_eq!(
        regions,
        [
            "left_axillary_lymph_node",
            "left_supraclavicular_lymph_node"
        ]
    );
    assert_eq!(lines[0]["section"], "findings");
}

#[test]
fn a_failing_tag_run_leaves_no_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("r.csv");
    std::fs::write(&reports, "exam_id,text\na,Liver.\na,Spleen.\n").unwrap();
    let out = dir.path().join("m.jsonl");
    let run = uptake()
        .args(["tag", "--reports"])
        .arg(&reports)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("appears twice"));
    assert!(!out.exists());
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
