//! Survival after a patient's last exam: a hazard model driven by disease burden, indication,
//! age and sex, with loss to follow-up and administrative censoring at the end of 2020.

use crate::dates::Day;
use crate::spec::{ExamSpec, Sex};
use rand::Rng;
use serde::Serialize;

/// Survival of one patient, from the last exam.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The day of death, if the patient died during follow-up.
    pub death: Option<Day>,
    /// Last day known alive, or the death day.
    pub censor: Day,
}

/// Index of a patient's disease burden for the hazard model (documented in
/// docs/synthetic-cohort.md).
fn burden(spec: &ExamSpec) -> f64 {
    let mut regions: Vec<&str> = spec.lesions.iter().map(|l| l.region.as_str()).collect();
    regions.sort_unstable();
    regions.dedup();
    let max_suv = spec
        .lesions
        .iter()
        .map(|l| l.suv_max as f64)
        .fold(0.0, f64::max);
    0.35 * regions.len().min(8) as f64 + 0.06 * max_suv
}

fn indication_log_hazard(indication: &str) -> f64 {
    match indication {
        "lung cancer" => 0.9,
        "melanoma" => 0.5,
        "sarcoma" => 0.4,
        "colorectal cancer" => 0.4,
        "head and neck cancer" => 0.3,
        "breast cancer" => -0.3,
        _ => 0.0,
    }
}

/// End of follow-up for everybody (administrative censoring).
fn study_end() -> Day {
    Day::from_ymd(2020, 12, 31)
}

/// The outcome of a patient whose last exam is `last`, scanned on `last_day`.
pub(super) fn sample_outcome(last: &ExamSpec, last_day: Day, rng: &mut impl Rng) -> Outcome {
    let male = if last.patient.sex == Sex::Male {
        0.2
    } else {
        0.0
    };
    let log_rate = (0.05f64).ln()
        + burden(last)
        + indication_log_hazard(&last.patient.indication)
        + 0.03 * (last.patient.age_years as f64 - 60.0)
        + male;
    let per_year = log_rate.exp();
    let exp_days = |rate_per_year: f64, rng: &mut dyn rand::RngCore| -> f64 {
        let u: f64 = rng.random_range(f64::EPSILON..1.0);
        -u.ln() / rate_per_year * 365.25
    };
    let death_after = exp_days(per_year, rng);
    let lost_after = exp_days(0.05, rng);
    let admin = (study_end().0 - last_day.0) as f64;
    let follow = admin.min(lost_after);
    if death_after < follow {
        let d = last_day.plus(death_after.ceil().max(1.0) as i64);
        Outcome {
            death: Some(d),
            censor: d,
        }
    } else {
        Outcome {
            death: None,
            censor: last_day.plus(follow.floor() as i64),
        }
    }
}
