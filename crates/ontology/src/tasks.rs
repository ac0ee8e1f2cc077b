//! The 30 task regions of shared/regions.md: the contract between the ontology file, label
//! files, the scan model and its checkpoints.

/// One row of the task table of regions.md.
#[derive(Debug, Clone, Copy)]
pub struct TaskRegion {
    pub name: &'static str,
    pub parents: &'static [&'static str],
    pub rare: bool,
}

const fn t(name: &'static str, parents: &'static [&'static str]) -> TaskRegion {
    TaskRegion {
        name,
        parents,
        rare: false,
    }
}

const fn rare(name: &'static str, parents: &'static [&'static str]) -> TaskRegion {
    TaskRegion {
        name,
        parents,
        rare: true,
    }
}

/// In the order of the table in regions.md.
pub const TASK_REGIONS: [TaskRegion; 30] = [
    t("full", &[]),
    t("head_neck", &["full"]),
    t("head", &["head_neck"]),
    t("mouth", &["head"]),
    t("neck", &["head_neck"]),
    t("cervical_lymph_node", &["neck"]),
    t("supraclavicular_lymph_node", &["neck"]),
    t("chest", &["full"]),
    t("lungs", &["chest"]),
    t("left_lungs", &["lungs"]),
    t("right_lungs", &["lungs"]),
    t("thoracic_lymph_node", &["chest"]),
    t("hilar_lymph_node", &["thoracic_lymph_node"]),
    t("carinal_lymph_node", &["thoracic_lymph_node"]),
    t("paratracheal_lymph_node", &["thoracic_lymph_node"]),
    t("axillary_lymph_node", &["chest"]),
    t("abdomen", &["full"]),
    t("liver", &["abdomen"]),
    t("abdominal_lymph_node", &["abdomen"]),
    t("retroperitoneal_lymph_node", &["abdominal_lymph_node"]),
    rare("celiac_lymph_node", &["abdominal_lymph_node"]),
    rare("pancreas", &["abdomen"]),
    rare("adrenal", &["abdomen"]),
    rare("kidney", &["abdomen"]),
    t("pelvis", &["full"]),
    t("iliac_lymph_node", &["pelvis"]),
    t("inguinal_lymph_node", &["pelvis"]),
    t("skeleton", &["full"]),
    t("spine", &["skeleton"]),
    t("pelvic_skeleton", &["skeleton", "pelvis"]),
];
