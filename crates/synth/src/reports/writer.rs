//! Writing the free-text report of an exam spec, in one of several institution styles.
//!
//! Everything the report says about a region follows the label semantics of shared/regions.md:
//! lesions reported as abnormal or hedged are described as such; missed lesions are not
//! described (a radiologist may even call their region negative); look-alikes, physiologic
//! activity, incidental non-avid findings and resolved prior disease are written as what they
//! are, so they are never abnormal; the clinical history names prior disease that is not a
//! finding.

use super::catalogue::{Kind, SITES, SiteDef, find_site};
use crate::spec::{ExamSpec, Lesion, Lookalike, ReportedAs, Sex, Side};
use crate::taxonomy::is_ancestor_or_self;
use rand::Rng;
use rand::seq::IndexedRandom;

/// Header and list conventions of one institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// Upper-case headers, organ sub-headers, numbered impression, "END OF IMPRESSION".
    Caps,
    /// Mixed-case headers, mixed-case organ sub-headers, dashed impression items.
    Mixed,
    /// Headers but findings as one running paragraph, impression as plain sentences.
    Paragraph,
    /// No headers at all: a list of findings sentences.
    Bare,
    /// Telegraphic: abbreviations (LN, SUV), short sentences, "1)" numbering.
    Terse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    HeadNeck,
    Chest,
    AbdomenPelvis,
    Bones,
}

const GROUPS: [Group; 4] = [
    Group::HeadNeck,
    Group::Chest,
    Group::AbdomenPelvis,
    Group::Bones,
];

fn group_of(region: &str) -> Group {
    if is_ancestor_or_self("skeleton", region) {
        Group::Bones
    } else if is_ancestor_or_self("head_neck", region) {
        Group::HeadNeck
    } else if is_ancestor_or_self("chest", region) {
        Group::Chest
    } else {
        Group::AbdomenPelvis
    }
}

/// A lesion the report describes, with its wording fixed once so findings and impression agree.
struct Described<'a> {
    lesion: &'a Lesion,
    def: &'static SiteDef,
    /// The noun phrase naming the site, e.g. "left axillary lymph node", "T11 vertebral body".
    name: String,
    group: Group,
}

fn pick<T: Clone>(rng: &mut (impl Rng + ?Sized), items: &[T]) -> T {
    items.choose(rng).expect("non-empty list").clone()
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn side_word(side: Side) -> &'static str {
    match side {
        Side::Left => "left",
        Side::Right => "right",
        Side::Midline => "",
    }
}

const ORDINALS: [&str; 12] = [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth",
];

/// Fills the placeholders of a site name.
fn fill_name(template: &str, side: Side, rng: &mut (impl Rng + ?Sized)) -> String {
    let mut s = template.replace("{side}", side_word(side));
    if s.contains("{t}") {
        s = s.replace("{t}", &rng.random_range(1..=12).to_string());
    }
    if s.contains("{l}") {
        s = s.replace("{l}", &rng.random_range(1..=5).to_string());
    }
    if s.contains("{c}") {
        s = s.replace("{c}", &rng.random_range(2..=7).to_string());
    }
    if s.contains("{rib}") {
        s = s.replace("{rib}", pick(rng, &ORDINALS[2..11]));
    }
    s.trim().to_string()
}

/// A name of the site that agrees with the lesion's side (sided names need a side).
fn name_for(def: &SiteDef, side: Side, rng: &mut (impl Rng + ?Sized)) -> String {
    let fitting: Vec<&&str> = def
        .names
        .iter()
        .filter(|n| {
            n.contains("{side}") == (side != Side::Midline)
                || (side != Side::Midline && def.sided())
        })
        .collect();
    let template = if fitting.is_empty() {
        pick(rng, def.names)
    } else {
        *pick(rng, &fitting)
    };
    fill_name(template, side, rng)
}

/// Measurements in the many ways reports write them.
fn size_text(size_mm: f32, rng: &mut (impl Rng + ?Sized)) -> String {
    let cm = size_mm / 10.0;
    let short = cm * rng.random_range(0.6..0.95);
    match rng.random_range(0..5) {
        0 => format!("{cm:.1} x {short:.1} cm"),
        1 => format!("{cm:.1} cm"),
        2 => format!("{size_mm:.0} mm"),
        3 => format!("{short:.1} cm in short axis"),
        _ => format!("{cm:.1} x {short:.1} x {:.1} cm", short * 0.9),
    }
}

fn suv_text(suv: f32, rng: &mut (impl Rng + ?Sized)) -> String {
    match rng.random_range(0..6) {
        0 => format!("SUVmax {suv:.1}"),
        1 => format!("SUV max {suv:.1}"),
        2 => format!("max SUV {suv:.1}"),
        3 => format!("SUVmax: {suv:.1}"),
        4 => format!("SUVmax of {suv:.1}"),
        _ => format!("SUV {suv:.1}"),
    }
}

fn avid_adjective(suv: f32, rng: &mut (impl Rng + ?Sized)) -> &'static str {
    if suv > 9.0 {
        pick(
            rng,
            &[
                "intensely hypermetabolic",
                "intensely FDG-avid",
                "markedly hypermetabolic",
                "hypermetabolic",
            ],
        )
    } else {
        pick(
            rng,
            &[
                "hypermetabolic",
                "FDG-avid",
                "FDG avid",
                "metabolically active",
                "hypermetabolic",
            ],
        )
    }
}

fn disease_phrase(indication: &str, rng: &mut (impl Rng + ?Sized)) -> &'static str {
    match indication {
        "lymphoma" => pick(
            rng,
            &[
                "compatible with lymphoma",
                "consistent with lymphomatous involvement",
                "in keeping with active lymphoma",
            ],
        ),
        _ => pick(
            rng,
            &[
                "consistent with metastatic disease",
                "compatible with the known malignancy",
                "concerning for metastasis",
                "in keeping with metastatic involvement",
            ],
        ),
    }
}

/// The noun for the lesion's kind, used with organ and bone names.
fn lesion_noun(kind: Kind, rng: &mut (impl Rng + ?Sized)) -> &'static str {
    match kind {
        Kind::Lung => pick(rng, &["nodule", "mass", "pulmonary nodule"]),
        Kind::Bone => pick(
            rng,
            &[
                "lesion",
                "lytic lesion",
                "sclerotic lesion",
                "osseous lesion",
            ],
        ),
        _ => pick(rng, &["lesion", "mass", "focus"]),
    }
}

/// A findings sentence for one abnormal lesion.
fn abnormal_sentence(
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
    let disease = disease_phrase(&spec.indication, rng);
    let s = match d.def.kind {
        Kind::Node => match rng.random_range(0..7) {
            0 => format!("{} {n} measuring {size} ({suv}).", cap(adj)),
            1 => format!("There is a {size} {adj} {n} with {suv}."),
            2 => format!("{} {n}, {size}, {suv}, {disease}.", cap(adj)),
            3 if follow_up => format!("New {adj} {n} ({suv}), concerning for progression."),
            4 if spec.indication == "lymphoma" => {
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
            _ => format!("A {adj} {n} {} ({suv}).", pick(rng, &["nodule", "mass"])),
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

fn fix_article(s: &str) -> String {
    let vowel_start = |w: &str| {
        w.chars().next().is_some_and(|c| "aeiouAEIOU".contains(c))
            || ["FDG", "RUL", "RML", "RLL", "LUL", "LLL", "SUV", "AP "]
                .iter()
                .any(|p| w.starts_with(p))
    };
    let mut out: Vec<String> = Vec::new();
    let words: Vec<&str> = s.split(' ').collect();
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).copied().unwrap_or("");
        let fixed = match *w {
            "a" | "an" | "A" | "An" => {
                let upper = w.starts_with('A');
                let article = if vowel_start(next) && !next.starts_with("one") {
                    "an"
                } else {
                    "a"
                };
                if upper {
                    cap(article)
                } else {
                    article.to_string()
                }
            }
            other => other.to_string(),
        };
        out.push(fixed);
    }
    out.join(" ")
}

/// A findings sentence for a hedged lesion: uncertain wording, still abnormal by the rules.
fn hedged_sentence(d: &Described, rng: &mut (impl Rng + ?Sized)) -> String {
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

/// Node lesions that can be written as one list sentence: same side, same group, nodes.
fn list_sentence(ds: &[&Described], rng: &mut (impl Rng + ?Sized)) -> String {
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
    let nodes = pick(rng, &["lymph nodes", "nodes", "lymphadenopathy"]);
    format!(
        "{} {side}{joined} {nodes}, the largest measuring {} ({}).",
        cap(adj),
        size_text(largest.size_mm, rng),
        suv_text(largest.suv_max, rng)
    )
}

fn join_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A negative statement: the text and what it says is free of disease (task regions cover
/// everything below them; other names are single sites).
type Negative = (&'static str, &'static [&'static str]);

const NEGATIVES: [(Group, &[Negative]); 4] = [
    (
        Group::HeadNeck,
        &[
            (
                "No hypermetabolic cervical or supraclavicular lymphadenopathy.",
                &["cervical_lymph_node", "supraclavicular_lymph_node"],
            ),
            (
                "No FDG-avid cervical lymph nodes.",
                &["cervical_lymph_node"],
            ),
            (
                "The neck is negative for hypermetabolic adenopathy.",
                &["neck"],
            ),
            ("No abnormal uptake in the head and neck.", &["head_neck"]),
            ("No suspicious uptake in the thyroid.", &["thyroid"]),
            (
                "The supraclavicular fossae are clear.",
                &["supraclavicular_lymph_node"],
            ),
            (
                "There is no evidence of FDG-avid disease in the oropharynx or oral cavity.",
                &["mouth"],
            ),
            (
                "Physiologic activity in the tonsils and salivary glands is symmetric.",
                &["tonsils", "parotid"],
            ),
        ],
    ),
    (
        Group::Chest,
        &[
            (
                "No hypermetabolic mediastinal or hilar lymphadenopathy.",
                &["thoracic_lymph_node"],
            ),
            ("The lungs are clear without FDG-avid nodules.", &["lungs"]),
            ("No suspicious pulmonary nodules.", &["lungs"]),
            (
                "No FDG-avid axillary lymph nodes.",
                &["axillary_lymph_node"],
            ),
            ("The axillae are unremarkable.", &["axillary_lymph_node"]),
            (
                "No hypermetabolic pleural or pericardial abnormality.",
                &["pleura"],
            ),
            ("The left lung is clear.", &["left_lungs"]),
            ("The right lung is clear.", &["right_lungs"]),
            (
                "No FDG-avid subcarinal or paratracheal nodes.",
                &["carinal_lymph_node", "paratracheal_lymph_node"],
            ),
            ("Physiologic myocardial uptake.", &[]),
        ],
    ),
    (
        Group::AbdomenPelvis,
        &[
            (
                "No hypermetabolic retroperitoneal or mesenteric lymphadenopathy.",
                &["abdominal_lymph_node"],
            ),
            (
                "No abnormal FDG uptake in the liver, spleen, pancreas or adrenal glands.",
                &["liver", "spleen", "pancreas", "adrenal"],
            ),
            (
                "The liver demonstrates homogeneous physiologic uptake without focal lesions.",
                &["liver"],
            ),
            ("The adrenal glands are unremarkable.", &["adrenal"]),
            (
                "No FDG-avid pelvic or inguinal lymph nodes.",
                &["iliac_lymph_node", "inguinal_lymph_node"],
            ),
            (
                "No hypermetabolic iliac or inguinal adenopathy.",
                &["iliac_lymph_node", "inguinal_lymph_node"],
            ),
            (
                "Physiologic excretion of tracer in the kidneys and bladder.",
                &["kidney", "bladder"],
            ),
            (
                "No abnormal uptake in the abdomen or pelvis.",
                &["abdomen", "pelvis"],
            ),
        ],
    ),
    (
        Group::Bones,
        &[
            ("No suspicious osseous lesions.", &["skeleton"]),
            ("No FDG-avid bone lesions.", &["skeleton"]),
            (
                "The visualized skeleton demonstrates physiologic marrow uptake.",
                &["skeleton"],
            ),
            (
                "Degenerative uptake in the lower lumbar spine.",
                &["lumbar_spine"],
            ),
        ],
    ),
];

/// Whether saying `covers` is free of disease contradicts a reported lesion.
fn contradicts(covers: &[&str], reported: &[&Described]) -> bool {
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

fn physiologic_sentence(group: Group, rng: &mut (impl Rng + ?Sized)) -> Option<&'static str> {
    let options: &[&str] = match group {
        Group::HeadNeck => &[
            "Physiologic uptake in the brain, tonsils and salivary glands.",
            "Expected physiologic activity in the Waldeyer ring.",
            "Normal physiologic FDG distribution in the brain.",
        ],
        Group::Chest => &[
            "Physiologic uptake in the myocardium.",
            "Physiologic activity in the heart.",
        ],
        Group::AbdomenPelvis => &[
            "Normal physiologic activity in the liver, spleen, bowel and urinary tract.",
            "Physiologic urinary activity in the renal collecting systems and bladder.",
        ],
        Group::Bones => &["Physiologic marrow activity."],
    };
    rng.random_bool(0.5).then(|| pick(rng, options))
}

fn lookalike_sentence(kind: Lookalike, rng: &mut (impl Rng + ?Sized)) -> (Group, String) {
    let side = side_word(if rng.random_bool(0.5) {
        Side::Left
    } else {
        Side::Right
    });
    match kind {
        Lookalike::BrownFat => (
            Group::HeadNeck,
            pick(
                rng,
                &[
                    "Symmetric brown fat uptake in the supraclavicular regions and lower neck.".to_string(),
                    "Brown adipose tissue activity in the bilateral supraclavicular and paravertebral regions, which does not correspond to nodes on CT.".to_string(),
                    "Intense bilateral uptake in the neck and supraclavicular fat, typical of brown fat.".to_string(),
                ],
            )
            .clone(),
        ),
        Lookalike::InflamedJoint => (
            Group::Bones,
            match rng.random_range(0..3) {
                0 => format!("Inflammatory uptake about the {side} shoulder, likely degenerative."),
                1 => format!("Mild uptake at the {side} acromioclavicular joint, likely arthritic."),
                _ => "Degenerative facet uptake at L4-L5.".to_string(),
            },
        ),
        Lookalike::PhysiologicBowel => (
            Group::AbdomenPelvis,
            pick(
                rng,
                &[
                    "Physiologic bowel activity in the colon.".to_string(),
                    "Focal uptake in the cecum without CT correlate, likely physiologic.".to_string(),
                    "Diffuse colonic uptake, compatible with metformin effect.".to_string(),
                ],
            )
            .clone(),
        ),
        Lookalike::ReactiveNode => {
            if rng.random_bool(0.5) {
                (
                    Group::AbdomenPelvis,
                    format!("Mildly avid {side} inguinal lymph nodes measuring up to 9 mm, likely reactive."),
                )
            } else {
                (
                    Group::Chest,
                    format!("Low-grade uptake in a non-enlarged {side} axillary node after recent vaccination in the {side} deltoid, likely reactive."),
                )
            }
        }
    }
}

/// Incidental findings without FDG uptake (never abnormal).
fn incidental_sentence(group: Group, rng: &mut (impl Rng + ?Sized)) -> String {
    let side = side_word(if rng.random_bool(0.5) {
        Side::Left
    } else {
        Side::Right
    });
    let lobe = pick(
        rng,
        &[
            "right upper lobe",
            "right lower lobe",
            "left upper lobe",
            "left lower lobe",
            "lingula",
        ],
    );
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
fn resolved_sentence(name: &str, rng: &mut (impl Rng + ?Sized)) -> String {
    match rng.random_range(0..4) {
        0 => format!("Interval resolution of the previously hypermetabolic {name}."),
        1 => format!("The previously noted FDG-avid {name} is no longer seen."),
        2 => format!("Complete metabolic response of the previously seen {name}."),
        _ => format!("The {name}, previously avid, has resolved."),
    }
}

fn history_text(spec: &ExamSpec, follow_up: bool, rng: &mut (impl Rng + ?Sized)) -> String {
    let side = side_word(if rng.random_bool(0.5) {
        Side::Left
    } else {
        Side::Right
    });
    let history = match spec.indication.as_str() {
        "lymphoma" => pick(
            rng,
            &[
                "Hodgkin lymphoma",
                "diffuse large B-cell lymphoma",
                "follicular lymphoma",
            ],
        )
        .to_string(),
        "lung cancer" => format!(
            "biopsy-proven non-small cell lung cancer of the {side} {} lobe",
            pick(rng, &["upper", "lower"])
        ),
        "melanoma" => format!(
            "melanoma of the {side} {}",
            pick(rng, &["calf", "upper back", "forearm", "scalp"])
        ),
        "head and neck cancer" => {
            format!(
                "squamous cell carcinoma of the {side} {}",
                pick(rng, &["tonsil", "tongue base", "larynx"])
            )
        }
        "breast cancer" => format!("{side} breast cancer status post lumpectomy and radiation"),
        "colorectal cancer" => pick(
            rng,
            &[
                "colon cancer status post right hemicolectomy",
                "rectal cancer status post low anterior resection",
            ],
        )
        .to_string(),
        "sarcoma" => format!(
            "{} of the {side} thigh",
            pick(rng, &["liposarcoma", "leiomyosarcoma"])
        ),
        other => other.to_string(),
    };
    let person = match spec.sex {
        Sex::Female => pick(rng, &["woman", "female", "patient"]),
        Sex::Male => pick(rng, &["man", "male", "patient"]),
    };
    let purpose = if follow_up {
        pick(
            rng,
            &[
                "Restaging after chemotherapy.",
                "Evaluate treatment response.",
                "Surveillance.",
                "Restaging.",
            ],
        )
    } else {
        pick(
            rng,
            &[
                "Initial staging.",
                "Staging.",
                "Initial treatment strategy.",
            ],
        )
    };
    let intro = pick(rng, &["History of", "Known", "Patient with"]);
    format!(
        "{}-year-old {person} with {history}. {purpose} {intro} {history}.",
        spec.age_years
    )
    .replacen(
        &format!(" {intro} {history}."),
        "",
        usize::from(rng.random_bool(0.6)),
    )
}

fn technique_text(spec: &ExamSpec, rng: &mut (impl Rng + ?Sized)) -> String {
    let dose_mci: f32 = spec.weight_kg * 0.14 + rng.random_range(-1.0..1.0);
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

fn comparison_text(follow_up: bool, rng: &mut (impl Rng + ?Sized)) -> String {
    if !follow_up {
        return pick(rng, &["None.", "None available.", "No prior PET/CT."]).to_string();
    }
    let month = pick(
        rng,
        &["January", "March", "May", "July", "September", "November"],
    );
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

/// Writes the report of an exam. The same spec and the same random state give the same text.
pub fn write_report<R: Rng + ?Sized>(spec: &ExamSpec, rng: &mut R) -> String {
    let style = pick(
        rng,
        &[
            Style::Caps,
            Style::Mixed,
            Style::Paragraph,
            Style::Bare,
            Style::Terse,
        ],
    );
    let follow_up = rng.random_bool(0.55);

    // Fix the wording of every lesion once, keep one per site (the largest) for sentences.
    let mut described: Vec<Described> = Vec::new();
    // Several lesions at one site are written once, as the most clearly reported of them.
    let rank = |l: &Lesion| match l.reported_as {
        ReportedAs::Abnormal => 0,
        ReportedAs::Hedged => 1,
        ReportedAs::Missed => 2,
    };
    let mut lesions: Vec<&Lesion> = spec.lesions.iter().collect();
    lesions.sort_by_key(|l| rank(l));
    for lesion in lesions {
        let Some(def) =
            find_site(&lesion.site).or_else(|| SITES.iter().find(|d| d.region == lesion.region))
        else {
            continue;
        };
        if described
            .iter()
            .any(|d| d.lesion.site == lesion.site && d.lesion.side == lesion.side)
        {
            continue;
        }
        let name = name_for(def, lesion.side, rng);
        described.push(Described {
            lesion,
            def,
            name,
            group: group_of(&lesion.region),
        });
    }
    let reported: Vec<&Described> = described
        .iter()
        .filter(|d| d.lesion.reported_as != ReportedAs::Missed)
        .collect();

    // Findings, by body part.
    let mut findings: Vec<(Group, Vec<String>)> = GROUPS.iter().map(|g| (*g, Vec::new())).collect();
    let push = |findings: &mut Vec<(Group, Vec<String>)>, g: Group, s: String| {
        if let Some((_, v)) = findings.iter_mut().find(|(gg, _)| *gg == g) {
            v.push(s);
        }
    };
    for &group in &GROUPS {
        let here: Vec<&Described> = reported
            .iter()
            .copied()
            .filter(|d| d.group == group)
            .collect();
        let mut done = vec![false; here.len()];
        // Nodes on one side written as a list ("left axillary and supraclavicular nodes").
        for i in 0..here.len() {
            if done[i]
                || here[i].def.list_adjective.is_none()
                || here[i].lesion.reported_as != ReportedAs::Abnormal
            {
                continue;
            }
            let mates: Vec<usize> = (i..here.len())
                .filter(|&j| {
                    !done[j]
                        && here[j].def.list_adjective.is_some()
                        && here[j].lesion.reported_as == ReportedAs::Abnormal
                        && here[j].lesion.side == here[i].lesion.side
                })
                .collect();
            if mates.len() >= 2 && rng.random_bool(0.6) {
                let members: Vec<&Described> = mates.iter().map(|&j| here[j]).collect();
                push(&mut findings, group, list_sentence(&members, rng));
                for j in mates {
                    done[j] = true;
                }
            }
        }
        for (i, d) in here.iter().enumerate() {
            if done[i] {
                continue;
            }
            let s = match d.lesion.reported_as {
                ReportedAs::Hedged => hedged_sentence(d, rng),
                _ => abnormal_sentence(d, spec, follow_up, rng),
            };
            push(&mut findings, group, s);
        }
        // Reference organs and landmarks next to real findings.
        if let Some(d) = here
            .iter()
            .find(|d| d.lesion.reported_as == ReportedAs::Abnormal)
            && rng.random_bool(0.2)
        {
            let s = match d.def.region {
                "retroperitoneal_lymph_node" => format!("The {} encases the aorta.", d.name),
                _ => format!(
                    "Uptake in the {} is greater than the liver (SUVmean {:.1}).",
                    d.name,
                    rng.random_range(1.6..2.6)
                ),
            };
            if d.def.region != "liver" {
                push(&mut findings, group, s);
            }
        }
        // What is free of disease (a missed lesion's region may be called negative).
        let negatives = NEGATIVES
            .iter()
            .find(|(g, _)| *g == group)
            .map(|(_, n)| *n)
            .unwrap_or(&[]);
        let allowed: Vec<&Negative> = negatives
            .iter()
            .filter(|(_, covers)| !contradicts(covers, &reported))
            .collect();
        let n_negative = rng.random_range(0..=2.min(allowed.len()));
        for neg in allowed.choose_multiple(rng, n_negative) {
            push(&mut findings, group, neg.0.to_string());
        }
        if let Some(s) = physiologic_sentence(group, rng) {
            push(&mut findings, group, s.to_string());
        }
        if rng.random_bool(0.15) {
            push(&mut findings, group, incidental_sentence(group, rng));
        }
    }
    for &kind in &spec.lookalikes {
        let (group, s) = lookalike_sentence(kind, rng);
        push(&mut findings, group, s);
    }
    // Resolved prior disease at a site with nothing now.
    let mut resolved_name = None;
    if follow_up && rng.random_bool(0.35) {
        let def = pick(rng, SITES);
        let clash = spec
            .lesions
            .iter()
            .any(|l| find_site(&l.site).is_some_and(|d| d.site == def.site));
        if !clash && def.sex.is_none_or(|s| s == spec.sex) {
            let side = if def.sided() {
                if rng.random_bool(0.5) {
                    Side::Left
                } else {
                    Side::Right
                }
            } else {
                Side::Midline
            };
            let name = name_for(&def, side, rng);
            push(
                &mut findings,
                group_of(def.region),
                resolved_sentence(&name, rng),
            );
            resolved_name = Some(name);
        }
    }
    for (_, v) in findings.iter_mut() {
        // Radiologists do not write in a fixed order inside a body part.
        if v.len() > 1 && rng.random_bool(0.5) {
            let last = v.len() - 1;
            v.swap(0, rng.random_range(0..=last));
        }
    }

    let impression = impression_items(spec, &reported, resolved_name.as_deref(), rng);
    assemble(style, spec, follow_up, &findings, &impression, rng)
}

fn impression_items(
    spec: &ExamSpec,
    reported: &[&Described],
    resolved: Option<&str>,
    rng: &mut (impl Rng + ?Sized),
) -> Vec<String> {
    let mut items = Vec::new();
    for &group in &GROUPS {
        let abnormal: Vec<String> = reported
            .iter()
            .filter(|d| d.group == group && d.lesion.reported_as == ReportedAs::Abnormal)
            .map(|d| match d.def.kind {
                Kind::Node => d.name.clone(),
                kind => format!("{} {}", d.name, lesion_noun(kind, rng)),
            })
            .collect();
        if !abnormal.is_empty() {
            let names: Vec<&str> = abnormal.iter().map(String::as_str).collect();
            let adj = pick(rng, &["Hypermetabolic", "FDG-avid", "Intensely FDG-avid"]);
            items.push(format!(
                "{adj} {}, {}.",
                join_list(&names),
                disease_phrase(&spec.indication, rng)
            ));
        }
        for d in reported
            .iter()
            .filter(|d| d.group == group && d.lesion.reported_as == ReportedAs::Hedged)
        {
            items.push(format!(
                "Indeterminate uptake in the {}; {}.",
                d.name,
                pick(
                    rng,
                    &[
                        "malignancy cannot be excluded",
                        "short-interval follow-up is recommended",
                        "consider tissue sampling"
                    ]
                )
            ));
        }
    }
    if items.is_empty() {
        items.push(
            pick(
                rng,
                &[
                    "No scintigraphic evidence of FDG-avid malignancy.",
                    "Negative PET/CT: no hypermetabolic disease in the neck, chest, abdomen or pelvis.",
                    "No abnormal FDG uptake to suggest active disease.",
                    "No evidence of metabolically active disease.",
                ],
            )
            .to_string(),
        );
    }
    if let Some(name) = resolved {
        items.push(format!("Resolution of the previously seen {name}."));
    }
    if spec.lookalikes.contains(&Lookalike::BrownFat) && rng.random_bool(0.4) {
        items.push("Physiologic brown fat uptake.".to_string());
    }
    items
}

fn assemble(
    style: Style,
    spec: &ExamSpec,
    follow_up: bool,
    findings: &[(Group, Vec<String>)],
    impression: &[String],
    rng: &mut (impl Rng + ?Sized),
) -> String {
    let mut out = String::new();
    let nonempty = || findings.iter().filter(|(_, v)| !v.is_empty());
    match style {
        Style::Bare => {
            let all: Vec<&str> = nonempty()
                .flat_map(|(_, v)| v.iter().map(String::as_str))
                .collect();
            out.push_str(&all.join(" "));
            out.push(' ');
            out.push_str(&impression.join(" "));
            return out;
        }
        Style::Caps | Style::Terse => {
            out.push_str(&format!(
                "CLINICAL HISTORY: {}\n\n",
                history_text(spec, follow_up, rng)
            ));
            out.push_str(&format!("TECHNIQUE: {}\n\n", technique_text(spec, rng)));
            out.push_str(&format!(
                "COMPARISON: {}\n\n",
                comparison_text(follow_up, rng)
            ));
            out.push_str("FINDINGS:\n");
        }
        Style::Mixed | Style::Paragraph => {
            let history = pick(rng, &["Indication", "History", "Clinical indication"]);
            out.push_str(&format!(
                "{history}: {}\n",
                history_text(spec, follow_up, rng)
            ));
            out.push_str(&format!("Technique: {}\n", technique_text(spec, rng)));
            out.push_str(&format!(
                "Comparison: {}\n\n",
                comparison_text(follow_up, rng)
            ));
            out.push_str("Findings:\n");
        }
    }
    let subheaders: [&str; 4] = match style {
        Style::Caps => pick(
            rng,
            &[
                ["HEAD/NECK", "CHEST", "ABDOMEN/PELVIS", "MUSCULOSKELETAL"],
                ["NECK", "THORAX", "ABDOMEN AND PELVIS", "BONES"],
            ],
        ),
        Style::Mixed => ["Head and neck", "Chest", "Abdomen/Pelvis", "Bones"],
        _ => ["", "", "", ""],
    };
    for (i, (_, sentences)) in findings.iter().enumerate() {
        if sentences.is_empty() {
            continue;
        }
        let text = sentences.join(" ");
        let text = if style == Style::Terse {
            terse(&text)
        } else {
            text
        };
        match style {
            Style::Paragraph => {
                out.push_str(&text);
                out.push(' ');
            }
            Style::Terse => {
                out.push_str(&text);
                out.push('\n');
            }
            _ => out.push_str(&format!("{}: {text}\n", subheaders[i])),
        }
    }
    out.push('\n');
    match style {
        Style::Caps => {
            out.push_str("IMPRESSION:\n");
            for (i, item) in impression.iter().enumerate() {
                out.push_str(&format!("{}. {item}\n", i + 1));
            }
            out.push_str("END OF IMPRESSION\n");
        }
        Style::Terse => {
            out.push_str("IMPRESSION:\n");
            for (i, item) in impression.iter().enumerate() {
                out.push_str(&format!("{}) {}\n", i + 1, terse(item)));
            }
        }
        Style::Mixed => {
            out.push_str("Impression:\n");
            for item in impression {
                out.push_str(&format!("- {item}\n"));
            }
        }
        Style::Paragraph | Style::Bare => {
            out.push_str(&format!(
                "{}: {}\n",
                pick(rng, &["IMPRESSION", "Impression", "Conclusion"]),
                impression.join(" ")
            ));
        }
    }
    out
}

/// Telegraphic abbreviations some institutions use.
fn terse(text: &str) -> String {
    text.replace("lymph nodes", "LNs")
        .replace("lymph node", "LN")
        .replace("SUVmax of", "SUVmax")
        .replace("There is a ", "")
        .replace("There is an ", "")
        .replace("demonstrates", "shows")
}
