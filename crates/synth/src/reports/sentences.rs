//! The sentences of the findings section: abnormal, hedged and listed lesions, what is free
//! of disease, physiologic activity, look-alikes, incidental findings and resolved disease.

use super::described::Described;
use super::group::Group;
use super::phrases::{
    avid_adjective, cap, disease_phrase, fix_article, join_list, pick, random_side_word, side_word,
    size_text, suv_text,
};
use super::vocabulary::{BROWN_FAT, LOBES, NODES, NODULE_OR_MASS, PHYSIOLOGIC_BOWEL, physiologic};
use super::vocabulary_styles::NARRATIVE_HEDGES;
use crate::catalogue::Kind;
use crate::spec::{ExamSpec, Lookalike, Side};
use crate::taxonomy::is_ancestor_or_self;
use rand::Rng;

/// A findings sentence for one abnormal lesion.
pub(super) fn abnormal_sentence(
    d: &Described,
    spec: &ExamSpec,
    follow_up: bool,
    rng: &mut (impl Rng + ?Sized),
) -> String {
    let l = d.lesion;
    let n = &d.name;
    let adj = avid_adjective(l.suv_max, rng);
    let size = size_text(l.size_mm, rng);
    let suv = suv_text(l.suv_max, rng);
    let disease = disease_phrase(&spec.patient.indication, rng);
    let s = match d.def.kind {
        Kind::Node => match rng.random_range(0..7) {
            0 => format!("{} {n} measuring {size} ({suv}).", cap(adj)),
            1 => format!("There is a {size} {adj} {n} with {suv}."),
            2 => format!("{} {n}, {size}, {suv}, {disease}.", cap(adj)),
            3 if follow_up => format!("New {adj} {n} ({suv}), concerning for progression."),
            4 if spec.patient.indication == "lymphoma" => {
                format!(
                    "Persistent FDG avidity in the {n} ({suv}), Deauville {}.",
                    rng.random_range(4..=5)
                )
            }
            5 => format!("Enlarged {n} demonstrates intense FDG uptake ({suv})."),
            _ => format!("A {adj} {n} is noted ({suv})."),
        },
        Kind::Lung => match rng.random_range(0..4) {
            0 => format!("{} {size} nodule in the {n} ({suv}).", cap(adj)),
            1 => format!("Spiculated {size} mass in the {n} with {suv}, {disease}."),
            2 => format!("There is an FDG-avid nodule in the {n} measuring {size}, {suv}."),
            _ => format!("A {adj} {n} {} ({suv}).", pick(rng, &NODULE_OR_MASS)),
        },
        Kind::Organ => match rng.random_range(0..4) {
            0 => format!(
                "Focal intense uptake in the {n} ({suv}) without a definite CT correlate, suspicious for metastasis."
            ),
            1 => format!(
                "{} lesion in the {n} measuring {size} with {suv}.",
                cap(adj)
            ),
            2 => format!("{} mass involving the {n}, {suv}, {disease}.", cap(adj)),
            _ => {
                format!("The {n} demonstrates a focus of {adj} activity ({suv}) measuring {size}.")
            }
        },
        Kind::Bone => match rng.random_range(0..4) {
            0 => format!("{} lytic lesion in the {n} ({suv}).", cap(adj)),
            1 => format!(
                "Focal uptake in the {n} with a corresponding sclerotic lesion ({suv}), consistent with osseous metastasis."
            ),
            2 => format!("{} marrow lesion in the {n}, {suv}.", cap(adj)),
            _ => format!("Abnormal {adj} focus in the {n} ({suv}) {disease}."),
        },
    };
    // "A/An" must agree with the adjective that follows.
    fix_article(&s)
}

/// A findings sentence for a hedged lesion: uncertain wording, still abnormal by the rules.
pub(super) fn hedged_sentence(d: &Described, rng: &mut (impl Rng + ?Sized)) -> String {
    let l = d.lesion;
    let n = &d.name;
    let suv = suv_text(l.suv_max.min(4.5), rng);
    match rng.random_range(0..5) {
        0 => format!(
            "Mild focal uptake in the {n} ({suv}) is indeterminate; metastasis cannot be excluded."
        ),
        1 => format!(
            "Low-grade uptake in the {n} ({suv}), equivocal; attention on follow-up is recommended."
        ),
        2 => format!(
            "Indeterminate focus of uptake in the {n}, {suv}; correlation with MRI is suggested."
        ),
        3 => format!("Questionable mild uptake in the {n}, possibly malignant."),
        _ => format!("Asymmetric uptake in the {n} ({suv}) is suspicious for early involvement."),
    }
}

/// A hedged lesion as a dictation words it (still abnormal by the rules).
pub(super) fn narrative_hedge(d: &Described, rng: &mut (impl Rng + ?Sized)) -> String {
    let suv = suv_text(d.lesion.suv_max.min(4.5), rng);
    pick(rng, &NARRATIVE_HEDGES)
        .replace("{n}", &d.name)
        .replace("{suv}", &suv)
}

/// Node lesions that can be written as one list sentence: same side, same group, nodes.
pub(super) fn list_sentence(ds: &[&Described], rng: &mut (impl Rng + ?Sized)) -> String {
    let side = ds[0].lesion.side;
    let adjectives: Vec<&str> = ds.iter().filter_map(|d| d.def.list_adjective).collect();
    let joined = join_list(&adjectives);
    let largest = ds
        .iter()
        .map(|d| d.lesion)
        .max_by(|a, b| a.size_mm.total_cmp(&b.size_mm))
        .expect("non-empty");
    let adj = avid_adjective(largest.suv_max, rng);
    let side = if side == Side::Midline {
        String::new()
    } else {
        format!("{} ", side_word(side))
    };
    let nodes = pick(rng, &NODES);
    format!(
        "{} {side}{joined} {nodes}, the largest measuring {} ({}).",
        cap(adj),
        size_text(largest.size_mm, rng),
        suv_text(largest.suv_max, rng)
    )
}

/// Whether saying `covers` is free of disease contradicts a reported lesion.
pub(super) fn contradicts(covers: &[&str], reported: &[&Described]) -> bool {
    covers.iter().any(|c| {
        reported.iter().any(|d| {
            let base_site = d
                .lesion
                .site
                .trim_start_matches("left_")
                .trim_start_matches("right_");
            is_ancestor_or_self(c, &d.lesion.region)
                || d.lesion.site == *c
                || base_site == *c
                || d.def.site.replace("{side}_", "") == *c
        })
    })
}

/// A sentence on physiologic activity in the body part, half of the time.
pub(super) fn physiologic_sentence(
    group: Group,
    rng: &mut (impl Rng + ?Sized),
) -> Option<&'static str> {
    rng.random_bool(0.5).then(|| pick(rng, physiologic(group)))
}

/// A sentence on a benign look-alike, and the body part it is written under.
pub(super) fn lookalike_sentence(
    kind: Lookalike,
    rng: &mut (impl Rng + ?Sized),
) -> (Group, String) {
    let side = random_side_word(rng);
    match kind {
        Lookalike::BrownFat => (Group::HeadNeck, pick(rng, &BROWN_FAT).to_string()),
        Lookalike::InflamedJoint => (
            Group::Bones,
            match rng.random_range(0..3) {
                0 => format!("Inflammatory uptake about the {side} shoulder, likely degenerative."),
                1 => {
                    format!("Mild uptake at the {side} acromioclavicular joint, likely arthritic.")
                }
                _ => "Degenerative facet uptake at L4-L5.".to_string(),
            },
        ),
        Lookalike::PhysiologicBowel => (
            Group::AbdomenPelvis,
            pick(rng, &PHYSIOLOGIC_BOWEL).to_string(),
        ),
        Lookalike::ReactiveNode => {
            if rng.random_bool(0.5) {
                (
                    Group::AbdomenPelvis,
                    format!(
                        "Mildly avid {side} inguinal lymph nodes measuring up to 9 mm, likely reactive."
                    ),
                )
            } else {
                (
                    Group::Chest,
                    format!(
                        "Low-grade uptake in a non-enlarged {side} axillary node after recent vaccination in the {side} deltoid, likely reactive."
                    ),
                )
            }
        }
    }
}

/// Incidental findings without FDG uptake (never abnormal).
pub(super) fn incidental_sentence(group: Group, rng: &mut (impl Rng + ?Sized)) -> String {
    let side = random_side_word(rng);
    let lobe = pick(rng, &LOBES);
    match group {
        Group::HeadNeck => {
            format!(
                "Mucosal thickening of the {side} maxillary sinus with mild uptake, compatible with sinusitis."
            )
        }
        Group::Chest => match rng.random_range(0..3) {
            0 => format!(
                "A {} mm non-avid nodule in the {lobe} is too small to characterize.",
                rng.random_range(3..7)
            ),
            1 => format!("Calcified granuloma in the {lobe}."),
            _ => "Bibasilar atelectasis with mild associated uptake.".to_string(),
        },
        Group::AbdomenPelvis => match rng.random_range(0..2) {
            0 => format!("Simple cyst in the {side} kidney, photopenic."),
            _ => "Small hepatic cysts without FDG uptake.".to_string(),
        },
        Group::Bones => format!(
            "Sclerotic focus in the L{} vertebral body without uptake, likely a bone island.",
            rng.random_range(1..=5)
        ),
    }
}

/// A resolved prior finding at `name` (never abnormal).
pub(super) fn resolved_sentence(name: &str, rng: &mut (impl Rng + ?Sized)) -> String {
    match rng.random_range(0..4) {
        0 => format!("Interval resolution of the previously hypermetabolic {name}."),
        1 => format!("The previously noted FDG-avid {name} is no longer seen."),
        2 => format!("Complete metabolic response of the previously seen {name}."),
        _ => format!("The {name}, previously avid, has resolved."),
    }
}
