//! The cohort in the layout of the autoPET / TCIA FDG-PET-CT-Lesions collection
//! ([`generate_autopet`]): per exam a folder `<out>/<exam id>/` with `CTres.nii.gz` (the CT on the
//! PET's grid, HU), `SUV.nii.gz` (SUV) and `SEG.nii.gz` (1 inside a lesion, else 0), float32
//! NIfTI-1 with a RAS affine, for testing `uptake ingest --nifti-dir`.

use super::config::CohortConfig;
use super::error::{CohortError, io};
use super::exam::exam_phantom;
use super::plan::{PlannedExam, plan};
use crate::phantom::Phantom;
use std::path::Path;
use uptake_core::Progress;

/// What [`generate_autopet`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoPetSummary {
    /// Exams written.
    pub exams: usize,
    /// Lesion voxels over all masks.
    pub lesion_voxels: usize,
}

/// The three volumes of one exam on its PET grid, `[z, y, x]` from the head end.
struct Volumes {
    ct_hu: Vec<f32>,
    suv: Vec<f32>,
    seg: Vec<f32>,
}

fn render(exam: &PlannedExam, phantom: &Phantom) -> Volumes {
    let pet = &exam.acquisition.pet;
    let grid = pet.grid();
    let n = grid.rows * grid.cols * pet.slices;
    let mut v = Volumes {
        ct_hu: Vec::with_capacity(n),
        suv: Vec::with_capacity(n),
        seg: Vec::with_capacity(n),
    };
    for k in 0..pet.slices {
        let z = pet.z(k);
        let (hu, suv) = phantom.render_slice(z, &grid, 2);
        v.ct_hu.extend(hu);
        v.suv.extend(suv);
        for r in 0..grid.rows {
            for c in 0..grid.cols {
                let p = [
                    grid.origin_mm[0] + c as f32 * grid.spacing_mm[0],
                    grid.origin_mm[1] + r as f32 * grid.spacing_mm[1],
                    z,
                ];
                let inside = phantom.lesions.iter().any(|l| {
                    let h = &l.hotspot;
                    (0..3)
                        .map(|a| ((p[a] - h.center_mm[a]) / h.radii_mm[a]).powi(2))
                        .sum::<f32>()
                        <= 1.0
                });
                v.seg.push(f32::from(inside));
            }
        }
    }
    v
}

/// Writes `values` (`[z, y, x]`, z from the head end) on the exam's PET grid as NIfTI.
fn write_nifti(exam: &PlannedExam, values: Vec<f32>, path: &Path) -> Result<(), CohortError> {
    let pet = &exam.acquisition.pet;
    let grid = pet.grid();
    let fail = |e: String| CohortError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    };
    let array = ndarray::Array3::from_shape_vec((pet.slices, grid.rows, grid.cols), values)
        .map_err(|e| fail(e.to_string()))?
        .reversed_axes();
    let [dx, dy] = grid.spacing_mm;
    let [x0, y0] = grid.origin_mm;
    // RAS = LPS with x and y negated; the slice index runs towards the feet.
    let header = nifti::NiftiHeader {
        pixdim: [1.0, dx, dy, pet.slice_mm, 1.0, 1.0, 1.0, 1.0],
        xyzt_units: 2,
        sform_code: 1,
        srow_x: [-dx, 0.0, 0.0, -x0],
        srow_y: [0.0, -dy, 0.0, -y0],
        srow_z: [0.0, 0.0, -pet.slice_mm, pet.z_top_mm],
        ..Default::default()
    };
    nifti::writer::WriterOptions::new(path)
        .reference_header(&header)
        .write_nifti(&array)
        .map_err(|e| fail(e.to_string()))
}

/// Plans the cohort of `cfg` as [`super::generate`] does and writes each exam in the autoPET
/// layout into `out/<exam id>/` (through a temporary folder renamed into place). One unit of
/// `progress` per exam.
pub fn generate_autopet(
    cfg: &CohortConfig,
    out: &Path,
    progress: &dyn Progress,
) -> Result<AutoPetSummary, CohortError> {
    cfg.check()?;
    let exams = plan(cfg);
    progress.start("exams", exams.len() as u64);
    let mut lesion_voxels = 0;
    for exam in &exams {
        let (phantom, _) = exam_phantom(exam, cfg)?;
        let volumes = render(exam, &phantom);
        lesion_voxels += volumes.seg.iter().filter(|v| **v > 0.0).count();
        let dir = out.join(exam.spec.exam_id.as_str());
        let tmp = out.join(format!(".tmp-{}", exam.spec.exam_id));
        std::fs::create_dir_all(&tmp).map_err(io(&tmp))?;
        let Volumes { ct_hu, suv, seg } = volumes;
        for (name, values) in [("CTres", ct_hu), ("SUV", suv), ("SEG", seg)] {
            write_nifti(exam, values, &tmp.join(format!("{name}.nii.gz")))?;
        }
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io(&dir))?;
        }
        std::fs::rename(&tmp, &dir).map_err(io(&dir))?;
        progress.advance(1);
    }
    progress.finish();
    Ok(AutoPetSummary {
        exams: exams.len(),
        lesion_voxels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cohort::Resolution;
    use nifti::{IntoNdArray, NiftiObject, ReaderOptions};

    fn read(path: &Path) -> (Vec<f32>, [f32; 4]) {
        let obj = ReaderOptions::new().read_file(path).unwrap();
        let srow_z = obj.header().srow_z;
        let array = obj.into_volume().into_ndarray::<f32>().unwrap();
        (array.iter().copied().collect(), srow_z)
    }

    #[test]
    fn each_exam_gets_ct_suv_and_a_mask_over_its_hot_lesions() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = CohortConfig {
            n: 3,
            seed: 3,
            resolution: Resolution::small(),
            noise: false,
            lesion_scale: 2.0,
            ..CohortConfig::default()
        };
        let summary = generate_autopet(&cfg, dir.path(), &uptake_core::NoProgress).unwrap();
        assert_eq!(summary.exams, 3);
        let exam = plan(&cfg)
            .into_iter()
            .find(|e| !e.spec.lesions.is_empty())
            .unwrap();
        let folder = dir.path().join(exam.spec.exam_id.as_str());
        let (suv, srow_z) = read(&folder.join("SUV.nii.gz"));
        let (seg, _) = read(&folder.join("SEG.nii.gz"));
        let (ct, _) = read(&folder.join("CTres.nii.gz"));
        let pet = &exam.acquisition.pet;
        assert_eq!(suv.len(), pet.size * pet.size * pet.slices);
        assert_eq!((seg.len(), ct.len()), (suv.len(), suv.len()));
        assert_eq!(srow_z, [0.0, 0.0, -pet.slice_mm, pet.z_top_mm]);
        let mean = |inside: bool| {
            let v: Vec<f32> = suv
                .iter()
                .zip(&seg)
                .filter(|(_, m)| (**m > 0.5) == inside)
                .map(|(s, _)| *s)
                .collect();
            v.iter().sum::<f32>() / v.len().max(1) as f32
        };
        assert!(seg.iter().any(|m| *m == 1.0));
        assert!(
            mean(true) > 2.0 * mean(false),
            "lesions {} vs {}",
            mean(true),
            mean(false)
        );
    }
}
