//! Aligned CT (HU) and PET (SUV) volumes as NIfTI-1 (`.nii.gz`, f32) for standard viewers.
//! The affine maps voxels to RAS millimetres (NIfTI's convention; DICOM LPS with x and y negated),
//! so both files overlay exactly in a viewer and sit where the DICOM did.

use crate::store::{ExamVolume, Geometry};
use std::path::{Path, PathBuf};

/// A volume that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum NiftiError {
    /// Writing failed.
    #[error("cannot write {path}: {reason}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

fn header(g: &Geometry) -> nifti::NiftiHeader {
    let [sz, sy, sx] = g.spacing_mm;
    let [oz, oy, ox] = g.origin_mm;
    nifti::NiftiHeader {
        pixdim: [1.0, sx, sy, sz, 1.0, 1.0, 1.0, 1.0],
        xyzt_units: 2, // millimetres
        sform_code: 1, // scanner anatomical
        qform_code: 0,
        srow_x: [-sx, 0.0, 0.0, -ox],
        srow_y: [0.0, -sy, 0.0, -oy],
        // Slice index grows towards the feet, z (superior) decreases.
        srow_z: [0.0, 0.0, -sz, oz],
        ..Default::default()
    }
}

/// Writes `values` (row-major `[z, y, x]`) as `path` (atomically: temporary file, then rename).
pub fn write_volume(path: &Path, geometry: &Geometry, values: &[f32]) -> Result<(), NiftiError> {
    let err = |reason: String| NiftiError::Write {
        path: path.to_path_buf(),
        reason,
    };
    let [nz, ny, nx] = geometry.shape;
    let array = ndarray::Array3::from_shape_vec((nz, ny, nx), values.to_vec())
        .map_err(|e| err(e.to_string()))?;
    // The writer expects [x, y, z] and writes x fastest.
    let array = array.reversed_axes();
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| err("no file name".into()))?;
    let tmp = dir.join(format!(".uptake-tmp-{}-{name}", std::process::id()));
    let h = header(geometry);
    let result = nifti::writer::WriterOptions::new(&tmp)
        .reference_header(&h)
        .write_nifti(&array);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e.to_string()));
    }
    std::fs::rename(&tmp, path).map_err(|e| err(e.to_string()))
}

/// Writes `<dir>/<exam>_ct_hu.nii.gz` and `<dir>/<exam>_pet_suv.nii.gz`; returns their paths.
pub fn write_exam(dir: &Path, volume: &ExamVolume) -> Result<[PathBuf; 2], NiftiError> {
    let stem: String = volume
        .exam_id
        .as_str()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let ct = dir.join(format!("{stem}_ct_hu.nii.gz"));
    let pet = dir.join(format!("{stem}_pet_suv.nii.gz"));
    write_volume(&ct, &volume.geometry, &volume.ct_hu)?;
    write_volume(&pet, &volume.geometry, &volume.pet_suv)?;
    Ok([ct, pet])
}

#[cfg(test)]
mod tests {
    use super::*;
    use nifti::{IntoNdArray, NiftiObject, ReaderOptions};

    #[test]
    fn a_written_volume_reads_back_with_its_values_and_ras_affine() {
        let dir = tempfile::tempdir().unwrap();
        let g = Geometry {
            shape: [3, 4, 5],
            spacing_mm: [4.0, 2.0, 2.5],
            origin_mm: [100.0, -50.0, -60.0],
        };
        let values: Vec<f32> = (0..g.len()).map(|v| v as f32).collect();
        let path = dir.path().join("v.nii.gz");
        write_volume(&path, &g, &values).unwrap();
        let obj = ReaderOptions::new().read_file(&path).unwrap();
        let h = obj.header();
        assert_eq!(&h.dim[..4], &[3, 5, 4, 3]);
        assert_eq!(h.srow_z, [0.0, 0.0, -4.0, 100.0]);
        assert_eq!(h.srow_x, [-2.5, 0.0, 0.0, 60.0]);
        let data = obj.into_volume().into_ndarray::<f32>().unwrap();
        // NIfTI index [x, y, z] = store index [z, y, x].
        assert_eq!(data[[4, 3, 2]], values[g.index(2, 3, 4)]);
        assert_eq!(data[[1, 0, 0]], values[g.index(0, 0, 1)]);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1);
    }
}
