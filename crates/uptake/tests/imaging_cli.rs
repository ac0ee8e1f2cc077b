//! `uptake ingest` and `uptake inspect` as real processes on a small synthetic cohort.

mod cohort_fixture;

use cohort_fixture::{
    EXAMS, GRID, autopet_store, cohort, exam_ids, fails, manifest, ok, s, scratch, store,
};
use std::path::Path;

const BIN: &str = "imaging_cli";

/// `uptake ingest --manifest` of the cohort into `out` on `grid`, plus `extra` options:
/// (stdout, stderr).
fn ingest(out: &Path, grid: &[&str], extra: &[&str]) -> (String, String) {
    let manifest = manifest(BIN);
    let mut args = vec!["ingest", "--manifest", s(&manifest), "--out", s(out)];
    args.extend(grid);
    args.extend(extra);
    ok(&args)
}

/// The stored exams' ids, sorted.
fn stored(dir: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".safetensors").map(str::to_string)
        })
        .collect();
    ids.sort();
    ids
}

#[test]
fn ingest_stores_every_exam_of_the_manifest_and_counts_them() {
    let out = scratch(&format!("{BIN}/ingest-all"));
    let (stdout, _) = ingest(&out, &GRID, &[]);
    assert!(
        stdout.starts_with(&format!(
            "ingested {EXAMS}, already stored 0, failed 0 (of {EXAMS} exams) into"
        )),
        "{stdout}"
    );
    assert_eq!(stored(&out), exam_ids(BIN));
}

#[test]
fn a_second_ingest_keeps_the_exams_stored_on_the_same_grid_and_force_replaces_them() {
    let out = scratch(&format!("{BIN}/ingest-again"));
    ingest(&out, &GRID, &[]);
    let (again, _) = ingest(&out, &GRID, &[]);
    assert!(
        again.starts_with(&format!("ingested 0, already stored {EXAMS}, failed 0")),
        "{again}"
    );
    let (forced, _) = ingest(&out, &GRID, &["--force"]);
    assert!(
        forced.starts_with(&format!("ingested {EXAMS}, already stored 0")),
        "{forced}"
    );
}

#[test]
fn exams_stored_on_another_grid_are_ingested_again_with_a_note() {
    let out = scratch(&format!("{BIN}/ingest-regrid"));
    ingest(&out, &GRID, &[]);
    let finer = ["--size", "48", "--fov-mm", "400", "--slice-mm", "8"];
    let (stdout, stderr) = ingest(&out, &finer, &[]);
    assert!(
        stdout.starts_with(&format!("ingested {EXAMS}, already stored 0")),
        "{stdout}"
    );
    let first = &exam_ids(BIN)[0];
    assert!(
        stderr.contains(&format!(
            "exam {first}: stored on another grid; ingested again"
        )),
        "{stderr}"
    );
}

#[test]
fn two_shards_split_the_cohort_between_them() {
    let (a, b) = (
        scratch(&format!("{BIN}/shard-0")),
        scratch(&format!("{BIN}/shard-1")),
    );
    ingest(&a, &GRID, &["--shard", "0/2"]);
    ingest(&b, &GRID, &["--shard", "1/2"]);
    let mut both = stored(&a);
    both.extend(stored(&b));
    both.sort();
    assert_eq!(both, exam_ids(BIN), "every exam in exactly one shard");
    let err = fails(&[
        "ingest",
        "--manifest",
        "m.csv",
        "--out",
        "o",
        "--shard",
        "2/2",
    ]);
    assert!(err.contains("2/2") && err.contains("0 <= i < n"), "{err}");
}

#[test]
fn nifti_volumes_are_written_beside_the_store_on_request() {
    let out = scratch(&format!("{BIN}/nifti"));
    ingest(&out, &GRID, &["--nifti"]);
    let nifti: Vec<String> = std::fs::read_dir(out.join("nifti"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(nifti.len(), 2 * EXAMS, "{nifti:?}");
    let first = &exam_ids(BIN)[0];
    assert!(
        nifti.iter().any(|n| n.starts_with(first.as_str())),
        "{nifti:?}"
    );
}

#[test]
fn a_dicom_folder_tree_is_ingested_study_by_study() {
    let out = scratch(&format!("{BIN}/tree"));
    let exams = cohort(BIN).join("exams");
    let mut args = vec!["ingest", "--dicom", s(&exams), "--out", s(&out)];
    args.extend(GRID);
    let (stdout, _) = ok(&args);
    assert!(
        stdout.starts_with(&format!("ingested {EXAMS}, already stored 0, failed 0")),
        "{stdout}"
    );
    assert_eq!(stored(&out).len(), EXAMS);
}

#[test]
fn a_manifest_without_dicom_dir_is_refused_naming_the_column() {
    let dir = scratch(&format!("{BIN}/bad-manifest"));
    let manifest = dir.join("manifest.csv");
    std::fs::write(&manifest, "exam_id,age\nE1,50\n").unwrap();
    let err = fails(&[
        "ingest",
        "--manifest",
        s(&manifest),
        "--out",
        s(&dir.join("store")),
    ]);
    assert!(
        err.contains("manifest.csv") && err.contains("`dicom_dir`"),
        "{err}"
    );
}

/// `uptake inspect` of the first exam, its picture in the scratch folder `name`: its stdout.
fn inspect_first(name: &str, extra: &[&str]) -> String {
    let dir = scratch(&format!("{BIN}/{name}"));
    let store = store(BIN);
    let first = &exam_ids(BIN)[0];
    let png = dir.join("mip.png");
    let mut args = vec![
        "inspect",
        first.as_str(),
        "--store",
        s(store),
        "--png",
        s(&png),
    ];
    args.extend(extra);
    let (stdout, _) = ok(&args);
    assert_eq!(&std::fs::read(&png).unwrap()[1..4], b"PNG");
    stdout
}

/// The number after `key` on the line that starts with `line`.
fn number_after(text: &str, line: &str, key: &str) -> f64 {
    let l = text
        .lines()
        .find(|l| l.starts_with(line))
        .unwrap_or_else(|| panic!("no line `{line}` in\n{text}"));
    let rest = &l[l.find(key).unwrap_or_else(|| panic!("{l}")) + key.len()..];
    let number: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
        .collect();
    number.parse().unwrap_or_else(|_| panic!("{l}"))
}

#[test]
fn inspect_measures_the_phantoms_liver_suv_through_the_manifests_region_map() {
    let manifest = manifest(BIN);
    let stdout = inspect_first("inspect-manifest", &["--manifest", s(&manifest)]);
    let first = &exam_ids(BIN)[0];
    let map: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(cohort(BIN).join(format!("exams/{first}/regions.json"))).unwrap(),
    )
    .unwrap();
    let truth = map["physiology"]["liver_suv"].as_f64().unwrap();
    let liver = number_after(&stdout, "VOI liver", "mean SUV");
    assert!(
        (liver - truth).abs() < 0.05 * truth,
        "liver SUV {liver}, phantom {truth}\n{stdout}"
    );
    assert!(
        stdout.contains(&format!("exam            {first}")),
        "{stdout}"
    );
    assert!(
        stdout.contains("grid            ") && stdout.contains(" x 32 x 32 (z, y, x)"),
        "{stdout}"
    );
    let suv_max = number_after(&stdout, "SUVmax", "SUVmax");
    assert!(suv_max > liver, "{stdout}");
}

#[test]
fn inspect_measures_a_voi_given_on_the_command_line_instead_of_the_region_map() {
    let stdout = inspect_first("inspect-voi", &["--voi", "centre=0,0,-500,40"]);
    assert!(stdout.contains("VOI centre"), "{stdout}");
    assert!(!stdout.contains("VOI liver"), "{stdout}");
    let err = fails(&["inspect", "E1", "--store", "s", "--voi", "liver=1,2"]);
    assert!(err.contains("NAME=X,Y,Z"), "{err}");
}

#[test]
fn quiet_ingest_prints_nothing_on_success() {
    let out = scratch(&format!("{BIN}/quiet"));
    let (stdout, stderr) = ingest(&out, &GRID, &["-q"]);
    assert_eq!((stdout.as_str(), stderr.as_str()), ("", ""));
    assert_eq!(stored(&out), exam_ids(BIN));
}

#[test]
fn ingest_report_lists_every_exam_with_its_series_choices() {
    let out = scratch(&format!("{BIN}/report"));
    let report = out.join("report.csv");
    ingest(&out, &GRID, &["--report", s(&report)]);
    let text = std::fs::read_to_string(&report).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "exam_id,status,study_instance_uid,pet_series,pet_choice,ct_series,ct_choice,\
         rejected_series,skipped_files,repairs,warnings,error"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), EXAMS);
    for (row, id) in rows.iter().zip(exam_ids(BIN)) {
        assert!(row.starts_with(&format!("{id},ingested,")), "{row}");
        assert!(row.contains("the only usable PT series"), "{row}");
    }
    // A second run reports the exams already stored, with their stored record.
    ingest(&out, &GRID, &["--report", s(&report)]);
    let again = std::fs::read_to_string(&report).unwrap();
    assert_eq!(again.matches(",already stored,").count(), EXAMS);
    assert_eq!(again.matches("the only usable PT series").count(), EXAMS);
}

#[test]
fn inspect_shows_why_each_series_was_chosen() {
    let stdout = inspect_first("inspect-choice", &[]);
    let line = |key: &str| stdout.lines().filter(|l| l.starts_with(key)).count();
    assert_eq!(line("  chosen        the only usable"), 2, "{stdout}");
}

#[test]
fn an_autopet_layout_cohort_ingests_with_its_lesion_masks() {
    let dir = scratch(&format!("{BIN}/autopet"));
    let report = dir.join("report.csv");
    let stdout = autopet_store(&dir, &["--report", s(&report)]);
    let out = dir.join("store");
    assert!(
        stdout.starts_with("ingested 2, already stored 0, failed 0"),
        "{stdout}"
    );
    assert_eq!(stored(&out), ["E00001", "E00002"]);
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.contains("E00001,ingested,nifti:"), "{text}");
    let inspect = ok(&[
        "inspect",
        "E00001",
        "--store",
        s(&out),
        "--png",
        s(&dir.join("m.png")),
    ])
    .0;
    assert!(
        inspect.contains("lesion mask     ") && inspect.contains("SEG.nii.gz"),
        "{inspect}"
    );
}
