//! Writes a phantom as real DICOM Part-10 files: one CT series (HU through rescale slope and
//! intercept) and one PET series (Bq/ml, BQML, decay corrected to the scan start, a different
//! rescale slope per slice as GE and Siemens scanners write it).
//!
//! The PET values are made so that the body-weight SUV formula gives back the phantom's SUV:
//! SUV = value (Bq/ml) * weight (g) / (dose (Bq) * 2^(-(series time - injection time) / T1/2)).
//! Every number that formula reads is taken back from its DICOM text form (DS, TM) before the
//! pixel values are computed, so a reader recovers the SUV up to integer rounding of a pixel.

use crate::dates::Instant;
use crate::phantom::{Phantom, SliceGrid};
use dicom_core::value::{C, DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::InMemDicomObject;
use dicom_object::meta::FileMetaTableBuilder;
use rand::Rng;
use rand_distr::{Distribution, Normal};
use serde::Serialize;
use std::path::{Path, PathBuf};

pub const F18_HALF_LIFE_S: f64 = 6586.2;
const CT_IMAGE_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.2";
const PET_IMAGE_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.128";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Vendor {
    /// Signed 16-bit CT with intercept -1024, PET 3.27 mm slices.
    Ge,
    /// Unsigned 12-bit CT with intercept -1024.
    Siemens,
}

impl Vendor {
    fn manufacturer(self) -> &'static str {
        match self {
            Vendor::Ge => "GE MEDICAL SYSTEMS",
            Vendor::Siemens => "SIEMENS",
        }
    }
}

/// One series' axial sampling.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SeriesGeometry {
    /// Rows = columns.
    pub size: usize,
    pub pixel_mm: f32,
    pub slice_mm: f32,
    /// Centre of the reconstruction field of view in x and y.
    pub center_mm: [f32; 2],
    /// z of the first (most superior) slice; later slices go towards the feet.
    pub z_top_mm: f32,
    pub slices: usize,
}

impl SeriesGeometry {
    pub fn grid(&self) -> SliceGrid {
        let half = (self.size as f32 - 1.0) / 2.0 * self.pixel_mm;
        SliceGrid {
            rows: self.size,
            cols: self.size,
            spacing_mm: [self.pixel_mm, self.pixel_mm],
            origin_mm: [self.center_mm[0] - half, self.center_mm[1] - half],
        }
    }

    pub fn z(&self, index: usize) -> f32 {
        self.z_top_mm - index as f32 * self.slice_mm
    }
}

/// Everything about how an exam was acquired, planned once per exam from the cohort seed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Acquisition {
    pub vendor: Vendor,
    pub study_start: Instant,
    pub injection: Instant,
    pub ct_start: Instant,
    pub pet_start: Instant,
    /// Seconds per PET bed position (AcquisitionTime steps by this along the body).
    pub bed_duration_s: i64,
    pub bed_length_mm: f32,
    pub dose_bq: f64,
    pub ct: SeriesGeometry,
    pub pet: SeriesGeometry,
    /// Also write RadiopharmaceuticalStartDateTime (many scanners give only the time).
    pub write_injection_datetime: bool,
    pub ct_noise_hu: f32,
    /// Relative (multiplicative) PET noise.
    pub pet_noise: f32,
}

/// Deterministic UIDs under the 2.25 (UUID-derived integer) root.
#[derive(Debug, Clone, Copy)]
pub struct UidSource {
    pub seed: u64,
    pub exam_index: u64,
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl UidSource {
    /// `kind`: 1 study, 2 frame of reference, 3 CT series, 4 PET series, 10 CT instance, 11 PET instance.
    pub fn uid(&self, kind: u64, n: u64) -> String {
        let a = splitmix(self.seed ^ splitmix(self.exam_index ^ splitmix(kind ^ splitmix(n))));
        let b = splitmix(a ^ 0x5EED);
        // 122 bits like a random UUID, never zero, so the component has no leading zero.
        let v = (((a as u128) << 64) | b as u128) >> 6 | 1;
        format!("2.25.{v}")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DicomWriteError {
    #[error("cannot create {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write DICOM file {path}: {message}")]
    Write { path: PathBuf, message: String },
}

/// What the writer produced (for the region map and tests).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WrittenSeries {
    pub ct_files: usize,
    pub pet_files: usize,
    /// Bq/ml per SUV unit, as a reader recomputes it from the tags.
    pub bqml_per_suv: f64,
}

/// DICOM DS text (at most 16 characters) for a value.
pub fn ds(v: f64) -> String {
    for prec in (0..=10).rev() {
        let s = format!("{v:.prec$}");
        if s.len() <= 16 {
            if s.contains('.') {
                let t = s.trim_end_matches('0').trim_end_matches('.');
                return t.to_string();
            }
            return s;
        }
    }
    format!("{v:.6e}")
}

fn parse_ds(s: &str) -> f64 {
    s.trim().parse().unwrap_or(f64::NAN)
}

fn text(obj: &mut InMemDicomObject, tag: Tag, vr: VR, value: impl Into<String>) {
    obj.put(DataElement::new(
        tag,
        vr,
        PrimitiveValue::from(value.into()),
    ));
}

fn us(obj: &mut InMemDicomObject, tag: Tag, value: u16) {
    obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(value)));
}

/// Patient, study and equipment attributes shared by both series.
struct Common<'a> {
    patient_id: &'a str,
    sex: &'a str,
    age_years: u32,
    weight_kg: String,
    height_m: String,
    study_uid: String,
    frame_uid: String,
    accession: String,
    acq: &'a Acquisition,
}

impl Common<'_> {
    fn put(&self, obj: &mut InMemDicomObject) {
        text(obj, tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100");
        text(
            obj,
            tags::PATIENT_NAME,
            VR::PN,
            format!("SYNTHETIC^{}", self.patient_id),
        );
        text(obj, tags::PATIENT_ID, VR::LO, self.patient_id);
        text(obj, tags::PATIENT_SEX, VR::CS, self.sex);
        text(
            obj,
            tags::PATIENT_AGE,
            VR::AS,
            format!("{:03}Y", self.age_years.min(999)),
        );
        text(obj, tags::PATIENT_WEIGHT, VR::DS, self.weight_kg.clone());
        text(obj, tags::PATIENT_SIZE, VR::DS, self.height_m.clone());
        text(
            obj,
            tags::STUDY_INSTANCE_UID,
            VR::UI,
            self.study_uid.clone(),
        );
        text(
            obj,
            tags::STUDY_DATE,
            VR::DA,
            self.acq.study_start.day.dicom(),
        );
        text(
            obj,
            tags::STUDY_TIME,
            VR::TM,
            self.acq.study_start.dicom_time(),
        );
        text(obj, tags::STUDY_ID, VR::SH, "1");
        text(obj, tags::ACCESSION_NUMBER, VR::SH, self.accession.clone());
        text(
            obj,
            tags::STUDY_DESCRIPTION,
            VR::LO,
            "PET/CT WHOLE BODY FDG",
        );
        text(obj, tags::REFERRING_PHYSICIAN_NAME, VR::PN, "");
        text(
            obj,
            tags::FRAME_OF_REFERENCE_UID,
            VR::UI,
            self.frame_uid.clone(),
        );
        text(obj, tags::POSITION_REFERENCE_INDICATOR, VR::LO, "");
        text(
            obj,
            tags::MANUFACTURER,
            VR::LO,
            self.acq.vendor.manufacturer(),
        );
        text(obj, tags::PATIENT_POSITION, VR::CS, "HFS");
        text(obj, tags::BODY_PART_EXAMINED, VR::CS, "WHOLEBODY");
    }
}

fn image_plane(obj: &mut InMemDicomObject, g: &SeriesGeometry, index: usize) {
    let grid = g.grid();
    let z = g.z(index);
    text(
        obj,
        tags::IMAGE_POSITION_PATIENT,
        VR::DS,
        format!(
            "{}\\{}\\{}",
            ds(grid.origin_mm[0] as f64),
            ds(grid.origin_mm[1] as f64),
            ds(z as f64)
        ),
    );
    text(
        obj,
        tags::IMAGE_ORIENTATION_PATIENT,
        VR::DS,
        "1\\0\\0\\0\\1\\0",
    );
    text(obj, tags::SLICE_LOCATION, VR::DS, ds(z as f64));
    // PixelSpacing is (between rows, between columns) = (dy, dx).
    text(
        obj,
        tags::PIXEL_SPACING,
        VR::DS,
        format!(
            "{}\\{}",
            ds(grid.spacing_mm[1] as f64),
            ds(grid.spacing_mm[0] as f64)
        ),
    );
    text(obj, tags::SLICE_THICKNESS, VR::DS, ds(g.slice_mm as f64));
    us(obj, tags::ROWS, g.size as u16);
    us(obj, tags::COLUMNS, g.size as u16);
    us(obj, tags::SAMPLES_PER_PIXEL, 1);
    text(obj, tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2");
    us(obj, tags::BITS_ALLOCATED, 16);
}

fn save(obj: InMemDicomObject, path: &Path) -> Result<(), DicomWriteError> {
    let err = |message: String| DicomWriteError::Write {
        path: path.to_path_buf(),
        message,
    };
    let file = obj
        .with_meta(FileMetaTableBuilder::new().transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN))
        .map_err(|e| err(e.to_string()))?;
    file.write_to_file(path).map_err(|e| err(e.to_string()))
}

/// Patient-level inputs of the writer.
pub struct PatientTags<'a> {
    pub patient_id: &'a str,
    pub exam_id: &'a str,
    pub female: bool,
    pub age_years: u32,
    pub weight_kg: f32,
    pub height_cm: f32,
}

/// The factor from SUV to stored Bq/ml, from the tag values exactly as written.
pub fn bqml_per_suv(acq: &Acquisition, weight_text: &str) -> f64 {
    let dose = parse_ds(&ds(acq.dose_bq));
    let half_life = parse_ds(&ds(F18_HALF_LIFE_S));
    let weight_g = parse_ds(weight_text) * 1000.0;
    let elapsed_s = acq.pet_start.since(acq.injection) as f64;
    let decayed = dose * (-(std::f64::consts::LN_2) * elapsed_s / half_life).exp();
    decayed / weight_g
}

/// Writes `dir/ct/*.dcm` and `dir/pet/*.dcm`.
pub fn write_series(
    phantom: &Phantom,
    patient: &PatientTags,
    acq: &Acquisition,
    uids: UidSource,
    dir: &Path,
    rng: &mut impl Rng,
) -> Result<WrittenSeries, DicomWriteError> {
    let ct_dir = dir.join("ct");
    let pet_dir = dir.join("pet");
    for d in [&ct_dir, &pet_dir] {
        std::fs::create_dir_all(d).map_err(|source| DicomWriteError::Dir {
            path: d.clone(),
            source,
        })?;
    }
    let weight_text = ds(((patient.weight_kg * 10.0).round() / 10.0) as f64);
    let common = Common {
        patient_id: patient.patient_id,
        sex: if patient.female { "F" } else { "M" },
        age_years: patient.age_years,
        weight_kg: weight_text.clone(),
        height_m: ds(((patient.height_cm as f64) / 100.0 * 100.0).round() / 100.0),
        study_uid: uids.uid(1, 0),
        frame_uid: uids.uid(2, 0),
        accession: format!(
            "A{}",
            patient
                .exam_id
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
        ),
        acq,
    };
    let ct_noise = Normal::new(0.0f32, acq.ct_noise_hu.max(0.0)).expect("finite sd");
    let pet_noise = Normal::new(0.0f32, acq.pet_noise.max(0.0)).expect("finite sd");

    // CT: rendered at the pixel centres (partial volume is negligible at sub-millimetre pixels).
    let ct_series_uid = uids.uid(3, 0);
    let ct_grid = acq.ct.grid();
    let signed = acq.vendor == Vendor::Ge;
    for i in 0..acq.ct.slices {
        let (hu, _) = phantom.render_slice(acq.ct.z(i), &ct_grid, 1);
        let max_stored = if signed { i16::MAX as f32 } else { 4095.0 };
        let min_stored = if signed { i16::MIN as f32 } else { 0.0 };
        let stored: Vec<u16> = hu
            .iter()
            .map(|&h| {
                let v = if h <= -999.0 {
                    h
                } else {
                    h + ct_noise.sample(rng)
                };
                let s = (v + 1024.0).round().clamp(min_stored, max_stored);
                if signed { (s as i16) as u16 } else { s as u16 }
            })
            .collect();
        let mut obj = InMemDicomObject::new_empty();
        common.put(&mut obj);
        text(&mut obj, tags::SOP_CLASS_UID, VR::UI, CT_IMAGE_STORAGE);
        text(
            &mut obj,
            tags::SOP_INSTANCE_UID,
            VR::UI,
            uids.uid(10, i as u64),
        );
        text(&mut obj, tags::MODALITY, VR::CS, "CT");
        text(
            &mut obj,
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            ct_series_uid.clone(),
        );
        text(&mut obj, tags::SERIES_NUMBER, VR::IS, "2");
        text(
            &mut obj,
            tags::SERIES_DESCRIPTION,
            VR::LO,
            format!("CT WB {}mm", ds(acq.ct.slice_mm as f64)),
        );
        text(
            &mut obj,
            tags::SERIES_DATE,
            VR::DA,
            acq.ct_start.day.dicom(),
        );
        text(
            &mut obj,
            tags::SERIES_TIME,
            VR::TM,
            acq.ct_start.dicom_time(),
        );
        text(
            &mut obj,
            tags::ACQUISITION_DATE,
            VR::DA,
            acq.ct_start.day.dicom(),
        );
        text(
            &mut obj,
            tags::ACQUISITION_TIME,
            VR::TM,
            acq.ct_start.dicom_time(),
        );
        text(
            &mut obj,
            tags::CONTENT_DATE,
            VR::DA,
            acq.ct_start.day.dicom(),
        );
        text(
            &mut obj,
            tags::CONTENT_TIME,
            VR::TM,
            acq.ct_start.dicom_time(),
        );
        text(
            &mut obj,
            tags::IMAGE_TYPE,
            VR::CS,
            "ORIGINAL\\PRIMARY\\AXIAL",
        );
        text(&mut obj, tags::INSTANCE_NUMBER, VR::IS, (i + 1).to_string());
        text(&mut obj, tags::KVP, VR::DS, "120");
        image_plane(&mut obj, &acq.ct, i);
        us(&mut obj, tags::BITS_STORED, if signed { 16 } else { 12 });
        us(&mut obj, tags::HIGH_BIT, if signed { 15 } else { 11 });
        us(&mut obj, tags::PIXEL_REPRESENTATION, u16::from(signed));
        text(&mut obj, tags::RESCALE_INTERCEPT, VR::DS, "-1024");
        text(&mut obj, tags::RESCALE_SLOPE, VR::DS, "1");
        text(&mut obj, tags::RESCALE_TYPE, VR::LO, "HU");
        text(&mut obj, tags::WINDOW_CENTER, VR::DS, "40");
        text(&mut obj, tags::WINDOW_WIDTH, VR::DS, "400");
        obj.put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U16(C::from_vec(stored)),
        ));
        save(obj, &ct_dir.join(format!("CT.{:04}.dcm", i + 1)))?;
    }

    // PET: Bq/ml decay-corrected to the series start, one rescale slope per slice.
    let per_suv = bqml_per_suv(acq, &weight_text);
    let pet_series_uid = uids.uid(4, 0);
    let pet_grid = acq.pet.grid();
    let radiopharm = {
        let mut item = InMemDicomObject::new_empty();
        text(
            &mut item,
            tags::RADIOPHARMACEUTICAL,
            VR::LO,
            "Fluorodeoxyglucose",
        );
        text(
            &mut item,
            tags::RADIOPHARMACEUTICAL_START_TIME,
            VR::TM,
            acq.injection.dicom_time(),
        );
        if acq.write_injection_datetime {
            text(
                &mut item,
                tags::RADIOPHARMACEUTICAL_START_DATE_TIME,
                VR::DT,
                acq.injection.dicom_datetime(),
            );
        }
        text(
            &mut item,
            tags::RADIONUCLIDE_TOTAL_DOSE,
            VR::DS,
            ds(acq.dose_bq),
        );
        text(
            &mut item,
            tags::RADIONUCLIDE_HALF_LIFE,
            VR::DS,
            ds(F18_HALF_LIFE_S),
        );
        text(
            &mut item,
            tags::RADIONUCLIDE_POSITRON_FRACTION,
            VR::DS,
            "0.9673",
        );
        item
    };
    for i in 0..acq.pet.slices {
        let z = acq.pet.z(i);
        let (_, suv) = phantom.render_slice(z, &pet_grid, 2);
        let bq: Vec<f64> = suv
            .iter()
            .map(|&u| {
                let noisy = (u * (1.0 + pet_noise.sample(rng))).max(0.0);
                noisy as f64 * per_suv
            })
            .collect();
        let max = bq.iter().cloned().fold(0.0f64, f64::max);
        let slope_text = ds(if max > 0.0 { max / 32000.0 } else { 1.0 });
        let slope = parse_ds(&slope_text);
        let stored: Vec<u16> = bq
            .iter()
            .map(|&v| ((v / slope).round().clamp(0.0, 32767.0) as i16) as u16)
            .collect();
        let bed = ((acq.pet.z_top_mm - z) / acq.bed_length_mm)
            .floor()
            .max(0.0) as i64;
        let acquired = acq.pet_start.plus_seconds(bed * acq.bed_duration_s);
        let mut obj = InMemDicomObject::new_empty();
        common.put(&mut obj);
        text(&mut obj, tags::SOP_CLASS_UID, VR::UI, PET_IMAGE_STORAGE);
        text(
            &mut obj,
            tags::SOP_INSTANCE_UID,
            VR::UI,
            uids.uid(11, i as u64),
        );
        text(&mut obj, tags::MODALITY, VR::CS, "PT");
        text(
            &mut obj,
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            pet_series_uid.clone(),
        );
        text(&mut obj, tags::SERIES_NUMBER, VR::IS, "3");
        text(&mut obj, tags::SERIES_DESCRIPTION, VR::LO, "PET WB AC");
        text(
            &mut obj,
            tags::SERIES_DATE,
            VR::DA,
            acq.pet_start.day.dicom(),
        );
        text(
            &mut obj,
            tags::SERIES_TIME,
            VR::TM,
            acq.pet_start.dicom_time(),
        );
        text(
            &mut obj,
            tags::ACQUISITION_DATE,
            VR::DA,
            acquired.day.dicom(),
        );
        text(
            &mut obj,
            tags::ACQUISITION_TIME,
            VR::TM,
            acquired.dicom_time(),
        );
        text(&mut obj, tags::CONTENT_DATE, VR::DA, acquired.day.dicom());
        text(&mut obj, tags::CONTENT_TIME, VR::TM, acquired.dicom_time());
        text(&mut obj, tags::IMAGE_TYPE, VR::CS, "ORIGINAL\\PRIMARY");
        text(&mut obj, tags::INSTANCE_NUMBER, VR::IS, (i + 1).to_string());
        text(&mut obj, tags::SERIES_TYPE, VR::CS, "WHOLE BODY\\IMAGE");
        text(&mut obj, tags::UNITS, VR::CS, "BQML");
        text(&mut obj, tags::COUNTS_SOURCE, VR::CS, "EMISSION");
        text(&mut obj, tags::DECAY_CORRECTION, VR::CS, "START");
        text(
            &mut obj,
            tags::CORRECTED_IMAGE,
            VR::CS,
            "DECY\\ATTN\\SCAT\\DTIM\\RAN\\NORM",
        );
        text(&mut obj, tags::RANDOMS_CORRECTION_METHOD, VR::CS, "DLYD");
        text(
            &mut obj,
            tags::ATTENUATION_CORRECTION_METHOD,
            VR::LO,
            "CTAC",
        );
        text(
            &mut obj,
            tags::ACTUAL_FRAME_DURATION,
            VR::IS,
            (acq.bed_duration_s * 1000).to_string(),
        );
        us(&mut obj, tags::NUMBER_OF_SLICES, acq.pet.slices as u16);
        us(&mut obj, tags::IMAGE_INDEX, (i + 1) as u16);
        obj.put(DataElement::new(
            tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE,
            VR::SQ,
            DataSetSequence::from(vec![radiopharm.clone()]),
        ));
        image_plane(&mut obj, &acq.pet, i);
        us(&mut obj, tags::BITS_STORED, 16);
        us(&mut obj, tags::HIGH_BIT, 15);
        us(&mut obj, tags::PIXEL_REPRESENTATION, 1);
        text(&mut obj, tags::RESCALE_INTERCEPT, VR::DS, "0");
        text(&mut obj, tags::RESCALE_SLOPE, VR::DS, slope_text);
        obj.put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U16(C::from_vec(stored)),
        ));
        save(obj, &pet_dir.join(format!("PT.{:04}.dcm", i + 1)))?;
    }
    Ok(WrittenSeries {
        ct_files: acq.ct.slices,
        pet_files: acq.pet.slices,
        bqml_per_suv: per_suv,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ds_text_fits_sixteen_characters_and_keeps_precision() {
        for v in [
            370_000_000.0,
            6586.2,
            0.000123456789,
            1.0 / 3.0,
            123456.789012345,
        ] {
            let s = ds(v);
            assert!(s.len() <= 16, "{s}");
            let back: f64 = s.parse().unwrap();
            assert!((back - v).abs() / v < 1e-6, "{v} -> {s}");
        }
        assert_eq!(ds(2.0), "2");
    }

    #[test]
    fn uids_are_deterministic_valid_and_distinct() {
        let u = UidSource {
            seed: 7,
            exam_index: 3,
        };
        let a = u.uid(10, 1);
        assert_eq!(
            a,
            UidSource {
                seed: 7,
                exam_index: 3
            }
            .uid(10, 1)
        );
        assert_ne!(a, u.uid(10, 2));
        assert_ne!(
            a,
            UidSource {
                seed: 8,
                exam_index: 3
            }
            .uid(10, 1)
        );
        assert!(a.len() <= 64);
        assert!(a.starts_with("2.25.") && !a.starts_with("2.25.0"));
        assert!(a[5..].chars().all(|c| c.is_ascii_digit()));
    }
}
