//! The plan of a cohort: every patient, exam, date, scanner setting, report and outcome,
//! decided sequentially from one seeded generator before anything is rendered (so the plan
//! does not depend on thread scheduling).

use super::acquisition::plan_acquisition;
use super::config::CohortConfig;
use super::outcome::{Outcome, sample_outcome};
use crate::dates::Day;
use crate::dicom::Acquisition;
use crate::findings::sample_exam;
use crate::patient::sample_patient;
use crate::spec::ExamSpec;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use uptake_core::{ExamId, seeded};

/// One exam, fully decided before rendering.
#[derive(Debug, Clone)]
pub struct PlannedExam {
    /// Position in the cohort (0-based); seeds the exam's own image generator.
    pub index: usize,
    /// What the exam contains.
    pub spec: ExamSpec,
    /// How it is acquired.
    pub acquisition: Acquisition,
    /// The report's text.
    pub report: String,
    /// The patient's survival after their last exam.
    pub outcome: Outcome,
}

/// Decides every exam of the cohort (patients, specs, dates, scanner settings, reports,
/// outcomes) from the seed. Patients have 1 (70 %), 2 (20 %) or 3 exams.
pub fn plan(cfg: &CohortConfig) -> Vec<PlannedExam> {
    let mut rng = seeded::rng(cfg.seed);
    let mut out: Vec<PlannedExam> = Vec::with_capacity(cfg.n);
    let mut patient_no = 0;
    while out.len() < cfg.n {
        patient_no += 1;
        let exams = plan_patient(cfg, patient_no, out.len(), &mut rng);
        out.extend(exams);
    }
    out
}

/// The exams of one patient, the first of them the cohort's `first_index`-th exam.
fn plan_patient(
    cfg: &CohortConfig,
    patient_no: usize,
    first_index: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<PlannedExam> {
    let first_day = Day::from_ymd(2010, 1, 1);
    let last_first_day = Day::from_ymd(2017, 12, 31);
    let mut patient = sample_patient(&format!("{}P{patient_no:05}", cfg.id_prefix), rng);
    let r: f64 = rng.random();
    let exams = if r < 0.7 {
        1
    } else if r < 0.9 {
        2
    } else {
        3
    };
    let exams = exams.min(cfg.n - first_index);
    let first_exam = Day(rng.random_range(first_day.0..=last_first_day.0));
    let mut day = first_exam;
    let mut out: Vec<PlannedExam> = Vec::with_capacity(exams);
    for k in 0..exams {
        if k > 0 {
            // Follow-up scans months apart; weight drifts a little.
            day = day.plus(rng.random_range(60..400));
            patient.weight_kg =
                (patient.weight_kg * rng.random_range(0.95f32..1.05) * 10.0).round() / 10.0;
        }
        let index = first_index + k;
        let exam_id =
            ExamId::new(format!("{}E{:05}", cfg.id_prefix, index + 1)).expect("non-empty id");
        let mut p = patient.clone();
        p.age_years = patient.age_years + ((day.0 - first_exam.0) / 365) as u32;
        let spec = sample_exam(exam_id, &p, rng);
        let acquisition = plan_acquisition(&spec, day, cfg, rng);
        // The report has its own random stream (one draw of the plan's): how a report is worded
        // never moves the images of this exam or of the exams after it.
        let mut report_rng = seeded::rng(rng.random());
        let report = (cfg.report_writer)(&spec, &mut report_rng);
        out.push(PlannedExam {
            index,
            spec,
            acquisition,
            report,
            outcome: Outcome {
                death: None,
                censor: day,
            },
        });
    }
    let last = &out[out.len() - 1];
    let outcome = sample_outcome(&last.spec, last.acquisition.pet_start.day, rng);
    for e in &mut out {
        e.outcome = outcome.clone();
    }
    out
}
