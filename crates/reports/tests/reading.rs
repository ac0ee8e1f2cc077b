//! Report files as hospitals export them: strict CSV with exact line numbers, byte-order marks,
//! empty files, FHIR DiagnosticReports, several reports per exam, other column names and
//! accession numbers. Errors name the file and the line, never the report text.

use base64::Engine;
use std::path::PathBuf;
use uptake_reports::{
    ReadSettings, ReportError, ReportFormat, ReportSet, read_reports, read_reports_with,
};

fn write(dir: &tempfile::TempDir, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn ids_and_texts(set: &ReportSet) -> Vec<(&str, &str)> {
    set.reports
        .iter()
        .map(|r| (r.exam_id.as_str(), r.text.as_str()))
        .collect()
}

#[test]
fn a_stray_quote_in_a_csv_is_an_error_naming_its_line_not_merged_rows() {
    let dir = tempfile::tempdir().unwrap();
    let csv = b"exam_id,text\nE1,Liver.\nE2,\"SECRET uptake in a 5 mm node.\nE3,Spleen.\nE4,\"Bone.\"\nE5,Lung.\n";
    let err = read_reports(&write(&dir, "r.csv", csv)).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, ReportError::Csv { line: 5, .. }), "{message}");
    assert!(message.contains("opened on line 3"), "{message}");
    assert!(!message.contains("SECRET"), "{message}");
}

#[test]
fn a_quoted_field_that_never_closes_is_an_error_naming_where_it_opened() {
    let dir = tempfile::tempdir().unwrap();
    let csv = b"exam_id,text\nE1,Liver.\nE2,\"Node.\nE3,Spleen.\n";
    let err = read_reports(&write(&dir, "r.csv", csv)).unwrap_err();
    assert!(matches!(err, ReportError::Csv { line: 3, .. }), "{err}");
}

#[test]
fn a_row_with_more_fields_than_the_header_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = read_reports(&write(
        &dir,
        "r.csv",
        b"exam_id,text\nE1,Liver, and spleen.\n",
    ))
    .unwrap_err();
    assert!(matches!(err, ReportError::Csv { line: 2, .. }), "{err}");
}

#[test]
fn csv_line_numbers_are_right_with_crlf_line_ends() {
    let dir = tempfile::tempdir().unwrap();
    let csv = b"exam_id,text\r\nE1,\"Liver,\r\nspleen.\"\r\nE2,ok\r\n,Bone.\r\n";
    let err = read_reports(&write(&dir, "r.csv", csv)).unwrap_err();
    assert!(matches!(err, ReportError::MissingExamId { .. }), "{err}");
    assert!(err.to_string().contains("r.csv, line 5"), "{err}");
    let ok = read_reports(&write(&dir, "ok.csv", &csv[..csv.len() - 8])).unwrap();
    assert_eq!(
        ids_and_texts(&ok),
        [("E1", "Liver,\r\nspleen."), ("E2", "ok")]
    );
}

#[test]
fn a_byte_order_mark_is_accepted_in_jsonl_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = b"\xEF\xBB\xBF{\"exam_id\": \"E1\", \"text\": \"Liver.\"}\n";
    let set = read_reports(&write(&dir, "r.jsonl", jsonl)).unwrap();
    assert_eq!(ids_and_texts(&set), [("E1", "Liver.")]);
    let csv = b"\xEF\xBB\xBFexam_id,text\nE1,Liver.\n";
    assert_eq!(read_reports(&write(&dir, "r.csv", csv)).unwrap().len(), 1);
}

#[test]
fn an_empty_file_or_one_without_usable_reports_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in [
        ("a.jsonl", &b""[..]),
        ("b.jsonl", b"\n\n"),
        ("c.csv", b"exam_id,text\n"),
    ] {
        let err = read_reports(&write(&dir, name, content)).unwrap_err();
        assert!(matches!(err, ReportError::Empty { .. }), "{name}: {err}");
    }
    let blank = write(&dir, "d.jsonl", b"{\"exam_id\": \"E1\", \"text\": \" \"}\n");
    let err = read_reports(&blank).unwrap_err();
    assert!(
        matches!(err, ReportError::NothingUsable { records: 1, .. }),
        "{err}"
    );
}

#[test]
fn the_reader_says_how_many_records_it_read_skipped_and_merged() {
    let dir = tempfile::tempdir().unwrap();
    let csv = b"exam_id,text,status\nE1,Liver.,final\nE2,,final\nE3,Bone.,cancelled\nE1,Liver and spleen.,amended\n";
    let set = read_reports(&write(&dir, "r.csv", csv)).unwrap();
    assert_eq!(ids_and_texts(&set), [("E1", "Liver and spleen.")]);
    let s = set.summary;
    assert_eq!(
        (
            s.records,
            s.reports,
            s.skipped_empty,
            s.cancelled,
            s.superseded
        ),
        (4, 1, 1, 1, 1)
    );
    assert_eq!(
        s.to_string(),
        "1 reports from 4 records; 1 skipped for an empty text; 1 cancelled (skipped); 1 superseded by a later or amended report"
    );
}

#[test]
fn several_reports_of_an_exam_give_the_latest_final_one_with_its_addenda_appended() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = br#"{"exam_id": "E1", "text": "Prelim: liver.", "status": "preliminary", "date": "2024-01-01"}
{"exam_id": "E1", "text": "Addendum: spleen too.", "kind": "addendum", "date": "2024-01-03"}
{"exam_id": "E1", "text": "Final: liver.", "status": "final", "date": "2024-01-02"}
{"exam_id": "E2", "text": "Draft only.", "status": "preliminary"}
"#;
    let set = read_reports(&write(&dir, "r.jsonl", jsonl)).unwrap();
    assert_eq!(
        ids_and_texts(&set),
        [
            ("E1", "Final: liver.\n\nADDENDUM:\nAddendum: spleen too."),
            ("E2", "Draft only.")
        ]
    );
    assert_eq!((set.summary.superseded, set.summary.addenda), (1, 1));
    assert!(
        set.warnings[0]
            .to_string()
            .contains("exam `E2`: no final report")
    );
}

#[test]
fn the_latest_report_by_date_wins_whatever_the_file_order() {
    let dir = tempfile::tempdir().unwrap();
    let csv = b"exam_id,text,date\nE1,Newer.,2024-03-02T10:00\nE1,Older.,2024-03-01T09:00\n";
    let set = read_reports(&write(&dir, "r.csv", csv)).unwrap();
    assert_eq!(ids_and_texts(&set), [("E1", "Newer.")]);
}

#[test]
fn an_unknown_status_word_is_an_error_naming_line_and_exam() {
    let dir = tempfile::tempdir().unwrap();
    let csv = b"exam_id,text,status\nE1,Liver.,maybe\n";
    let err = read_reports(&write(&dir, "r.csv", csv))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 2, exam `E1`: unknown status `maybe`"),
        "{err}"
    );
}

#[test]
fn other_column_names_are_read_when_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "r.csv", b"Accession,Report Text\nA1,Liver.\n");
    let settings = ReadSettings {
        id_column: Some("Accession".into()),
        text_column: Some("Report Text".into()),
        ..Default::default()
    };
    let set = read_reports_with(&path, &settings).unwrap();
    assert_eq!(ids_and_texts(&set), [("A1", "Liver.")]);
    let err = read_reports(&path).unwrap_err().to_string();
    assert!(
        err.contains("no `exam_id` column") && err.contains("--id-column"),
        "{err}"
    );
}

#[test]
fn accession_numbers_are_mapped_to_exam_ids_and_unknown_ones_refused() {
    let dir = tempfile::tempdir().unwrap();
    let map = write(
        &dir,
        "map.csv",
        b"accession,exam_id\nACC1,E1\nACC2,E1\nACC3,E2\n",
    );
    let reports = write(
        &dir,
        "r.jsonl",
        b"{\"acc\": \"ACC3\", \"text\": \"Bone.\"}\n{\"acc\": \"ACC1\", \"text\": \"Liver.\", \"status\": \"final\"}\n{\"acc\": \"ACC2\", \"text\": \"More.\", \"kind\": \"addendum\"}\n",
    );
    let settings = ReadSettings {
        id_column: Some("acc".into()),
        accession_map: Some(map),
        ..Default::default()
    };
    let set = read_reports_with(&reports, &settings).unwrap();
    assert_eq!(
        ids_and_texts(&set),
        [("E2", "Bone."), ("E1", "Liver.\n\nADDENDUM:\nMore.")]
    );
    let unknown = write(&dir, "u.jsonl", b"{\"acc\": \"ACC9\", \"text\": \"x\"}\n");
    let err = read_reports_with(&unknown, &settings)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("u.jsonl, line 1: accession `ACC9` is not in"),
        "{err}"
    );
}

/// A DiagnosticReport resource with a text/plain presented form.
fn diagnostic_report(accession: &str, text: &str, status: &str) -> serde_json::Value {
    serde_json::json!({
        "resourceType": "DiagnosticReport",
        "id": format!("dr-{accession}"),
        "status": status,
        "identifier": [
            {"system": "urn:other", "value": "X"},
            {"type": {"coding": [{"code": "ACSN"}]}, "value": accession}
        ],
        "presentedForm": [
            {"contentType": "application/pdf", "data": "JVBERi0="},
            {"contentType": "text/plain; charset=utf-8",
             "data": base64::engine::general_purpose::STANDARD.encode(text)}
        ]
    })
}

#[test]
fn a_fhir_bundle_gives_the_plain_text_presented_form_under_the_accession() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = serde_json::json!({
        "resourceType": "Bundle",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "p1"}},
            {"resource": diagnostic_report("ACC1", "FINDINGS: Avid liver.", "final")},
            {"resource": {"resourceType": "DiagnosticReport", "id": "dr2", "status": "final",
                          "conclusion": "Avid spleen."}},
            {"resource": diagnostic_report("ACC3", "Void.", "entered-in-error")}
        ]
    });
    let path = write(&dir, "bundle.json", bundle.to_string().as_bytes());
    let set = read_reports(&path).unwrap();
    assert_eq!(
        ids_and_texts(&set),
        [("ACC1", "FINDINGS: Avid liver."), ("dr2", "Avid spleen.")]
    );
    assert_eq!((set.summary.other_resources, set.summary.cancelled), (1, 1));
    let by_resource_id = ReadSettings {
        id_column: Some("id".into()),
        ..Default::default()
    };
    assert_eq!(
        read_reports_with(&path, &by_resource_id).unwrap().reports[0]
            .exam_id
            .as_str(),
        "dr-ACC1"
    );
}

#[test]
fn fhir_ndjson_is_read_line_by_line_with_its_amendments() {
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        diagnostic_report("ACC1", "Liver.", "final"),
        diagnostic_report("ACC1", "Liver and spleen.", "amended"),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let path = write(&dir, "reports.ndjson", text.as_bytes());
    let set = read_reports(&path).unwrap();
    assert_eq!(ids_and_texts(&set), [("ACC1", "Liver and spleen.")]);
    let as_jsonl = ReadSettings {
        format: ReportFormat::Fhir,
        ..Default::default()
    };
    let other_name = write(&dir, "reports.txt", text.as_bytes());
    assert_eq!(read_reports_with(&other_name, &as_jsonl).unwrap().len(), 1);
}

#[test]
fn bad_base64_in_a_fhir_report_is_an_error_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let mut report = diagnostic_report("ACC1", "x", "final");
    report["presentedForm"][1]["data"] = "not base64!".into();
    let bundle = serde_json::json!({"resourceType": "Bundle", "entry": [{"resource": report}]});
    let err = read_reports(&write(&dir, "b.json", bundle.to_string().as_bytes()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("b.json, entry 1") && err.contains("base64"),
        "{err}"
    );
}
