//! `uptake tag` end to end through the binary.

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

/// Four hand-labelled sentences: a found mention, a wrong-region one after a non-ASCII
/// character, one the tagger cannot see, and a sentence with only a tagged (extra) mention.
const MENTIONS: &str = r#"{"text": "Intense uptake in the liver.", "mentions": [{"start": 22, "end": 27, "region": "liver", "label": 1}]}
{"text": "Lésion in the spleen.", "mentions": [{"start": 14, "end": 20, "region": "kidney", "label": 1}]}
{"text": "Focal activity in the foo.", "mentions": [{"start": 22, "end": 25, "region": "liver", "label": 0}]}
{"text": "Normal spleen.", "mentions": []}
"#;

fn mentions_eval(extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.jsonl");
    std::fs::write(&path, MENTIONS).unwrap();
    let run = uptake()
        .args(["tag", "--mentions-eval"])
        .arg(&path)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8(run.stdout).unwrap()
}

#[test]
fn mentions_eval_counts_found_missed_extra_and_wrong_region_mentions() {
    let out = mentions_eval(&[]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "sentences:          4",
            "hand mentions:      3",
            "found:              1 (recall 33.3 %)",
            "tagged mentions:    3",
            "extra mentions:     1 (overlap no hand mention)",
            "wrong-region:       1 (overlap a hand mention of an unrelated region)",
        ]
    );
}

#[test]
fn mentions_eval_shows_misses_and_extras_by_their_characters() {
    let out = mentions_eval(&["--show-misses", "--show-extras"]);
    let lines: Vec<&str> = out.lines().skip(6).collect();
    assert_eq!(
        lines,
        [
            "miss line 2: [spleen] kidney | tagged: spleen=spleen | Lésion in the spleen.",
            "miss line 3: [foo] liver | tagged:  | Focal activity in the foo.",
            "extra line 2: [spleen=spleen] hand: kidney | Lésion in the spleen.",
            "extra line 4: [spleen=spleen] hand: none | Normal spleen.",
        ]
    );
}

#[test]
fn bench_tagging_counts_what_it_tagged() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("r.jsonl");
    std::fs::write(
        &reports,
        "{\"exam_id\": \"e1\", \"text\": \"FINDINGS: Avid left axillary nodes. Liver normal.\"}\n\
         {\"exam_id\": \"e2\", \"text\": \"FINDINGS: Nothing of note.\"}\n",
    )
    .unwrap();
    let run = uptake()
        .args(["bench", "tagging", "--reports"])
        .arg(&reports)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let out = String::from_utf8(run.stdout).unwrap();
    assert!(
        out.contains("tagged 2 reports (") && out.contains("), 3 sentences, 2 mentions in "),
        "{out}"
    );
    assert!(
        out.contains("tagging + regex labelling + noisy-OR: "),
        "{out}"
    );
}

/// `uptake tag --reports REPORTS --out OUT EXTRA...`: (success, stderr, the regions of each
/// written line as `exam_id:region`).
fn tag(reports: &std::path::Path, extra: &[&str]) -> (bool, String, Vec<String>) {
    let out = reports.with_extension("tags.jsonl");
    let run = uptake()
        .args(["tag", "--reports"])
        .arg(reports)
        .arg("--out")
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    let mentions = std::fs::read_to_string(&out)
        .unwrap_or_default()
        .lines()
        .flat_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let exam = v["exam_id"].as_str().unwrap().to_string();
            let regions: Vec<String> = v["mentions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| format!("{exam}:{}", m["region"].as_str().unwrap()))
                .collect();
            regions
        })
        .collect();
    (run.status.success(), stderr, mentions)
}

#[test]
fn id_and_text_column_flags_read_a_csv_export_with_other_names() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("export.csv");
    std::fs::write(
        &reports,
        "ACC,BODY\r\nA7,\"FINDINGS: Avid liver lesion.\"\r\n",
    )
    .unwrap();
    let (ok, stderr, mentions) = tag(&reports, &["--id-column", "ACC", "--text-column", "BODY"]);
    assert!(ok, "{stderr}");
    assert_eq!(mentions, ["A7:liver"]);
    let (ok, stderr, _) = tag(&reports, &[]);
    assert!(!ok && stderr.contains("no `exam_id` column"), "{stderr}");
}

#[test]
fn fhir_diagnostic_reports_are_tagged_from_their_presented_form_or_conclusion() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports.ndjson");
    // "FINDINGS: Avid spleen." in base64.
    std::fs::write(
        &reports,
        "{\"resourceType\": \"DiagnosticReport\", \"id\": \"r1\", \"status\": \"final\", \"presentedForm\": [{\"contentType\": \"text/plain\", \"data\": \"RklORElOR1M6IEF2aWQgc3BsZWVuLg==\"}]}\n\
         {\"resourceType\": \"DiagnosticReport\", \"id\": \"r2\", \"status\": \"final\", \"conclusion\": \"Avid left axillary node.\"}\n",
    )
    .unwrap();
    let (ok, stderr, mentions) = tag(&reports, &[]);
    assert!(ok, "{stderr}");
    assert_eq!(mentions, ["r1:spleen", "r2:left_axillary_lymph_node"]);
    assert!(stderr.contains("2 reports from 2 records"), "{stderr}");
}

#[test]
fn a_sections_file_teaches_the_tagger_other_headers() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("r.jsonl");
    std::fs::write(
        &reports,
        "{\"exam_id\": \"e1\", \"text\": \"Anamnese: liver cancer.\\nBefund: avid spleen.\"}\n",
    )
    .unwrap();
    let sections = dir.path().join("sections.toml");
    std::fs::write(
        &sections,
        "[[section]]\nkind = \"history\"\nheaders = ['anamnese']\n[[section]]\nkind = \"findings\"\nheaders = ['befund']\n",
    )
    .unwrap();
    let sections_arg = sections.to_str().unwrap();
    let (ok, stderr, mentions) = tag(&reports, &["--sections", sections_arg]);
    assert!(ok, "{stderr}");
    assert_eq!(mentions, ["e1:spleen"], "the history's liver is not tagged");
}
