//! Writes a phantom as real DICOM Part-10 files: one CT series (`ct`) and one PET series
//! (`pet`), sharing the patient, study and equipment attributes (`elements`) and UIDs derived
//! from the seed (`uids`); `acquisition` is the plan of how the exam was acquired.

mod acquisition;
mod ct;
mod elements;
mod pet;
mod uids;

pub use acquisition::{Acquisition, SeriesGeometry, Vendor};
pub use elements::DicomWriteError;
pub(crate) use uids::UidSource;

use crate::phantom::Phantom;
use elements::{Common, ds};
use rand::Rng;
use std::path::Path;

/// Patient-level inputs of the writer.
pub(crate) struct PatientTags<'a> {
    pub(crate) patient_id: &'a str,
    pub(crate) exam_id: &'a str,
    pub(crate) female: bool,
    pub(crate) age_years: u32,
    pub(crate) weight_kg: f32,
    pub(crate) height_cm: f32,
}

/// Writes `dir/ct/*.dcm` and then `dir/pet/*.dcm`, drawing the noise of both from `rng`.
pub(crate) fn write_series(
    phantom: &Phantom,
    patient: &PatientTags,
    acq: &Acquisition,
    uids: UidSource,
    dir: &Path,
    rng: &mut impl Rng,
) -> Result<(), DicomWriteError> {
    let ct_dir = dir.join("ct");
    let pet_dir = dir.join("pet");
    for d in [&ct_dir, &pet_dir] {
        std::fs::create_dir_all(d).map_err(|source| DicomWriteError::Dir {
            path: d.clone(),
            source,
        })?;
    }
    let common = Common {
        patient_id: patient.patient_id,
        sex: if patient.female { "F" } else { "M" },
        age_years: patient.age_years,
        weight_kg: ds(((patient.weight_kg * 10.0).round() / 10.0) as f64),
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
    ct::write_ct(phantom, &common, uids, &ct_dir, rng)?;
    pet::write_pet(phantom, &common, uids, &pet_dir, rng)
}
