//! The words of the synthetic reports: every fixed phrase the writer picks from, as data.
//!
//! Sentences with measurements or names in them are built in `sentences` and `header`; the
//! lists here are what varies between radiologists and institutions. The order of each list
//! matters (a seeded choice picks by position), so append rather than reorder.

use super::group::Group;

/// Ordinals for rib names ("fourth rib").
pub(super) const ORDINALS: [&str; 12] = [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth",
];

/// Adjectives of intense uptake (SUVmax above 9).
pub(super) const AVID_INTENSE: [&str; 4] = [
    "intensely hypermetabolic",
    "intensely FDG-avid",
    "markedly hypermetabolic",
    "hypermetabolic",
];

/// Adjectives of moderate uptake.
pub(super) const AVID: [&str; 5] = [
    "hypermetabolic",
    "FDG-avid",
    "FDG avid",
    "metabolically active",
    "hypermetabolic",
];

/// What lymphoma findings are called.
pub(super) const DISEASE_LYMPHOMA: [&str; 3] = [
    "compatible with lymphoma",
    "consistent with lymphomatous involvement",
    "in keeping with active lymphoma",
];

/// What solid-tumour findings are called.
pub(super) const DISEASE_METASTATIC: [&str; 4] = [
    "consistent with metastatic disease",
    "compatible with the known malignancy",
    "concerning for metastasis",
    "in keeping with metastatic involvement",
];

/// Nouns of a lung lesion.
pub(super) const NOUNS_LUNG: [&str; 3] = ["nodule", "mass", "pulmonary nodule"];
/// Nouns of a bone lesion.
pub(super) const NOUNS_BONE: [&str; 4] = [
    "lesion",
    "lytic lesion",
    "sclerotic lesion",
    "osseous lesion",
];
/// Nouns of an organ lesion.
pub(super) const NOUNS_ORGAN: [&str; 3] = ["lesion", "mass", "focus"];
/// A lung lesion in a short sentence.
pub(super) const NODULE_OR_MASS: [&str; 2] = ["nodule", "mass"];
/// Nodes named together in a list sentence.
pub(super) const NODES: [&str; 3] = ["lymph nodes", "nodes", "lymphadenopathy"];

/// A negative statement: its text and what it says is free of disease (task regions cover
/// everything below them; other names are single sites).
#[derive(Debug, Clone, Copy)]
pub(super) struct Negative {
    /// The sentence.
    pub(super) text: &'static str,
    /// The regions and sites it calls free of disease.
    pub(super) covers: &'static [&'static str],
}

const fn negative(text: &'static str, covers: &'static [&'static str]) -> Negative {
    Negative { text, covers }
}

/// The negative statements of a body part.
pub(super) fn negatives(group: Group) -> &'static [Negative] {
    match group {
        Group::HeadNeck => &NEGATIVES_HEAD_NECK,
        Group::Chest => &NEGATIVES_CHEST,
        Group::AbdomenPelvis => &NEGATIVES_ABDOMEN_PELVIS,
        Group::Bones => &NEGATIVES_BONES,
    }
}

const NEGATIVES_HEAD_NECK: [Negative; 8] = [
    negative(
        "No hypermetabolic cervical or supraclavicular lymphadenopathy.",
        &["cervical_lymph_node", "supraclavicular_lymph_node"],
    ),
    negative(
        "No FDG-avid cervical lymph nodes.",
        &["cervical_lymph_node"],
    ),
    negative(
        "The neck is negative for hypermetabolic adenopathy.",
        &["neck"],
    ),
    negative("No abnormal uptake in the head and neck.", &["head_neck"]),
    negative("No suspicious uptake in the thyroid.", &["thyroid"]),
    negative(
        "The supraclavicular fossae are clear.",
        &["supraclavicular_lymph_node"],
    ),
    negative(
        "There is no evidence of FDG-avid disease in the oropharynx or oral cavity.",
        &["mouth"],
    ),
    negative(
        "Physiologic activity in the tonsils and salivary glands is symmetric.",
        &["tonsils", "parotid"],
    ),
];

const NEGATIVES_CHEST: [Negative; 10] = [
    negative(
        "No hypermetabolic mediastinal or hilar lymphadenopathy.",
        &["thoracic_lymph_node"],
    ),
    negative("The lungs are clear without FDG-avid nodules.", &["lungs"]),
    negative("No suspicious pulmonary nodules.", &["lungs"]),
    negative(
        "No FDG-avid axillary lymph nodes.",
        &["axillary_lymph_node"],
    ),
    negative("The axillae are unremarkable.", &["axillary_lymph_node"]),
    negative(
        "No hypermetabolic pleural or pericardial abnormality.",
        &["pleura"],
    ),
    negative("The left lung is clear.", &["left_lungs"]),
    negative("The right lung is clear.", &["right_lungs"]),
    negative(
        "No FDG-avid subcarinal or paratracheal nodes.",
        &["carinal_lymph_node", "paratracheal_lymph_node"],
    ),
    negative("Physiologic myocardial uptake.", &[]),
];

const NEGATIVES_ABDOMEN_PELVIS: [Negative; 8] = [
    negative(
        "No hypermetabolic retroperitoneal or mesenteric lymphadenopathy.",
        &["abdominal_lymph_node"],
    ),
    negative(
        "No abnormal FDG uptake in the liver, spleen, pancreas or adrenal glands.",
        &["liver", "spleen", "pancreas", "adrenal"],
    ),
    negative(
        "The liver demonstrates homogeneous physiologic uptake without focal lesions.",
        &["liver"],
    ),
    negative("The adrenal glands are unremarkable.", &["adrenal"]),
    negative(
        "No FDG-avid pelvic or inguinal lymph nodes.",
        &["iliac_lymph_node", "inguinal_lymph_node"],
    ),
    negative(
        "No hypermetabolic iliac or inguinal adenopathy.",
        &["iliac_lymph_node", "inguinal_lymph_node"],
    ),
    negative(
        "Physiologic excretion of tracer in the kidneys and bladder.",
        &["kidney", "bladder"],
    ),
    negative(
        "No abnormal uptake in the abdomen or pelvis.",
        &["abdomen", "pelvis"],
    ),
];

const NEGATIVES_BONES: [Negative; 4] = [
    negative("No suspicious osseous lesions.", &["skeleton"]),
    negative("No FDG-avid bone lesions.", &["skeleton"]),
    negative(
        "The visualized skeleton demonstrates physiologic marrow uptake.",
        &["skeleton"],
    ),
    negative(
        "Degenerative uptake in the lower lumbar spine.",
        &["lumbar_spine"],
    ),
];

/// Physiologic activity, by body part (never abnormal).
pub(super) fn physiologic(group: Group) -> &'static [&'static str] {
    match group {
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
    }
}

/// Brown fat, as reports describe it.
pub(super) const BROWN_FAT: [&str; 3] = [
    "Symmetric brown fat uptake in the supraclavicular regions and lower neck.",
    "Brown adipose tissue activity in the bilateral supraclavicular and paravertebral regions, which does not correspond to nodes on CT.",
    "Intense bilateral uptake in the neck and supraclavicular fat, typical of brown fat.",
];

/// Physiologic bowel activity, as reports describe it.
pub(super) const PHYSIOLOGIC_BOWEL: [&str; 3] = [
    "Physiologic bowel activity in the colon.",
    "Focal uptake in the cecum without CT correlate, likely physiologic.",
    "Diffuse colonic uptake, compatible with metformin effect.",
];

/// Lobes named by incidental lung findings.
pub(super) const LOBES: [&str; 5] = [
    "right upper lobe",
    "right lower lobe",
    "left upper lobe",
    "left lower lobe",
    "lingula",
];

/// Lymphoma subtypes of the clinical history.
pub(super) const LYMPHOMAS: [&str; 3] = [
    "Hodgkin lymphoma",
    "diffuse large B-cell lymphoma",
    "follicular lymphoma",
];
/// Lung lobes of a primary lung cancer.
pub(super) const UPPER_LOWER: [&str; 2] = ["upper", "lower"];
/// Where a primary melanoma was.
pub(super) const MELANOMA_SITES: [&str; 4] = ["calf", "upper back", "forearm", "scalp"];
/// Where a primary head and neck cancer was.
pub(super) const HEAD_NECK_PRIMARIES: [&str; 3] = ["tonsil", "tongue base", "larynx"];
/// Colorectal cancer histories.
pub(super) const COLORECTAL_HISTORIES: [&str; 2] = [
    "colon cancer status post right hemicolectomy",
    "rectal cancer status post low anterior resection",
];
/// Sarcoma subtypes.
pub(super) const SARCOMAS: [&str; 2] = ["liposarcoma", "leiomyosarcoma"];
/// How a woman is called in the history.
pub(super) const WOMAN: [&str; 3] = ["woman", "female", "patient"];
/// How a man is called in the history.
pub(super) const MAN: [&str; 3] = ["man", "male", "patient"];
/// Why a follow-up scan is done.
pub(super) const PURPOSE_FOLLOW_UP: [&str; 4] = [
    "Restaging after chemotherapy.",
    "Evaluate treatment response.",
    "Surveillance.",
    "Restaging.",
];
/// Why a first scan is done.
pub(super) const PURPOSE_STAGING: [&str; 3] = [
    "Initial staging.",
    "Staging.",
    "Initial treatment strategy.",
];
/// How the history repeats the diagnosis.
pub(super) const HISTORY_INTRO: [&str; 3] = ["History of", "Known", "Patient with"];
/// Comparison of a first scan.
pub(super) const NO_COMPARISON: [&str; 3] = ["None.", "None available.", "No prior PET/CT."];
/// Months of prior scans.
pub(super) const MONTHS: [&str; 6] = ["January", "March", "May", "July", "September", "November"];

/// How an impression item on abnormal findings begins.
pub(super) const IMPRESSION_AVID: [&str; 3] = ["Hypermetabolic", "FDG-avid", "Intensely FDG-avid"];
/// What the impression recommends for a hedged finding.
pub(super) const HEDGED_ADVICE: [&str; 3] = [
    "malignancy cannot be excluded",
    "short-interval follow-up is recommended",
    "consider tissue sampling",
];
/// The impression of a scan without disease.
pub(super) const NEGATIVE_IMPRESSIONS: [&str; 4] = [
    "No scintigraphic evidence of FDG-avid malignancy.",
    "Negative PET/CT: no hypermetabolic disease in the neck, chest, abdomen or pelvis.",
    "No abnormal FDG uptake to suggest active disease.",
    "No evidence of metabolically active disease.",
];

/// The header of the clinical history in mixed-case styles.
pub(super) const HISTORY_HEADERS: [&str; 3] = ["Indication", "History", "Clinical indication"];
/// Body-part sub-headers of the upper-case style, one set per institution.
pub(super) const SUBHEADERS_CAPS: [[&str; 4]; 2] = [
    ["HEAD/NECK", "CHEST", "ABDOMEN/PELVIS", "MUSCULOSKELETAL"],
    ["NECK", "THORAX", "ABDOMEN AND PELVIS", "BONES"],
];
/// Body-part sub-headers of the mixed-case style.
pub(super) const SUBHEADERS_MIXED: [&str; 4] =
    ["Head and neck", "Chest", "Abdomen/Pelvis", "Bones"];
/// The impression header of the paragraph styles.
pub(super) const IMPRESSION_HEADERS: [&str; 3] = ["IMPRESSION", "Impression", "Conclusion"];

/// Telegraphic abbreviations some institutions use: (long form, short form), in order.
pub(super) const TERSE: [(&str, &str); 6] = [
    ("lymph nodes", "LNs"),
    ("lymph node", "LN"),
    ("SUVmax of", "SUVmax"),
    ("There is a ", ""),
    ("There is an ", ""),
    ("demonstrates", "shows"),
];
