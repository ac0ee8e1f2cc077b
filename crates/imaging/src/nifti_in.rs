//! Public NIfTI datasets in: CT in HU, PET already in SUV, and an optional lesion mask, per exam
//! ([`ingest_nifti`]), resampled onto the model grid like DICOM and checked the same way.
//!
//! Two layouts ([`NiftiSource`]):
//! - **autoPET** (TCIA FDG-PET-CT-Lesions): every folder under the root holding `SUV.nii.gz` and
//!   `CTres.nii.gz` (the CT resampled to the PET) is one exam, with `SEG.nii.gz` (lesions 1,
//!   background 0) when present; the exam id is the folder's path under the root
//!   (`PETCT_0011f3deaf/03-23-2003-NA-PET-CT...`).
//! - **listed**: a CSV with columns `exam_id`, `ct`, `suv` and optional `seg` (paths relative to
//!   the CSV), for any other collection.
//!
//! Volumes must be axis-aligned (voxel axes along x, y, z in that order, either direction):
//! the affine is the sform where set, else the qform.

use std::path::{Path, PathBuf};

use nifti::{IntoNdArray, NiftiHeader, NiftiObject, ReaderOptions};
use uptake_core::ExamId;

use crate::ingest::{CT_FILL_HU, IngestError, Ingested, ModelGrid, PET_FILL_SUV, model_geometry};
use crate::plausibility::{self, Clues};
use crate::resample::ResamplePlan;
use crate::store::{ExamInfo, ExamVolume, Geometry};
use crate::volume::SeriesLayout;

/// Where NIfTI exams are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NiftiSource {
    /// The autoPET layout under this folder.
    AutoPet(PathBuf),
    /// A CSV listing `exam_id`, `ct`, `suv`, `seg`.
    Listed(PathBuf),
}

/// One NIfTI exam's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NiftiExam {
    /// CT in HU.
    pub ct: PathBuf,
    /// PET in SUV.
    pub suv: PathBuf,
    /// Lesion mask (non-zero: lesion), when there is one.
    pub seg: Option<PathBuf>,
}

/// The file names of the autoPET layout.
pub const AUTOPET_FILES: [&str; 3] = ["CTres.nii.gz", "SUV.nii.gz", "SEG.nii.gz"];

fn nifti_error(path: &Path, what: impl Into<String>) -> IngestError {
    IngestError::Nifti {
        path: path.to_path_buf(),
        what: what.into(),
    }
}

/// The exams of a source, in the order found (sorted by id by the caller).
pub fn nifti_exams(source: &NiftiSource) -> Result<Vec<(ExamId, NiftiExam)>, IngestError> {
    match source {
        NiftiSource::AutoPet(root) => {
            let mut found = Vec::new();
            autopet_folders(root, root, &mut found)?;
            if found.is_empty() {
                return Err(nifti_error(
                    root,
                    "no folder holds CTres.nii.gz and SUV.nii.gz (the autoPET layout)",
                ));
            }
            Ok(found)
        }
        NiftiSource::Listed(csv) => listed_exams(csv),
    }
}

fn autopet_folders(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(ExamId, NiftiExam)>,
) -> Result<(), IngestError> {
    let [ct, suv, seg] = AUTOPET_FILES.map(|f| dir.join(f));
    if ct.is_file() && suv.is_file() {
        let rel = dir.strip_prefix(root).unwrap_or(dir);
        let id = rel.to_string_lossy().replace('\\', "/");
        let id = ExamId::new(if id.is_empty() { "exam" } else { &id })
            .ok_or_else(|| nifti_error(dir, "no exam id"))?;
        let seg = seg.is_file().then_some(seg);
        out.push((id, NiftiExam { ct, suv, seg }));
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| nifti_error(dir, e.to_string()))?
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.is_dir())
        .collect();
    entries.sort();
    for sub in entries {
        autopet_folders(root, &sub, out)?;
    }
    Ok(())
}

fn listed_exams(csv_path: &Path) -> Result<Vec<(ExamId, NiftiExam)>, IngestError> {
    let bad = |what: String| nifti_error(csv_path, what);
    let mut reader = csv::Reader::from_path(csv_path).map_err(|e| bad(e.to_string()))?;
    let header = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
    let column = |name: &str| header.iter().position(|h| h.trim() == name);
    let (Some(id_col), Some(ct_col), Some(suv_col)) =
        (column("exam_id"), column("ct"), column("suv"))
    else {
        return Err(bad(
            "needs columns exam_id, ct and suv (seg optional)".into()
        ));
    };
    let seg_col = column("seg");
    let base = csv_path.parent().unwrap_or(Path::new(""));
    let mut exams = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| bad(e.to_string()))?;
        let cell = |i: usize| record.get(i).map(str::trim).filter(|v| !v.is_empty());
        let path = |i: usize| cell(i).map(|v| base.join(v));
        let line = n + 2;
        let id = cell(id_col)
            .and_then(ExamId::new)
            .ok_or_else(|| bad(format!("line {line}: empty exam_id")))?;
        let (Some(ct), Some(suv)) = (path(ct_col), path(suv_col)) else {
            return Err(bad(format!("line {line}, exam {id}: empty ct or suv")));
        };
        exams.push((
            id,
            NiftiExam {
                ct,
                suv,
                seg: seg_col.and_then(path),
            },
        ));
    }
    Ok(exams)
}

/// A volume read from a NIfTI file: its axis-aligned layout and its planes.
struct NiftiVolume {
    layout: SeriesLayout,
    /// Row-major `[rows (y), cols (x)]` plane of each voxel slice k.
    planes: Vec<Vec<f32>>,
}

/// The voxel-to-RAS affine rows: the sform where set, else the qform, else the pixel sizes.
fn affine(h: &NiftiHeader) -> [[f64; 4]; 3] {
    let row = |r: [f32; 4]| r.map(f64::from);
    if h.sform_code > 0 {
        return [row(h.srow_x), row(h.srow_y), row(h.srow_z)];
    }
    let p = h.pixdim.map(f64::from);
    if h.qform_code == 0 {
        return [
            [p[1], 0.0, 0.0, 0.0],
            [0.0, p[2], 0.0, 0.0],
            [0.0, 0.0, p[3], 0.0],
        ];
    }
    let (b, c, d) = (h.quatern_b as f64, h.quatern_c as f64, h.quatern_d as f64);
    let a = (1.0 - b * b - c * c - d * d).max(0.0).sqrt();
    let qfac = if p[0] < 0.0 { -1.0 } else { 1.0 };
    let r = [
        [
            a * a + b * b - c * c - d * d,
            2.0 * (b * c - a * d),
            2.0 * (b * d + a * c),
        ],
        [
            2.0 * (b * c + a * d),
            a * a + c * c - b * b - d * d,
            2.0 * (c * d - a * b),
        ],
        [
            2.0 * (b * d - a * c),
            2.0 * (c * d + a * b),
            a * a + d * d - c * c - b * b,
        ],
    ];
    let s = [p[1], p[2], p[3] * qfac];
    let t = [h.quatern_x, h.quatern_y, h.quatern_z].map(f64::from);
    std::array::from_fn(|i| [r[i][0] * s[0], r[i][1] * s[1], r[i][2] * s[2], t[i]])
}

fn read_volume(path: &Path) -> Result<NiftiVolume, IngestError> {
    let object = ReaderOptions::new()
        .read_file(path)
        .map_err(|e| nifti_error(path, e.to_string()))?;
    let m = affine(object.header());
    let array = object
        .into_volume()
        .into_ndarray::<f32>()
        .map_err(|e| nifti_error(path, e.to_string()))?;
    let shape = array.shape().to_vec();
    if shape.len() != 3 {
        return Err(nifti_error(
            path,
            format!("{} dimensions, 3 expected", shape.len()),
        ));
    }
    let aligned = (0..3).all(|i| (0..3).all(|j| i == j || m[i][j].abs() < 1e-3 * m[j][j].abs()));
    if !aligned || (0..3).any(|i| m[i][i] == 0.0) {
        return Err(nifti_error(
            path,
            format!("the affine {m:?} is not axis-aligned (voxel axes along x, y, z)"),
        ));
    }
    let (nx, ny, nz) = (shape[0], shape[1], shape[2]);
    let planes: Vec<Vec<f32>> = (0..nz)
        .map(|k| {
            let mut plane = Vec::with_capacity(nx * ny);
            for r in 0..ny {
                plane.extend((0..nx).map(|c| array[[c, r, k]]));
            }
            plane
        })
        .collect();
    // RAS to LPS: x and y change sign.
    let mut order: Vec<usize> = (0..nz).collect();
    if m[2][2] < 0.0 {
        order.reverse();
    }
    let z_mm = order
        .iter()
        .map(|&k| m[2][3] + m[2][2] * k as f64)
        .collect();
    let layout = SeriesLayout {
        order,
        z_mm,
        rows: ny,
        cols: nx,
        origin_x_mm: -m[0][3],
        origin_y_mm: -m[1][3],
        step_x_mm: -m[0][0],
        step_y_mm: -m[1][1],
        notes: Vec::new(),
    };
    Ok(NiftiVolume { layout, planes })
}

/// A volume resampled onto `target`.
fn resample(volume: &NiftiVolume, target: &Geometry, fill: f32) -> Vec<f32> {
    let plan = ResamplePlan::new(&volume.layout, target);
    let mut by_slice: Vec<Option<Vec<f32>>> = vec![None; volume.layout.z_mm.len()];
    for &s in &plan.needed_slices {
        let plane = &volume.planes[volume.layout.order[s]];
        by_slice[s] = Some(plan.resample_slice(plane, volume.layout.cols, fill));
    }
    plan.combine(&by_slice, fill)
}

/// Ingests one NIfTI exam onto `grid`: CT and SUV resampled, the lesion mask (where given) as
/// the share of each model voxel inside a lesion, all checked against physical limits.
pub fn ingest_nifti(
    exam_id: &ExamId,
    exam: &NiftiExam,
    grid: &ModelGrid,
) -> Result<Ingested, IngestError> {
    let ct = read_volume(&exam.ct)?;
    let pet = read_volume(&exam.suv)?;
    let target = model_geometry(&ct.layout, &pet.layout, grid)?;
    let ct_hu = resample(&ct, &target, CT_FILL_HU);
    let pet_suv = resample(&pet, &target, PET_FILL_SUV);
    let clues = Clues {
        suv_method: format!("{} (already SUV)", exam.suv.display()),
        ..Clues::default()
    };
    plausibility::check_volumes(
        &plausibility::volume_facts(&ct_hu, &pet_suv, CT_FILL_HU)?,
        &clues,
    )?;
    let lesion_mask = match &exam.seg {
        Some(seg) => {
            let mut mask = read_volume(seg)?;
            for plane in &mut mask.planes {
                plane.iter_mut().for_each(|v| *v = f32::from(*v > 0.0));
            }
            Some(resample(&mask, &target, 0.0))
        }
        None => None,
    };
    let folder = exam
        .suv
        .parent()
        .unwrap_or(Path::new(""))
        .display()
        .to_string();
    let info = ExamInfo {
        study_instance_uid: format!("nifti:{folder}"),
        ct_series_uid: exam.ct.display().to_string(),
        pet_series_uid: exam.suv.display().to_string(),
        pet_choice: "NIfTI SUV volume".into(),
        ct_choice: "NIfTI CT volume (HU)".into(),
        suv_method: "NIfTI, already SUV".into(),
        suv_factor: Some(1.0),
        ct_native: Some(ct.layout.native_geometry()),
        pet_native: Some(pet.layout.native_geometry()),
        lesion_mask: exam.seg.as_ref().map(|p| p.display().to_string()),
        ..ExamInfo::default()
    };
    let volume = ExamVolume {
        exam_id: exam_id.clone(),
        geometry: target,
        ct_hu,
        pet_suv,
    };
    Ok(Ingested {
        volume,
        info,
        skipped: Vec::new(),
        lesion_mask,
    })
}
