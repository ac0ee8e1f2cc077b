//! How each exam is acquired: scanner vendor, CT and PET fields of view and slices fitted to
//! the patient, and the times of injection, CT and PET (some exams cross midnight).

use super::config::{CohortConfig, Resolution};
use crate::anatomy::{Anatomy, BodySize};
use crate::dates::{Day, Instant};
use crate::dicom::{Acquisition, SeriesGeometry, Vendor};
use crate::spec::ExamSpec;
use rand::Rng;

/// Plans the acquisition of one exam on `day`.
pub(super) fn plan_acquisition(
    spec: &ExamSpec,
    day: Day,
    cfg: &CohortConfig,
    rng: &mut impl Rng,
) -> Acquisition {
    let anatomy = Anatomy::build(BodySize {
        height_cm: spec.patient.height_cm,
        weight_kg: spec.patient.weight_kg,
        sex: spec.patient.sex,
    });
    let vendor = if rng.random_bool(0.6) {
        Vendor::Ge
    } else {
        Vendor::Siemens
    };
    let head_disease = spec.lesions.iter().any(|l| l.region == "head");
    let (ct, ct_bottom_mm) = ct_geometry(&anatomy, head_disease, cfg.resolution, rng);
    let pet = pet_geometry(&ct, ct_bottom_mm, vendor, cfg.resolution, rng);
    let times = Times::sample(day, cfg.midnight_fraction, rng);
    let dose_mbq = (spec.patient.weight_kg as f64 * rng.random_range(3.5..5.2)).clamp(200.0, 550.0);
    Acquisition {
        vendor,
        study_start: times.study_start,
        injection: times.injection,
        ct_start: times.ct_start,
        pet_start: times.pet_start,
        bed_duration_s: rng.random_range(120..181),
        bed_length_mm: 150.0,
        dose_bq: (dose_mbq * 100.0).round() * 1.0e4,
        ct,
        pet,
        write_injection_datetime: rng.random_bool(0.5),
        ct_noise_hu: if cfg.noise {
            rng.random_range(8.0..18.0)
        } else {
            0.0
        },
        pet_noise: if cfg.noise {
            rng.random_range(0.06..0.12)
        } else {
            0.0
        },
    }
}

/// CT: reconstruction field of view fitted to the body, centred a little off the body axis,
/// from the vertex (always when the head has disease) or the skull base to the thighs. Also
/// returns the lowest z the scan reaches.
fn ct_geometry(
    anatomy: &Anatomy,
    head_disease: bool,
    res: Resolution,
    rng: &mut impl Rng,
) -> (SeriesGeometry, f32) {
    let ct_size = res.ct_size.unwrap_or(512);
    let fov = (2.0 * anatomy.half_extent_mm[0] + 40.0).clamp(400.0, 500.0);
    let ct_slice = res
        .ct_slice_mm
        .unwrap_or_else(|| [2.5, 3.0, 3.75, 3.75, 5.0][rng.random_range(0..5)]);
    let from_vertex = head_disease || rng.random_bool(0.6);
    let top = if from_vertex {
        rng.random_range(0.0..15.0)
    } else {
        anatomy.skull_base_z_mm + rng.random_range(0.0..20.0)
    };
    let bottom = anatomy.z_extent_mm[0] + rng.random_range(0.0..40.0);
    let ct = SeriesGeometry {
        size: ct_size,
        pixel_mm: fov / ct_size as f32,
        slice_mm: ct_slice,
        center_mm: [rng.random_range(-12.0..12.0), rng.random_range(-20.0..10.0)],
        z_top_mm: top,
        slices: ((top - bottom) / ct_slice).floor() as usize + 1,
    };
    (ct, bottom)
}

/// PET: the scanner's own field of view and slice spacing, over about the CT's extent.
fn pet_geometry(
    ct: &SeriesGeometry,
    ct_bottom_mm: f32,
    vendor: Vendor,
    res: Resolution,
    rng: &mut impl Rng,
) -> SeriesGeometry {
    let (pet_size, pet_pixel) = match res.pet_size {
        Some(n) => (n, (600.0 / n as f32).max(2.0)),
        None => match (vendor, rng.random_bool(0.5)) {
            (Vendor::Ge, true) => (192, 3.646),
            (Vendor::Ge, false) => (128, 5.469),
            (Vendor::Siemens, true) => (192, 3.646),
            (Vendor::Siemens, false) => (128, 4.073),
        },
    };
    let pet_slice = res.pet_slice_mm.unwrap_or(match vendor {
        Vendor::Ge => 3.27,
        Vendor::Siemens => 3.0,
    });
    let pet_top = ct.z_top_mm - rng.random_range(0.0..20.0);
    let pet_bottom = ct_bottom_mm + rng.random_range(-15.0..15.0);
    SeriesGeometry {
        size: pet_size,
        pixel_mm: pet_pixel,
        slice_mm: pet_slice,
        center_mm: [0.0, 0.0],
        z_top_mm: pet_top,
        slices: ((pet_top - pet_bottom) / pet_slice).floor() as usize + 1,
    }
}

/// The clock of one exam: arrival, injection, ~60 min uptake, CT then PET.
struct Times {
    study_start: Instant,
    injection: Instant,
    ct_start: Instant,
    pet_start: Instant,
}

impl Times {
    /// A day's exam; a fraction `midnight_fraction` is injected late and scanned after midnight.
    fn sample(day: Day, midnight_fraction: f64, rng: &mut impl Rng) -> Self {
        let midnight = rng.random_bool(midnight_fraction.clamp(0.0, 1.0));
        let injection_s = if midnight {
            rng.random_range(23 * 3600 + 15 * 60..23 * 3600 + 50 * 60)
        } else {
            rng.random_range(7 * 3600 + 30 * 60..15 * 3600)
        };
        let injection = Instant {
            day,
            seconds: injection_s,
        };
        let uptake_s = rng.random_range(55 * 60..75 * 60);
        let pet_start = injection.plus_seconds(uptake_s);
        let ct_start = pet_start.plus_seconds(-rng.random_range(180..360));
        let study_start = injection.plus_seconds(-rng.random_range(600..1800));
        Times {
            study_start,
            injection,
            ct_start,
            pet_start,
        }
    }
}
