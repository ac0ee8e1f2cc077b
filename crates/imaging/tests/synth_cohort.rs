//! Ingestion of the synthetic cohort of `uptake-synth` (engineer C's generator, independent of
//! this crate's own phantom): recovered SUV and HU at known places of known exams.

use std::path::Path;
use uptake_core::{Manifest, RegionMap};
use uptake_imaging::voi::{Voi, reference_vois, suv_summary};
use uptake_imaging::{ExamVolume, ModelGrid, ingest_dir};
use uptake_synth::cohort::{CohortConfig, Resolution, generate};
use uptake_synth::spec::ExamSpec;

/// Reports do not matter to ingestion.
fn no_report(_: &ExamSpec, _: &mut rand_chacha::ChaCha8Rng) -> String {
    String::new()
}

const GRID: ModelGrid = ModelGrid {
    size: 128,
    fov_mm: 600.0,
    slice_mm: 4.0,
};

fn cohort(dir: &Path, seed: u64, midnight_fraction: f64) {
    let cfg = CohortConfig {
        n: 2,
        seed,
        resolution: Resolution::small(),
        midnight_fraction,
        noise: false,
        threads: 0,
        lesion_scale: 1.0,
        id_prefix: String::new(),
        report_writer: no_report,
    };
    generate(&cfg, dir, &uptake_core::NoProgress).unwrap();
}

fn voi_mean(volume: &ExamVolume, voi: &Voi) -> (f32, f32) {
    let s = suv_summary(volume, std::slice::from_ref(voi));
    assert!(
        s.vois[0].voxels > 50,
        "VOI {} has only {} voxels",
        voi.name,
        s.vois[0].voxels
    );
    (s.vois[0].mean_suv, s.vois[0].mean_hu)
}

fn check_cohort(seed: u64, midnight_fraction: f64) {
    let dir = tempfile::tempdir().unwrap();
    cohort(dir.path(), seed, midnight_fraction);
    let manifest = Manifest::read(&dir.path().join("manifest.csv")).unwrap();
    assert_eq!(manifest.entries().len(), 2);
    for exam in manifest.entries() {
        let dicom_dir = exam.dicom_dir.as_deref().unwrap();
        let ingested = ingest_dir(&exam.exam_id, dicom_dir, &GRID).unwrap();
        assert!(
            ingested.info.suv_method.contains("BQML"),
            "{}",
            ingested.info.suv_method
        );
        let v = &ingested.volume;
        assert_eq!(v.exam_id, exam.exam_id);
        let map = RegionMap::read(exam.regions_path.as_deref().unwrap()).unwrap();
        let liver_suv = map.detail["physiology"]["liver_suv"].as_f64().unwrap() as f32;
        let liver = reference_vois(&map)
            .into_iter()
            .find(|v| v.name == "liver")
            .unwrap();
        let (suv, hu) = voi_mean(v, &liver);
        assert!(
            (suv - liver_suv).abs() < 0.03 * liver_suv,
            "exam {}: liver SUV {suv}, phantom {liver_suv}",
            exam.exam_id
        );
        assert!(
            (hu - 60.0).abs() < 3.0,
            "exam {}: liver HU {hu}",
            exam.exam_id
        );
        // The hottest lesion: the model grid keeps at least a third of its peak (partial volume on
        // the reduced-resolution PET), at its place.
        if let Some(lesion) = map
            .lesions
            .iter()
            .max_by(|a, b| a.suv_max.unwrap().total_cmp(&b.suv_max.unwrap()))
        {
            let r = lesion.radii_mm.into_iter().fold(0.0, f32::max);
            let peak = lesion.suv_max.unwrap();
            let voi = Voi {
                name: "lesion".into(),
                centre_mm: lesion.center_mm,
                radius_mm: r + 6.0,
            };
            let s = suv_summary(v, &[voi]);
            assert!(
                s.vois[0].max_suv >= peak / 3.0,
                "exam {}: lesion SUVmax {} on the grid, peak {peak}",
                exam.exam_id,
                s.vois[0].max_suv
            );
        }
    }
}

#[test]
fn a_synthetic_cohort_gives_the_phantoms_liver_suv_and_hu() {
    check_cohort(7, 0.0);
}

#[test]
fn injections_before_midnight_still_give_the_phantoms_liver_suv() {
    check_cohort(11, 1.0);
}
