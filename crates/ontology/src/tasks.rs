//! The 30 task regions of shared/regions.md: the contract between the ontology file, label
//! files, the scan model and its checkpoints.

use crate::error::OntologyError;
use crate::graph::Ontology;

/// One row of the task table of regions.md.
#[derive(Debug, Clone, Copy)]
pub struct TaskRegion {
    /// The region name.
    pub name: &'static str,
    /// Its parents among the task regions.
    pub parents: &'static [&'static str],
    /// Under 3 % of exams: left out of the 26-region multi-task model.
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

impl Ontology {
    /// Compares the task regions with shared/regions.md (names, order, parents, rarity).
    pub fn task_region_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let tasks = self.task_regions();
        let names: Vec<&str> = tasks.iter().map(|id| self.name(*id)).collect();
        for t in TASK_REGIONS {
            let Some(id) = self.id(t.name) else {
                problems.push(format!("task region `{}` is missing", t.name));
                continue;
            };
            let r = self.region(id);
            if !r.task {
                problems.push(format!("`{}` must have `task = true`", t.name));
            }
            if r.rare != t.rare {
                problems.push(format!("`{}` must have `rare = {}`", t.name, t.rare));
            }
            let mut parents: Vec<&str> = r.parents.iter().map(|p| self.name(*p)).collect();
            parents.sort_unstable();
            let mut expected: Vec<&str> = t.parents.to_vec();
            expected.sort_unstable();
            if parents != expected {
                problems.push(format!(
                    "`{}` has parents [{}] but must have [{}]",
                    t.name,
                    parents.join(", "),
                    expected.join(", ")
                ));
            }
        }
        for n in &names {
            if !TASK_REGIONS.iter().any(|t| t.name == *n) {
                problems.push(format!(
                    "`{n}` is marked `task = true` but is not a task region"
                ));
            }
        }
        let expected_order: Vec<&str> = TASK_REGIONS.iter().map(|t| t.name).collect();
        if problems.is_empty() && names != expected_order {
            problems.push(format!(
                "the task regions must appear in the order of regions.md: {}",
                expected_order.join(", ")
            ));
        }
        problems
    }

    /// Fails unless the task regions match shared/regions.md (the scan model, label files and
    /// checkpoints rely on them).
    pub fn check_task_regions(&self) -> Result<(), OntologyError> {
        let problems = self.task_region_problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(OntologyError::TaskRegions {
                source_name: self.source_name.clone(),
                problems,
            })
        }
    }
}
