//! Patients of the cohort (the part of an exam spec that stays the same across a patient's
//! exams) and the summary code. What each exam contains comes from the report generator's
//! `reports::sample_findings`, so reports and phantoms share one notion of prevalence.

use crate::reports::INDICATIONS;
use crate::spec::{Lesion, Lookalike, ReportedAs, Sex};
use rand::Rng;
use rand_distr::{Distribution, Normal};

fn pick_weighted<'a, T>(items: &'a [(T, f64)], rng: &mut impl Rng) -> &'a T {
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    let mut t = rng.random_range(0.0..total);
    for (item, w) in items {
        t -= w;
        if t <= 0.0 {
            return item;
        }
    }
    &items[items.len() - 1].0
}

/// The patient-level part of a spec, reused for the follow-up exams of one patient.
#[derive(Debug, Clone, PartialEq)]
pub struct Patient {
    pub patient_id: String,
    pub age_years: u32,
    pub sex: Sex,
    pub indication: String,
    pub weight_kg: f32,
    pub height_cm: f32,
}

pub fn sample_patient(patient_id: &str, rng: &mut impl Rng) -> Patient {
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

/// The radiologist's summary code: 4 when a lesion is reported, 2 for benign findings only
/// (or only missed lesions), 1 normal; 3 % of exams get 9 (cannot tell).
pub fn summary_code(lesions: &[Lesion], lookalikes: &[Lookalike], rng: &mut impl Rng) -> u8 {
    let reported = lesions.iter().any(|l| l.reported_as != ReportedAs::Missed);
    if rng.random_bool(0.03) {
        9
    } else if reported {
        4
    } else if !lookalikes.is_empty() || !lesions.is_empty() {
        2
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn patients_have_plausible_bodies_and_breast_cancer_is_mostly_female() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
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

    #[test]
    fn a_reported_lesion_makes_the_summary_suspicious_unless_it_is_a_nine() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let lesion = Lesion {
            region: "liver".into(),
            site: "liver".into(),
            side: crate::spec::Side::Midline,
            size_mm: 20.0,
            suv_max: 8.0,
            reported_as: ReportedAs::Abnormal,
        };
        for _ in 0..50 {
            let code = summary_code(std::slice::from_ref(&lesion), &[], &mut rng);
            assert!(code == 4 || code == 9);
            let normal = summary_code(&[], &[], &mut rng);
            assert!(normal == 1 || normal == 9);
        }
    }
}
