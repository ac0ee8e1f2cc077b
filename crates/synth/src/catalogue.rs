//! The lesion sites the report generator uses: ontology region names, the task region each
//! counts for, how common it is, and the ways reports name it.
//!
//! Names may hold placeholders the writer fills in: `{side}` (left/right), `{t}` `{l}` `{c}`
//! (a thoracic, lumbar or cervical vertebra number), `{rib}` (an ordinal: "fourth").

use crate::spec::Sex;

/// What kind of structure a site is: decides how a lesion there is described.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A lymph-node station: "hypermetabolic left axillary lymph node".
    Node,
    /// A lung lobe: "FDG-avid nodule in the right upper lobe".
    Lung,
    /// A solid organ or mucosal site: "hypermetabolic lesion in the liver".
    Organ,
    /// A bone: "lytic lesion in the T11 vertebral body".
    Bone,
}

/// One lesion site.
#[derive(Debug, Clone, Copy)]
pub struct SiteDef {
    /// The ontology region (finest): `{side}` is replaced by `left`/`right` for sided sites.
    pub site: &'static str,
    /// The task region (one of the 30) a lesion here counts for.
    pub region: &'static str,
    /// What kind of structure it is.
    pub kind: Kind,
    /// Relative frequency among abnormal sites (in the spirit of the positive counts of
    /// shared/regions.md).
    pub weight: f64,
    /// How reports name it (noun phrases, lower case).
    pub names: &'static [&'static str],
    /// For nodes: the adjective used in lists ("left axillary and supraclavicular nodes").
    pub list_adjective: Option<&'static str>,
    /// Only in patients of this sex.
    pub sex: Option<Sex>,
}

impl SiteDef {
    /// Whether the site has a side (its names say "left" or "right").
    pub fn sided(&self) -> bool {
        self.site.contains("{side}") || self.names.iter().all(|n| n.contains("{side}"))
    }
}

const fn site(
    site: &'static str,
    region: &'static str,
    kind: Kind,
    weight: f64,
    names: &'static [&'static str],
) -> SiteDef {
    SiteDef {
        site,
        region,
        kind,
        weight,
        names,
        list_adjective: None,
        sex: None,
    }
}

const fn node(
    site: &'static str,
    region: &'static str,
    weight: f64,
    names: &'static [&'static str],
    adjective: &'static str,
) -> SiteDef {
    SiteDef {
        site,
        region,
        kind: Kind::Node,
        weight,
        names,
        list_adjective: Some(adjective),
        sex: None,
    }
}

const fn only(mut def: SiteDef, sex: Sex) -> SiteDef {
    def.sex = Some(sex);
    def
}

use Kind::*;

/// Every site the report generator can put a lesion in.
pub const SITES: &[SiteDef] = &[
    // Head and mouth.
    site(
        "brain",
        "head",
        Organ,
        6.0,
        &[
            "brain",
            "{side} frontal lobe of the brain",
            "{side} cerebellar hemisphere",
        ],
    ),
    site(
        "nasopharynx",
        "head",
        Organ,
        5.0,
        &["nasopharynx", "{side} nasopharyngeal wall"],
    ),
    site(
        "{side}_parotid",
        "head",
        Organ,
        5.0,
        &["{side} parotid gland", "{side} parotid"],
    ),
    site("orbit", "head", Organ, 2.0, &["{side} orbit"]),
    site(
        "paranasal_sinuses",
        "head",
        Organ,
        2.0,
        &["{side} maxillary sinus"],
    ),
    site(
        "tongue",
        "mouth",
        Organ,
        20.0,
        &[
            "{side} lateral tongue",
            "base of tongue",
            "{side} base of tongue",
            "oral tongue",
        ],
    ),
    site(
        "tonsils",
        "mouth",
        Organ,
        24.0,
        &[
            "{side} palatine tonsil",
            "{side} tonsil",
            "{side} tonsillar fossa",
        ],
    ),
    site(
        "palate",
        "mouth",
        Organ,
        6.0,
        &["soft palate", "hard palate"],
    ),
    site(
        "floor_of_mouth",
        "mouth",
        Organ,
        5.0,
        &["floor of mouth", "floor of the mouth"],
    ),
    site(
        "gingiva_lips",
        "mouth",
        Organ,
        3.0,
        &["lower lip", "{side} mandibular gingiva"],
    ),
    // Neck.
    site(
        "thyroid",
        "neck",
        Organ,
        10.0,
        &[
            "{side} thyroid lobe",
            "{side} lobe of the thyroid gland",
            "thyroid isthmus",
        ],
    ),
    site(
        "larynx",
        "neck",
        Organ,
        8.0,
        &["larynx", "{side} true vocal cord", "supraglottic larynx"],
    ),
    site(
        "hypopharynx",
        "neck",
        Organ,
        4.0,
        &["{side} piriform sinus", "hypopharynx"],
    ),
    node(
        "cervical_level_2",
        "cervical_lymph_node",
        34.0,
        &[
            "{side} level II lymph node",
            "{side} level IIA cervical lymph node",
            "{side} jugulodigastric lymph node",
            "{side} level 2 node",
        ],
        "level II",
    ),
    node(
        "cervical_level_3",
        "cervical_lymph_node",
        20.0,
        &[
            "{side} level III lymph node",
            "{side} level III cervical node",
        ],
        "level III",
    ),
    node(
        "cervical_level_4",
        "cervical_lymph_node",
        14.0,
        &[
            "{side} level IV lymph node",
            "{side} level IV cervical node",
        ],
        "level IV",
    ),
    node(
        "cervical_level_1",
        "cervical_lymph_node",
        9.0,
        &[
            "{side} level IB lymph node",
            "{side} submandibular lymph node",
        ],
        "level IB",
    ),
    node(
        "cervical_level_5",
        "cervical_lymph_node",
        8.0,
        &[
            "{side} level V lymph node",
            "{side} posterior triangle lymph node",
        ],
        "level V",
    ),
    node(
        "{side}_cervical_lymph_node",
        "cervical_lymph_node",
        14.0,
        &["{side} cervical lymph node", "{side} cervical node"],
        "cervical",
    ),
    node(
        "{side}_supraclavicular_lymph_node",
        "supraclavicular_lymph_node",
        67.0,
        &[
            "{side} supraclavicular lymph node",
            "{side} supraclavicular node",
        ],
        "supraclavicular",
    ),
    // Lungs.
    site(
        "right_upper_lobe",
        "right_lungs",
        Lung,
        42.0,
        &[
            "right upper lobe",
            "RUL",
            "apical segment of the right upper lobe",
        ],
    ),
    site(
        "right_middle_lobe",
        "right_lungs",
        Lung,
        20.0,
        &["right middle lobe", "RML"],
    ),
    site(
        "right_lower_lobe",
        "right_lungs",
        Lung,
        40.0,
        &[
            "right lower lobe",
            "RLL",
            "superior segment of the right lower lobe",
        ],
    ),
    site(
        "left_upper_lobe",
        "left_lungs",
        Lung,
        45.0,
        &["left upper lobe", "LUL"],
    ),
    site("lingula", "left_lungs", Lung, 12.0, &["lingula"]),
    site(
        "left_lower_lobe",
        "left_lungs",
        Lung,
        40.0,
        &[
            "left lower lobe",
            "LLL",
            "posterior basal segment of the left lower lobe",
        ],
    ),
    // Thoracic nodes.
    node(
        "{side}_hilar_lymph_node",
        "hilar_lymph_node",
        100.0,
        &["{side} hilar lymph node", "{side} hilar node"],
        "hilar",
    ),
    node(
        "subcarinal_lymph_node",
        "carinal_lymph_node",
        37.0,
        &[
            "subcarinal lymph node",
            "subcarinal node",
            "station 7 lymph node",
        ],
        "subcarinal",
    ),
    node(
        "precarinal_lymph_node",
        "carinal_lymph_node",
        8.0,
        &["precarinal lymph node"],
        "precarinal",
    ),
    node(
        "{side}_paratracheal_lymph_node",
        "paratracheal_lymph_node",
        56.0,
        &[
            "{side} paratracheal lymph node",
            "{side} lower paratracheal node",
            "{side} upper paratracheal lymph node",
        ],
        "paratracheal",
    ),
    node(
        "prevascular_lymph_node",
        "thoracic_lymph_node",
        12.0,
        &["prevascular lymph node", "prevascular node"],
        "prevascular",
    ),
    node(
        "aortopulmonary_lymph_node",
        "thoracic_lymph_node",
        12.0,
        &["aortopulmonary window lymph node", "AP window lymph node"],
        "aortopulmonary window",
    ),
    node(
        "mediastinal_lymph_node",
        "thoracic_lymph_node",
        14.0,
        &["mediastinal lymph node", "anterior mediastinal lymph node"],
        "mediastinal",
    ),
    node(
        "internal_mammary_lymph_node",
        "thoracic_lymph_node",
        5.0,
        &["{side} internal mammary lymph node"],
        "internal mammary",
    ),
    node(
        "paraesophageal_lymph_node",
        "thoracic_lymph_node",
        4.0,
        &["paraesophageal lymph node"],
        "paraesophageal",
    ),
    node(
        "{side}_axillary_lymph_node",
        "axillary_lymph_node",
        80.0,
        &[
            "{side} axillary lymph node",
            "{side} axillary node",
            "{side} level I axillary lymph node",
        ],
        "axillary",
    ),
    // Rest of the chest.
    only(
        site(
            "{side}_breast",
            "chest",
            Organ,
            18.0,
            &["{side} breast", "upper outer quadrant of the {side} breast"],
        ),
        Sex::Female,
    ),
    site(
        "pleura",
        "chest",
        Organ,
        10.0,
        &["{side} pleura", "{side} pleural surface"],
    ),
    site(
        "esophagus",
        "chest",
        Organ,
        12.0,
        &["distal esophagus", "mid esophagus", "esophagus"],
    ),
    site("chest_wall", "chest", Organ, 4.0, &["{side} chest wall"]),
    // Abdomen.
    site(
        "liver",
        "liver",
        Organ,
        69.0,
        &[
            "liver",
            "right hepatic lobe",
            "left hepatic lobe",
            "hepatic segment VII",
            "hepatic dome",
        ],
    ),
    node(
        "para_aortic_lymph_node",
        "retroperitoneal_lymph_node",
        36.0,
        &[
            "left para-aortic lymph node",
            "para-aortic lymph node",
            "periaortic node",
        ],
        "para-aortic",
    ),
    node(
        "aortocaval_lymph_node",
        "retroperitoneal_lymph_node",
        15.0,
        &["aortocaval lymph node", "aortocaval node"],
        "aortocaval",
    ),
    node(
        "retrocrural_lymph_node",
        "retroperitoneal_lymph_node",
        8.0,
        &["{side} retrocrural lymph node", "retrocrural node"],
        "retrocrural",
    ),
    node(
        "paracaval_lymph_node",
        "retroperitoneal_lymph_node",
        8.0,
        &["paracaval lymph node", "retrocaval lymph node"],
        "paracaval",
    ),
    node(
        "celiac_lymph_node",
        "celiac_lymph_node",
        18.0,
        &["celiac axis lymph node", "celiac lymph node"],
        "celiac",
    ),
    node(
        "mesenteric_lymph_node",
        "abdominal_lymph_node",
        14.0,
        &["mesenteric lymph node", "small bowel mesenteric node"],
        "mesenteric",
    ),
    node(
        "porta_hepatis_lymph_node",
        "abdominal_lymph_node",
        8.0,
        &["porta hepatis lymph node", "porta hepatis node"],
        "porta hepatis",
    ),
    node(
        "gastrohepatic_lymph_node",
        "abdominal_lymph_node",
        5.0,
        &["gastrohepatic ligament lymph node"],
        "gastrohepatic",
    ),
    node(
        "peripancreatic_lymph_node",
        "abdominal_lymph_node",
        5.0,
        &["peripancreatic lymph node"],
        "peripancreatic",
    ),
    site(
        "pancreatic_head",
        "pancreas",
        Organ,
        6.0,
        &[
            "pancreatic head",
            "head of the pancreas",
            "uncinate process of the pancreas",
        ],
    ),
    site(
        "pancreatic_tail",
        "pancreas",
        Organ,
        4.0,
        &["pancreatic tail", "tail of the pancreas"],
    ),
    site(
        "{side}_adrenal",
        "adrenal",
        Organ,
        17.0,
        &["{side} adrenal gland", "{side} adrenal"],
    ),
    site(
        "{side}_kidney",
        "kidney",
        Organ,
        4.0,
        &["{side} kidney", "upper pole of the {side} kidney"],
    ),
    site("spleen", "abdomen", Organ, 24.0, &["spleen"]),
    site(
        "stomach",
        "abdomen",
        Organ,
        10.0,
        &["stomach", "gastric antrum", "gastric body"],
    ),
    site(
        "colon",
        "abdomen",
        Organ,
        10.0,
        &["ascending colon", "transverse colon", "cecum"],
    ),
    site(
        "small_bowel",
        "abdomen",
        Organ,
        4.0,
        &["jejunum", "distal ileum"],
    ),
    site(
        "peritoneum",
        "abdomen",
        Organ,
        8.0,
        &["peritoneum", "omentum"],
    ),
    // Pelvis.
    node(
        "external_iliac_lymph_node",
        "iliac_lymph_node",
        20.0,
        &[
            "{side} external iliac lymph node",
            "{side} external iliac node",
        ],
        "external iliac",
    ),
    node(
        "common_iliac_lymph_node",
        "iliac_lymph_node",
        12.0,
        &["{side} common iliac lymph node"],
        "common iliac",
    ),
    node(
        "internal_iliac_lymph_node",
        "iliac_lymph_node",
        7.0,
        &["{side} internal iliac lymph node"],
        "internal iliac",
    ),
    node(
        "obturator_lymph_node",
        "iliac_lymph_node",
        8.0,
        &["{side} obturator lymph node", "{side} obturator node"],
        "obturator",
    ),
    node(
        "{side}_inguinal_lymph_node",
        "inguinal_lymph_node",
        56.0,
        &["{side} inguinal lymph node", "{side} inguinal node"],
        "inguinal",
    ),
    site(
        "bladder",
        "pelvis",
        Organ,
        6.0,
        &["bladder wall", "{side} lateral bladder wall"],
    ),
    only(
        site(
            "prostate",
            "pelvis",
            Organ,
            8.0,
            &["prostate", "{side} peripheral zone of the prostate"],
        ),
        Sex::Male,
    ),
    only(
        site(
            "uterus",
            "pelvis",
            Organ,
            6.0,
            &["endometrium", "uterine fundus"],
        ),
        Sex::Female,
    ),
    only(
        site("{side}_ovary", "pelvis", Organ, 4.0, &["{side} ovary"]),
        Sex::Female,
    ),
    site("rectum", "pelvis", Organ, 8.0, &["rectum", "distal rectum"]),
    site("sigmoid_colon", "pelvis", Organ, 4.0, &["sigmoid colon"]),
    only(
        site("testis", "pelvis", Organ, 2.0, &["{side} testis"]),
        Sex::Male,
    ),
    // Skeleton.
    site(
        "thoracic_spine",
        "spine",
        Bone,
        25.0,
        &["T{t} vertebral body", "T{t} vertebra", "T{t}"],
    ),
    site(
        "lumbar_spine",
        "spine",
        Bone,
        22.0,
        &["L{l} vertebral body", "L{l} vertebra", "L{l}"],
    ),
    site(
        "cervical_spine",
        "spine",
        Bone,
        8.0,
        &["C{c} vertebral body", "C{c} vertebra"],
    ),
    site(
        "sacrum",
        "pelvic_skeleton",
        Bone,
        15.0,
        &["sacrum", "{side} sacral ala"],
    ),
    site(
        "{side}_iliac_bone",
        "pelvic_skeleton",
        Bone,
        24.0,
        &["{side} iliac bone", "{side} iliac wing", "{side} ilium"],
    ),
    site(
        "acetabulum",
        "pelvic_skeleton",
        Bone,
        10.0,
        &["{side} acetabulum"],
    ),
    site(
        "pubis_ischium",
        "pelvic_skeleton",
        Bone,
        8.0,
        &["{side} superior pubic ramus", "{side} ischium"],
    ),
    site(
        "ribs",
        "skeleton",
        Bone,
        20.0,
        &["{side} {rib} rib", "{side} posterior {rib} rib"],
    ),
    site("sternum", "skeleton", Bone, 8.0, &["sternum", "manubrium"]),
    site(
        "humerus",
        "skeleton",
        Bone,
        5.0,
        &["{side} humeral head", "{side} proximal humerus"],
    ),
    site(
        "femur",
        "skeleton",
        Bone,
        8.0,
        &["{side} femoral neck", "{side} proximal femur"],
    ),
    site(
        "shoulder_girdle",
        "skeleton",
        Bone,
        4.0,
        &["{side} scapula", "{side} clavicle"],
    ),
];

/// The `site` names a lesion of the report generator can have (sided ones resolved to
/// `left_...`/`right_...`): all are regions of the built-in ontology.
pub fn site_names() -> Vec<String> {
    let mut out = Vec::new();
    for def in SITES {
        if def.site.contains("{side}") {
            out.push(def.site.replace("{side}", "left"));
            out.push(def.site.replace("{side}", "right"));
        } else {
            out.push(def.site.to_string());
        }
    }
    out.dedup();
    out
}

/// The definition of a concrete site name (`left_axillary_lymph_node` -> the axillary entry).
pub fn find_site(name: &str) -> Option<&'static SiteDef> {
    SITES.iter().find(|d| {
        d.site == name
            || d.site.replace("{side}", "left") == name
            || d.site.replace("{side}", "right") == name
    })
}
