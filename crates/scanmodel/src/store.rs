//! The exam store of `uptake ingest` (crate `uptake-imaging`) as the scan model's
//! [`VolumeSource`]: DICOM -> store -> scan model.

use std::path::Path;

use uptake_core::ExamId;
use uptake_imaging::store::{ExamStore, model_channels};

use crate::data::{ModelVolume, VolumeSource, first_where};
use crate::error::{Result, ScanModelError};

/// The exam store as a [`VolumeSource`]: HU/SUV volumes windowed into the two fixed model
/// channels ([`model_channels`]). NaN in a stored volume is an error here (the windowing would
/// silently map it to the low end).
#[derive(Debug, Clone)]
pub struct StoreSource {
    store: ExamStore,
}

impl StoreSource {
    /// Opens the store in `dir` (created when absent, as [`ExamStore::open`] does).
    pub fn open(dir: &Path) -> Result<Self> {
        let store = ExamStore::open(dir).map_err(|e| ScanModelError::file(dir, e.to_string()))?;
        Ok(Self { store })
    }

    /// A source over a store already open.
    pub fn new(store: ExamStore) -> Self {
        Self { store }
    }
}

impl VolumeSource for StoreSource {
    fn exam_ids(&self) -> Vec<ExamId> {
        self.store.exam_ids()
    }

    fn load(&self, exam: &ExamId) -> Result<ModelVolume> {
        if !self.store.contains(exam) {
            return Err(ScanModelError::MissingExam(format!(
                "{exam} (store {})",
                self.store.dir().display()
            )));
        }
        let v = self
            .store
            .load(exam)
            .map_err(|e| ScanModelError::BadVolume {
                exam: exam.to_string(),
                what: e.to_string(),
            })?;
        let [_, rows, cols] = v.geometry.shape;
        for (name, ch) in [("CT", &v.ct_hu), ("PET", &v.pet_suv)] {
            if let Some(i) = first_where(ch, f32::is_nan) {
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
        let (exam_id, geometry) = (v.exam_id.clone(), v.geometry);
        let [ct, pet] = model_channels(v);
        // No second check of the whole volume: the store checked both channels' sizes against
        // the geometry, and the windows map every value but NaN (refused above) to a finite one.
        Ok(ModelVolume {
            exam_id,
            shape: geometry.shape,
            spacing_mm: geometry.spacing_mm,
            origin_mm: geometry.origin_mm,
            ct,
            pet,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uptake_imaging::{ExamVolume, Geometry};

    fn stored(dir: &Path, pet_suv: Vec<f32>) -> StoreSource {
        let geometry = Geometry {
            shape: [2, 2, 2],
            spacing_mm: [4.0, 2.0, 2.0],
            origin_mm: [0.0; 3],
        };
        let volume = ExamVolume {
            exam_id: ExamId::new("E1").unwrap(),
            geometry,
            ct_hu: vec![0.0, 500.0, -1000.0, 2000.0, 0.0, 0.0, 0.0, 0.0],
            pet_suv,
        };
        let store = ExamStore::open(dir).unwrap();
        store.write(&volume).unwrap();
        StoreSource::new(store)
    }

    #[test]
    fn stored_volumes_load_as_the_fixed_model_windows() {
        let dir = tempfile::tempdir().unwrap();
        let source = stored(dir.path(), vec![0.0, 5.0, 10.0, 30.0, 1.0, 1.0, 1.0, 1.0]);
        assert_eq!(source.exam_ids(), [ExamId::new("E1").unwrap()]);
        let v = source.load(&ExamId::new("E1").unwrap()).unwrap();
        assert_eq!(v.shape, [2, 2, 2]);
        assert_eq!(&v.ct[..4], &[0.0, 0.5, -1.0, 1.0]);
        assert_eq!(&v.pet[..4], &[0.0, 0.5, 1.0, 2.0]);
    }

    fn corrupt_pet_voxel(path: &Path, voxel: usize) {
        let bytes = std::fs::read(path).unwrap();
        let (_, metadata) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
        let tensors = safetensors::SafeTensors::deserialize(&bytes).unwrap();
        let mut owned: Vec<(String, safetensors::Dtype, Vec<usize>, Vec<u8>)> = tensors
            .tensors()
            .into_iter()
            .map(|(name, view)| {
                (
                    name,
                    view.dtype(),
                    view.shape().to_vec(),
                    view.data().to_vec(),
                )
            })
            .collect();
        let pet = owned.iter_mut().find(|t| t.0 == "pet_suv").unwrap();
        pet.3[voxel * 2..voxel * 2 + 2].copy_from_slice(&half::f16::NAN.to_le_bytes());
        let views: Vec<(String, safetensors::tensor::TensorView)> = owned
            .iter()
            .map(|(name, dtype, shape, data)| {
                let view = safetensors::tensor::TensorView::new(*dtype, shape.clone(), data);
                (name.clone(), view.unwrap())
            })
            .collect();
        let info = metadata.metadata().clone();
        std::fs::write(path, safetensors::serialize(views, info).unwrap()).unwrap();
    }

    #[test]
    fn a_nan_in_a_stored_volume_is_an_error_naming_exam_and_voxel() {
        let dir = tempfile::tempdir().unwrap();
        let source = stored(dir.path(), vec![1.0; 8]);
        // The store refuses to write a NaN, so spoil a written file as a disk fault or an older
        // writer would: voxel 5 of pet_suv becomes an f16 NaN.
        corrupt_pet_voxel(&source.store.path_of(&ExamId::new("E1").unwrap()), 5);
        let err = source
            .load(&ExamId::new("E1").unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("E1") && err.contains("NaN PET value at slice 1, row 0, col 1"),
            "{err}"
        );
    }

    #[test]
    fn an_exam_not_in_the_store_is_named_with_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let source = stored(dir.path(), vec![1.0; 8]);
        let err = source
            .load(&ExamId::new("E2").unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.contains("E2") && err.contains("store"), "{err}");
    }
}
