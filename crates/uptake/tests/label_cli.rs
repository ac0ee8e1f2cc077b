//! `uptake label` as a real process: the rules into a table, the mention-level figures of
//! `--mentions`, and `--method model` (and `model+rules`) with one report model and with a seed
//! ensemble of two (`--model` given twice).

use std::path::{Path, PathBuf};
use std::process::Command;
use uptake_textmodel::{BertConfig, Head, init_random_model};

const REPORTS: &str = r#"{"exam_id": "EX1", "text": "FINDINGS: Intense uptake in the liver. No uptake in the lungs.\nIMPRESSION: Liver disease."}
{"exam_id": "EX2", "text": "FINDINGS: Avid nodes in the neck.\nIMPRESSION: Nodal disease in the neck."}
"#;

const VOCAB: &[&str] = &[
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "intense", "uptake", "in", "the", "liver", "no",
    "lungs", "disease", "avid", "nodes", "neck", "nodal", ".", ":",
];

fn label(reports: &Path, models: &[&Path], out: &Path) -> String {
    label_with("model", reports, models, out)
}

fn label_with(method: &str, reports: &Path, models: &[&Path], out: &Path) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_uptake"));
    cmd.args([
        "-q",
        "label",
        "--method",
        method,
        "--regions",
        "tasks",
        "--reports",
    ])
    .arg(reports)
    .arg("--out")
    .arg(out);
    for m in models {
        cmd.arg("--model").arg(m);
    }
    let status = cmd.status().unwrap();
    assert!(status.success());
    std::fs::read_to_string(out).unwrap()
}

#[test]
fn an_ensemble_of_one_model_twice_labels_as_that_model_and_two_models_differ_from_each() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports.jsonl");
    std::fs::write(&reports, REPORTS).unwrap();
    let config = BertConfig::tiny(VOCAB.len(), 16, 1, 2, 64);
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    init_random_model(&a, &config, VOCAB, 11, Head::With).unwrap();
    init_random_model(&b, &config, VOCAB, 12, Head::With).unwrap();

    let only_a = label(&reports, &[&a], &dir.path().join("a.csv"));
    let a_twice = label(&reports, &[&a, &a], &dir.path().join("aa.csv"));
    let only_b = label(&reports, &[&b], &dir.path().join("b.csv"));
    let a_and_b = label(&reports, &[&a, &b], &dir.path().join("ab.csv"));

    assert_eq!(only_a, a_twice);
    assert_ne!(a_and_b, only_a);
    assert_ne!(a_and_b, only_b);
}

/// The `liver` column of a one-row label table.
fn liver(csv: &str) -> f64 {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = header.iter().position(|&h| h == "liver").unwrap();
    row[column].parse().unwrap()
}

#[test]
fn model_plus_rules_gives_a_lone_mention_the_mean_of_the_two_probabilities() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports.jsonl");
    // One mention in the whole report, so the liver's noisy-OR is that mention's probability.
    std::fs::write(
        &reports,
        "{\"exam_id\": \"EX1\", \"text\": \"FINDINGS: Intense uptake in the liver.\"}\n",
    )
    .unwrap();
    let config = BertConfig::tiny(VOCAB.len(), 16, 1, 2, 64);
    let model = dir.path().join("model");
    init_random_model(&model, &config, VOCAB, 11, Head::With).unwrap();

    let by_model = liver(&label(&reports, &[&model], &dir.path().join("m.csv")));
    let by_rules = liver(&label_with(
        "rules",
        &reports,
        &[],
        &dir.path().join("r.csv"),
    ));
    let combined = liver(&label_with(
        "model+rules",
        &reports,
        &[&model],
        &dir.path().join("mr.csv"),
    ));

    assert!(by_rules > 0.9, "the rules call intense uptake abnormal");
    assert!((by_model - by_rules).abs() > 0.05, "a random model differs");
    assert!((combined - (by_model + by_rules) / 2.0).abs() < 1e-4);
}

#[test]
fn model_plus_rules_without_a_model_is_an_error_that_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports.jsonl");
    std::fs::write(&reports, REPORTS).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(["label", "--method", "model+rules", "--reports"])
        .arg(&reports)
        .arg("--out")
        .arg(dir.path().join("out.csv"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--model DIR")
            && stderr.contains("needs at least one trained report model"),
        "{stderr}"
    );
    assert!(!dir.path().join("out.csv").exists());
}

/// The two reports and a tiny random report model (seed 11) in `dir`.
fn reports_and_model(dir: &Path) -> (PathBuf, PathBuf) {
    let model = dir.join("model");
    let config = BertConfig::tiny(VOCAB.len(), 16, 1, 2, 64);
    init_random_model(&model, &config, VOCAB, 11, Head::With).unwrap();
    let reports = dir.join("reports.jsonl");
    std::fs::write(&reports, REPORTS).unwrap();
    (reports, model)
}

/// `uptake label --method model --model MODEL --device DEVICE` on `reports` into `out`.
fn label_on(device: &str, reports: &Path, model: &Path, out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(["-q", "label", "--method", "model", "--regions", "tasks"])
        .args(["--device", device, "--reports"])
        .arg(reports)
        .arg("--model")
        .arg(model)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn the_report_model_labels_on_the_cpu_device_as_without_the_option() {
    let dir = tempfile::tempdir().unwrap();
    let (reports, model) = reports_and_model(dir.path());
    let default = label(&reports, &[&model], &dir.path().join("default.csv"));
    let on_cpu = label_on("cpu", &reports, &model, &dir.path().join("cpu.csv"));
    assert!(on_cpu.status.success());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("cpu.csv")).unwrap(),
        default
    );
}

#[cfg(not(feature = "gpu"))]
#[test]
fn the_report_model_on_a_gpu_is_refused_by_a_cpu_build_saying_how_to_build() {
    let dir = tempfile::tempdir().unwrap();
    let (reports, model) = reports_and_model(dir.path());
    let out = dir.path().join("out.csv");
    let run = label_on("cuda:1", &reports, &model, &out);
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains(
            "cuda:1: this uptake was built without GPU support; build it with \
             `cargo build --release -p uptake --features gpu`"
        ),
        "{stderr}"
    );
    assert!(!out.exists());
}

/// Hand-labelled sentences in the vocabulary of the tiny models above.
const MENTIONS: &str = r#"{"text": "Intense uptake in the liver.", "mentions": [{"start": 22, "end": 27, "region": "liver", "label": 1}]}
{"text": "No uptake in the lungs.", "mentions": [{"start": 17, "end": 22, "region": "lungs", "label": 0}]}
{"text": "Avid nodes in the neck.", "mentions": [{"start": 18, "end": 22, "region": "neck", "label": 1}]}
{"text": "No uptake in the liver.", "mentions": [{"start": 17, "end": 22, "region": "liver", "label": 0}]}
{"text": "Nodal disease in the neck.", "mentions": [{"start": 21, "end": 25, "region": "neck", "label": 1}]}
{"text": "No disease in the lungs.", "mentions": [{"start": 18, "end": 23, "region": "lungs", "label": 0}]}
"#;

#[test]
fn report_model_evaluate_scores_model_plus_rules_as_the_mean_and_compares_it_with_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let mentions = dir.path().join("mentions.jsonl");
    std::fs::write(&mentions, MENTIONS).unwrap();
    let config = BertConfig::tiny(VOCAB.len(), 16, 1, 2, 64);
    let model = dir.path().join("model");
    init_random_model(&model, &config, VOCAB, 11, Head::With).unwrap();
    let (scores, json) = (dir.path().join("scores.csv"), dir.path().join("eval.json"));
    let status = Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(["-q", "report-model", "evaluate", "--mentions"])
        .arg(&mentions)
        .arg("--model")
        .arg(&model)
        .arg("--scores")
        .arg(&scores)
        .arg("--json")
        .arg(&json)
        .status()
        .unwrap();
    assert!(status.success());

    let table = std::fs::read_to_string(&scores).unwrap();
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|&h| h == name).unwrap();
    let (m, mr, r) = (col("model"), col("model+rules"), col("rules"));
    let mut rows = 0;
    for line in lines {
        let v: Vec<&str> = line.split(',').collect();
        let x = |c: usize| v[c].parse::<f64>().unwrap();
        assert!((x(mr) - (x(m) + x(r)) / 2.0).abs() < 1e-5, "{line}");
        rows += 1;
    }
    assert_eq!(rows, 6);

    let evals: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let auroc = |k: usize| evals[k]["overall"]["auroc"].as_f64().unwrap();
    assert_eq!(evals[1]["method"], "model+rules");
    assert_eq!(evals[2]["method"], "rules");
    let minus = &evals[1]["minus_rules"]["auroc"];
    assert!((minus["estimate"].as_f64().unwrap() - (auroc(1) - auroc(2))).abs() < 1e-12);
    assert!(evals[2].get("minus_rules").is_none());
}

#[test]
fn the_rules_label_each_report_into_the_selected_columns_and_count_reports_without_mentions() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports.jsonl");
    std::fs::write(
        &reports,
        "{\"exam_id\": \"EX1\", \"text\": \"FINDINGS: Intense uptake in the liver. No uptake in the lungs.\"}\n\
         {\"exam_id\": \"EX2\", \"text\": \"FINDINGS: Nothing of note.\"}\n",
    )
    .unwrap();
    let out = dir.path().join("labels.csv");
    let run = Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args([
            "label",
            "--method",
            "rules",
            "--regions",
            "liver,lungs",
            "--reports",
        ])
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
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "exam_id,liver,lungs\nEX1,0.950000,0.010000\nEX2,0,0\n"
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.starts_with("2 exams (1 without any mention, 0 fell back")
            && stdout.contains("2 mentions labelled with `rules`"),
        "{stdout}"
    );
}

#[test]
fn a_region_listed_twice_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports.jsonl");
    std::fs::write(&reports, REPORTS).unwrap();
    let out = dir.path().join("labels.csv");
    let run = Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(["label", "--regions", "liver,lungs,liver", "--reports"])
        .arg(&reports)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("region `liver` is listed twice"));
    assert!(!out.exists());
}

/// Two regions: the liver with one positive and one negative mention, the lungs with two
/// negatives of which the rules call one abnormal (a false alarm without any positive).
const RULES_MENTIONS: &str = r#"{"text": "Intense uptake in the liver.", "mentions": [{"start": 22, "end": 27, "region": "liver", "label": 1}]}
{"text": "No uptake in the liver.", "mentions": [{"start": 17, "end": 22, "region": "liver", "label": 0}]}
{"text": "No uptake in the lungs.", "mentions": [{"start": 17, "end": 22, "region": "lungs", "label": 0}]}
{"text": "Intense uptake in the lungs.", "mentions": [{"start": 22, "end": 27, "region": "lungs", "label": 0}]}
"#;

#[test]
fn mention_figures_leave_f1_undefined_for_a_region_without_positives() {
    let dir = tempfile::tempdir().unwrap();
    let mentions = dir.path().join("mentions.jsonl");
    std::fs::write(&mentions, RULES_MENTIONS).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(["label", "--method", "rules", "--mentions"])
        .arg(&mentions)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8(run.stdout).unwrap();
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .skip(2)
        .map(|l| l[28..].split_whitespace().collect())
        .collect();
    // n, pos, AUROC, F1, sensitivity, specificity.
    assert_eq!(
        rows[0],
        ["2", "1", "1.000", "1.000", "1.000", "1.000"],
        "liver"
    );
    assert_eq!(rows[1], ["2", "0", "-", "-", "-", "0.500"], "lungs");
    assert_eq!(
        rows[2],
        ["4", "1", "0.833", "0.667", "1.000", "0.667"],
        "all mentions"
    );
    assert_eq!(rows[3], ["1.000", "1.000", "1.000", "0.750"], "macro means");
    assert!(stdout.lines().nth(2).unwrap().starts_with("liver "));
}

/// Runs `uptake` with `args`; (success, stdout, stderr).
fn run(args: &[&std::ffi::OsStr]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `uptake label --method rules --regions REGIONS --reports REPORTS --out OUT EXTRA...`.
fn label_rules(
    reports: &Path,
    regions: &str,
    out: &Path,
    extra: &[&str],
) -> (bool, String, String) {
    let first = [
        "label",
        "--method",
        "rules",
        "--regions",
        regions,
        "--reports",
    ];
    let mut args: Vec<&std::ffi::OsStr> = first.iter().map(std::ffi::OsStr::new).collect();
    args.extend([reports.as_os_str(), "--out".as_ref(), out.as_os_str()]);
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    run(&args)
}

/// The rows of a wide CSV: exam id -> (column -> value).
fn table(csv: &str) -> std::collections::BTreeMap<String, std::collections::BTreeMap<String, f64>> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            let row = header[1..]
                .iter()
                .zip(&cells[1..])
                .map(|(h, c)| (h.to_string(), c.parse().unwrap()))
                .collect();
            (cells[0].to_string(), row)
        })
        .collect()
}

#[test]
fn combined_headers_and_organ_headers_after_technique_give_their_abnormal_regions() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("r.jsonl");
    std::fs::write(
        &reports,
        "{\"exam_id\": \"E1\", \"text\": \"HISTORY: Lymphoma.\\nFINDINGS AND IMPRESSION: Hypermetabolic left axillary lymph nodes, SUVmax 8.\"}\n\
         {\"exam_id\": \"E2\", \"text\": \"INDICATION: Lung cancer.\\nTECHNIQUE: PET/CT from the skull base to the mid-thigh.\\nCHEST: Intensely FDG-avid right upper lobe mass (SUVmax 12).\\nABDOMEN/PELVIS: No abnormal uptake.\"}\n",
    )
    .unwrap();
    let out = dir.path().join("labels.csv");
    let (ok, stdout, stderr) =
        label_rules(&reports, "axillary_lymph_node,lungs,head_neck", &out, &[]);
    assert!(ok, "{stderr}");
    let t = table(&std::fs::read_to_string(&out).unwrap());
    assert!(t["E1"]["axillary_lymph_node"] > 0.9, "{t:?}");
    assert!(t["E2"]["lungs"] > 0.9, "{t:?}");
    assert_eq!(
        t["E2"]["head_neck"], 0.0,
        "the technique's skull base is no finding"
    );
    assert!(
        stdout.starts_with("2 exams (0 without any mention, 0 fell back"),
        "{stdout}"
    );
}

#[test]
fn reports_that_fell_back_or_yielded_no_mention_are_counted_listed_and_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("r.jsonl");
    std::fs::write(
        &reports,
        "{\"exam_id\": \"E1\", \"text\": \"FINDINGS: Avid liver lesion.\"}\n\
         {\"exam_id\": \"E2\", \"text\": \"Clinical history: lymphoma.\\nRECOMMENDATIONS: Biopsy of the avid left axillary node.\"}\n\
         {\"exam_id\": \"E3\", \"text\": \"FINDINGS: Unremarkable study.\"}\n",
    )
    .unwrap();
    let out = dir.path().join("labels.csv");
    let (ok, stdout, stderr) = label_rules(&reports, "tasks", &out, &["-q"]);
    assert!(ok, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    let ids = dir.path().join("labels.no-mention.csv");
    assert_eq!(
        std::fs::read_to_string(&ids).unwrap(),
        "exam_id,fell_back,mentions\nE2,1,1\nE3,0,0\n"
    );
    assert!(
        stderr.contains("WARNING: 33.3 % of the reports (1 of 3) yielded no region mention")
            && stderr.contains(
                "WARNING: 33.3 % of the reports (1 of 3) had no findings or impression header"
            ),
        "{stderr}"
    );
    let chosen = dir.path().join("flagged.csv");
    let chosen_arg = chosen.to_str().unwrap();
    let (ok, stdout, stderr) = label_rules(
        &reports,
        "tasks",
        &out,
        &["--warn-share", "0.5", "--no-mention-ids", chosen_arg],
    );
    assert!(ok && !stderr.contains("WARNING"), "{stderr}");
    assert!(
        stdout.contains("1 without any mention, 1 fell back"),
        "{stdout}"
    );
    assert!(chosen.exists());
}

#[test]
fn a_stray_quote_in_a_csv_reports_file_is_an_error_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("r.csv");
    std::fs::write(&reports, "exam_id,text\nE1,\"Avid 5\" node.\"\nE2,Liver.\n").unwrap();
    let out = dir.path().join("labels.csv");
    let (ok, _, stderr) = label_rules(&reports, "tasks", &out, &[]);
    assert!(!ok);
    assert!(stderr.contains("r.csv, line 2: not valid CSV"), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn an_empty_reports_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("r.jsonl");
    std::fs::write(&reports, "").unwrap();
    let (ok, _, stderr) = label_rules(&reports, "tasks", &dir.path().join("l.csv"), &[]);
    assert!(
        !ok && stderr.contains("holds no report records"),
        "{stderr}"
    );
}

#[test]
fn a_threshold_outside_zero_to_one_is_refused_by_the_argument_parser() {
    let (ok, _, stderr) =
        run(&["label", "--mentions", "m.jsonl", "--threshold", "5"].map(std::ffi::OsStr::new));
    assert!(!ok);
    assert!(
        stderr.contains("--threshold") && stderr.contains("not in [0, 1]"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_region_in_a_mention_file_is_an_error_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let mentions = dir.path().join("m.jsonl");
    std::fs::write(
        &mentions,
        "{\"text\": \"Avid liver.\", \"mentions\": [{\"start\": 5, \"end\": 10, \"region\": \"liver\", \"label\": 1}]}\n\
         {\"text\": \"Avid livr.\", \"mentions\": [{\"start\": 5, \"end\": 9, \"region\": \"livr\", \"label\": 1}]}\n",
    )
    .unwrap();
    let (ok, _, stderr) = run(&[
        "label".as_ref(),
        "--mentions".as_ref(),
        mentions.as_os_str(),
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("m.jsonl, line 2: unknown region `livr`"),
        "{stderr}"
    );
}

#[test]
fn accession_numbers_and_other_column_names_are_read_with_the_shared_flags() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("export.csv");
    std::fs::write(
        &reports,
        "Accession,Report Text,status\nA1,FINDINGS: No uptake.,final\nA2,FINDINGS: Avid liver lesion.,amended\n",
    )
    .unwrap();
    let map = dir.path().join("map.csv");
    std::fs::write(&map, "accession,exam_id\nA1,E1\nA2,E1\n").unwrap();
    let out = dir.path().join("labels.csv");
    let flags = [
        "--id-column",
        "Accession",
        "--text-column",
        "Report Text",
        "--accession-map",
        map.to_str().unwrap(),
    ];
    let (ok, _, stderr) = label_rules(&reports, "liver", &out, &flags);
    assert!(ok, "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "exam_id,liver\nE1,0.950000\n"
    );
    assert!(
        stderr.contains("1 reports from 2 records; 1 superseded by a later or amended report"),
        "{stderr}"
    );
}

#[test]
fn each_new_report_style_is_labelled_by_the_rules_as_its_truth_says() {
    let dir = tempfile::tempdir().unwrap();
    for style in ["european", "organ-system", "abbreviated", "narrative"] {
        let set = dir.path().join(style);
        let (ok, _, stderr) = run(&[
            "-q".as_ref(),
            "synth".as_ref(),
            "reports".as_ref(),
            "--n".as_ref(),
            "40".as_ref(),
            "--seed".as_ref(),
            "3".as_ref(),
            "--styles".as_ref(),
            style.as_ref(),
            "--out".as_ref(),
            set.as_os_str(),
        ]);
        assert!(ok, "{stderr}");
        let out = set.join("rules.csv");
        let (ok, _, stderr) = label_rules(&set.join("reports.jsonl"), "tasks", &out, &["-q"]);
        assert!(ok, "{stderr}");
        let truth = table(&std::fs::read_to_string(set.join("truth.csv")).unwrap());
        let labels = table(&std::fs::read_to_string(&out).unwrap());
        for (exam, regions) in &truth {
            for (region, t) in regions {
                let p = labels[exam][region];
                assert_eq!(
                    p >= 0.5,
                    *t == 1.0,
                    "{style}: {exam} {region}: p {p}, truth {t}"
                );
            }
        }
    }
}

#[test]
fn label_refuses_to_write_its_labels_over_the_reports() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("r.csv");
    let text = "exam_id,text\nE1,\"FINDINGS: liver lesion with uptake.\"\n";
    std::fs::write(&reports, text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(["label", "--method", "rules", "--reports"])
        .arg(&reports)
        .arg("--out")
        .arg(&reports)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("refusing to overwrite an input"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&reports).unwrap(), text);
}
