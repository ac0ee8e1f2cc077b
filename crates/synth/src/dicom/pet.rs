//! The PET series: Bq/ml (BQML) decay-corrected to the series start, one rescale slope per
//! slice as GE and Siemens scanners write it, acquisition times stepping by bed position.
//!
//! The values are made so that the body-weight SUV formula gives back the phantom's SUV:
//! SUV = value (Bq/ml) * weight (g) / (dose (Bq) * 2^(-(series time - injection time) / T1/2)).
//! Every number that formula reads is taken back from its DICOM text form (DS, TM) before the
//! pixel values are computed, so a reader recovers the SUV up to integer rounding of a pixel.

use super::acquisition::Acquisition;
use super::elements::{
    DicomWriteError, SliceTags, ds, image_plane, parse_ds, pixel_data, save, text, texts, us,
};
use super::exam::Exam;
use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use rand::Rng;
use rand_distr::{Distribution, Normal};
use std::path::Path;

/// Half-life of F-18.
const F18_HALF_LIFE_S: f64 = 6586.2;
const PET_IMAGE_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.128";

/// The factor from SUV to stored Bq/ml, from the tag values exactly as written.
fn bqml_per_suv(acq: &Acquisition, weight_text: &str) -> f64 {
    let dose = parse_ds(&ds(acq.dose_bq));
    let half_life = parse_ds(&ds(F18_HALF_LIFE_S));
    let weight_g = parse_ds(weight_text) * 1000.0;
    let elapsed_s = acq.pet_start.since(acq.injection) as f64;
    let decayed = dose * (-(std::f64::consts::LN_2) * elapsed_s / half_life).exp();
    decayed / weight_g
}

/// The radiopharmaceutical item: FDG, injection time, dose, half-life.
fn radiopharmaceutical(acq: &Acquisition) -> InMemDicomObject {
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
}

/// Writes `dir/PT.0001.dcm`, ... from head to feet.
pub(super) fn write_pet(
    exam: &Exam,
    dir: &Path,
    rng: &mut impl Rng,
) -> Result<(), DicomWriteError> {
    let (acq, uids) = (exam.acq, exam.uids);
    let per_suv = bqml_per_suv(acq, &exam.weight_text);
    let noise = Normal::new(0.0f32, acq.pet_noise.max(0.0)).expect("finite sd");
    let series_uid = uids.uid(4, 0);
    let grid = acq.pet.grid();
    let radiopharm = radiopharmaceutical(acq);
    for i in 0..acq.pet.slices {
        let z = acq.pet.z(i);
        let (_, suv) = exam.phantom.render_slice(z, &grid, 2);
        let (stored, slope_text) = stored_pixels(&suv, per_suv, &noise, rng);
        let bed = ((acq.pet.z_top_mm - z) / acq.bed_length_mm)
            .floor()
            .max(0.0) as i64;
        let mut obj = InMemDicomObject::new_empty();
        exam.put_study(&mut obj);
        SliceTags {
            sop_class: PET_IMAGE_STORAGE,
            instance_uid: uids.uid(11, i as u64),
            modality: "PT",
            series_uid: &series_uid,
            series_number: "3",
            description: "PET WB AC".to_string(),
            series_start: acq.pet_start,
            acquired: acq.pet_start.plus_seconds(bed * acq.bed_duration_s),
            image_type: "ORIGINAL\\PRIMARY",
            index: i,
        }
        .put(&mut obj);
        pet_tags(&mut obj, acq, i);
        obj.put(DataElement::new(
            tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE,
            VR::SQ,
            DataSetSequence::from(vec![radiopharm.clone()]),
        ));
        text(&mut obj, tags::RESCALE_SLOPE, VR::DS, slope_text);
        pixel_data(&mut obj, stored);
        save(obj, &dir.join(format!("PT.{:04}.dcm", i + 1)))?;
    }
    Ok(())
}

/// Stored values of one slice (Bq/ml with multiplicative noise, over the slice's rescale
/// slope) and the slope as written.
fn stored_pixels(
    suv: &[f32],
    per_suv: f64,
    noise: &Normal<f32>,
    rng: &mut impl Rng,
) -> (Vec<u16>, String) {
    let bq: Vec<f64> = suv
        .iter()
        .map(|&u| {
            let noisy = (u * (1.0 + noise.sample(rng))).max(0.0);
            noisy as f64 * per_suv
        })
        .collect();
    let max = bq.iter().cloned().fold(0.0f64, f64::max);
    let slope_text = ds(if max > 0.0 { max / 32000.0 } else { 1.0 });
    let slope = parse_ds(&slope_text);
    let stored = bq
        .iter()
        .map(|&v| ((v / slope).round().clamp(0.0, 32767.0) as i16) as u16)
        .collect();
    (stored, slope_text)
}

/// Units, corrections, frame duration, slice index, image plane and pixel format.
fn pet_tags(obj: &mut InMemDicomObject, acq: &Acquisition, index: usize) {
    texts(
        obj,
        &[
            (tags::SERIES_TYPE, VR::CS, "WHOLE BODY\\IMAGE"),
            (tags::UNITS, VR::CS, "BQML"),
            (tags::COUNTS_SOURCE, VR::CS, "EMISSION"),
            (tags::DECAY_CORRECTION, VR::CS, "START"),
            (
                tags::CORRECTED_IMAGE,
                VR::CS,
                "DECY\\ATTN\\SCAT\\DTIM\\RAN\\NORM",
            ),
            (tags::RANDOMS_CORRECTION_METHOD, VR::CS, "DLYD"),
            (tags::ATTENUATION_CORRECTION_METHOD, VR::LO, "CTAC"),
            (tags::RESCALE_INTERCEPT, VR::DS, "0"),
        ],
    );
    let frame_ms = (acq.bed_duration_s * 1000).to_string();
    text(obj, tags::ACTUAL_FRAME_DURATION, VR::IS, frame_ms);
    us(obj, tags::NUMBER_OF_SLICES, acq.pet.slices as u16);
    us(obj, tags::IMAGE_INDEX, (index + 1) as u16);
    image_plane(obj, &acq.pet, index);
    us(obj, tags::BITS_STORED, 16);
    us(obj, tags::HIGH_BIT, 15);
    us(obj, tags::PIXEL_REPRESENTATION, 1);
}
