//! A whole synthetic cohort: patients (some with 2-3 exams), exam specs, reports, phantoms
//! written as DICOM, true labels, and outcomes from a hazard model driven by disease burden.
//!
//! Everything is planned first, sequentially, from one seeded generator (so the plan does not
//! depend on thread scheduling); each exam is then rendered from its own generator seeded by
//! (seed, exam index) in parallel, into a temporary folder renamed into place when complete.
//! [`generate`] does both and writes the cohort-level files last.

mod acquisition;
mod autopet;
mod config;
mod error;
mod exam;
mod files;
mod outcome;
mod plan;
mod region_map;

pub use crate::dicom::{Acquisition, SeriesGeometry, Vendor};
pub use autopet::{AutoPetSummary, generate_autopet};
pub use config::{CohortConfig, ReportWriter, Resolution};
pub use error::CohortError;
pub use exam::{exam_phantom, write_exam};
pub use outcome::Outcome;
pub use plan::{PlannedExam, plan};

use error::io;
use files::write_cohort_files;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use uptake_core::Progress;

/// What [`generate`] made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortSummary {
    /// Exams written.
    pub exams: usize,
    /// Patients they belong to.
    pub patients: usize,
    /// Patients who died during follow-up.
    pub deaths: usize,
    /// Exams without any lesion.
    pub normal_exams: usize,
}

/// Plans and writes a cohort into `out` (created; exams already there are replaced). One unit
/// of `progress` per finished exam. The cohort-level files are written last, only when every
/// exam succeeded.
pub fn generate(
    cfg: &CohortConfig,
    out: &Path,
    progress: &dyn Progress,
) -> Result<CohortSummary, CohortError> {
    cfg.check()?;
    std::fs::create_dir_all(out).map_err(io(out))?;
    let exams = plan(cfg);
    progress.start("exams", exams.len() as u64);
    let failures = render_all(&exams, cfg, out, progress);
    progress.finish();
    if let Some(first) = failures.first() {
        return Err(CohortError::Exams {
            failed: failures.len(),
            total: exams.len(),
            first: first.clone(),
        });
    }
    write_cohort_files(&exams, out)?;
    Ok(summary(&exams))
}

/// Renders every exam on `cfg.threads` threads; the failures, sorted.
fn render_all(
    exams: &[PlannedExam],
    cfg: &CohortConfig,
    out: &Path,
    progress: &dyn Progress,
) -> Vec<String> {
    let threads = if cfg.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        cfg.threads
    };
    let next = AtomicUsize::new(0);
    let failures: Mutex<Vec<String>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                while let Some(exam) = exams.get(next.fetch_add(1, Ordering::Relaxed)) {
                    if let Err(e) = write_exam(exam, cfg, out) {
                        failures
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push(format!("exam {}: {e}", exam.spec.exam_id));
                    }
                    progress.advance(1);
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap_or_else(|p| p.into_inner());
    failures.sort();
    failures
}

fn summary(exams: &[PlannedExam]) -> CohortSummary {
    let mut patients: Vec<&str> = exams
        .iter()
        .map(|e| e.spec.patient.patient_id.as_str())
        .collect();
    patients.dedup();
    let mut dead: Vec<&str> = exams
        .iter()
        .filter(|e| e.outcome.death.is_some())
        .map(|e| e.spec.patient.patient_id.as_str())
        .collect();
    dead.dedup();
    CohortSummary {
        exams: exams.len(),
        patients: patients.len(),
        deaths: dead.len(),
        normal_exams: exams.iter().filter(|e| e.spec.lesions.is_empty()).count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(id_prefix: &str) -> CohortConfig {
        CohortConfig {
            n: 6,
            seed: 3,
            resolution: Resolution::small(),
            midnight_fraction: 0.0,
            threads: 1,
            id_prefix: id_prefix.to_string(),
            ..CohortConfig::default()
        }
    }

    #[test]
    fn an_id_prefix_renames_exams_and_patients_and_changes_nothing_else() {
        let plain = plan(&config(""));
        let prefixed = plan(&config("B"));
        assert_eq!(plain.len(), prefixed.len());
        for (a, b) in plain.iter().zip(&prefixed) {
            assert_eq!(
                b.spec.exam_id.as_str(),
                format!("B{}", a.spec.exam_id.as_str())
            );
            assert_eq!(
                b.spec.patient.patient_id,
                format!("B{}", a.spec.patient.patient_id)
            );
            assert_eq!(a.report, b.report);
            assert_eq!(a.spec.lesions.len(), b.spec.lesions.len());
            assert_eq!(a.outcome.censor, b.outcome.censor);
            assert_eq!(a.outcome.death, b.outcome.death);
        }
        assert_eq!(plain[0].spec.exam_id.as_str(), "E00001");
    }

    #[test]
    fn settings_out_of_range_are_refused_naming_the_setting() {
        let mut cfg = config("");
        cfg.lesion_scale = 9.0;
        let err = cfg.check().unwrap_err().to_string();
        assert!(err.contains("lesion scale") && err.contains('9'), "{err}");
        let mut cfg = config("no spaces");
        cfg.n = 1;
        assert!(cfg.check().unwrap_err().to_string().contains("id prefix"));
        let mut cfg = config("");
        cfg.resolution.ct_size = Some(8);
        assert!(
            cfg.check()
                .unwrap_err()
                .to_string()
                .contains("CT matrix size")
        );
    }
}
