//! PACS exports as hospitals deliver them: the phantom exam rewritten the ways archives and
//! anonymisers write it. One behaviour per test: study identity, plausibility before storing,
//! BitsStored, series selection, messages, provenance.

use dicom_core::{DataElement, PrimitiveValue, VR, smallvec::SmallVec};
use dicom_dictionary_std::tags;
use std::path::{Path, PathBuf};
use uptake_core::{ExamId, NoProgress};
use uptake_imaging::cohort::{ExamStatus, StoredExams};
use uptake_imaging::phantom::{PhantomFiles, PhantomSpec, write_phantom};
use uptake_imaging::{
    ExamSettings, ExamStore, IngestOutcome, IngestSettings, IngestSource, Ingested, ModelGrid,
    SeriesPattern, SeriesSelection, StudyPairing, ingest_cohort, ingest_dir, ingest_dir_with,
};

const GRID: ModelGrid = ModelGrid {
    size: 32,
    fov_mm: 320.0,
    slice_mm: 8.0,
};

fn exam(id: &str) -> ExamId {
    ExamId::new(id).unwrap()
}

fn phantom(dir: &Path, study: &str) -> PhantomFiles {
    write_phantom(dir, &PhantomSpec::small(study)).unwrap()
}

fn edit(path: &Path, change: impl FnOnce(&mut dicom_object::DefaultDicomObject)) {
    let mut obj = dicom_object::open_file(path).unwrap();
    change(&mut obj);
    obj.write_to_file(path).unwrap();
}

fn edit_all(paths: &[PathBuf], change: impl Fn(&mut dicom_object::DefaultDicomObject)) {
    for p in paths {
        edit(p, &change);
    }
}

fn ingest(dir: &Path) -> Ingested {
    ingest_dir(&exam("e"), dir, &GRID).unwrap_or_else(|e| panic!("{e}"))
}

fn error_of(dir: &Path) -> String {
    ingest_dir(&exam("e"), dir, &GRID).unwrap_err().to_string()
}

/// Copies a series folder into `to` as another series: new SeriesInstanceUID and SOP UIDs,
/// then `change` on every file.
fn copy_series(
    from: &Path,
    to: &Path,
    series_uid: &str,
    change: impl Fn(&mut dicom_object::DefaultDicomObject),
) -> Vec<PathBuf> {
    std::fs::create_dir_all(to).unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(from)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let copy = to.join(f.file_name().unwrap());
            std::fs::copy(f, &copy).unwrap();
            edit(&copy, |o| {
                o.put_str(tags::SERIES_INSTANCE_UID, VR::UI, series_uid);
                o.put_str(
                    tags::SOP_INSTANCE_UID,
                    VR::UI,
                    format!("{series_uid}.{}", i + 1),
                );
                change(o);
            });
            copy
        })
        .collect()
}

fn cohort(store: &ExamStore, source: IngestSource, settings: &IngestSettings) -> IngestOutcome {
    ingest_cohort(store, &source, settings, &NoProgress).unwrap()
}

fn on_grid() -> IngestSettings {
    IngestSettings {
        grid: GRID,
        ..IngestSettings::default()
    }
}

fn warnings(outcome: &IngestOutcome) -> Vec<String> {
    outcome
        .exams
        .iter()
        .filter_map(|e| match &e.status {
            ExamStatus::Ingested(info) => Some(info.warnings.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

// 1. Study identity.

#[test]
fn two_studies_sharing_an_accession_are_both_stored_under_their_uids() {
    let dir = tempfile::tempdir().unwrap();
    phantom(&dir.path().join("tree/a"), "51");
    let b = phantom(&dir.path().join("tree/b"), "52");
    edit_all(&[b.ct, b.pet].concat(), |o| {
        o.put_str(tags::ACCESSION_NUMBER, VR::SH, "ACC51");
    });
    let store = ExamStore::open(dir.path().join("store")).unwrap();
    let outcome = cohort(
        &store,
        IngestSource::DicomTree(dir.path().join("tree")),
        &on_grid(),
    );
    assert_eq!(outcome.ingested(), 2);
    let ids: Vec<String> = store.exam_ids().iter().map(|i| i.to_string()).collect();
    assert_eq!(
        ids,
        ["1.2.826.0.1.3680043.10.1.51", "1.2.826.0.1.3680043.10.1.52"]
    );
    assert!(
        warnings(&outcome)
            .iter()
            .any(|w| w.contains("AccessionNumber ACC51 is shared by 2 studies")),
        "{:?}",
        warnings(&outcome)
    );
}

#[test]
fn an_accession_stored_from_another_study_is_never_overwritten_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    phantom(&dir.path().join("first/a"), "53");
    let b = phantom(&dir.path().join("second/b"), "54");
    edit_all(&[b.ct, b.pet].concat(), |o| {
        o.put_str(tags::ACCESSION_NUMBER, VR::SH, "ACC53");
    });
    let store = ExamStore::open(dir.path().join("store")).unwrap();
    cohort(
        &store,
        IngestSource::DicomTree(dir.path().join("first")),
        &on_grid(),
    );
    let forced = IngestSettings {
        stored: StoredExams::Replace,
        ..on_grid()
    };
    let outcome = cohort(
        &store,
        IngestSource::DicomTree(dir.path().join("second")),
        &forced,
    );
    assert_eq!(
        outcome.exams[0].exam_id.as_str(),
        "1.2.826.0.1.3680043.10.1.54"
    );
    let first = store.info(&exam("ACC53")).unwrap().unwrap();
    assert_eq!(first.study_instance_uid, "1.2.826.0.1.3680043.10.1.53");
    assert_eq!(store.exam_ids().len(), 2);
}

#[test]
fn a_manifest_exam_stored_from_another_study_is_refused_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    phantom(&dir.path().join("a"), "55");
    phantom(&dir.path().join("b"), "56");
    let manifest = dir.path().join("manifest.csv");
    let store = ExamStore::open(dir.path().join("store")).unwrap();
    std::fs::write(&manifest, "exam_id,dicom_dir\nE1,a\n").unwrap();
    cohort(&store, IngestSource::Manifest(manifest.clone()), &on_grid());
    std::fs::write(&manifest, "exam_id,dicom_dir\nE1,b\n").unwrap();
    let forced = IngestSettings {
        stored: StoredExams::Replace,
        ..on_grid()
    };
    let outcome = cohort(&store, IngestSource::Manifest(manifest), &forced);
    let err = outcome.failures().next().unwrap().to_string();
    assert!(err.contains("never overwritten"), "{err}");
    let kept = store.info(&exam("E1")).unwrap().unwrap();
    assert_eq!(kept.study_instance_uid, "1.2.826.0.1.3680043.10.1.55");
}

#[test]
fn the_same_files_exported_twice_are_kept_once() {
    let dir = tempfile::tempdir().unwrap();
    phantom(dir.path(), "57");
    let again = dir.path().join("export2/CT");
    std::fs::create_dir_all(&again).unwrap();
    for f in std::fs::read_dir(dir.path().join("CT")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, again.join(f.file_name().unwrap())).unwrap();
    }
    let ingested = ingest(dir.path());
    let twice = ingested
        .info
        .skipped_files
        .iter()
        .filter(|s| s.reason.contains("exported twice"))
        .count();
    assert_eq!(twice, 40);
}

// 2. Plausibility before storing.

#[test]
fn a_dose_written_in_mbq_is_refused_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let files = phantom(&dir.path().join("exam"), "58");
    let mbq = PhantomSpec {
        dose_bq: 370.0,
        ..PhantomSpec::small("58")
    };
    let slip = write_phantom(&dir.path().join("slip"), &mbq).unwrap();
    let sequence = dicom_object::open_file(&slip.pet[0])
        .unwrap()
        .element(tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE)
        .unwrap()
        .clone();
    edit_all(&files.pet, |o| {
        o.put(sequence.clone());
    });
    let err = error_of(&dir.path().join("exam"));
    assert!(err.contains("the dose looks like MBq: 370"), "{err}");
}

#[test]
fn a_weight_written_in_grams_is_refused_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let files = phantom(dir.path(), "59");
    edit_all(&files.pet, |o| {
        o.put_str(tags::PATIENT_WEIGHT, VR::DS, "75000");
    });
    let err = error_of(dir.path());
    assert!(
        err.contains("the weight looks like grams (75.0 kg?)"),
        "{err}"
    );
}

#[test]
fn a_huge_rescale_slope_is_refused_naming_the_slice() {
    let dir = tempfile::tempdir().unwrap();
    let files = phantom(dir.path(), "60");
    edit(&files.pet[12], |o| {
        let slope: f64 = o
            .element(tags::RESCALE_SLOPE)
            .unwrap()
            .to_str()
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        o.put_str(
            tags::RESCALE_SLOPE,
            VR::DS,
            format!("{:.6e}", slope * 1000.0),
        );
    });
    let err = error_of(dir.path());
    assert!(
        err.contains("not stored") && err.contains("SUVmax") && err.contains("pt_0013.dcm"),
        "{err}"
    );
}

fn short_ct_spec(study: &str) -> PhantomSpec {
    let mut spec = PhantomSpec::small(study);
    // PET z -90..94; CT 10 slices of 5 mm from -90: a quarter of the PET.
    spec.ct.z0_mm = -90.0;
    spec.ct.slices = 10;
    spec
}

#[test]
fn a_ct_covering_a_quarter_of_the_pet_is_refused_with_the_share_kept() {
    let dir = tempfile::tempdir().unwrap();
    write_phantom(dir.path(), &short_ct_spec("61")).unwrap();
    let err = error_of(dir.path());
    assert!(err.contains("covers 24 % of the PET"), "{err}");
}

#[test]
fn a_lower_coverage_threshold_keeps_the_cut_pet_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    write_phantom(dir.path(), &short_ct_spec("62")).unwrap();
    let settings = ExamSettings {
        min_pet_coverage: 0.2,
        ..ExamSettings::on_grid(&GRID)
    };
    let ingested = ingest_dir_with(&exam("e"), dir.path(), &settings).unwrap();
    assert!(
        ingested
            .info
            .warnings
            .iter()
            .any(|w| w.contains("covers 24 % of the PET") && w.contains("cut")),
        "{:?}",
        ingested.info.warnings
    );
}

/// Rewrites the CT's pixels as `stored(hu)` with BitsStored 12, HighBit 11 and `signed`.
fn rewrite_ct_12_bit(files: &[PathBuf], signed: bool, stored: impl Fn(i32) -> u16) {
    edit_all(files, |o| {
        let raw = o
            .element(tags::PIXEL_DATA)
            .unwrap()
            .to_multi_int::<u16>()
            .unwrap();
        let pixels: Vec<u16> = raw.iter().map(|&v| stored(v as i32 - 1024)).collect();
        o.put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U16(SmallVec::from_vec(pixels)),
        ));
        for (tag, v) in [
            (tags::BITS_STORED, 12u16),
            (tags::HIGH_BIT, 11),
            (tags::PIXEL_REPRESENTATION, u16::from(signed)),
        ] {
            o.put(DataElement::new(tag, VR::US, PrimitiveValue::from(v)));
        }
        if signed {
            o.put_str(tags::RESCALE_INTERCEPT, VR::DS, "0");
        }
    });
}

/// Mean HU of the body (the cylinder, away from the lesion) and of the air.
fn body_and_air_hu(ingested: &Ingested) -> (f32, f32) {
    let v = &ingested.volume;
    let g = v.geometry;
    let at = |x: f32, y: f32| {
        let i = ((y - g.origin_mm[1]) / g.spacing_mm[1]).round() as usize;
        let j = ((x - g.origin_mm[2]) / g.spacing_mm[2]).round() as usize;
        v.ct_hu[g.index(20, i, j)]
    };
    (at(-60.0, 60.0), at(-150.0, -150.0))
}

#[test]
fn junk_above_bits_stored_of_12_bit_ct_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let files = phantom(dir.path(), "63");
    rewrite_ct_12_bit(&files.ct, false, |hu| (hu + 1024) as u16 | 0xF000);
    let (body, air) = body_and_air_hu(&ingest(dir.path()));
    assert!(
        body.abs() < 1.0 && (air + 1000.0).abs() < 1.0,
        "{body} {air}"
    );
}

#[test]
fn a_signed_12_bit_ct_without_sign_extension_reads_negative_hu() {
    let dir = tempfile::tempdir().unwrap();
    let files = phantom(dir.path(), "64");
    rewrite_ct_12_bit(&files.ct, true, |hu| (hu as i16 as u16) & 0x0FFF);
    let (body, air) = body_and_air_hu(&ingest(dir.path()));
    assert!(
        body.abs() < 1.0 && (air + 1000.0).abs() < 1.0,
        "{body} {air}"
    );
}

// 4. Series selection.

/// A second attenuation-corrected PET of the same size: `description`, UID `<study>.<n>`.
fn second_pet(dir: &Path, study: &str, n: u32, description: &str) -> String {
    let uid = format!("1.2.826.0.1.3680043.10.1.{study}.{n}");
    copy_series(&dir.join("PT"), &dir.join(format!("PT{n}")), &uid, |o| {
        o.put_str(tags::SERIES_DESCRIPTION, VR::LO, description);
    });
    uid
}

#[test]
fn the_standard_reconstruction_is_preferred_over_psf_whatever_the_uid_order() {
    let dir = tempfile::tempdir().unwrap();
    phantom(dir.path(), "65");
    let psf = second_pet(dir.path(), "65", 0, "PET WB PSF+TOF");
    let ingested = ingest(dir.path());
    assert_eq!(
        ingested.info.pet_series_uid,
        "1.2.826.0.1.3680043.10.1.65.2"
    );
    assert!(ingested.info.pet_choice.contains("standard reconstruction"));
    let rejected = &ingested.info.rejected_series;
    assert!(
        rejected
            .iter()
            .any(|s| s.what.contains(&psf) && s.reason.contains("not PSF")),
        "{rejected:?}"
    );
    assert!(!rejected.iter().any(|s| s.reason.contains("larger")));
}

#[test]
fn a_pet_mip_stored_as_modality_pt_is_rejected_as_derived() {
    let dir = tempfile::tempdir().unwrap();
    phantom(dir.path(), "66");
    let uid = "1.2.826.0.1.3680043.10.1.66.0";
    copy_series(&dir.path().join("PT"), &dir.path().join("MIP"), uid, |o| {
        o.put_str(tags::IMAGE_TYPE, VR::CS, "DERIVED\\SECONDARY\\MIP");
        o.put_str(tags::IMAGE_ORIENTATION_PATIENT, VR::DS, "1\\0\\0\\0\\0\\-1");
    });
    let ingested = ingest(dir.path());
    assert_eq!(
        ingested.info.pet_series_uid,
        "1.2.826.0.1.3680043.10.1.66.2"
    );
    assert!(
        ingested
            .info
            .rejected_series
            .iter()
            .any(|s| s.what.contains(uid) && s.reason.contains("derived image")),
        "{:?}",
        ingested.info.rejected_series
    );
}

#[test]
fn the_attenuation_ct_is_preferred_over_a_thin_diagnostic_ct_at_equal_overlap() {
    let dir = tempfile::tempdir().unwrap();
    phantom(&dir.path().join("exam"), "67");
    let mut thin = PhantomSpec::small("67");
    (thin.ct.slice_mm, thin.ct.slices) = (2.5, 79);
    write_phantom(&dir.path().join("thin"), &thin).unwrap();
    let uid = "1.2.826.0.1.3680043.10.1.67.0";
    copy_series(
        &dir.path().join("thin/CT"),
        &dir.path().join("exam/CT_THIN"),
        uid,
        |o| {
            o.put_str(tags::FRAME_OF_REFERENCE_UID, VR::UI, "1.2.3.4.999");
            o.put_str(tags::SERIES_TIME, VR::TM, "101500");
        },
    );
    let ingested = ingest(&dir.path().join("exam"));
    assert_eq!(ingested.info.ct_series_uid, "1.2.826.0.1.3680043.10.1.67.1");
    assert!(
        ingested.info.ct_choice.contains("FrameOfReferenceUID"),
        "{}",
        ingested.info.ct_choice
    );
}

#[test]
fn a_series_named_by_description_pattern_is_taken() {
    let dir = tempfile::tempdir().unwrap();
    phantom(dir.path(), "68");
    let psf = second_pet(dir.path(), "68", 3, "PET WB PSF+TOF");
    let settings = ExamSettings {
        selection: SeriesSelection {
            pet: SeriesPattern::new("*psf*"),
            ..SeriesSelection::default()
        },
        ..ExamSettings::on_grid(&GRID)
    };
    let ingested = ingest_dir_with(&exam("e"), dir.path(), &settings).unwrap();
    assert_eq!(ingested.info.pet_series_uid, psf);
    assert!(
        ingested
            .info
            .pet_choice
            .contains("asked for (--pet-series *psf*)")
    );
}

#[test]
fn the_manifest_pet_series_column_chooses_per_exam() {
    let dir = tempfile::tempdir().unwrap();
    phantom(&dir.path().join("a"), "69");
    let psf = second_pet(&dir.path().join("a"), "69", 3, "PET WB PSF+TOF");
    let manifest = dir.path().join("manifest.csv");
    std::fs::write(
        &manifest,
        format!("exam_id,dicom_dir,pet_series\nE1,a,{psf}\n"),
    )
    .unwrap();
    let store = ExamStore::open(dir.path().join("store")).unwrap();
    cohort(&store, IngestSource::Manifest(manifest), &on_grid());
    assert_eq!(
        store.info(&exam("E1")).unwrap().unwrap().pet_series_uid,
        psf
    );
}

#[test]
fn pet_and_ct_of_two_studies_of_one_patient_and_day_pair_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    phantom(&dir.path().join("a"), "70");
    phantom(&dir.path().join("b"), "71");
    let mixed = dir.path().join("mixed");
    std::fs::create_dir_all(&mixed).unwrap();
    std::fs::rename(dir.path().join("a/PT"), mixed.join("PT")).unwrap();
    std::fs::rename(dir.path().join("b/CT"), mixed.join("CT")).unwrap();
    assert!(error_of(&mixed).contains("--pair-studies"));
    let settings = ExamSettings {
        selection: SeriesSelection {
            pairing: StudyPairing::SamePatientAndDay,
            ..SeriesSelection::default()
        },
        ..ExamSettings::on_grid(&GRID)
    };
    let ingested = ingest_dir_with(&exam("e"), &mixed, &settings).unwrap();
    assert!(
        ingested.info.ct_choice.contains("paired"),
        "{}",
        ingested.info.ct_choice
    );
}

#[test]
fn equally_ranked_series_are_taken_by_series_number_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    phantom(dir.path(), "72");
    second_pet(dir.path(), "72", 3, "PET WB AC");
    let ingested = ingest(dir.path());
    assert_eq!(
        ingested.info.pet_series_uid,
        "1.2.826.0.1.3680043.10.1.72.2"
    );
    assert!(
        ingested
            .info
            .warnings
            .iter()
            .any(|w| w.contains("equally ranked")),
        "{:?}",
        ingested.info.warnings
    );
}

// 5. Messages.

#[test]
fn slightly_irregular_spacing_is_resampled_with_a_note_not_called_missing_slices() {
    let dir = tempfile::tempdir().unwrap();
    let files = phantom(dir.path(), "73");
    edit(&files.pet[10], |o| {
        // Slice 10 at z -10 moves 4.8 mm up: steps of 12.8 and 3.2 mm where slices are 8 apart.
        o.put_str(
            tags::IMAGE_POSITION_PATIENT,
            VR::DS,
            "-155.0000\\-155.0000\\-5.2000",
        );
    });
    let ingested = ingest(dir.path());
    assert!(
        ingested
            .info
            .warnings
            .iter()
            .any(|w| w.contains("PET: irregular slice spacing (3.20 to 12.80 mm")),
        "{:?}",
        ingested.info.warnings
    );
}

#[test]
fn a_weight_written_with_a_decimal_comma_is_read_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let files = phantom(dir.path(), "74");
    edit_all(&files.pet, |o| {
        o.put_str(tags::PATIENT_WEIGHT, VR::DS, "78,5");
    });
    let ingested = ingest(dir.path());
    assert!(ingested.info.suv_method.contains("weight 78.5 kg"));
    assert_eq!(
        ingested.info.repairs,
        ["PatientWeight (0010,1030) written \"78,5\" with a decimal comma: read as 78.5"]
    );
}

// 6. Provenance.

#[test]
fn the_store_keeps_the_choices_the_left_out_series_and_files() {
    let dir = tempfile::tempdir().unwrap();
    phantom(&dir.path().join("a"), "75");
    std::fs::write(dir.path().join("a/notes.txt"), "not DICOM").unwrap();
    let nac = "1.2.826.0.1.3680043.10.1.75.4";
    copy_series(
        &dir.path().join("a/PT"),
        &dir.path().join("a/NAC"),
        nac,
        |o| {
            o.put_str(tags::CORRECTED_IMAGE, VR::CS, "DECY");
        },
    );
    let manifest = dir.path().join("manifest.csv");
    std::fs::write(&manifest, "exam_id,dicom_dir\nE1,a\n").unwrap();
    let store = ExamStore::open(dir.path().join("store")).unwrap();
    cohort(&store, IngestSource::Manifest(manifest), &on_grid());
    let info = store.info(&exam("E1")).unwrap().unwrap();
    assert_eq!(info.pet_choice, "the only usable PT series");
    assert_eq!(info.rejected_series.len(), 1);
    assert!(info.rejected_series[0].what.contains(nac));
    assert!(
        info.rejected_series[0]
            .reason
            .contains("not attenuation corrected")
    );
    assert!(info.skipped_files[0].what.ends_with("notes.txt"));
}
