//! The synthetic cohort as a reader sees it: DICOM read back with dicom-object, SUV recomputed
//! with the body-weight formula written here from the standard, HU from rescale tags.

use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, open_file};
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};
use uptake_core::NoProgress;
use uptake_synth::cohort::{CohortConfig, Resolution, exam_phantom, generate, plan};
use uptake_synth::geometry::Shape;
use uptake_synth::spec::ExamSpec;

fn plain_report(spec: &ExamSpec, _rng: &mut ChaCha8Rng) -> String {
    format!("Exam {} with {} lesions.", spec.exam_id, spec.lesions.len())
}

fn config(n: usize, seed: u64) -> CohortConfig {
    CohortConfig {
        n,
        seed,
        resolution: Resolution::small(),
        midnight_fraction: 0.0,
        noise: true,
        threads: 2,
        lesion_scale: 1.0,
        id_prefix: String::new(),
        report_writer: plain_report,
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    out.sort();
    out
}

fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in files(dir) {
        if p.is_dir() {
            out.extend(all_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn str_of(obj: &DefaultDicomObject, tag: dicom_core::Tag) -> String {
    obj.element(tag)
        .unwrap()
        .to_str()
        .unwrap()
        .trim()
        .to_string()
}

fn f64_of(obj: &DefaultDicomObject, tag: dicom_core::Tag) -> f64 {
    str_of(obj, tag).parse().unwrap()
}

fn multi(obj: &DefaultDicomObject, tag: dicom_core::Tag) -> Vec<f64> {
    obj.element(tag).unwrap().to_multi_float64().unwrap()
}

fn seconds(tm: &str) -> f64 {
    let h: f64 = tm[0..2].parse().unwrap();
    let m: f64 = tm[2..4].parse().unwrap();
    let s: f64 = tm[4..].parse().unwrap();
    h * 3600.0 + m * 60.0 + s
}

/// One slice: z, origin, spacing, size, and values after rescale (and SUV factor for PET).
struct Slice {
    z: f64,
    origin: [f64; 2],
    /// (dx between columns, dy between rows)
    spacing: [f64; 2],
    cols: usize,
    values: Vec<f64>,
    instance: i64,
    thickness: f64,
}

fn pixels(obj: &DefaultDicomObject) -> Vec<i64> {
    let signed = obj
        .element(tags::PIXEL_REPRESENTATION)
        .unwrap()
        .to_int::<u16>()
        .unwrap()
        == 1;
    let raw: Vec<u16> = obj
        .element(tags::PIXEL_DATA)
        .unwrap()
        .to_multi_int::<u16>()
        .unwrap();
    raw.into_iter()
        .map(|v| if signed { v as i16 as i64 } else { v as i64 })
        .collect()
}

/// Body-weight SUV factor: weight (g) / (dose decayed from injection to series start).
fn suv_factor(obj: &DefaultDicomObject) -> f64 {
    assert_eq!(str_of(obj, tags::UNITS), "BQML");
    assert_eq!(str_of(obj, tags::DECAY_CORRECTION), "START");
    let weight_g = f64_of(obj, tags::PATIENT_WEIGHT) * 1000.0;
    let seq = obj
        .element(tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE)
        .unwrap();
    let item = &seq.items().unwrap()[0];
    let get = |tag| {
        item.element(tag)
            .unwrap()
            .to_str()
            .unwrap()
            .trim()
            .to_string()
    };
    let dose: f64 = get(tags::RADIONUCLIDE_TOTAL_DOSE).parse().unwrap();
    let half_life: f64 = get(tags::RADIONUCLIDE_HALF_LIFE).parse().unwrap();
    let injection = seconds(&get(tags::RADIOPHARMACEUTICAL_START_TIME));
    let mut elapsed = seconds(&str_of(obj, tags::SERIES_TIME)) - injection;
    if elapsed < 0.0 {
        elapsed += 86400.0; // injected before midnight, scanned after
    }
    weight_g / (dose * 2f64.powf(-elapsed / half_life))
}

fn read_series(dir: &Path, pet: bool) -> Vec<Slice> {
    let mut out: Vec<Slice> = files(dir)
        .iter()
        .map(|p| {
            let obj = open_file(p).unwrap();
            let pos = multi(&obj, tags::IMAGE_POSITION_PATIENT);
            let spacing = multi(&obj, tags::PIXEL_SPACING);
            let slope = f64_of(&obj, tags::RESCALE_SLOPE);
            let intercept = f64_of(&obj, tags::RESCALE_INTERCEPT);
            let factor = if pet { suv_factor(&obj) } else { 1.0 };
            let values = pixels(&obj)
                .into_iter()
                .map(|v| (v as f64 * slope + intercept) * factor)
                .collect();
            Slice {
                z: pos[2],
                origin: [pos[0], pos[1]],
                spacing: [spacing[1], spacing[0]],
                cols: obj.element(tags::COLUMNS).unwrap().to_int::<u16>().unwrap() as usize,
                values,
                instance: obj
                    .element(tags::INSTANCE_NUMBER)
                    .unwrap()
                    .to_int::<i64>()
                    .unwrap(),
                thickness: f64_of(&obj, tags::SLICE_THICKNESS),
            }
        })
        .collect();
    out.sort_by_key(|s| s.instance);
    out
}

/// The value at the voxel nearest to `p`, and that voxel's centre.
fn at(series: &[Slice], p: [f32; 3]) -> (f64, [f32; 3]) {
    let s = series
        .iter()
        .min_by(|a, b| {
            (a.z - p[2] as f64)
                .abs()
                .total_cmp(&(b.z - p[2] as f64).abs())
        })
        .unwrap();
    let c = ((p[0] as f64 - s.origin[0]) / s.spacing[0]).round() as usize;
    let r = ((p[1] as f64 - s.origin[1]) / s.spacing[1]).round() as usize;
    let centre = [
        (s.origin[0] + c as f64 * s.spacing[0]) as f32,
        (s.origin[1] + r as f64 * s.spacing[1]) as f32,
        s.z as f32,
    ];
    (s.values[r * s.cols + c], centre)
}

fn regions(exam_dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(exam_dir.join("regions.json")).unwrap()).unwrap()
}

/// A point well inside the first structure called `name`.
fn inside(map: &serde_json::Value, name: &str) -> [f32; 3] {
    let entry = map["structures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap();
    let shape: Shape = serde_json::from_value(entry["shape"].clone()).unwrap();
    let (lo, hi) = shape.bbox();
    let mut best = None;
    for i in 1..10 {
        for j in 1..10 {
            for k in 1..10 {
                let p = [
                    lo[0] + (hi[0] - lo[0]) * i as f32 / 10.0,
                    lo[1] + (hi[1] - lo[1]) * j as f32 / 10.0,
                    lo[2] + (hi[2] - lo[2]) * k as f32 / 10.0,
                ];
                if shape.contains_ball(p, 8.0) {
                    best = Some(p);
                }
            }
        }
    }
    best.unwrap_or_else(|| panic!("no interior point in {name}"))
}

#[test]
fn pet_suv_recomputed_from_dicom_equals_the_phantom_at_each_lesion() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(3, 11);
    cfg.noise = false;
    generate(&cfg, dir.path(), &NoProgress).unwrap();
    let exams = plan(&cfg);
    let mut checked = 0;
    for exam in &exams {
        let exam_dir = dir.path().join("exams").join(exam.spec.exam_id.as_str());
        let pet = read_series(&exam_dir.join("dicom/pet"), true);
        let (phantom, _) = exam_phantom(exam, &cfg).unwrap();
        let grid = exam.acquisition.pet.grid();
        for lesion in &phantom.lesions {
            let (suv, voxel) = at(&pet, lesion.hotspot.center_mm);
            if (voxel[2] - lesion.hotspot.center_mm[2]).abs() > 5.0 {
                continue; // lesion outside the PET field of view in z
            }
            let (_, expected) = phantom.render_slice(voxel[2], &grid, 2);
            let c = ((voxel[0] - grid.origin_mm[0]) / grid.spacing_mm[0]).round() as usize;
            let r = ((voxel[1] - grid.origin_mm[1]) / grid.spacing_mm[1]).round() as usize;
            let want = expected[r * grid.cols + c] as f64;
            assert!(
                (suv - want).abs() <= 2e-3 * want.max(1.0),
                "{}: SUV {suv} from DICOM, phantom {want}",
                exam.spec.exam_id
            );
            assert!(want >= 0.25 * lesion.hotspot.suv_peak as f64 || want > 1.0);
            checked += 1;
        }
    }
    assert!(checked > 0, "no lesion checked");
}

#[test]
fn ct_hu_of_lung_liver_and_bone_are_in_range() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(1, 5);
    generate(&cfg, dir.path(), &NoProgress).unwrap();
    let exam_dir = dir.path().join("exams/E00001");
    let map = regions(&exam_dir);
    let ct = read_series(&exam_dir.join("dicom/ct"), false);
    let lung = at(&ct, inside(&map, "right_lower_lobe")).0;
    let liver = at(&ct, inside(&map, "liver")).0;
    let femur = at(&ct, inside(&map, "femur")).0;
    assert!((-950.0..=-750.0).contains(&lung), "lung {lung}");
    assert!((10.0..=110.0).contains(&liver), "liver {liver}");
    assert!(femur >= 150.0, "femoral marrow {femur}");
    let cortex = ct
        .iter()
        .flat_map(|s| s.values.iter())
        .cloned()
        .fold(f64::MIN, f64::max);
    assert!(cortex >= 700.0, "densest bone {cortex}");
    let air = at(&ct, [-240.0, -240.0, -500.0]).0;
    assert!(air <= -990.0, "air {air}");
}

#[test]
fn slice_positions_step_by_the_declared_spacing_from_head_to_feet() {
    let dir = tempfile::tempdir().unwrap();
    generate(&config(1, 3), dir.path(), &NoProgress).unwrap();
    for (series, pet) in [("ct", false), ("pet", true)] {
        let slices = read_series(&dir.path().join("exams/E00001/dicom").join(series), pet);
        assert!(slices.len() > 50, "{series}: {} slices", slices.len());
        for pair in slices.windows(2) {
            let step = pair[0].z - pair[1].z;
            assert!(
                (step - pair[0].thickness).abs() < 1e-3,
                "{series}: step {step} vs {}",
                pair[0].thickness
            );
        }
    }
}

#[test]
fn the_same_seed_writes_the_same_bytes_and_another_seed_does_not() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    generate(&config(2, 9), a.path(), &NoProgress).unwrap();
    let mut single = config(2, 9);
    single.threads = 1;
    generate(&single, b.path(), &NoProgress).unwrap();
    generate(&config(2, 10), c.path(), &NoProgress).unwrap();
    let fa = all_files(a.path());
    let fb = all_files(b.path());
    assert_eq!(fa.len(), fb.len());
    for (x, y) in fa.iter().zip(&fb) {
        assert_eq!(
            x.strip_prefix(a.path()).unwrap(),
            y.strip_prefix(b.path()).unwrap()
        );
        assert!(
            std::fs::read(x).unwrap() == std::fs::read(y).unwrap(),
            "{} differs",
            x.display()
        );
    }
    let manifest = |d: &Path| std::fs::read(d.join("manifest.csv")).unwrap();
    assert_ne!(manifest(a.path()), manifest(c.path()));
}

#[test]
fn midnight_crossing_exams_are_injected_before_and_scanned_after_midnight() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(1, 4);
    cfg.midnight_fraction = 1.0;
    generate(&cfg, dir.path(), &NoProgress).unwrap();
    let first = files(&dir.path().join("exams/E00001/dicom/pet"))[0].clone();
    let obj = open_file(first).unwrap();
    let seq = obj
        .element(tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE)
        .unwrap();
    let injection = seconds(
        seq.items().unwrap()[0]
            .element(tags::RADIOPHARMACEUTICAL_START_TIME)
            .unwrap()
            .to_str()
            .unwrap()
            .trim(),
    );
    let series = seconds(&str_of(&obj, tags::SERIES_TIME));
    assert!(injection > 23.0 * 3600.0, "injection {injection}");
    assert!(series < injection, "series {series} not after midnight");
    let study: i64 = str_of(&obj, tags::STUDY_DATE).parse().unwrap();
    let series_date: i64 = str_of(&obj, tags::SERIES_DATE).parse().unwrap();
    assert_ne!(study, series_date, "the series date moves to the next day");
}

#[test]
fn truth_labels_propagate_lesions_to_ancestors_and_the_manifest_lists_every_exam() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(4, 21);
    generate(&cfg, dir.path(), &NoProgress).unwrap();
    let truth = uptake_core::RegionTable::read_csv(&dir.path().join("truth.csv")).unwrap();
    let exams = plan(&cfg);
    assert_eq!(truth.len(), 4);
    for exam in &exams {
        for lesion in &exam.spec.lesions {
            for region in uptake_synth::taxonomy::ancestors_or_self(&lesion.region) {
                assert_eq!(truth.get(&exam.spec.exam_id, region), Some(1.0), "{region}");
            }
        }
        let full = truth.get(&exam.spec.exam_id, "full").unwrap();
        assert_eq!(
            full,
            if exam.spec.lesions.is_empty() {
                0.0
            } else {
                1.0
            }
        );
    }
    let manifest = std::fs::read_to_string(dir.path().join("manifest.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(manifest.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    for row in &rows {
        assert!(
            dir.path().join(&row[8]).join("ct").is_dir(),
            "dicom_dir {}",
            &row[8]
        );
        assert!(
            dir.path().join(&row[7]).is_file(),
            "report_path {}",
            &row[7]
        );
        assert!(!row[10].is_empty(), "censor_date");
    }
    let leftovers: Vec<_> = files(&dir.path().join("exams"))
        .into_iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary folders left: {leftovers:?}"
    );
}

#[test]
fn a_failing_exam_leaves_the_finished_exam_folder_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(2, 8);
    generate(&cfg, dir.path(), &NoProgress).unwrap();
    let exam_dir = dir.path().join("exams/E00002");
    let before: Vec<(PathBuf, Vec<u8>)> = all_files(&exam_dir)
        .into_iter()
        .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
        .collect();
    let mut broken = plan(&cfg)[1].clone();
    broken.spec.lesions.push(uptake_synth::spec::Lesion {
        region: "no_such_region".into(),
        site: "nowhere".into(),
        side: uptake_synth::spec::Side::Midline,
        size_mm: 10.0,
        suv_max: 5.0,
        reported_as: uptake_synth::spec::ReportedAs::Abnormal,
    });
    let err = uptake_synth::cohort::write_exam(&broken, &cfg, dir.path()).unwrap_err();
    assert!(err.to_string().contains("E00002"), "{err}");
    let after: Vec<(PathBuf, Vec<u8>)> = all_files(&exam_dir)
        .into_iter()
        .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
        .collect();
    assert!(before == after, "the finished exam changed");
    let leftovers = files(&dir.path().join("exams"))
        .into_iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .count();
    assert_eq!(leftovers, 0);
}
