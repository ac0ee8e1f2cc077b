//! The parts of a report before the findings: clinical history, technique and comparison.

use super::phrases::{pick, random_side_word};
use super::vocabulary::{
    COLORECTAL_HISTORIES, HEAD_NECK_PRIMARIES, HISTORY_INTRO, LYMPHOMAS, MAN, MELANOMA_SITES,
    MONTHS, NO_COMPARISON, PURPOSE_FOLLOW_UP, PURPOSE_STAGING, SARCOMAS, UPPER_LOWER, WOMAN,
};
use crate::spec::{ExamSpec, Sex};
use rand::Rng;

/// The diagnosis as the history names it, e.g. "melanoma of the left calf".
fn diagnosis(indication: &str, rng: &mut (impl Rng + ?Sized)) -> String {
    let side = random_side_word(rng);
    match indication {
        "lymphoma" => pick(rng, &LYMPHOMAS).to_string(),
        "lung cancer" => format!(
            "biopsy-proven non-small cell lung cancer of the {side} {} lobe",
            pick(rng, &UPPER_LOWER)
        ),
        "melanoma" => format!("melanoma of the {side} {}", pick(rng, &MELANOMA_SITES)),
        "head and neck cancer" => format!(
            "squamous cell carcinoma of the {side} {}",
            pick(rng, &HEAD_NECK_PRIMARIES)
        ),
        "breast cancer" => format!("{side} breast cancer status post lumpectomy and radiation"),
        "colorectal cancer" => pick(rng, &COLORECTAL_HISTORIES).to_string(),
        "sarcoma" => format!("{} of the {side} thigh", pick(rng, &SARCOMAS)),
        other => other.to_string(),
    }
}

/// The clinical history: age, sex, diagnosis and why the scan was done.
pub(super) fn history_text(
    spec: &ExamSpec,
    follow_up: bool,
    rng: &mut (impl Rng + ?Sized),
) -> String {
    let history = diagnosis(&spec.patient.indication, rng);
    let person = match spec.patient.sex {
        Sex::Female => pick(rng, &WOMAN),
        Sex::Male => pick(rng, &MAN),
    };
    let purpose = if follow_up {
        pick(rng, &PURPOSE_FOLLOW_UP)
    } else {
        pick(rng, &PURPOSE_STAGING)
    };
    let intro = pick(rng, &HISTORY_INTRO);
    format!(
        "{}-year-old {person} with {history}. {purpose} {intro} {history}.",
        spec.patient.age_years
    )
    .replacen(
        &format!(" {intro} {history}."),
        "",
        usize::from(rng.random_bool(0.6)),
    )
}

/// Dose, glucose and uptake time.
pub(super) fn technique_text(spec: &ExamSpec, rng: &mut (impl Rng + ?Sized)) -> String {
    let dose_mci: f32 = spec.patient.weight_kg * 0.14 + rng.random_range(-1.0..1.0);
    let glucose = rng.random_range(78..140);
    let minutes = rng.random_range(55..80);
    match rng.random_range(0..2) {
        0 => format!(
            "{dose_mci:.1} mCi of F-18 FDG was administered intravenously. Blood glucose was {glucose} mg/dL. After an uptake period of {minutes} minutes, PET images were acquired from the skull base to the mid-thigh with low-dose CT for attenuation correction and anatomic localization."
        ),
        _ => format!(
            "Whole-body PET/CT from vertex to thighs, {minutes} min after injection of {:.0} MBq FDG. Fasting glucose {glucose} mg/dL.",
            dose_mci * 37.0
        ),
    }
}

/// The prior scan compared with, if any.
pub(super) fn comparison_text(follow_up: bool, rng: &mut (impl Rng + ?Sized)) -> String {
    if !follow_up {
        return pick(rng, &NO_COMPARISON).to_string();
    }
    let month = pick(rng, &MONTHS);
    let year = rng.random_range(2018..2025);
    match rng.random_range(0..3) {
        0 => format!("PET/CT from {month} {year}."),
        1 => format!(
            "PET/CT dated {:02}/{:02}/{year}.",
            rng.random_range(1..13),
            rng.random_range(1..29)
        ),
        _ => format!("CT chest, abdomen and pelvis from {month} {year}."),
    }
}
