//! `uptake evaluate`: values printed and written, messages and exit codes on bad input.

mod analysis_support;

use analysis_support::{ok, perfect_chest, text, uptake, write};

#[test]
fn files_without_a_common_exam_are_refused_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let pred = write(dir.path(), "p.csv", "exam_id,chest\na,0.9\n");
    let truth = write(dir.path(), "t.csv", "exam_id,chest\nb,1\n");
    let o = uptake(&["evaluate", "--pred", &pred, "--truth", &truth]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("share no exam_id"), "{}", text(&o));
}

#[test]
fn a_region_without_positives_prints_na_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let pred = write(
        dir.path(),
        "p.csv",
        "exam_id,chest,liver\na,0.9,0.1\nb,0.2,0.3\nc,0.7,0.2\n",
    );
    let truth = write(
        dir.path(),
        "t.csv",
        "exam_id,chest,liver\na,1,0\nb,0,0\nc,1,0\nz,1,1\n",
    );
    let o = uptake(&["evaluate", "--pred", &pred, "--truth", &truth]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("3 exams matched"), "{out}");
    let liver = out.lines().find(|l| l.starts_with("liver")).unwrap();
    assert!(liver.contains("n/a") && !liver.contains("0.500"), "{liver}");
    assert!(
        out.contains("liver: AUROC undefined (no positive exam"),
        "{out}"
    );
    assert!(out.contains("no confidence interval is possible"), "{out}");
}

#[test]
fn a_nan_probability_is_rejected_naming_the_exam() {
    let dir = tempfile::tempdir().unwrap();
    let pred = write(dir.path(), "p.csv", "exam_id,chest\na,0.9\nb,NaN\n");
    let truth = write(dir.path(), "t.csv", "exam_id,chest\na,1\nb,0\n");
    let o = uptake(&["evaluate", "--pred", &pred, "--truth", &truth]);
    assert_eq!(o.status.code(), Some(2));
    let out = text(&o);
    assert!(
        out.contains("p.csv") && out.contains("`b`") && out.contains("NaN"),
        "{out}"
    );
}

#[test]
fn json_output_has_the_per_seed_auroc() {
    let dir = tempfile::tempdir().unwrap();
    let pred = write(dir.path(), "p.csv", "exam_id,chest\na,0.9\nb,0.2\nc,0.4\n");
    let truth = write(dir.path(), "t.csv", "exam_id,chest\na,1\nb,0\nc,1\n");
    let o = uptake(&["evaluate", "--pred", &pred, "--truth", &truth, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["per_seed"][0][0]["auroc"], 1.0);
}

#[test]
fn a_perfect_predictor_has_auroc_and_f1_one() {
    let dir = tempfile::tempdir().unwrap();
    let (pred, truth) = perfect_chest(dir.path());
    let out = ok(&["evaluate", "--pred", &pred, "--truth", &truth]);
    let chest = out.lines().find(|l| l.starts_with("chest")).unwrap();
    let cells: Vec<&str> = chest.split_whitespace().collect();
    // region, n, positives, AUROC, precision, recall, F1, sensitivity, specificity
    assert_eq!(
        cells,
        [
            "chest", "10", "4", "1.000", "1.000", "1.000", "1.000", "1.000", "1.000"
        ]
    );
}

#[test]
fn f1_is_undefined_for_a_region_without_positives_even_with_false_alarms() {
    let dir = tempfile::tempdir().unwrap();
    let pred = write(
        dir.path(),
        "p.csv",
        "exam_id,chest,liver\na,0.9,0.8\nb,0.2,0.1\n",
    );
    let truth = write(dir.path(), "t.csv", "exam_id,chest,liver\na,1,0\nb,0,0\n");
    let out_dir = dir.path().join("ev");
    let out = ok(&[
        "evaluate",
        "--pred",
        &pred,
        "--truth",
        &truth,
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    let liver = out.lines().find(|l| l.starts_with("liver")).unwrap();
    let cells: Vec<&str> = liver.split_whitespace().collect();
    // AUROC n/a, precision 0 (one false alarm), recall n/a, F1 n/a, sens n/a, spec 0.5.
    assert_eq!(
        cells,
        [
            "liver", "2", "0", "n/a", "0.000", "n/a", "n/a", "n/a", "0.500"
        ]
    );
    // The macro F1 is chest's alone.
    let macro_row = out.lines().find(|l| l.starts_with("macro mean")).unwrap();
    assert_eq!(
        macro_row.split_whitespace().nth(5),
        Some("1.000"),
        "{macro_row}"
    );
    let per_seed = std::fs::read_to_string(out_dir.join("per_seed.csv")).unwrap();
    let liver = per_seed.lines().find(|l| l.contains(",liver,")).unwrap();
    assert!(
        liver.ends_with(",liver,2,0,,0.000000,,,,0.500000"),
        "{liver}"
    );
}

#[test]
fn two_seeds_and_the_ensemble_are_written_with_figures_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let (perfect, truth) = perfect_chest(dir.path());
    let other = write(
        dir.path(),
        "other.csv",
        "exam_id,chest\na,0.9\nb,0.3\nc,0.8\nd,0.7\ne,0.6\nf,0.2\ng,0.1\nh,0.1\ni,0.1\nj,0.1\n",
    );
    let out_dir = dir.path().join("ev");
    let preds = format!("{perfect},{other}");
    let out = ok(&[
        "evaluate",
        "--pred",
        &preds,
        "--truth",
        &truth,
        "--ensemble",
        "--out",
        out_dir.to_str().unwrap(),
        "--title",
        "two seeds",
    ]);
    assert!(out.contains("threshold 0.5 ; 2 seeds"), "{out}");
    assert!(
        out.contains("ensemble (mean of the 2 seeds' probabilities):"),
        "{out}"
    );
    for f in ["ensemble.csv", "auroc.png", "roc.svg"] {
        assert!(out_dir.join(f).is_file(), "{f}");
    }
    let summary = std::fs::read_to_string(out_dir.join("summary.json")).unwrap();
    assert!(summary.contains("\"two seeds\""), "{summary}");
}

#[test]
fn paper_format_files_bring_their_own_truth() {
    let dir = tempfile::tempdir().unwrap();
    let pred = write(
        dir.path(),
        "paper.csv",
        "exam_id,chest_target,chest_prob\na,1,0.9\nb,0,0.2\nc,1,0.4\nd,0,0.6\n",
    );
    let out = ok(&["evaluate", "--paper-format", "--pred", &pred]);
    let chest = out.lines().find(|l| l.starts_with("chest")).unwrap();
    assert_eq!(chest.split_whitespace().nth(3), Some("0.750"), "{chest}");
}

#[test]
fn without_truth_or_paper_format_the_truth_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let (pred, _) = perfect_chest(dir.path());
    let o = uptake(&["evaluate", "--pred", &pred]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("--truth is required"), "{}", text(&o));
}

/// Two seeds of `chest` and `liver`; the second has an empty `liver` column. The truth also
/// has a `spleen` column that no prediction file has.
fn seed_without_liver(dir: &std::path::Path) -> (String, String) {
    let s0 = write(
        dir,
        "s0.csv",
        "exam_id,chest,liver\na,0.9,0.8\nb,0.2,0.1\nc,0.7,0.9\nd,0.1,0.2\n",
    );
    let s1 = write(
        dir,
        "s1.csv",
        "exam_id,chest,liver\na,0.8,\nb,0.3,\nc,0.6,\nd,0.2,\n",
    );
    let truth = write(
        dir,
        "t.csv",
        "exam_id,chest,liver,spleen\na,1,1,1\nb,0,0,0\nc,1,1,0\nd,0,0,1\n",
    );
    (format!("{s0},{s1}"), truth)
}

#[test]
fn a_seed_without_predictions_for_a_region_is_named_not_silently_averaged_out() {
    let dir = tempfile::tempdir().unwrap();
    let (preds, truth) = seed_without_liver(dir.path());
    let out = ok(&["evaluate", "--pred", &preds, "--truth", &truth]);
    let note = out
        .lines()
        .find(|l| l.starts_with("note:") && l.contains("seed left out from `liver`"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(note.contains("s1.csv"), "{note}");
    let o = uptake(&["evaluate", "--pred", &preds, "--truth", &truth, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let dropped = v["dropped"].as_array().unwrap();
    let seed = dropped
        .iter()
        .find(|d| d["item"].get("seed").is_some())
        .unwrap();
    assert!(seed["item"]["seed"].as_str().unwrap().ends_with("s1.csv"));
    assert_eq!(seed["region"], "liver");
    assert_eq!(v["over_seeds"][1]["seeds"], 1);
}

#[test]
fn a_truth_region_without_a_prediction_column_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (preds, truth) = seed_without_liver(dir.path());
    let out = ok(&["evaluate", "--pred", &preds, "--truth", &truth]);
    assert!(
        out.contains("region(s) left out (no prediction column): spleen"),
        "{out}"
    );
    let o = uptake(&["evaluate", "--pred", &preds, "--truth", &truth, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let regions: Vec<&serde_json::Value> = v["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["item"].get("region"))
        .collect();
    assert_eq!(regions, ["spleen"]);
}

#[test]
fn a_failed_out_leaves_the_folder_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let (pred, truth) = perfect_chest(dir.path());
    let out_dir = dir.path().join("ev");
    std::fs::create_dir_all(out_dir.join("roc.png")).unwrap();
    let o = uptake(&[
        "evaluate",
        "--pred",
        &pred,
        "--truth",
        &truth,
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("roc.png is a directory"), "{}", text(&o));
    let left: Vec<_> = std::fs::read_dir(&out_dir).unwrap().collect();
    assert_eq!(
        left.len(),
        1,
        "only the folder roc.png: no half of the outputs"
    );
}

#[cfg(unix)]
#[test]
fn png_figures_get_the_mode_of_the_other_outputs() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (pred, truth) = perfect_chest(dir.path());
    let out_dir = dir.path().join("ev");
    let out = out_dir.to_str().unwrap();
    ok(&["evaluate", "--pred", &pred, "--truth", &truth, "--out", out]);
    let mode = |f: &str| {
        let meta = std::fs::metadata(out_dir.join(f)).unwrap();
        meta.permissions().mode() & 0o777
    };
    assert_eq!(mode("roc.png"), mode("metrics.csv"));
    assert_eq!(mode("auroc.png"), mode("auroc.svg"));
}

#[test]
fn a_bootstrap_count_beyond_the_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (pred, truth) = perfect_chest(dir.path());
    let preds = format!("{pred},{pred}");
    let o = uptake(&[
        "evaluate",
        "--pred",
        &preds,
        "--truth",
        &truth,
        "--bootstrap",
        "18446744073709551615",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("is not in 0..=1000000"), "{}", text(&o));
}
