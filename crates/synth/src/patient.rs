//! Patients: who is scanned, and why. One sampler for report sets and cohorts, so both have the
//! same mix of indications, ages and bodies.

use crate::spec::{Patient, Sex};
use crate::weighted::pick_weighted;
use rand::Rng;
use rand_distr::{Distribution, Normal};

/// Why patients are scanned, with how often.
pub(crate) const INDICATIONS: [(&str, f64); 7] = [
    ("lymphoma", 0.28),
    ("lung cancer", 0.2),
    ("melanoma", 0.14),
    ("head and neck cancer", 0.1),
    ("breast cancer", 0.12),
    ("colorectal cancer", 0.1),
    ("sarcoma", 0.06),
];

/// A patient: indication by its frequency; sex (breast cancer almost only in women); age
/// normal(61, 13) within 19-92; height normal by sex; weight from a BMI normal(26, 4.5).
pub(crate) fn sample_patient(patient_id: &str, rng: &mut (impl Rng + ?Sized)) -> Patient {
    let indication = pick_weighted(&INDICATIONS, rng).to_string();
    let female_p = if indication == "breast cancer" {
        0.97
    } else {
        0.47
    };
    let sex = if rng.random_bool(female_p) {
        Sex::Female
    } else {
        Sex::Male
    };
    let age = Normal::new(61.0f32, 13.0)
        .expect("sd > 0")
        .sample(rng)
        .clamp(19.0, 92.0) as u32;
    let (h_mean, h_sd): (f32, f32) = if sex == Sex::Male {
        (176.0, 7.0)
    } else {
        (163.0, 6.5)
    };
    let height_cm = Normal::new(h_mean, h_sd)
        .expect("sd > 0")
        .sample(rng)
        .clamp(145.0, 200.0)
        .round();
    let bmi = Normal::new(26.0f32, 4.5)
        .expect("sd > 0")
        .sample(rng)
        .clamp(16.5, 45.0);
    let weight_kg = (bmi * (height_cm / 100.0).powi(2) * 10.0).round() / 10.0;
    Patient {
        patient_id: patient_id.to_string(),
        age_years: age,
        sex,
        indication,
        weight_kg,
        height_cm,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uptake_core::seeded;

    #[test]
    fn patients_have_plausible_bodies_and_breast_cancer_is_mostly_female() {
        let mut rng = seeded::rng(1);
        let patients: Vec<Patient> = (0..400)
            .map(|i| sample_patient(&format!("P{i}"), &mut rng))
            .collect();
        for p in &patients {
            let bmi = p.weight_kg / (p.height_cm / 100.0).powi(2);
            assert!((16.0..=46.0).contains(&bmi), "BMI {bmi}");
            assert!((19..=92).contains(&p.age_years));
        }
        let breast: Vec<&Patient> = patients
            .iter()
            .filter(|p| p.indication == "breast cancer")
            .collect();
        let female = breast.iter().filter(|p| p.sex == Sex::Female).count();
        assert!(
            female * 10 >= breast.len() * 9,
            "{female} of {}",
            breast.len()
        );
    }
}
