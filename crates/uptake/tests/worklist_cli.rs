//! `uptake worklist`: the sensitivity of a sorted worklist, and the triage order.

mod analysis_support;

use analysis_support::{chest_worklist, perfect_chest, text, uptake, write};

#[test]
fn a_perfect_order_reads_every_abnormal_exam_in_the_first_forty_percent() {
    let dir = tempfile::tempdir().unwrap();
    let (pred, truth) = perfect_chest(dir.path());
    let out = chest_worklist(&pred, &truth, &[]);
    let value = |label: &str| {
        let line = out.lines().find(|l| l.starts_with(label)).unwrap();
        line.split_whitespace().last().unwrap().to_string()
    };
    assert!(
        out.contains("chest: 4 abnormal of 10 labelled exams, 1 seed(s)"),
        "{out}"
    );
    // 95 % of 4 abnormal exams needs all 4: 6 of 10 exams stay unread.
    assert_eq!(value("fraction unread at 95 % sensitivity"), "0.600");
    // After 2.5 exams, 2.5 of 4 found (the order is perfect).
    assert_eq!(
        value("sensitivity after reading 25 % (random 0.25, perfect 0.625)"),
        "0.625"
    );
    assert_eq!(value("sensitivity after reading 50 %"), "1.000");
}

#[test]
fn the_curve_and_figure_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let (pred, truth) = perfect_chest(dir.path());
    let out_dir = dir.path().join("wl");
    chest_worklist(
        &pred,
        &truth,
        &["--steps", "10", "--out", out_dir.to_str().unwrap()],
    );
    let csv = std::fs::read_to_string(out_dir.join("worklist.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 12, "header and 11 points");
    assert_eq!(lines[3], "0.2000,0.500000,,,0.200000,0.500000,0.500000");
    assert!(out_dir.join("worklist.svg").is_file() && out_dir.join("summary.json").is_file());
}

#[test]
fn json_has_the_sorted_summary_and_the_curve() {
    let dir = tempfile::tempdir().unwrap();
    let (pred, truth) = perfect_chest(dir.path());
    let o = uptake(&[
        "worklist", "--pred", &pred, "--truth", &truth, "--region", "chest", "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["positives"], 4);
    assert_eq!(v["sensitivity_after"][1]["sensitivity"]["mean"], 1.0);
    assert_eq!(v["curve"].as_array().unwrap().len(), 101);
}

#[test]
fn a_region_without_abnormal_exams_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pred = write(dir.path(), "p.csv", "exam_id,full\na,0.2\nb,0.9\n");
    let truth = write(dir.path(), "t.csv", "exam_id,full\na,0\nb,0\n");
    let o = uptake(&["worklist", "--pred", &pred, "--truth", &truth]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("no abnormal exam for `full`"),
        "{}",
        text(&o)
    );
}

#[test]
fn rank_writes_the_triage_order_by_decreasing_probability() {
    let dir = tempfile::tempdir().unwrap();
    let pred = write(dir.path(), "p.csv", "exam_id,full\na,0.2\nb,0.9\nc,0.5\n");
    let out = dir.path().join("order.csv");
    let o = uptake(&[
        "worklist",
        "--pred",
        &pred,
        "--region",
        "full",
        "--rank",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let order = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        order,
        "rank,exam_id,probability\n1,b,0.900000\n2,c,0.500000\n3,a,0.200000\n"
    );
}

/// Two seed files; the second lacks exam c (an empty cell) and exam d (no row).
fn seeds_missing_exams(dir: &std::path::Path) -> String {
    let a = write(dir, "a.csv", "exam_id,full\na,0.2\nb,0.9\nc,0.5\nd,0.4\n");
    let b = write(dir, "b.csv", "exam_id,full\na,0.8\nb,0.1\nc,\n");
    format!("{a},{b}")
}

#[test]
fn rank_refuses_seed_files_that_predict_different_exams() {
    let dir = tempfile::tempdir().unwrap();
    let preds = seeds_missing_exams(dir.path());
    let o = uptake(&["worklist", "--pred", &preds, "--region", "full", "--rank"]);
    assert_eq!(o.status.code(), Some(2));
    let t = text(&o);
    assert!(
        t.contains("predict different exams for `full` (4 vs 2; e.g. `c` is in"),
        "{t}"
    );
}

#[test]
fn rank_of_the_intersection_uses_the_mean_and_names_the_exams_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let preds = seeds_missing_exams(dir.path());
    let args = [
        "worklist",
        "--pred",
        &preds,
        "--region",
        "full",
        "--rank",
        "--intersection",
    ];
    let o = uptake(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "rank,exam_id,probability\n1,a,0.500000\n2,b,0.500000\n"
    );
    let note = String::from_utf8_lossy(&o.stderr);
    assert!(
        note.contains("2 exam(s) left out from `full` (not predicted in every file): c, d"),
        "{note}"
    );
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let v: serde_json::Value = serde_json::from_slice(&uptake(&json_args).stdout).unwrap();
    assert_eq!(v["dropped"][0]["item"]["exam"], "c");
    assert_eq!(v["dropped"][1]["item"]["exam"], "d");
}

#[test]
fn rank_never_writes_over_a_pred_file_a_link_or_a_device() {
    let dir = tempfile::tempdir().unwrap();
    let text_in = "exam_id,full\na,0.2\nb,0.9\n";
    let pred = write(dir.path(), "p.csv", text_in);
    let mut refused = vec![(pred.clone(), "is the input".to_string())];
    #[cfg(unix)]
    {
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&pred, &link).unwrap();
        let elsewhere = dir.path().join("elsewhere.csv");
        let other = dir.path().join("other-link.csv");
        std::os::unix::fs::symlink(&elsewhere, &other).unwrap();
        refused.push((link.display().to_string(), "is a symbolic link".into()));
        refused.push((other.display().to_string(), "is a symbolic link".into()));
        refused.push(("/dev/null".into(), "is a device".into()));
    }
    for (out, why) in refused {
        let o = uptake(&[
            "worklist", "--pred", &pred, "--region", "full", "--rank", "--out", &out,
        ]);
        assert_eq!(o.status.code(), Some(2), "{out}");
        assert!(text(&o).contains(&format!("{out} {why}")), "{}", text(&o));
    }
    assert_eq!(std::fs::read_to_string(&pred).unwrap(), text_in);
}

#[test]
fn steps_beyond_the_limit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (pred, truth) = perfect_chest(dir.path());
    let o = uptake(&[
        "worklist",
        "--pred",
        &pred,
        "--truth",
        &truth,
        "--region",
        "chest",
        "--steps",
        "18446744073709551615",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("is not in 1..=100000"), "{}", text(&o));
}
