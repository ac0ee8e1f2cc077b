//! Rendering one planned exam into its folder: DICOM series, region map and report, written
//! into a temporary folder that is renamed into place when complete.

use super::config::CohortConfig;
use super::error::{CohortError, io};
use super::plan::PlannedExam;
use super::region_map::region_map;
use crate::dicom::{PatientTags, UidSource, write_series};
use crate::phantom::{Phantom, PhantomError};
use crate::spec::Sex;
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};
use uptake_core::region_map::RegionMapError;
use uptake_core::{ExamId, seeded};

/// Where an exam's files live, relative to the cohort folder.
pub(crate) fn exam_dir(exam_id: &ExamId) -> PathBuf {
    Path::new("exams").join(exam_id.as_str())
}

/// The exam's phantom and the generator (positioned after building it) that then draws its
/// image noise: both depend only on the seed and the exam's index.
pub fn exam_phantom(
    exam: &PlannedExam,
    cfg: &CohortConfig,
) -> Result<(Phantom, ChaCha8Rng), PhantomError> {
    let mut rng =
        seeded::rng(cfg.seed ^ (exam.index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let phantom = Phantom::build_scaled(&exam.spec, cfg.lesion_scale, &mut rng)?;
    Ok((phantom, rng))
}

/// Renders and writes one exam into `out/exams/<id>/` (through a temporary folder; an exam
/// already there is replaced only when the new one is complete).
pub fn write_exam(exam: &PlannedExam, cfg: &CohortConfig, out: &Path) -> Result<(), CohortError> {
    let final_dir = out.join(exam_dir(&exam.spec.exam_id));
    let parent = final_dir.parent().unwrap_or(out).to_path_buf();
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let tmp = parent.join(format!(".tmp-{}-{}", exam.spec.exam_id, std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
    }
    if let Err(e) = render_into(exam, cfg, &tmp) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if final_dir.exists() {
        let old = parent.join(format!(".old-{}-{}", exam.spec.exam_id, std::process::id()));
        std::fs::rename(&final_dir, &old).map_err(io(&final_dir))?;
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    std::fs::rename(&tmp, &final_dir).map_err(io(&final_dir))?;
    Ok(())
}

/// Writes `dir/dicom/{ct,pet}`, `dir/regions.json` and `dir/report.txt`.
fn render_into(exam: &PlannedExam, cfg: &CohortConfig, dir: &Path) -> Result<(), CohortError> {
    let (phantom, mut rng) = exam_phantom(exam, cfg)?;
    let p = &exam.spec.patient;
    let patient = PatientTags {
        patient_id: &p.patient_id,
        exam_id: exam.spec.exam_id.as_str(),
        female: p.sex == Sex::Female,
        age_years: p.age_years,
        weight_kg: p.weight_kg,
        height_cm: p.height_cm,
    };
    let uids = UidSource {
        seed: cfg.seed,
        exam_index: exam.index as u64,
    };
    write_series(
        &phantom,
        &patient,
        &exam.acquisition,
        uids,
        &dir.join("dicom"),
        &mut rng,
    )?;
    let path = dir.join("regions.json");
    let map = region_map(exam, &phantom).map_err(|e| RegionMapError::Invalid {
        path: path.clone(),
        message: e.to_string(),
    })?;
    map.write(&path)?;
    let path = dir.join("report.txt");
    std::fs::write(&path, &exam.report).map_err(io(&path))?;
    Ok(())
}
