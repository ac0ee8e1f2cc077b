//! `uptake label --method combined` (the label model over regex and rules), the aggregation
//! choices and `uptake label diagnose`, as a real process on synthetic reports.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `uptake` with `args`; panics with its stderr unless it succeeds; returns stdout.
fn uptake(args: &[&OsStr]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    String::from_utf8(out.stdout).unwrap()
}

/// The stderr of a failing `uptake` run.
fn refused(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(args)
        .output()
        .unwrap();
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Synthetic reports of every style (`n` exams, seed 11) in `dir`: reports.jsonl, truth.csv.
fn synthetic(dir: &Path, n: &str) -> PathBuf {
    let set = dir.join("set");
    let args = ["-q", "synth", "reports", "--n", n, "--seed", "11", "--out"];
    let mut all: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    all.push(set.as_os_str());
    uptake(&all);
    set
}

/// `uptake label --regions tasks --reports SET/reports.jsonl --out OUT` with `extra`; stdout.
fn label(set: &Path, out: &Path, extra: &[&str]) -> String {
    let reports = set.join("reports.jsonl");
    let mut args: Vec<&OsStr> = ["label", "--regions", "tasks", "--reports"]
        .iter()
        .map(OsStr::new)
        .collect();
    args.extend([reports.as_os_str(), OsStr::new("--out"), out.as_os_str()]);
    args.extend(extra.iter().map(OsStr::new));
    uptake(&args)
}

/// Cells of a wide CSV in row order: (exam, region, value).
fn cells(path: &Path) -> Vec<(String, String, f64)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    let mut out = Vec::new();
    for line in lines {
        let row: Vec<&str> = line.split(',').collect();
        for (region, value) in header[1..].iter().zip(&row[1..]) {
            out.push((row[0].to_string(), region.clone(), value.parse().unwrap()));
        }
    }
    out
}

/// F1 of the exam-region cells of `labels` (>= 0.5) against `truth`.
fn f1(labels: &Path, truth: &Path) -> f64 {
    let truth: std::collections::HashMap<(String, String), f64> = cells(truth)
        .into_iter()
        .map(|(e, r, v)| ((e, r), v))
        .collect();
    let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
    for (exam, region, p) in cells(labels) {
        match (p >= 0.5, truth[&(exam, region)] == 1.0) {
            (true, true) => tp += 1.0,
            (true, false) => fp += 1.0,
            (false, true) => fn_ += 1.0,
            _ => {}
        }
    }
    2.0 * tp / (2.0 * tp + fp + fn_)
}

/// The bundled hand-labelled starter mentions.
const STARTER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/starter-mentions.jsonl"
);

#[test]
fn the_combined_method_refuses_two_unanchored_labellers_and_takes_them_jointly_with_hand_labels() {
    let dir = tempfile::tempdir().unwrap();
    let set = synthetic(dir.path(), "150");
    let (alone, anchored, regex) = (
        dir.path().join("alone.csv"),
        dir.path().join("anchored.csv"),
        dir.path().join("regex.csv"),
    );
    let reports = set.join("reports.jsonl");
    let (r, o) = (reports.to_str().unwrap(), alone.to_str().unwrap());
    let stderr = refused(&["label", "--method", "combined", "--reports", r, "--out", o]);
    assert!(
        stderr.contains("the label model over regex, rules is not identifiable"),
        "{stderr}"
    );
    assert!(stderr.contains("--hand FILE"), "{stderr}");
    assert!(!alone.exists());
    let stdout = label(
        &set,
        &anchored,
        &["--method", "combined", "--hand", STARTER],
    );
    assert!(
        stdout.contains("views: regex x rules; identifiable: anchored by hand labels"),
        "{stdout}"
    );
    label(&set, &regex, &["--method", "regex"]);
    let truth = set.join("truth.csv");
    let (f1_regex, f1_anchored) = (f1(&regex, &truth), f1(&anchored, &truth));
    assert!(
        f1_anchored > f1_regex + 0.05,
        "anchored {f1_anchored}, regex {f1_regex}"
    );
    let all = cells(&anchored);
    assert!(all.iter().all(|c| (0.0..=1.0).contains(&c.2)));
}

#[test]
fn max_aggregation_never_exceeds_noisy_or() {
    let dir = tempfile::tempdir().unwrap();
    let set = synthetic(dir.path(), "30");
    let (noisy, max) = (dir.path().join("noisy.csv"), dir.path().join("max.csv"));
    label(&set, &noisy, &[]);
    label(&set, &max, &["--aggregation", "max"]);
    let (noisy, max) = (cells(&noisy), cells(&max));
    assert_eq!(noisy.len(), max.len());
    let lower = noisy
        .iter()
        .zip(&max)
        .filter(|(n, m)| m.2 < n.2 - 1e-9)
        .count();
    assert!(noisy.iter().zip(&max).all(|(n, m)| m.2 <= n.2 + 1e-9));
    assert!(
        lower > 0,
        "exams with several mentions of a region score lower by max"
    );
}

#[test]
fn an_unknown_aggregation_is_refused_naming_the_choices() {
    let stderr = refused(&[
        "label",
        "--aggregation",
        "mean",
        "--reports",
        "r.jsonl",
        "--out",
        "o.csv",
    ]);
    assert!(
        stderr.contains("`mean` is not an aggregation (noisy-or, max"),
        "{stderr}"
    );
}

#[test]
fn own_rules_files_are_refused_for_a_method_other_than_combined() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("r.jsonl");
    std::fs::write(
        &reports,
        "{\"exam_id\": \"E1\", \"text\": \"FINDINGS: Liver uptake.\"}\n",
    )
    .unwrap();
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/../labels/data/rules.toml");
    let out = dir.path().join("o.csv");
    let (r, o) = (reports.to_str().unwrap(), out.to_str().unwrap());
    let args = [
        "label",
        "--method",
        "rules",
        "--own-rules",
        rules,
        "--reports",
        r,
        "--out",
        o,
    ];
    let stderr = refused(&args);
    assert!(
        stderr.contains("own rules files only apply to the method combined"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn the_combined_method_on_a_mention_file_prints_its_fit_the_figures_and_the_calibration_error() {
    let dir = tempfile::tempdir().unwrap();
    let starter = std::fs::read_to_string(STARTER).unwrap();
    let lines: Vec<&str> = starter.lines().collect();
    let (hand, held) = (dir.path().join("hand.jsonl"), dir.path().join("held.jsonl"));
    std::fs::write(&hand, lines[..600].join("\n")).unwrap();
    std::fs::write(&held, lines[600..].join("\n")).unwrap();
    let scores = dir.path().join("scores.csv");
    let args = [
        OsStr::new("label"),
        "--method".as_ref(),
        "combined".as_ref(),
    ];
    let files = [("--hand", &hand), ("--mentions", &held), ("--out", &scores)];
    let mut all: Vec<&OsStr> = args.to_vec();
    for (flag, path) in &files {
        all.extend([OsStr::new(flag), path.as_os_str()]);
    }
    let stdout = uptake(&all);
    assert!(stdout.starts_with("method `combined` on "), "{stdout}");
    assert!(
        stdout.contains("\nlabel model: 1904 mentions (901 hand-labelled)"),
        "{stdout}"
    );
    let ece = stdout
        .lines()
        .find_map(|l| l.strip_prefix("expected calibration error (10 bins), all mentions: "))
        .unwrap();
    let ece: f64 = ece.parse().unwrap();
    assert!((0.0..0.5).contains(&ece), "{ece}");
    // Each measure minus the rules' (ECE 0.035 on these sentences), with paired intervals.
    let minus: Vec<Vec<&str>> = (stdout.lines())
        .skip_while(|l| *l != "minus the rules, 95 % CI over 2000 resamples of sentences:")
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    let names: Vec<&str> = minus.iter().map(|l| l[0]).collect();
    assert_eq!(names, ["AUROC", "F1", "sens", "spec", "ECE"], "{stdout}");
    let ece_minus_rules: f64 = minus[4][1].parse().unwrap();
    assert!((ece_minus_rules - (ece - 0.035)).abs() < 0.0015, "{stdout}");
    // Each held-out mention's score, by sentence line.
    let csv = std::fs::read_to_string(&scores).unwrap();
    assert!(csv.starts_with("line,id,mention,region,start,end,label,combined\n"));
    assert_eq!(csv.lines().count(), 1 + 1003);
}

#[test]
fn diagnose_writes_the_labeller_table_the_ranking_and_the_page_and_prints_ids_only() {
    let dir = tempfile::tempdir().unwrap();
    let set = synthetic(dir.path(), "60");
    let out = dir.path().join("diagnostics");
    let reports = set.join("reports.jsonl");
    let args = ["label", "diagnose", "--reports"].map(OsStr::new);
    let mut all: Vec<&OsStr> = args.to_vec();
    all.extend([reports.as_os_str(), OsStr::new("--out"), out.as_os_str()]);
    let stdout = uptake(&all);
    assert!(stdout.contains("most disputed sentences: "), "{stdout}");
    let table = std::fs::read_to_string(out.join("labellers.csv")).unwrap();
    let header = "region,labeller,mentions,coverage,overlap,conflict,agrees_with_combined,learned_sensitivity,learned_specificity";
    assert_eq!(table.lines().next(), Some(header));
    let all_rows: Vec<&str> = table.lines().filter(|l| l.starts_with("all,")).collect();
    assert_eq!(all_rows.len(), 2, "regex and rules: {all_rows:?}");
    let ranking = std::fs::read_to_string(out.join("disputed.jsonl")).unwrap();
    let conflicts: Vec<f64> = ranking
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["conflict"]
                .as_f64()
                .unwrap()
        })
        .collect();
    assert!(!conflicts.is_empty());
    assert!(
        conflicts.windows(2).all(|w| w[0] >= w[1]),
        "most disputed first"
    );
    assert!(
        !ranking.contains("\"text\""),
        "no report text in the ranking"
    );
    let page = std::fs::read_to_string(out.join("disputed.html")).unwrap();
    assert!(page.contains("<mark>"));
    let texts = std::fs::read_to_string(&reports).unwrap();
    let first: serde_json::Value = serde_json::from_str(texts.lines().next().unwrap()).unwrap();
    let sentence = first["text"].as_str().unwrap().split('.').next().unwrap();
    assert!(!stdout.contains(sentence), "stdout holds no report text");
}

#[test]
fn mention_scores_never_replace_the_mention_file_they_are_computed_from() {
    let dir = tempfile::tempdir().unwrap();
    let held = dir.path().join("held.jsonl");
    std::fs::copy(STARTER, &held).unwrap();
    let before = std::fs::read(&held).unwrap();
    let held_arg = held.to_str().unwrap();
    let args = [
        "label",
        "--method",
        "rules",
        "--mentions",
        held_arg,
        "--out",
        held_arg,
    ];
    let err = refused(&args);
    assert!(err.contains("held.jsonl"), "{err}");
    assert_eq!(std::fs::read(&held).unwrap(), before);
}

#[test]
fn a_labeller_trained_on_the_hand_labels_is_named_among_the_labellers_and_needs_hand_labels() {
    let dir = tempfile::tempdir().unwrap();
    let set = synthetic(dir.path(), "20");
    let reports = set.join("reports.jsonl");
    let out = dir.path().join("labels.csv");
    let (r, o) = (reports.to_str().unwrap(), out.to_str().unwrap());
    let common = ["label", "--method", "combined", "--reports", r, "--out", o];
    let unknown = [
        &common[..],
        &["--hand", STARTER, "--trained-on-hand", "model"],
    ]
    .concat();
    let stderr = refused(&unknown);
    assert!(
        stderr.contains("names `model`, which is not a labeller (regex, rules)"),
        "{stderr}"
    );
    let no_hand = [&common[..], &["--trained-on-hand", "rules"]].concat();
    assert!(refused(&no_hand).contains("--hand"));
    assert!(!out.exists());
}

#[test]
fn the_combined_method_leaves_out_the_regex_when_told_and_refuses_it_unanchored() {
    let dir = tempfile::tempdir().unwrap();
    let set = synthetic(dir.path(), "30");
    let out = dir.path().join("labels.csv");
    let extra = [
        "--method",
        "combined",
        "--leave-out",
        "regex",
        "--hand",
        STARTER,
    ];
    let stdout = label(&set, &out, &extra);
    assert!(
        stdout.contains("views: rules; identifiable: anchored by hand labels"),
        "{stdout}"
    );
    let reports = set.join("reports.jsonl");
    let (r, o) = (reports.to_str().unwrap(), out.to_str().unwrap());
    let common = ["label", "--reports", r, "--out", o, "--leave-out", "regex"];
    let unanchored = refused(&[&common[..], &["--method", "combined"]].concat());
    assert!(
        unanchored.contains("over rules is not identifiable"),
        "{unanchored}"
    );
    let not_combined = refused(&[&common[..], &["--method", "rules"]].concat());
    assert!(
        not_combined.contains("only apply to the method combined"),
        "{not_combined}"
    );
}
