//! `uptake evaluate` / `worklist` on bad and edge-case input: messages and exit codes.

use std::path::Path;
use std::process::{Command, Output};

fn uptake(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(args)
        .output()
        .unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

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
