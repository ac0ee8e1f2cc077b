//! Writes a phantom as real DICOM Part-10 files: one CT series (`ct`) and one PET series
//! (`pet`), sharing the patient, study and equipment attributes (`exam`) and UIDs derived from
//! the seed (`uids`); `elements` puts values as DICOM writes them, and `acquisition` is the plan
//! of how the exam was acquired.

mod acquisition;
mod ct;
mod elements;
mod exam;
mod pet;
mod uids;

pub use acquisition::{Acquisition, SeriesGeometry, Vendor};
pub use elements::DicomWriteError;
pub(crate) use exam::PatientTags;
pub(crate) use uids::UidSource;

use crate::phantom::Phantom;
use exam::Exam;
use rand::Rng;
use std::path::Path;

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
    let exam = Exam::new(phantom, patient, acq, uids);
    ct::write_ct(&exam, &ct_dir, rng)?;
    pet::write_pet(&exam, &pet_dir, rng)
}
