//! The phantom's own exam sampler: patient, indication, lesions at every site the phantom has,
//! look-alikes and the summary code, with prevalence shaped by the indication.
//!
//! The cohort uses the report generator's sampler when it is available (it decides how reports
//! phrase things); this one is the fallback and the tests' source of specs that cover every site.

use crate::anatomy::{Anatomy, BodySize};
use crate::spec::{ExamSpec, Lesion, Lookalike, ReportedAs, Sex, Side};
use crate::taxonomy::is_ancestor_or_self;
use rand::Rng;
use rand_distr::{Distribution, Normal};
use uptake_core::ExamId;

pub const INDICATIONS: [(&str, f64); 7] = [
    ("lymphoma", 0.28),
    ("lung cancer", 0.2),
    ("melanoma", 0.14),
    ("head and neck cancer", 0.1),
    ("breast cancer", 0.12),
    ("colorectal cancer", 0.1),
    ("sarcoma", 0.06),
];

/// How much more often an indication puts disease in a task region (and its sub-regions).
fn affinity(indication: &str, region: &str) -> f64 {
    let under = |r: &str| is_ancestor_or_self(r, region);
    let nodal = region.ends_with("lymph_node");
    let mut w = match indication {
        "lymphoma" if nodal => 6.0,
        "lymphoma" if region == "abdomen" => 1.5,
        "lung cancer" if under("lungs") => 8.0,
        "lung cancer" if under("thoracic_lymph_node") => 5.0,
        "lung cancer" if region == "adrenal" => 4.0,
        "melanoma" if under("lungs") || region == "liver" => 3.0,
        "melanoma" if region == "axillary_lymph_node" || region == "inguinal_lymph_node" => 4.0,
        "head and neck cancer" if region == "cervical_lymph_node" => 10.0,
        "head and neck cancer" if region == "mouth" => 8.0,
        "head and neck cancer" if under("head_neck") => 3.0,
        "breast cancer" if region == "axillary_lymph_node" => 8.0,
        "breast cancer" if under("skeleton") => 4.0,
        "breast cancer" if region == "chest" || region == "liver" => 3.0,
        "colorectal cancer" if region == "liver" => 8.0,
        "colorectal cancer" if under("abdominal_lymph_node") || region == "pelvis" => 3.0,
        "sarcoma" if under("lungs") || under("skeleton") => 4.0,
        _ => 1.0,
    };
    // Keep the four rare tasks rare, as in the original cohort.
    if matches!(
        region,
        "pancreas" | "adrenal" | "kidney" | "celiac_lymph_node"
    ) {
        w *= 0.25;
    }
    w
}

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
        .clamp(145.0, 200.0);
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

/// Samples one exam of `patient`: ~20 % of exams have no lesion.
pub fn sample_exam(exam_id: ExamId, patient: &Patient, rng: &mut impl Rng) -> ExamSpec {
    let anatomy = Anatomy::build(BodySize {
        height_cm: patient.height_cm,
        weight_kg: patient.weight_kg,
        sex: patient.sex,
    });
    // Every lesion site of this body, weighted by the indication's affinity for its region.
    let mut sites: Vec<((String, &'static str, Side), f64)> = Vec::new();
    for s in anatomy.structures.iter().filter(|s| s.site) {
        let key = (s.name.clone(), s.task_region, s.side);
        if !sites.iter().any(|(k, _)| *k == key) {
            sites.push((key, affinity(&patient.indication, s.task_region)));
        }
    }
    let mut lesions = Vec::new();
    if !rng.random_bool(0.2) {
        // Most abnormal exams have a few sites, some have many.
        let mut n = 1;
        while n < 9 && rng.random_bool(0.55) {
            n += 1;
        }
        for _ in 0..n {
            let (site, region, side) = pick_weighted(&sites, rng).clone();
            let size_mm = 5.0 + 35.0 * rng.random::<f32>().powf(1.7);
            let suv_max = 2.0 + 18.0 * rng.random::<f32>().powf(1.5);
            let r: f64 = rng.random();
            let reported_as = if r < 0.85 {
                ReportedAs::Abnormal
            } else if r < 0.93 {
                ReportedAs::Hedged
            } else {
                ReportedAs::Missed
            };
            lesions.push(Lesion {
                region: region.to_string(),
                site,
                side,
                size_mm,
                suv_max,
                reported_as,
            });
        }
    }
    let mut lookalikes = Vec::new();
    let brown_fat_p = if patient.age_years < 40 { 0.2 } else { 0.05 };
    for (kind, p) in [
        (Lookalike::BrownFat, brown_fat_p),
        (Lookalike::InflamedJoint, 0.08),
        (Lookalike::PhysiologicBowel, 0.35),
        (Lookalike::ReactiveNode, 0.05),
    ] {
        if rng.random_bool(p) {
            lookalikes.push(kind);
        }
    }
    let reported = lesions.iter().any(|l| l.reported_as != ReportedAs::Missed);
    let summary_code = if rng.random_bool(0.03) {
        9
    } else if reported {
        4
    } else if !lookalikes.is_empty() || !lesions.is_empty() {
        2
    } else {
        1
    };
    ExamSpec {
        exam_id,
        patient_id: patient.patient_id.clone(),
        age_years: patient.age_years,
        sex: patient.sex,
        indication: patient.indication.clone(),
        weight_kg: patient.weight_kg,
        height_cm: patient.height_cm,
        lesions,
        lookalikes,
        summary_code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn about_a_fifth_of_exams_are_normal_and_lesions_stay_in_range() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut normal = 0;
        for i in 0..300 {
            let p = sample_patient(&format!("P{i}"), &mut rng);
            let spec = sample_exam(ExamId::new(format!("E{i}")).unwrap(), &p, &mut rng);
            normal += usize::from(spec.lesions.is_empty());
            for l in &spec.lesions {
                assert!((5.0..=40.0).contains(&l.size_mm));
                assert!((2.0..=20.0).contains(&l.suv_max));
                assert!(crate::taxonomy::is_task_region(&l.region));
            }
        }
        assert!((30..=90).contains(&normal), "{normal} normal of 300");
    }
}
