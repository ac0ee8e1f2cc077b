//! The CT series: HU through rescale slope 1 and intercept -1024, signed 16-bit (GE) or
//! unsigned 12-bit (Siemens) pixels, rendered at the pixel centres (partial volume is
//! negligible at sub-millimetre pixels), with Gaussian noise outside air.

use super::acquisition::{Acquisition, Vendor};
use super::elements::{DicomWriteError, SliceTags, ds, image_plane, pixel_data, save, texts, us};
use super::exam::Exam;
use dicom_core::VR;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use rand::Rng;
use rand_distr::{Distribution, Normal};
use std::path::Path;

const CT_IMAGE_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.2";

/// Writes `dir/CT.0001.dcm`, ... from head to feet.
pub(super) fn write_ct(exam: &Exam, dir: &Path, rng: &mut impl Rng) -> Result<(), DicomWriteError> {
    let (acq, uids) = (exam.acq, exam.uids);
    let noise = Normal::new(0.0f32, acq.ct_noise_hu.max(0.0)).expect("finite sd");
    let series_uid = uids.uid(3, 0);
    let grid = acq.ct.grid();
    let signed = acq.vendor == Vendor::Ge;
    for i in 0..acq.ct.slices {
        let (hu, _) = exam.phantom.render_slice(acq.ct.z(i), &grid, 1);
        let stored = stored_pixels(&hu, signed, &noise, rng);
        let mut obj = InMemDicomObject::new_empty();
        exam.put_study(&mut obj);
        SliceTags {
            sop_class: CT_IMAGE_STORAGE,
            instance_uid: uids.uid(10, i as u64),
            modality: "CT",
            series_uid: &series_uid,
            series_number: "2",
            description: format!("CT WB {}mm", ds(acq.ct.slice_mm as f64)),
            series_start: acq.ct_start,
            acquired: acq.ct_start,
            image_type: "ORIGINAL\\PRIMARY\\AXIAL",
            index: i,
        }
        .put(&mut obj);
        ct_tags(&mut obj, acq, signed, i);
        pixel_data(&mut obj, stored);
        save(obj, &dir.join(format!("CT.{:04}.dcm", i + 1)))?;
    }
    Ok(())
}

/// Stored values of one slice: HU + 1024 with noise (air stays air), clamped to the format.
fn stored_pixels(hu: &[f32], signed: bool, noise: &Normal<f32>, rng: &mut impl Rng) -> Vec<u16> {
    let max_stored = if signed { i16::MAX as f32 } else { 4095.0 };
    let min_stored = if signed { i16::MIN as f32 } else { 0.0 };
    hu.iter()
        .map(|&h| {
            let v = if h <= -999.0 {
                h
            } else {
                h + noise.sample(rng)
            };
            let s = (v + 1024.0).round().clamp(min_stored, max_stored);
            if signed { (s as i16) as u16 } else { s as u16 }
        })
        .collect()
}

/// Tube voltage, image plane, pixel format, rescale and window.
fn ct_tags(obj: &mut InMemDicomObject, acq: &Acquisition, signed: bool, index: usize) {
    texts(
        obj,
        &[
            (tags::KVP, VR::DS, "120"),
            (tags::RESCALE_INTERCEPT, VR::DS, "-1024"),
            (tags::RESCALE_SLOPE, VR::DS, "1"),
            (tags::RESCALE_TYPE, VR::LO, "HU"),
            (tags::WINDOW_CENTER, VR::DS, "40"),
            (tags::WINDOW_WIDTH, VR::DS, "400"),
        ],
    );
    image_plane(obj, &acq.ct, index);
    us(obj, tags::BITS_STORED, if signed { 16 } else { 12 });
    us(obj, tags::HIGH_BIT, if signed { 15 } else { 11 });
    us(obj, tags::PIXEL_REPRESENTATION, u16::from(signed));
}
