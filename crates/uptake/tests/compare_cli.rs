//! `uptake compare`: two models by AUROC with permutation tests over seeds.

mod analysis_support;

use analysis_support::{ok, perfect_chest, text, uptake, write};

/// A second model that ranks one normal exam (e) above two abnormal ones (c, d).
fn weaker(dir: &std::path::Path) -> String {
    write(
        dir,
        "weaker.csv",
        "exam_id,chest\na,0.95\nb,0.85\nc,0.6\nd,0.55\ne,0.7\nf,0.45\ng,0.35\nh,0.25\ni,0.15\nj,0.05\n",
    )
}

#[test]
fn a_model_compared_with_itself_has_p_value_one() {
    let dir = tempfile::tempdir().unwrap();
    let (pred, truth) = perfect_chest(dir.path());
    let preds = format!("{pred},{pred}");
    let out = ok(&["compare", "--a", &preds, "--b", &preds, "--truth", &truth]);
    let chest = out.lines().find(|l| l.starts_with("chest")).unwrap();
    let cells: Vec<&str> = chest.split_whitespace().collect();
    // region, A, B, diff, p, p_bonf.
    assert_eq!(
        cells,
        [
            "chest", "1.000", "[1.000,", "1.000]", "1.000", "[1.000,", "1.000]", "+0.0000",
            "1.0000", "1.0000"
        ]
    );
    assert!(
        out.contains("A vs B: AUROC, 2 seed pair(s), Greater paired permutation test"),
        "{out}"
    );
}

#[test]
fn a_better_model_shows_the_auroc_difference_and_writes_its_table() {
    let dir = tempfile::tempdir().unwrap();
    let (pred, truth) = perfect_chest(dir.path());
    let weak = weaker(dir.path());
    let out_dir = dir.path().join("cmp");
    let out = ok(&[
        "compare",
        "--a",
        &pred,
        "--b",
        &weak,
        "--truth",
        &truth,
        "--a-name",
        "perfect",
        "--b-name",
        "weaker",
        "--alternative",
        "two-sided",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    // Weaker: e (normal) above c and d: 2 of 24 pairs lost, AUROC 22/24.
    let csv = std::fs::read_to_string(out_dir.join("comparison.csv")).unwrap();
    assert_eq!(
        csv.lines().nth(1).unwrap(),
        "chest,1.000,0.917,+0.0833,1.0000,1.0000"
    );
    assert!(out.contains("note: one seed per model"), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("comparison.json")).unwrap())
            .unwrap();
    assert_eq!(json["alternative"], "two-sided");
    assert!(out_dir.join("summary.json").is_file());
}

#[test]
fn different_seed_counts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (pred, truth) = perfect_chest(dir.path());
    let two = format!("{pred},{pred}");
    let o = uptake(&["compare", "--a", &two, "--b", &pred, "--truth", &truth]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("model A has 2 prediction files and model B has 1"),
        "{}",
        text(&o)
    );
}

#[test]
fn models_scored_on_different_exams_are_refused_unless_the_intersection_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let (pred, truth) = perfect_chest(dir.path());
    // Model B scored on 5 of the 10 exams.
    let five = write(
        dir.path(),
        "five.csv",
        "exam_id,chest\na,0.9\nb,0.8\ne,0.7\nf,0.2\ng,0.1\n",
    );
    let o = uptake(&["compare", "--a", &pred, "--b", &five, "--truth", &truth]);
    assert_eq!(o.status.code(), Some(2));
    let t = text(&o);
    assert!(
        t.contains("perfect.csv and")
            && t.contains("five.csv predict different exams for `chest` (10 vs 5"),
        "{t}"
    );
    assert!(t.contains("--intersection"), "{t}");
    let o = uptake(&[
        "compare",
        "--a",
        &pred,
        "--b",
        &five,
        "--truth",
        &truth,
        "--intersection",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let left: Vec<&str> = v["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["reason"] == "not_in_every_file")
        .map(|d| d["item"]["exam"].as_str().unwrap())
        .collect();
    assert_eq!(left, ["c", "d", "h", "i", "j"]);
}

#[test]
fn iterations_beyond_the_limit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (pred, truth) = perfect_chest(dir.path());
    let o = uptake(&[
        "compare",
        "--a",
        &pred,
        "--b",
        &pred,
        "--truth",
        &truth,
        "--iterations",
        "18446744073709551615",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("is not in 1..=10000000"), "{}", text(&o));
}

#[test]
fn the_study_test_pools_the_seeds_and_says_so() {
    // Two seeds each, A perfect (1.0) and the weaker model 0.8 on both: of the C(4, 2) = 6
    // splits of the pooled AUROCs only the observed one is as extreme, so p tends to 1/6.
    let dir = tempfile::tempdir().unwrap();
    let (pred, truth) = perfect_chest(dir.path());
    let weak = weaker(dir.path());
    let (a, b) = (format!("{pred},{pred}"), format!("{weak},{weak}"));
    let args = ["compare", "--a", &a, "--b", &b, "--truth", &truth];
    let out = ok(&[&args[..], &["--test", "study", "--json"]].concat());
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["test"], "study-unpaired");
    let p = json["regions"][0]["test"]["p_value"].as_f64().unwrap();
    assert!((p - 1.0 / 6.0).abs() < 0.02, "{p}");
    let text = ok(&[&args[..], &["--test", "study"]].concat());
    assert!(text.contains("Greater unpaired permutation test (the study's, mlxtend)"));
}

#[test]
fn paper_seeds_prints_both_tests_on_the_studys_released_predictions() {
    let shared = uptake_core::shared_dir().expect("shared/ beside the repository");
    let dir = shared.join("data/paper-predictions");
    let out = ok(&[
        "compare",
        "--paper-seeds",
        dir.to_str().unwrap(),
        "--iterations",
        "2000",
    ]);
    let row = |task: &str, b: &str| -> Vec<String> {
        (out.lines())
            .find(|l| l.starts_with(task) && l.contains(b))
            .unwrap_or_else(|| panic!("no row {task} {b}: {out}"))
            .split_whitespace()
            .map(String::from)
            .collect()
    };
    // task, A (2 words), B (2 words), A mean, B mean, p paired, p study, separated.
    let pancreas = row("pancreas", "Kinetics");
    assert_eq!(pancreas[5..7], ["0.782", "0.559"]);
    assert_eq!(pancreas[9], "yes");
    let mortality = row("mortality 180 d", "no_pretrain");
    assert_eq!(mortality[5..7], ["0.759", "0.666"]);
    let (paired, study): (f64, f64) =
        (mortality[7].parse().unwrap(), mortality[8].parse().unwrap());
    assert!(paired < 0.05 && study < 0.05, "{paired} {study}");
    assert_eq!(out.lines().count(), 3 + 12);
}
