//! What an exam of a patient contains: lesions (where, how big, how avid, how the report will
//! describe them), benign look-alikes and the radiologist's summary code. Report sets and
//! cohorts sample exams here, so both share one notion of prevalence.

use crate::catalogue::{Kind, SITES, SiteDef};
use crate::spec::Patient;
use crate::spec::{ExamSpec, Lesion, Lookalike, ReportedAs, Sex, Side};
use crate::taxonomy::is_ancestor_or_self;
use crate::weighted::pick_weighted;
use rand::Rng;
use uptake_core::ExamId;

/// Fraction of exams with no FDG-avid lesion at all.
pub(crate) const NORMAL_FRACTION: f64 = 0.2;

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

/// Lesions and look-alikes of one exam of a patient with this indication, sex and age.
fn sample_findings(
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

/// The radiologist's summary code: 4 when a lesion is reported, 2 for benign findings only
/// (or only missed lesions), 1 normal; 3 % of exams get 9 (cannot tell).
fn summary_code(lesions: &[Lesion], lookalikes: &[Lookalike], rng: &mut (impl Rng + ?Sized)) -> u8 {
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

/// One exam of `patient` (as at that exam): its lesions (about a fifth of exams have none),
/// look-alikes and summary code.
pub(crate) fn sample_exam(
    exam_id: ExamId,
    patient: &Patient,
    rng: &mut (impl Rng + ?Sized),
) -> ExamSpec {
    let (lesions, lookalikes) =
        sample_findings(&patient.indication, patient.sex, patient.age_years, rng);
    let summary_code = summary_code(&lesions, &lookalikes, rng);
    ExamSpec {
        exam_id,
        patient: patient.clone(),
        lesions,
        lookalikes,
        summary_code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uptake_core::seeded;

    #[test]
    fn a_reported_lesion_makes_the_summary_suspicious_unless_it_is_a_nine() {
        let mut rng = seeded::rng(2);
        let lesion = Lesion {
            region: "liver".into(),
            site: "liver".into(),
            side: Side::Midline,
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
