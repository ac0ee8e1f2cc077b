//! Sampling what an exam contains (the ground truth the report then describes).

use super::catalogue::{Kind, SITES, SiteDef};
use crate::spec::{ExamSpec, Lesion, Lookalike, ReportedAs, Sex, Side};
use crate::taxonomy::is_ancestor_or_self;
use rand::Rng;
use uptake_core::ExamId;

/// Why patients are scanned, with how often.
pub const INDICATIONS: [(&str, f64); 7] = [
    ("lymphoma", 0.28),
    ("lung cancer", 0.2),
    ("melanoma", 0.14),
    ("head and neck cancer", 0.1),
    ("breast cancer", 0.12),
    ("colorectal cancer", 0.1),
    ("sarcoma", 0.06),
];

/// Fraction of exams with no FDG-avid lesion at all.
pub const NORMAL_FRACTION: f64 = 0.2;

/// How much more often an indication puts disease in a task region (or below it).
fn affinity(indication: &str, region: &str) -> f64 {
    let under = |r: &str| is_ancestor_or_self(r, region);
    let nodal = region.ends_with("lymph_node");
    match indication {
        "lymphoma" if nodal => 4.0,
        "lymphoma" if region == "abdomen" || region == "skeleton" => 1.5,
        "lymphoma" => 0.4,
        "lung cancer" if under("lungs") => 5.0,
        "lung cancer" if under("thoracic_lymph_node") => 3.0,
        "lung cancer" if region == "adrenal" || under("skeleton") => 2.5,
        "lung cancer" if under("head_neck") || under("pelvis") => 0.3,
        "melanoma" if under("lungs") || region == "liver" || region == "axillary_lymph_node" => 2.5,
        "melanoma" if region == "inguinal_lymph_node" => 3.0,
        "head and neck cancer" if under("head_neck") => 6.0,
        "head and neck cancer" if under("lungs") => 1.0,
        "head and neck cancer" => 0.15,
        "breast cancer" if region == "axillary_lymph_node" => 5.0,
        "breast cancer" if region == "chest" || under("skeleton") || region == "liver" => 3.0,
        "breast cancer" if region == "supraclavicular_lymph_node" => 2.0,
        "colorectal cancer" if region == "liver" => 6.0,
        "colorectal cancer" if under("abdomen") || under("pelvis") => 2.0,
        "colorectal cancer" if under("head_neck") => 0.2,
        "sarcoma" if under("lungs") || under("skeleton") => 3.0,
        _ => 1.0,
    }
}

pub fn pick_weighted<'a, T>(items: &'a [(T, f64)], rng: &mut (impl Rng + ?Sized)) -> &'a T {
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

fn random_side(rng: &mut (impl Rng + ?Sized)) -> Side {
    if rng.random_bool(0.5) {
        Side::Left
    } else {
        Side::Right
    }
}

/// The side a lesion at `def` gets; `near` is the side of the previous lesion (disease
/// spreads on one side more often than it jumps).
fn side_for(def: &SiteDef, near: Option<Side>, rng: &mut (impl Rng + ?Sized)) -> Side {
    let any_sided_name = def.names.iter().any(|n| n.contains("{side}"));
    if !(def.sided() || (any_sided_name && rng.random_bool(0.5))) {
        return Side::Midline;
    }
    match near {
        Some(s @ (Side::Left | Side::Right)) if rng.random_bool(0.65) => s,
        _ => random_side(rng),
    }
}

/// Lesions and look-alikes of one exam of a patient with this indication and sex.
pub fn sample_findings(
    indication: &str,
    sex: Sex,
    age_years: u32,
    rng: &mut (impl Rng + ?Sized),
) -> (Vec<Lesion>, Vec<Lookalike>) {
    let sites: Vec<(&SiteDef, f64)> = SITES
        .iter()
        .filter(|d| d.sex.is_none_or(|s| s == sex))
        .map(|d| (d, d.weight * affinity(indication, d.region)))
        .collect();
    let mut lesions: Vec<Lesion> = Vec::new();
    if !rng.random_bool(NORMAL_FRACTION) {
        // Many exams have several sites; a few have widespread disease.
        let mut n = 1;
        while n < 10 && rng.random_bool(0.55) {
            n += 1;
        }
        for _ in 0..n {
            let def = *pick_weighted(&sites, rng);
            let near = lesions.last().map(|l| l.side);
            let side = side_for(def, near, rng);
            let site = match side {
                Side::Left => def.site.replace("{side}", "left"),
                Side::Right => def.site.replace("{side}", "right"),
                Side::Midline => def.site.replace("{side}_", ""),
            };
            let size_mm = match def.kind {
                Kind::Node => 8.0 + 30.0 * rng.random::<f32>().powf(1.8),
                _ => 6.0 + 44.0 * rng.random::<f32>().powf(1.6),
            };
            let suv_max = 2.5 + 17.5 * rng.random::<f32>().powf(1.4);
            let r: f64 = rng.random();
            let reported_as = if r < 0.85 {
                ReportedAs::Abnormal
            } else if r < 0.93 {
                ReportedAs::Hedged
            } else {
                ReportedAs::Missed
            };
            lesions.push(Lesion {
                region: def.region.to_string(),
                site,
                side,
                size_mm: (size_mm * 10.0).round() / 10.0,
                suv_max: (suv_max * 10.0).round() / 10.0,
                reported_as,
            });
        }
    }
    let mut lookalikes = Vec::new();
    let brown_fat = if age_years < 40 { 0.2 } else { 0.05 };
    for (kind, p) in [
        (Lookalike::BrownFat, brown_fat),
        (Lookalike::InflamedJoint, 0.1),
        (Lookalike::PhysiologicBowel, 0.35),
        (Lookalike::ReactiveNode, 0.08),
    ] {
        if rng.random_bool(p) {
            lookalikes.push(kind);
        }
    }
    (lesions, lookalikes)
}

/// Samples a whole exam: patient, indication, lesions (about a fifth of exams have none),
/// look-alikes and the summary code.
pub fn sample_exam(exam_id: ExamId, rng: &mut (impl Rng + ?Sized)) -> ExamSpec {
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
    let age_years = rng.random_range(19..=90);
    let height_cm = if sex == Sex::Male {
        rng.random_range(162.0..192.0)
    } else {
        rng.random_range(150.0..178.0)
    };
    let bmi: f32 = rng.random_range(18.0..36.0);
    let weight_kg = ((bmi * (height_cm / 100.0f32).powi(2)) * 10.0).round() / 10.0;
    let (lesions, lookalikes) = sample_findings(&indication, sex, age_years, rng);
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
        patient_id: format!("P-{}", exam_id.as_str()),
        exam_id,
        age_years,
        sex,
        indication,
        weight_kg,
        height_cm: height_cm.round(),
        lesions,
        lookalikes,
        summary_code,
    }
}
