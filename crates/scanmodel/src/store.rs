//! The exam store (crate `uptake-imaging`) as a [`VolumeSource`]: HU/SUV volumes windowed into
//! the two fixed model channels. NaN in a stored volume is an error here (the windowing would
//! silently map it to the low end).

use std::path::Path;

use uptake_core::ExamId;
use uptake_imaging::store::{ExamStore, model_channels};

use crate::data::{ModelVolume, VolumeSource};
use crate::error::{Result, ScanModelError};

pub struct StoreSource {
    store: ExamStore,
}

impl StoreSource {
    pub fn open(dir: &Path) -> Result<Self> {
        let store = ExamStore::open(dir).map_err(|e| ScanModelError::file(dir, e.to_string()))?;
        Ok(Self { store })
    }
}

impl VolumeSource for StoreSource {
    fn exam_ids(&self) -> Vec<ExamId> {
        self.store.exam_ids()
    }

    fn load(&self, exam: &ExamId) -> Result<ModelVolume> {
        if !self.store.contains(exam) {
            return Err(ScanModelError::MissingExam(format!("{exam} (store {})", self.store.dir().display())));
        }
        let v = self.store.load(exam).map_err(|e| ScanModelError::BadVolume { exam: exam.to_string(), what: e.to_string() })?;
        let [_, rows, cols] = v.geometry.shape;
        for (name, ch) in [("CT", &v.ct_hu), ("PET", &v.pet_suv)] {
            if let Some(i) = ch.iter().position(|x| x.is_nan()) {
                return Err(ScanModelError::BadVolume {
                    exam: exam.to_string(),
                    what: format!(
                        "NaN {name} value at slice {}, row {}, col {}",
                        i / (rows * cols),
                        (i / cols) % rows,
                        i % cols
                    ),
                });
            }
        }
        let [ct, pet] = model_channels(&v);
        let volume = ModelVolume {
            exam_id: v.exam_id,
            shape: v.geometry.shape,
            spacing_mm: v.geometry.spacing_mm,
            origin_mm: v.geometry.origin_mm,
            ct,
            pet,
        };
        volume.validate()?;
        Ok(volume)
    }
}
