//! `uptake synth reports` and `uptake synth cohort --small` end to end through the binary:
//! which files they write, what is in them, and that a seed fixes every byte.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use uptake_core::{Manifest, RegionTable};
use uptake_synth::spec::{ExamSpec, ReportedAs};
use uptake_synth::taxonomy::{ancestors_or_self, task_region_names};

fn uptake(args: &[&str], out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

fn succeeded(run: &Output) -> String {
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8_lossy(&run.stdout).into_owned()
}

fn reports(out: &Path, n: &str, seed: &str) -> String {
    succeeded(&uptake(
        &["synth", "reports", "--n", n, "--seed", seed],
        out,
    ))
}

fn cohort(out: &Path, seed: &str) -> String {
    succeeded(&uptake(
        &[
            "synth",
            "cohort",
            "--small",
            "--n",
            "2",
            "--seed",
            seed,
            "--threads",
            "2",
        ],
        out,
    ))
}

fn lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn specs(dir: &Path) -> Vec<ExamSpec> {
    lines(&dir.join("specs.jsonl"))
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap())
        .collect()
}

/// Every file below `dir`, relative to it, sorted.
fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(
                all_files(&path)
                    .into_iter()
                    .map(|p| Path::new(path.file_name().unwrap()).join(p)),
            );
        } else {
            out.push(PathBuf::from(path.file_name().unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn synth_reports_writes_reports_specs_and_truth_for_every_exam() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = reports(dir.path(), "12", "3");
    assert!(stdout.starts_with("12 reports ("), "{stdout}");
    assert_eq!(
        all_files(dir.path()),
        [
            PathBuf::from("reports.jsonl"),
            "specs.jsonl".into(),
            "truth.csv".into()
        ]
    );
    let texts = lines(&dir.path().join("reports.jsonl"));
    let specs = specs(dir.path());
    assert_eq!((texts.len(), specs.len()), (12, 12));
    for (text, spec) in texts.iter().zip(&specs) {
        assert_eq!(text["exam_id"], spec.exam_id.as_str());
        assert!(text["text"].as_str().unwrap().len() > 40);
    }
    let truth = RegionTable::read_csv(&dir.path().join("truth.csv")).unwrap();
    assert_eq!(truth.len(), 12);
    assert_eq!(truth.regions(), task_region_names());
}

#[test]
fn a_reports_truth_marks_its_reported_lesions_and_their_ancestors_only() {
    let dir = tempfile::tempdir().unwrap();
    reports(dir.path(), "40", "11");
    let truth = RegionTable::read_csv(&dir.path().join("truth.csv")).unwrap();
    let mut positives = 0;
    for spec in specs(dir.path()) {
        let mut expected: Vec<String> = spec
            .lesions
            .iter()
            .filter(|l| l.reported_as != ReportedAs::Missed)
            .flat_map(|l| ancestors_or_self(&l.region))
            .map(String::from)
            .collect();
        expected.sort();
        expected.dedup();
        let mut marked: Vec<String> = task_region_names()
            .into_iter()
            .filter(|r| truth.get(&spec.exam_id, r) == Some(1.0))
            .collect();
        marked.sort();
        assert_eq!(marked, expected, "exam {}", spec.exam_id);
        positives += marked.len();
    }
    assert!(positives > 40, "only {positives} positive cells");
}

#[test]
fn the_same_seed_writes_the_same_report_files_and_another_seed_other_ones() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    reports(a.path(), "20", "7");
    reports(b.path(), "20", "7");
    reports(c.path(), "20", "8");
    for file in ["reports.jsonl", "specs.jsonl", "truth.csv"] {
        let read = |d: &Path| std::fs::read(d.join(file)).unwrap();
        assert_eq!(read(a.path()), read(b.path()), "{file}");
    }
    let read = |d: &Path| std::fs::read(d.join("reports.jsonl")).unwrap();
    assert_ne!(read(a.path()), read(c.path()));
}

#[test]
fn a_report_set_of_no_reports_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = uptake(&["synth", "reports", "--n", "0"], dir.path());
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("'0' for '--n <N>'"), "{stderr}");
    assert!(all_files(dir.path()).is_empty());
}

#[test]
fn synth_cohort_writes_a_manifest_of_every_exam_with_its_dicom_regions_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = cohort(dir.path(), "3");
    assert!(stdout.starts_with("2 exams of "), "{stdout}");
    let header = std::fs::read_to_string(dir.path().join("manifest.csv")).unwrap();
    assert_eq!(
        header.lines().next().unwrap(),
        "exam_id,patient_id,study_date,age,sex,indication,summary_code,report_path,dicom_dir,\
         death_date,censor_date,regions_path"
    );
    let manifest = Manifest::read(&dir.path().join("manifest.csv")).unwrap();
    let texts = lines(&dir.path().join("reports.jsonl"));
    assert_eq!((manifest.entries().len(), texts.len()), (2, 2));
    for (e, text) in manifest.entries().iter().zip(&texts) {
        let dicom = e.dicom_dir.as_ref().unwrap();
        for series in ["ct", "pet"] {
            let slices = std::fs::read_dir(dicom.join(series)).unwrap().count();
            assert!(slices > 50, "{}: {slices} {series} slices", e.exam_id);
        }
        let report = std::fs::read_to_string(e.report_path.as_ref().unwrap()).unwrap();
        assert_eq!(text["text"], report.as_str());
        let map: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(e.regions_path.as_ref().unwrap()).unwrap(),
        )
        .unwrap();
        assert_eq!(map["format"], "uptake-synth-regions/1");
        assert_eq!(map["exam_id"], e.exam_id.as_str());
        for key in ["task_regions", "lesions", "structures", "lookalikes"] {
            assert!(map[key].is_array(), "{key}");
        }
        assert!(map["physiology"]["liver_suv"].as_f64().unwrap() > 1.0);
        assert!(map["reference_points_mm"]["liver"].is_array());
        assert!(e.censor_day >= e.study_day);
    }
    for table in ["truth.csv", "report_truth.csv"] {
        let t = RegionTable::read_csv(&dir.path().join(table)).unwrap();
        assert_eq!(t.len(), 2, "{table}");
    }
}

#[test]
fn the_same_cohort_seed_writes_the_same_bytes_and_another_seed_does_not() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    cohort(a.path(), "4");
    cohort(b.path(), "4");
    cohort(c.path(), "5");
    let files = all_files(a.path());
    assert_eq!(files, all_files(b.path()));
    for file in &files {
        let read = |d: &Path| std::fs::read(d.join(file)).unwrap();
        assert!(
            read(a.path()) == read(b.path()),
            "{} differs",
            file.display()
        );
    }
    let manifest = |d: &Path| std::fs::read(d.join("manifest.csv")).unwrap();
    assert_ne!(manifest(a.path()), manifest(c.path()));
}

#[test]
fn a_cohort_setting_out_of_range_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = uptake(
        &[
            "synth",
            "cohort",
            "--small",
            "--n",
            "1",
            "--lesion-scale",
            "9",
        ],
        dir.path(),
    );
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("lesion scale"), "{stderr}");
    assert!(!dir.path().join("manifest.csv").exists());
}
