//! `localise`: attention shares of a (random, tiny) model on exams whose region maps are known.

use std::path::{Path, PathBuf};

use uptake_core::manifest::ManifestEntry;
use uptake_core::region_map::{BoxMm, FORMAT, Lesion, ReferencePoints, TaskRegionBox};
use uptake_core::shard::Shard;
use uptake_core::shard_merge::merge_tables;
use uptake_core::{ExamId, Manifest, NoProgress, RegionMap};
use uptake_ontology::Ontology;
use uptake_scanmodel::checkpoint::save_module;
use uptake_scanmodel::localise::{
    Localisation, LocaliseInputs, LocaliseSettings, MaskInputs, RegionLocalisation, localise,
    localise_exams, localise_masks,
};
use uptake_scanmodel::model::ScanModel;
use uptake_scanmodel::{CpuBackend, MemoryStore, ModelVolume, ScanModelError, SizePreset};

const SHAPE: [usize; 3] = [16, 32, 32];

/// A run folder holding a seeded random tiny network for `regions`.
fn random_run(dir: &Path, regions: &[&str]) -> PathBuf {
    let config = SizePreset::Tiny.model_config(regions.iter().map(|r| r.to_string()).collect());
    let run = dir.join("run");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(
        run.join("config.json"),
        serde_json::to_string(&config).unwrap(),
    )
    .unwrap();
    let model = ScanModel::<CpuBackend>::seeded(&config, 5, &Default::default());
    save_module::<CpuBackend, _>(&model, &run.join("best.safetensors")).unwrap();
    run
}

/// An exam on a 400 mm field (x and y from -200 mm, 12.5 mm pixels), slices 8 mm apart from z 0
/// down, with a bright spot.
fn volume(exam: &str) -> ModelVolume {
    let n: usize = SHAPE.iter().product();
    let mut pet = vec![0.1; n];
    pet[(8 * 32 + 8) * 32 + 8] = 2.0;
    ModelVolume {
        exam_id: ExamId::new(exam).unwrap(),
        shape: SHAPE,
        spacing_mm: [8.0, 12.5, 12.5],
        origin_mm: [0.0, -200.0, -200.0],
        ct: vec![0.0; n],
        pet,
    }
}

fn lesion(region: &str, center_mm: [f32; 3]) -> Lesion {
    Lesion {
        region: region.into(),
        center_mm,
        radii_mm: [10.0; 3],
        suv_max: Some(6.0),
        detail: Default::default(),
    }
}

/// A region map whose `lungs` box holds the patient's right half (x < 0: 16 of 32 columns).
fn region_map(dir: &Path, exam: &str, lesions: Vec<Lesion>) -> PathBuf {
    let map = RegionMap {
        format: FORMAT.into(),
        exam_id: exam.into(),
        coordinates: "LPS mm".into(),
        task_regions: vec![TaskRegionBox {
            region: "lungs".into(),
            bbox_mm: BoxMm {
                min: [-300.0, -300.0, -300.0],
                max: [-1.0, 300.0, 300.0],
            },
            structures: vec![],
        }],
        lesions,
        reference_points_mm: ReferencePoints {
            liver: [0.0; 3],
            blood_pool: [0.0; 3],
        },
        detail: Default::default(),
    };
    let path = dir.join(format!("{exam}.json"));
    map.write(&path).unwrap();
    path
}

/// `localise` of the run in `run` on `exams` of `store`, with the region maps of `manifest`.
fn measure(
    run: &Path,
    store: &MemoryStore,
    manifest: &Manifest,
    exams: &[&str],
) -> Result<Vec<RegionLocalisation>, ScanModelError> {
    let exams: Vec<ExamId> = exams.iter().map(|e| ExamId::new(e).unwrap()).collect();
    let inputs = LocaliseInputs {
        source: store,
        manifest,
        exams: &exams,
    };
    localise::<CpuBackend>(
        run,
        &inputs,
        &Ontology::builtin(),
        &LocaliseSettings::default(),
        &NoProgress,
        &Default::default(),
    )
}

fn entry(exam: &str, regions_path: Option<PathBuf>) -> ManifestEntry {
    let mut e = ManifestEntry::new(ExamId::new(exam).unwrap());
    e.regions_path = regions_path;
    e
}

#[test]
fn each_region_gets_the_attention_share_of_its_box_over_the_exams_with_its_lesions() {
    let dir = tempfile::tempdir().unwrap();
    let run = random_run(dir.path(), &["summary_code", "lungs", "liver"]);
    let store = MemoryStore::new([volume("A"), volume("B")]);
    let manifest = Manifest::from_entries(vec![
        entry(
            "A",
            Some(region_map(
                dir.path(),
                "A",
                vec![lesion("left_lungs", [-100.0, 0.0, -60.0])],
            )),
        ),
        entry(
            "B",
            Some(region_map(
                dir.path(),
                "B",
                vec![lesion("liver", [50.0, 0.0, -80.0])],
            )),
        ),
    ]);
    let rows = measure(&run, &store, &manifest, &["A", "B"]).unwrap();
    // Regions in name order; the whole-body task has no place and no row.
    let names: Vec<&str> = rows.iter().map(|r| r.region.as_str()).collect();
    assert_eq!(names, ["liver", "lungs"]);
    let (liver, lungs) = (&rows[0], &rows[1]);
    // A left-lung lesion counts for `lungs`; the liver lesion only for `liver`.
    assert_eq!((liver.positive_exams, lungs.positive_exams), (1, 1));
    assert_eq!(lungs.box_share, 0.5);
    assert!((0.0..=1.0).contains(&lungs.attention_in_box));
    // The liver has no box in the maps.
    assert_eq!((liver.box_share, liver.attention_in_box), (0.0, 0.0));
    for r in &rows {
        assert!(
            r.near_lesions_share > 0.0 && r.near_lesions_share < 0.2,
            "{r:?}"
        );
        assert!((0.0..=1.0).contains(&r.attention_near_lesions), "{r:?}");
    }
}

#[test]
fn an_exam_without_a_region_map_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = random_run(dir.path(), &["lungs"]);
    let store = MemoryStore::new([volume("A")]);
    let manifest = Manifest::from_entries(vec![entry("A", None)]);
    let err = measure(&run, &store, &manifest, &["A"])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("exam A") && err.contains("regions_path"),
        "{err}"
    );
}

#[test]
fn lesion_masks_give_each_task_its_attention_share_near_the_masked_lesions() {
    let dir = tempfile::tempdir().unwrap();
    let run = random_run(dir.path(), &["full", "lungs"]);
    let store = MemoryStore::new([volume("A"), volume("B"), volume("C")]);
    let n: usize = SHAPE.iter().product();
    let mut lesion = vec![0.0; n];
    lesion[(8 * 32 + 8) * 32 + 8] = 1.0;
    // A has a lesion; B an empty mask; C no mask at all.
    let masks = std::collections::BTreeMap::from([
        (ExamId::new("A").unwrap(), lesion),
        (ExamId::new("B").unwrap(), vec![0.0; n]),
    ]);
    let exams: Vec<ExamId> = ["A", "B", "C"]
        .iter()
        .map(|e| ExamId::new(e).unwrap())
        .collect();
    let inputs = MaskInputs {
        source: &store,
        masks: &masks,
        exams: &exams,
    };
    let rows = localise_masks::<CpuBackend>(
        &run,
        &inputs,
        &LocaliseSettings::default(),
        &NoProgress,
        &Default::default(),
    )
    .unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r.region.as_str()).collect();
    assert_eq!(names, ["full", "lungs"]);
    for r in &rows {
        assert_eq!(r.exams, 1, "{r:?}");
        // 30 mm around one voxel of 8 x 12.5 x 12.5 mm: 7 slices x 21 in-plane voxels at most.
        assert!(
            r.near_lesions_share > 0.0 && r.near_lesions_share < 0.02,
            "{r:?}"
        );
        assert!((0.0..=1.0).contains(&r.attention_near_lesions), "{r:?}");
    }
}

#[test]
fn the_per_exam_tables_of_shards_merge_into_the_figures_of_all_exams() {
    let dir = tempfile::tempdir().unwrap();
    let run = random_run(dir.path(), &["full", "lungs", "liver"]);
    let names: Vec<String> = (0..6).map(|i| format!("E{i}")).collect();
    let store = MemoryStore::new(names.iter().map(|e| volume(e)));
    let manifest = Manifest::from_entries(
        (names.iter().enumerate())
            .map(|(i, e)| {
                let at = [-100.0 + 40.0 * i as f32, 0.0, -60.0];
                let region = if i % 2 == 0 { "left_lungs" } else { "liver" };
                entry(e, Some(region_map(dir.path(), e, vec![lesion(region, at)])))
            })
            .collect(),
    );
    let per_exam = |exams: &[ExamId]| {
        let inputs = LocaliseInputs {
            source: &store,
            manifest: &manifest,
            exams,
        };
        let (settings, device) = (LocaliseSettings::default(), Default::default());
        localise_exams::<CpuBackend>(
            &run,
            &inputs,
            &Ontology::builtin(),
            &settings,
            &NoProgress,
            &device,
        )
        .unwrap()
    };
    let all: Vec<ExamId> = names.iter().map(|e| ExamId::new(e).unwrap()).collect();
    let whole = per_exam(&all);
    let mut parts = Vec::new();
    for i in 0..3 {
        let shard = Shard::new(i, 3).unwrap();
        let exams: Vec<ExamId> = all.iter().filter(|e| shard.contains(e)).cloned().collect();
        let path = dir.path().join(format!("part-{i}.csv"));
        per_exam(&exams).write_csv(&path).unwrap();
        parts.push(path);
    }
    let merged = merge_tables(&parts, Some(&all)).unwrap().table;
    assert_eq!(merged.exams(), whole.exams());
    let (Some(Localisation::Regions(a)), Some(Localisation::Regions(b))) = (
        Localisation::of_exams(&merged),
        Localisation::of_exams(&whole),
    ) else {
        panic!("per-exam tables of region maps");
    };
    assert_eq!(a.len(), 3, "{a:?}");
    for (a, b) in a.iter().zip(&b) {
        assert_eq!((&a.region, a.positive_exams), (&b.region, b.positive_exams));
        // The shards' tables keep 6 decimals.
        assert!(
            (a.attention_near_lesions - b.attention_near_lesions).abs() < 1e-6,
            "{a:?}"
        );
        assert!((a.box_share - b.box_share).abs() < 1e-6, "{a:?}");
    }
    // The figures of the whole run are the means of its per-exam table.
    let ids: Vec<&str> = names.iter().map(String::as_str).collect();
    let rows = measure(&run, &store, &manifest, &ids).unwrap();
    assert_eq!(
        Some(Localisation::Regions(rows)),
        Localisation::of_exams(&whole)
    );
}
