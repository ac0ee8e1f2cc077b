//! A minimal PET/CT phantom written as real DICOM series, for this crate's tests and for
//! `uptake bench ingest` (independent from the synthetic cohort in `uptake-synth`, so ingestion
//! is checked against files whose every tag is known).
//!
//! The phantom: air (-1000 HU, SUV 0) around a water cylinder along z (0 HU, SUV `body_suv`)
//! holding a sphere (`lesion_hu`, `lesion_suv`). CT stored as u16 with intercept -1024; PET stored
//! as BQML with a per-slice RescaleSlope (as GE writes it) and decay correction START.

use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, VR, smallvec::SmallVec};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// One series' grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesGrid {
    /// Pixels per side.
    pub size: usize,
    /// Pixel side.
    pub pixel_mm: f64,
    /// Number of slices.
    pub slices: usize,
    /// Distance between slices.
    pub slice_mm: f64,
    /// z of the lowest slice (LPS, mm).
    pub z0_mm: f64,
}

/// Everything that makes a phantom exam: its UIDs, the two series' grids, the body and the
/// lesion, and the SUV tags.
#[derive(Debug, Clone, PartialEq)]
pub struct PhantomSpec {
    /// StudyInstanceUID.
    pub study_uid: String,
    /// AccessionNumber (the exam id when a folder tree is ingested).
    pub accession: String,
    /// The CT series.
    pub ct: SeriesGrid,
    /// The PET series.
    pub pet: SeriesGrid,
    /// Radius of the water cylinder.
    pub body_radius_mm: f64,
    /// SUV of the cylinder.
    pub body_suv: f64,
    /// Lesion centre in LPS `[x, y, z]`.
    pub lesion_centre_mm: [f64; 3],
    /// Lesion radius.
    pub lesion_radius_mm: f64,
    /// SUV of the lesion.
    pub lesion_suv: f64,
    /// HU of the lesion.
    pub lesion_hu: f64,
    /// PatientWeight.
    pub weight_kg: f64,
    /// RadionuclideTotalDose.
    pub dose_bq: f64,
    /// RadionuclideHalfLife.
    pub half_life_s: f64,
    /// RadiopharmaceuticalStartTime (TM).
    pub injection_time: String,
    /// SeriesTime (TM).
    pub series_time: String,
}

impl PhantomSpec {
    /// A small exam for tests: CT 64x64 at 5 mm, 40 slices of 5 mm; PET 32x32 at 10 mm, 24 slices
    /// of 8 mm, offset in z; 1 h uptake.
    pub fn small(study: &str) -> PhantomSpec {
        PhantomSpec {
            study_uid: format!("1.2.826.0.1.3680043.10.1.{study}"),
            accession: format!("ACC{study}"),
            ct: SeriesGrid {
                size: 64,
                pixel_mm: 5.0,
                slices: 40,
                slice_mm: 5.0,
                z0_mm: -100.0,
            },
            pet: SeriesGrid {
                size: 32,
                pixel_mm: 10.0,
                slices: 24,
                slice_mm: 8.0,
                z0_mm: -90.0,
            },
            body_radius_mm: 120.0,
            body_suv: 1.0,
            lesion_centre_mm: [20.0, -10.0, 0.0],
            lesion_radius_mm: 40.0,
            lesion_suv: 8.0,
            lesion_hu: 60.0,
            weight_kg: 75.0,
            dose_bq: 370e6,
            half_life_s: 6586.2,
            injection_time: "083000".into(),
            series_time: "093000".into(),
        }
    }

    /// The benchmark exam of the imaging issue: CT 512x512 (0.98 mm) x 250 slices of 3 mm,
    /// PET 128x128 (4.7 mm) x 250 slices of 3 mm.
    pub fn bench() -> PhantomSpec {
        PhantomSpec {
            ct: SeriesGrid {
                size: 512,
                pixel_mm: 0.977,
                slices: 250,
                slice_mm: 3.0,
                z0_mm: -600.0,
            },
            pet: SeriesGrid {
                size: 128,
                pixel_mm: 4.69,
                slices: 250,
                slice_mm: 3.0,
                z0_mm: -598.0,
            },
            body_radius_mm: 180.0,
            lesion_centre_mm: [40.0, -20.0, -200.0],
            lesion_radius_mm: 15.0,
            ..PhantomSpec::small("9000")
        }
    }

    /// Expected SUV at a point (before resampling).
    pub fn suv_at(&self, p: [f64; 3]) -> f64 {
        if dist(p, self.lesion_centre_mm) <= self.lesion_radius_mm {
            self.lesion_suv
        } else if (p[0] * p[0] + p[1] * p[1]).sqrt() <= self.body_radius_mm {
            self.body_suv
        } else {
            0.0
        }
    }

    /// Expected HU at a point.
    pub fn hu_at(&self, p: [f64; 3]) -> f64 {
        if dist(p, self.lesion_centre_mm) <= self.lesion_radius_mm {
            self.lesion_hu
        } else if (p[0] * p[0] + p[1] * p[1]).sqrt() <= self.body_radius_mm {
            0.0
        } else {
            -1000.0
        }
    }

    /// The SUV factor this phantom's tags imply (decay from injection to series time).
    pub fn suv_factor(&self) -> f64 {
        let t = |s: &str| crate::suv::DicomDateTime::from_da_tm(None, s).expect("valid TM");
        let decay_s = t(&self.series_time).seconds_since(&t(&self.injection_time));
        crate::suv::suv_bw_factor(self.weight_kg, self.dose_bq, self.half_life_s, decay_s)
    }
}

fn dist(a: [f64; 3], b: [f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// The folders written: `<dir>/CT` and `<dir>/PT`, one file per slice.
#[derive(Debug, Clone)]
pub struct PhantomFiles {
    /// The CT slices.
    pub ct: Vec<PathBuf>,
    /// The PET slices.
    pub pet: Vec<PathBuf>,
}

fn put(obj: &mut InMemDicomObject, tag: dicom_core::Tag, vr: VR, value: impl Into<String>) {
    obj.put_str(tag, vr, value);
}

fn base_object(
    spec: &PhantomSpec,
    modality: &str,
    series_uid: &str,
    grid: &SeriesGrid,
    slice: usize,
) -> InMemDicomObject {
    let mut o = InMemDicomObject::new_empty();
    let (sop_class, description) = if modality == "CT" {
        ("1.2.840.10008.5.1.4.1.1.2", "CT WB")
    } else {
        ("1.2.840.10008.5.1.4.1.1.128", "PET WB AC")
    };
    let half = (grid.size as f64 - 1.0) / 2.0 * grid.pixel_mm;
    let z = grid.z0_mm + slice as f64 * grid.slice_mm;
    let texts: [(dicom_core::Tag, VR, String); 20] = [
        (tags::SOP_CLASS_UID, VR::UI, sop_class.into()),
        (
            tags::SOP_INSTANCE_UID,
            VR::UI,
            format!("{series_uid}.{}", slice + 1),
        ),
        (tags::STUDY_INSTANCE_UID, VR::UI, spec.study_uid.clone()),
        (tags::SERIES_INSTANCE_UID, VR::UI, series_uid.into()),
        (
            tags::FRAME_OF_REFERENCE_UID,
            VR::UI,
            format!("{}.9", spec.study_uid),
        ),
        (tags::MODALITY, VR::CS, modality.into()),
        (tags::PATIENT_ID, VR::LO, "PHANTOM".into()),
        (tags::ACCESSION_NUMBER, VR::SH, spec.accession.clone()),
        (tags::STUDY_DATE, VR::DA, "20240115".into()),
        (tags::SERIES_DATE, VR::DA, "20240115".into()),
        (tags::SERIES_TIME, VR::TM, spec.series_time.clone()),
        (tags::ACQUISITION_DATE, VR::DA, "20240115".into()),
        (tags::ACQUISITION_TIME, VR::TM, spec.series_time.clone()),
        (tags::SERIES_DESCRIPTION, VR::LO, description.into()),
        (tags::INSTANCE_NUMBER, VR::IS, (slice + 1).to_string()),
        (
            tags::IMAGE_POSITION_PATIENT,
            VR::DS,
            format!("{:.4}\\{:.4}\\{:.4}", -half, -half, z),
        ),
        (
            tags::IMAGE_ORIENTATION_PATIENT,
            VR::DS,
            "1\\0\\0\\0\\1\\0".into(),
        ),
        (
            tags::PIXEL_SPACING,
            VR::DS,
            format!("{:.4}\\{:.4}", grid.pixel_mm, grid.pixel_mm),
        ),
        (
            tags::SLICE_THICKNESS,
            VR::DS,
            format!("{:.4}", grid.slice_mm),
        ),
        (
            tags::PHOTOMETRIC_INTERPRETATION,
            VR::CS,
            "MONOCHROME2".into(),
        ),
    ];
    for (tag, vr, value) in texts {
        put(&mut o, tag, vr, value);
    }
    let numbers = [
        (tags::SAMPLES_PER_PIXEL, 1u16),
        (tags::ROWS, grid.size as u16),
        (tags::COLUMNS, grid.size as u16),
        (tags::BITS_ALLOCATED, 16),
        (tags::BITS_STORED, 16),
        (tags::HIGH_BIT, 15),
        (tags::PIXEL_REPRESENTATION, 0),
    ];
    for (tag, value) in numbers {
        o.put(DataElement::new(tag, VR::US, PrimitiveValue::from(value)));
    }
    o
}

fn slice_points(grid: &SeriesGrid, slice: usize) -> impl Iterator<Item = [f64; 3]> + '_ {
    let half = (grid.size as f64 - 1.0) / 2.0 * grid.pixel_mm;
    let z = grid.z0_mm + slice as f64 * grid.slice_mm;
    (0..grid.size * grid.size).map(move |p| {
        let (r, c) = (p / grid.size, p % grid.size);
        [
            -half + c as f64 * grid.pixel_mm,
            -half + r as f64 * grid.pixel_mm,
            z,
        ]
    })
}

fn write_object(obj: InMemDicomObject, path: &Path) -> std::io::Result<()> {
    let file = obj
        .with_meta(FileMetaTableBuilder::new().transfer_syntax("1.2.840.10008.1.2.1"))
        .map_err(std::io::Error::other)?;
    file.write_to_file(path).map_err(std::io::Error::other)
}

/// Writes the phantom's CT and PET series under `dir` (slices in parallel).
pub fn write_phantom(dir: &Path, spec: &PhantomSpec) -> std::io::Result<PhantomFiles> {
    let ct_dir = dir.join("CT");
    let pet_dir = dir.join("PT");
    std::fs::create_dir_all(&ct_dir)?;
    std::fs::create_dir_all(&pet_dir)?;
    let ct_series = format!("{}.1", spec.study_uid);
    let pet_series = format!("{}.2", spec.study_uid);
    let ct = (0..spec.ct.slices)
        .into_par_iter()
        .map(|s| {
            let path = ct_dir.join(format!("ct_{:04}.dcm", s + 1));
            write_object(ct_slice(spec, &ct_series, s), &path)?;
            Ok(path)
        })
        .collect::<std::io::Result<Vec<_>>>()?;
    let pet = (0..spec.pet.slices)
        .into_par_iter()
        .map(|s| {
            let path = pet_dir.join(format!("pt_{:04}.dcm", s + 1));
            write_object(pet_slice(spec, &pet_series, s), &path)?;
            Ok(path)
        })
        .collect::<std::io::Result<Vec<_>>>()?;
    Ok(PhantomFiles { ct, pet })
}

/// CT slice `s`: HU stored as u16 with intercept -1024.
fn ct_slice(spec: &PhantomSpec, series_uid: &str, s: usize) -> InMemDicomObject {
    let mut o = base_object(spec, "CT", series_uid, &spec.ct, s);
    put(&mut o, tags::RESCALE_INTERCEPT, VR::DS, "-1024");
    put(&mut o, tags::RESCALE_SLOPE, VR::DS, "1");
    put(&mut o, tags::IMAGE_TYPE, VR::CS, "ORIGINAL\\PRIMARY\\AXIAL");
    let pixels: Vec<u16> = slice_points(&spec.ct, s)
        .map(|p| (spec.hu_at(p) + 1024.0).round().clamp(0.0, 4095.0) as u16)
        .collect();
    o.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OW,
        PrimitiveValue::U16(SmallVec::from_vec(pixels)),
    ));
    o
}

/// PET slice `s`: BQML with a per-slice slope, decay correction START.
fn pet_slice(spec: &PhantomSpec, series_uid: &str, s: usize) -> InMemDicomObject {
    let bqml_per_suv = 1.0 / spec.suv_factor();
    let mut o = base_object(spec, "PT", series_uid, &spec.pet, s);
    let bqml: Vec<f64> = slice_points(&spec.pet, s)
        .map(|p| spec.suv_at(p) * bqml_per_suv)
        .collect();
    let max = bqml.iter().cloned().fold(0.0, f64::max);
    // Per-slice slope, as GE writes it: the slice's maximum maps to 32767.
    let slope = if max > 0.0 { max / 32767.0 } else { 1.0 };
    let pixels: Vec<u16> = bqml.iter().map(|v| (v / slope).round() as u16).collect();
    put(&mut o, tags::RESCALE_INTERCEPT, VR::DS, "0");
    put(&mut o, tags::RESCALE_SLOPE, VR::DS, format!("{slope:.10e}"));
    put(&mut o, tags::UNITS, VR::CS, "BQML");
    put(&mut o, tags::DECAY_CORRECTION, VR::CS, "START");
    put(
        &mut o,
        tags::CORRECTED_IMAGE,
        VR::CS,
        "DECY\\ATTN\\SCAT\\DTIM",
    );
    put(&mut o, tags::IMAGE_TYPE, VR::CS, "ORIGINAL\\PRIMARY");
    o.put(DataElement::new(
        tags::PATIENT_WEIGHT,
        VR::DS,
        PrimitiveValue::from(format!("{}", spec.weight_kg)),
    ));
    o.put(DataElement::new(
        tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE,
        VR::SQ,
        DataSetSequence::from(vec![radiopharmaceutical(spec)]),
    ));
    o.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OW,
        PrimitiveValue::U16(SmallVec::from_vec(pixels)),
    ));
    o
}

/// The RadiopharmaceuticalInformationSequence item: FDG, injection time, dose, half-life.
fn radiopharmaceutical(spec: &PhantomSpec) -> InMemDicomObject {
    let mut item = InMemDicomObject::new_empty();
    put(
        &mut item,
        tags::RADIOPHARMACEUTICAL,
        VR::LO,
        "Fluorodeoxyglucose",
    );
    put(
        &mut item,
        tags::RADIOPHARMACEUTICAL_START_TIME,
        VR::TM,
        spec.injection_time.clone(),
    );
    put(
        &mut item,
        tags::RADIONUCLIDE_TOTAL_DOSE,
        VR::DS,
        format!("{}", spec.dose_bq),
    );
    put(
        &mut item,
        tags::RADIONUCLIDE_HALF_LIFE,
        VR::DS,
        format!("{}", spec.half_life_s),
    );
    item
}
