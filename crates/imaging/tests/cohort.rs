//! `ingest_cohort`, the one call of `uptake ingest`: a manifest or a DICOM folder tree of
//! phantom exams into a store, with the exams already stored, shards, failures and NIfTI.

use std::path::Path;
use uptake_core::{ExamId, NoProgress};
use uptake_imaging::cohort::{ExamStatus, Replaced, StoredExams};
use uptake_imaging::phantom::{PhantomSpec, write_phantom};
use uptake_imaging::{
    ExamStore, IngestOutcome, IngestSettings, IngestSource, ModelGrid, Shard, ingest_cohort,
};

const GRID: ModelGrid = ModelGrid {
    size: 32,
    fov_mm: 320.0,
    slice_mm: 8.0,
};

/// Three phantom exams under `dir/exams/P<i>` and a manifest listing them (and `extra` rows).
fn cohort(dir: &Path, extra: &str) -> IngestSource {
    let mut text = String::from("exam_id,dicom_dir\n");
    for i in 1..=3 {
        write_phantom(
            &dir.join(format!("exams/P{i}")),
            &PhantomSpec::small(&i.to_string()),
        )
        .unwrap();
        text.push_str(&format!("P{i},exams/P{i}\n"));
    }
    text.push_str(extra);
    let manifest = dir.join("manifest.csv");
    std::fs::write(&manifest, text).unwrap();
    IngestSource::Manifest(manifest)
}

fn settings(grid: ModelGrid) -> IngestSettings {
    IngestSettings {
        grid,
        ..IngestSettings::default()
    }
}

fn run(store: &ExamStore, source: &IngestSource, settings: &IngestSettings) -> IngestOutcome {
    ingest_cohort(store, source, settings, &NoProgress).unwrap()
}

fn ids(outcome: &IngestOutcome) -> Vec<&str> {
    outcome.exams.iter().map(|e| e.exam_id.as_str()).collect()
}

#[test]
fn every_exam_of_a_manifest_is_stored_in_exam_id_order() {
    let dir = tempfile::tempdir().unwrap();
    let source = cohort(dir.path(), "");
    let store = ExamStore::open(dir.path().join("store")).unwrap();
    let outcome = run(&store, &source, &settings(GRID));
    assert_eq!(ids(&outcome), ["P1", "P2", "P3"]);
    assert_eq!((outcome.ingested(), outcome.already_stored()), (3, 0));
    assert_eq!(store.exam_ids().len(), 3);
    let g = store.geometry(&ExamId::new("P2").unwrap()).unwrap();
    assert_eq!(&g.shape[1..], &[32, 32]);
    assert_eq!(g.spacing_mm, [8.0, 10.0, 10.0]);
}

#[test]
fn exams_stored_on_the_grid_are_kept_and_those_on_another_grid_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let source = cohort(dir.path(), "");
    let store = ExamStore::open(dir.path().join("store")).unwrap();
    run(&store, &source, &settings(GRID));
    let again = run(&store, &source, &settings(GRID));
    assert_eq!((again.ingested(), again.already_stored()), (0, 3));
    let finer = ModelGrid { size: 64, ..GRID };
    let regrid = run(&store, &source, &settings(finer));
    assert_eq!(regrid.ingested(), 3);
    assert!(
        regrid
            .exams
            .iter()
            .all(|e| e.replaced == Some(Replaced::OtherGrid))
    );
    let forced = IngestSettings {
        stored: StoredExams::Replace,
        ..settings(finer)
    };
    assert_eq!(run(&store, &source, &forced).ingested(), 3);
}

#[test]
fn a_failing_exam_is_reported_and_the_others_are_stored() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("exams/EMPTY")).unwrap();
    let source = cohort(dir.path(), "EMPTY,exams/EMPTY\n");
    let store = ExamStore::open(dir.path().join("store")).unwrap();
    let outcome = run(&store, &source, &settings(GRID));
    assert_eq!(outcome.ingested(), 3);
    let failures: Vec<String> = outcome.failures().map(|f| f.to_string()).collect();
    assert_eq!(failures.len(), 1);
    assert!(
        failures[0].starts_with("exam EMPTY: no DICOM series"),
        "{failures:?}"
    );
    assert!(matches!(outcome.exams[0].status, ExamStatus::Failed(_)));
}

#[test]
fn shards_ingest_disjoint_parts_that_make_up_the_cohort() {
    let dir = tempfile::tempdir().unwrap();
    let source = cohort(dir.path(), "");
    let mut seen = Vec::new();
    for i in 0..2 {
        let store = ExamStore::open(dir.path().join(format!("store{i}"))).unwrap();
        let sharded = IngestSettings {
            shard: Some(Shard::new(i, 2).unwrap()),
            ..settings(GRID)
        };
        let outcome = run(&store, &source, &sharded);
        seen.extend(store.exam_ids());
        assert_eq!(outcome.exams.len(), store.exam_ids().len());
    }
    seen.sort();
    let all: Vec<ExamId> = ["P1", "P2", "P3"]
        .iter()
        .map(|e| ExamId::new(e).unwrap())
        .collect();
    assert_eq!(seen, all);
}

#[test]
fn a_dicom_tree_gives_one_exam_per_study_named_by_accession_with_nifti_on_request() {
    let dir = tempfile::tempdir().unwrap();
    cohort(dir.path(), "");
    let store = ExamStore::open(dir.path().join("store")).unwrap();
    let nifti = dir.path().join("nifti");
    let with_nifti = IngestSettings {
        nifti_dir: Some(nifti.clone()),
        ..settings(GRID)
    };
    let source = IngestSource::DicomTree(dir.path().join("exams"));
    let outcome = run(&store, &source, &with_nifti);
    assert_eq!(ids(&outcome), ["ACC1", "ACC2", "ACC3"]);
    assert_eq!(std::fs::read_dir(&nifti).unwrap().count(), 6);
}
