//! `uptake survival`: Cox models on a cohort manifest with region predictions as covariates.
//!
//! The cohort is the Rossi recidivism data (stats/tests/fixtures/rossi.csv, 432 prisoners):
//! follow-up and age in the manifest, the other covariates as "region predictions" (prio / 20
//! so that it lies in [0, 1]); every prisoner is in the `valid` split and again in `test`.

mod analysis_support;

use analysis_support::{text, uptake, write};
use std::path::Path;
use std::process::Output;

/// `uptake survival` on the cohort of `dir` with `extra` arguments.
fn survival(dir: &Path, extra: &[&str]) -> Output {
    let (manifest, pred) = rossi_cohort(dir);
    let mut args = vec!["survival", "--manifest", &manifest, "--pred", &pred];
    args.extend_from_slice(extra);
    uptake(&args)
}

/// Writes manifest.csv and pred.csv; returns their paths.
fn rossi_cohort(dir: &Path) -> (String, String) {
    rossi_cohort_with(dir, |_, _| {})
}

/// As [`rossi_cohort`], with `edit` applied to the manifest and prediction texts.
fn rossi_cohort_with(dir: &Path, edit: impl Fn(&mut String, &mut String)) -> (String, String) {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../stats/tests/fixtures/rossi.csv");
    let text = std::fs::read_to_string(fixture).unwrap();
    let mut manifest = String::from("exam_id,patient_id,time_days,event,age,split\n");
    let mut pred = String::from("exam_id,fin,race,wexp,mar,paro,prio\n");
    for (split, prefix) in [("valid", "v"), ("test", "t")] {
        for (i, line) in text.lines().skip(1).enumerate() {
            // week,arrest,fin,age,race,wexp,mar,paro,prio
            let c: Vec<&str> = line.split(',').collect();
            let id = format!("{prefix}{i}");
            manifest.push_str(&format!("{id},{id},{},{},{},{split}\n", c[0], c[1], c[3]));
            let prio = c[8].parse::<f64>().unwrap() / 20.0;
            let row = [c[2], c[4], c[5], c[6], c[7]].join(",");
            pred.push_str(&format!("{id},{row},{prio}\n"));
        }
    }
    edit(&mut manifest, &mut pred);
    (
        write(dir, "manifest.csv", &manifest),
        write(dir, "pred.csv", &pred),
    )
}

#[test]
fn the_full_model_reproduces_the_published_rossi_coefficients() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("cox");
    let out_arg = out_dir.to_str().unwrap();
    let args = [
        "--covariates",
        "age,regions",
        "--km-region",
        "fin",
        "--out",
        out_arg,
    ];
    let o = survival(dir.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("fit on split `valid`: 432 exams, 114 deaths"),
        "{out}"
    );
    assert!(out.contains("covariates of the base model: age"), "{out}");
    // R's coxph: fin -0.37942 (se 0.19138), age -0.05744 (se 0.02200).
    let coef = |name: &str| {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap();
        line.split_whitespace().nth(1).unwrap().to_string()
    };
    assert_eq!(coef("fin"), "-0.3794");
    assert_eq!(coef("age"), "-0.0574");
    let lr = out
        .lines()
        .find(|l| l.starts_with("LR test vs null"))
        .unwrap();
    assert!(lr.contains("chi2 33.27, df 7"), "{lr}");
    let csv = std::fs::read_to_string(out_dir.join("coefficients.csv")).unwrap();
    assert!(csv.contains("\nfin,-0.3794,0.1914,0.684,"), "{csv}");
    // lifelines' concordance of this fit (0.6403; 0.644 before pairs of an arrest and a release
    // in the same week were counted).
    let c = out
        .lines()
        .find(|l| l.starts_with("Harrell's C on `test` (full model)"))
        .unwrap();
    assert!(c.ends_with(" 0.640"), "{c}");
    for f in ["survival.json", "km.svg", "km.png", "summary.json"] {
        assert!(out_dir.join(f).is_file(), "{f}");
    }
}

#[test]
fn json_has_both_models_and_the_nested_test() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--covariates",
        "age,fin,prio",
        "--ties",
        "breslow",
        "--json",
    ];
    let o = survival(dir.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["full_model"]["ties"], "breslow");
    assert_eq!(v["full_model"]["coefficients"].as_array().unwrap().len(), 3);
    assert_eq!(v["base_model"]["coefficients"][0]["name"], "age");
    assert_eq!(v["lr_test_nested"]["df"], 2);
    // No `full` column: no Kaplan-Meier curves, and a note says why.
    assert_eq!(v["kaplan_meier"].as_array().unwrap().len(), 0);
    assert!(
        v["notes"]
            .to_string()
            .contains("`full` is not a prediction column")
    );
}

#[test]
fn a_summary_code_of_3_is_refused_naming_the_exam() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = write(
        dir.path(),
        "m.csv",
        "exam_id,patient_id,time_days,event,summary_code\ne1,p1,10,1,3\n",
    );
    let pred = write(dir.path(), "p.csv", "exam_id,full\ne1,0.5\n");
    let o = uptake(&["survival", "--manifest", &manifest, "--pred", &pred]);
    assert_eq!(o.status.code(), Some(2));
    let t = text(&o);
    assert!(
        t.contains("m.csv") && t.contains("e1") && t.contains("1, 2, 4 or 9"),
        "{t}"
    );
}

#[test]
fn an_unknown_covariate_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let o = survival(dir.path(), &["--covariates", "age,liver"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("unknown covariate `liver`"),
        "{}",
        text(&o)
    );
}

#[test]
fn a_duplicated_exam_is_refused_naming_both_lines() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, pred) = rossi_cohort_with(dir.path(), |m, _| m.push_str("v3,v3,5,1,30,valid\n"));
    let o = uptake(&["survival", "--manifest", &manifest, "--pred", &pred]);
    assert_eq!(o.status.code(), Some(2));
    let t = text(&o);
    assert!(
        t.contains("line 866: exam `v3` is listed twice (first on line 5)"),
        "{t}"
    );
}

#[test]
fn an_impossible_follow_up_is_refused_naming_file_line_and_exam() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, pred) = rossi_cohort_with(dir.path(), |m, _| {
        *m = m.replacen("\nv0,v0,20,", "\nv0,v0,1e300,", 1);
    });
    let o = uptake(&["survival", "--manifest", &manifest, "--pred", &pred]);
    assert_eq!(o.status.code(), Some(2));
    let t = text(&o);
    assert!(
        t.contains(
            "manifest.csv, line 2, exam `v0`: follow-up of 1e300 days is longer than 150 years"
        ),
        "{t}"
    );
}

#[test]
fn a_covariate_that_separates_events_is_named() {
    // `early`: 1 for the prisoners arrested in the first ten weeks. Before, the fit called it
    // collinear with age.
    let dir = tempfile::tempdir().unwrap();
    let (manifest, pred) = rossi_cohort_with(dir.path(), |m, p| {
        let events: Vec<bool> = (m.lines().skip(1))
            .map(|l| {
                let c: Vec<&str> = l.split(',').collect();
                c[3] == "1" && c[2].parse::<f64>().unwrap() <= 10.0
            })
            .collect();
        let mut lines: Vec<String> = p.lines().map(String::from).collect();
        lines[0].push_str(",early");
        for (line, early) in lines[1..].iter_mut().zip(events) {
            line.push_str(if early { ",1" } else { ",0" });
        }
        *p = lines.join("\n") + "\n";
    });
    let args = [
        "survival",
        "--manifest",
        &manifest,
        "--pred",
        &pred,
        "--covariates",
        "age,early",
    ];
    let o = uptake(&args);
    assert_eq!(o.status.code(), Some(2));
    let t = text(&o);
    assert!(t.contains("the coefficient of `early` diverges"), "{t}");
}

#[test]
fn exams_left_out_are_listed_in_a_note_and_the_json() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, pred) = rossi_cohort_with(dir.path(), |_, p| {
        *p = p.replacen("\nv7,", "\nunknown7,", 1);
    });
    let args = ["--covariates", "age,fin", "--km-region", "fin"];
    let mut json_args = vec!["survival", "--manifest", &manifest, "--pred", &pred];
    json_args.extend(args);
    let out = String::from_utf8_lossy(&uptake(&json_args).stdout).into_owned();
    assert!(out.contains("(not in the manifest): unknown7"), "{out}");
    assert!(out.contains("(no prediction row): v7"), "{out}");
    json_args.push("--json");
    let o = uptake(&json_args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let exams: Vec<&str> = v["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["item"]["exam"].as_str().unwrap())
        .collect();
    assert_eq!(exams, ["unknown7", "v7"]);
    assert_eq!(v["full_model"]["n"], 431);
}
