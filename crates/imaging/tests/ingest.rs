//! Ingestion end to end on DICOM series written by `uptake_imaging::phantom` (every tag known),
//! and one test per kind of bad input.

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use std::path::Path;
use uptake_core::ExamId;
use uptake_imaging::phantom::{PhantomFiles, PhantomSpec, write_phantom};
use uptake_imaging::{ExamStore, ModelGrid, ingest_dir};

const GRID: ModelGrid = ModelGrid {
    size: 32,
    fov_mm: 320.0,
    slice_mm: 8.0,
};

fn exam(id: &str) -> ExamId {
    ExamId::new(id).unwrap()
}

fn phantom(dir: &Path, spec: &PhantomSpec) -> PhantomFiles {
    write_phantom(dir, spec).unwrap()
}

fn edit(path: &Path, change: impl FnOnce(&mut dicom_object::DefaultDicomObject)) {
    let mut obj = dicom_object::open_file(path).unwrap();
    change(&mut obj);
    obj.write_to_file(path).unwrap();
}

fn error_of(dir: &Path) -> String {
    ingest_dir(&exam("bad"), dir, &GRID)
        .unwrap_err()
        .to_string()
}

#[test]
fn a_phantom_exam_recovers_suv_and_hu_at_the_lesion_and_in_the_body() {
    let dir = tempfile::tempdir().unwrap();
    let spec = PhantomSpec::small("1");
    phantom(dir.path(), &spec);
    let ingested = ingest_dir(&exam("e1"), dir.path(), &GRID).unwrap();
    let v = &ingested.volume;
    let g = v.geometry;
    // Overlap of CT z -100..95 and PET z -90..94: from 94 down, 8 mm apart.
    assert_eq!(g.shape, [24, 32, 32]);
    assert_eq!(g.origin_mm[0], 94.0);
    assert_eq!(g.spacing_mm, [8.0, 10.0, 10.0]);
    // Voxel nearest the lesion centre (x 20, y -10, z 0).
    let nearest = |x: f32, y: f32, z: f32| {
        let k = ((g.origin_mm[0] - z) / g.spacing_mm[0]).round() as usize;
        let i = ((y - g.origin_mm[1]) / g.spacing_mm[1]).round() as usize;
        let j = ((x - g.origin_mm[2]) / g.spacing_mm[2]).round() as usize;
        g.index(k, i, j)
    };
    let lesion = nearest(20.0, -10.0, 0.0);
    assert!(
        (v.pet_suv[lesion] - 8.0).abs() < 0.05,
        "lesion SUV {}",
        v.pet_suv[lesion]
    );
    assert!(
        (v.ct_hu[lesion] - 60.0).abs() < 1.0,
        "lesion HU {}",
        v.ct_hu[lesion]
    );
    let body = nearest(-60.0, 60.0, 60.0);
    assert!(
        (v.pet_suv[body] - 1.0).abs() < 0.01,
        "body SUV {}",
        v.pet_suv[body]
    );
    assert!(v.ct_hu[body].abs() < 1.0, "body HU {}", v.ct_hu[body]);
    let air = nearest(-150.0, -150.0, 60.0);
    assert!((v.ct_hu[air] + 1000.0).abs() < 1.0 && v.pet_suv[air].abs() < 1e-3);
    assert!((ingested.info.suv_factor.unwrap() - spec.suv_factor()).abs() < 1e-12);
    assert!(ingested.info.suv_method.contains("START"));
}

#[test]
fn the_exam_stored_after_ingestion_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    phantom(&dir.path().join("dicom"), &PhantomSpec::small("2"));
    let ingested = ingest_dir(&exam("e2"), &dir.path().join("dicom"), &GRID).unwrap();
    let store = ExamStore::open(dir.path().join("store")).unwrap();
    store
        .write_with_info(&ingested.volume, Some(&ingested.info))
        .unwrap();
    let back = store.load(&exam("e2")).unwrap();
    assert_eq!(back.geometry, ingested.volume.geometry);
    assert_eq!(
        store.info(&exam("e2")).unwrap().unwrap().pet_series_uid,
        ingested.info.pet_series_uid
    );
}

#[test]
fn a_non_dicom_file_in_the_folder_is_skipped_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    phantom(dir.path(), &PhantomSpec::small("3"));
    std::fs::write(dir.path().join("notes.txt"), "not an image").unwrap();
    let ingested = ingest_dir(&exam("e3"), dir.path(), &GRID).unwrap();
    assert!(
        ingested
            .skipped
            .iter()
            .any(|s| s.what.ends_with("notes.txt") && s.reason.contains("not a readable DICOM")),
        "{:?}",
        ingested.skipped
    );
}

#[test]
fn a_truncated_slice_is_an_error_naming_the_exam_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let files = phantom(dir.path(), &PhantomSpec::small("4"));
    let victim = &files.ct[20];
    let bytes = std::fs::read(victim).unwrap();
    std::fs::write(victim, &bytes[..bytes.len() - 3000]).unwrap();
    let err = error_of(dir.path());
    assert!(
        err.starts_with("exam bad:") && err.contains("ct_0021.dcm"),
        "{err}"
    );
}

#[test]
fn a_folder_without_dicom_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.dcm"), b"garbage").unwrap();
    let err = error_of(dir.path());
    assert!(err.contains("no DICOM series"), "{err}");
}

#[test]
fn a_missing_patient_weight_names_the_tag() {
    let dir = tempfile::tempdir().unwrap();
    let files = phantom(dir.path(), &PhantomSpec::small("5"));
    for f in &files.pet {
        edit(f, |o| {
            o.remove_element(tags::PATIENT_WEIGHT);
        });
    }
    let err = error_of(dir.path());
    assert!(err.contains("PatientWeight (0010,1030)"), "{err}");
}

#[test]
fn a_missing_injection_time_names_the_tag() {
    let dir = tempfile::tempdir().unwrap();
    let files = phantom(dir.path(), &PhantomSpec::small("6"));
    for f in &files.pet {
        edit(f, |o| {
            o.remove_element(tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE);
        });
    }
    let err = error_of(dir.path());
    assert!(
        err.contains("RadionuclideTotalDose") || err.contains("RadiopharmaceuticalStartTime"),
        "{err}"
    );
}

#[test]
fn pet_and_ct_from_different_studies_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    phantom(&a, &PhantomSpec::small("7"));
    phantom(&b, &PhantomSpec::small("8"));
    let mixed = dir.path().join("mixed");
    std::fs::create_dir_all(&mixed).unwrap();
    std::fs::rename(a.join("PT"), mixed.join("PT")).unwrap();
    std::fs::rename(b.join("CT"), mixed.join("CT")).unwrap();
    let err = error_of(&mixed);
    assert!(err.contains("different studies"), "{err}");
}

#[test]
fn a_non_axial_series_is_refused_with_its_orientation() {
    let dir = tempfile::tempdir().unwrap();
    let files = phantom(dir.path(), &PhantomSpec::small("9"));
    for f in &files.ct {
        edit(f, |o| {
            o.put_str(tags::IMAGE_ORIENTATION_PATIENT, VR::DS, "1\\0\\0\\0\\0\\-1");
        });
    }
    let err = error_of(dir.path());
    assert!(
        err.contains("non-axial") && err.contains("CT series"),
        "{err}"
    );
}

#[test]
fn a_missing_slice_is_reported_as_a_gap() {
    let dir = tempfile::tempdir().unwrap();
    let files = phantom(dir.path(), &PhantomSpec::small("10"));
    std::fs::remove_file(&files.pet[10]).unwrap();
    let err = error_of(dir.path());
    assert!(
        err.contains("gap in slice positions") && err.contains("PET series"),
        "{err}"
    );
}

#[test]
fn two_slices_at_the_same_position_are_reported_as_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let files = phantom(dir.path(), &PhantomSpec::small("11"));
    let copy = files.ct[5].with_file_name("ct_copy.dcm");
    std::fs::copy(&files.ct[5], &copy).unwrap();
    edit(&copy, |o| {
        o.put_str(tags::SOP_INSTANCE_UID, VR::UI, "1.2.3.4.5.6");
    });
    let err = error_of(dir.path());
    assert!(err.contains("duplicate slice position"), "{err}");
}

#[test]
fn a_ct_that_does_not_overlap_the_pet_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = PhantomSpec::small("12");
    spec.ct.z0_mm = 500.0;
    phantom(dir.path(), &spec);
    let err = error_of(dir.path());
    assert!(err.contains("do not overlap"), "{err}");
}

#[test]
fn a_slice_with_a_nan_rescale_slope_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let files = phantom(dir.path(), &PhantomSpec::small("13"));
    edit(&files.pet[12], |o| {
        o.put(DataElement::new(
            tags::RESCALE_SLOPE,
            VR::DS,
            PrimitiveValue::from("NaN"),
        ));
    });
    let err = error_of(dir.path());
    assert!(
        err.contains("not finite") && err.contains("pt_0013.dcm"),
        "{err}"
    );
}

#[test]
fn a_non_attenuation_corrected_pet_is_skipped_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let files = phantom(dir.path(), &PhantomSpec::small("14"));
    for f in &files.pet {
        edit(f, |o| {
            o.put_str(tags::CORRECTED_IMAGE, VR::CS, "DECY");
        });
    }
    let err = error_of(dir.path());
    assert!(
        err.contains("no attenuation-corrected PET") && err.contains("not attenuation corrected"),
        "{err}"
    );
}
