//! The whole-body phantom: analytic anatomy scaled to one patient's height, sex and weight.
//!
//! Coordinates are DICOM patient coordinates (LPS, mm): +x is the patient's left, +y posterior,
//! +z towards the head; z = 0 at the vertex, so the body lies at negative z, as on a scanner
//! table. The anatomy is written for a 1700 mm reference adult and scaled: lengths by height,
//! widths by height and sex, subcutaneous fat by body-mass index. Each body part is drawn in a
//! file of its own, in painting order: later structures paint over earlier ones.

mod abdomen;
mod builder;
mod head_neck;
mod lymph_nodes;
mod outline;
mod pelvis;
mod skeleton;
mod spine;
mod structure;
mod thorax;
mod tissue;

pub(crate) use structure::{BodySize, Structure};
pub(crate) use tissue::{Physiology, Tissue};

use builder::{Builder, Scaler};
use serde::Serialize;

/// Geometry of one patient: the ordered list of structures (later ones paint over earlier ones).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Anatomy {
    /// Every structure, in painting order.
    pub(crate) structures: Vec<Structure>,
    /// Lowest z of the body in the field of view (mid-thigh) and the vertex (0).
    pub(crate) z_extent_mm: [f32; 2],
    /// z of the skull base (scans often start there).
    pub(crate) skull_base_z_mm: f32,
    /// Largest |x| and |y| the body reaches.
    pub(crate) half_extent_mm: [f32; 2],
}

impl Anatomy {
    /// The anatomy of a patient of this size.
    pub(crate) fn build(size: BodySize) -> Self {
        let k = Scaler::new(size);
        let mut b = Builder::default();
        outline::paint(&k, &mut b);
        head_neck::paint(&k, &mut b);
        thorax::paint(&k, &mut b);
        abdomen::paint(&k, &mut b);
        pelvis::paint(&k, &mut b);
        spine::paint(&k, &mut b);
        skeleton::paint(&k, &mut b);
        let shoulder_half = 175.0 * k.w * k.shoulders() + k.fat_mm;
        Anatomy {
            structures: b.out,
            z_extent_mm: [-1060.0 * k.s, 0.0],
            skull_base_z_mm: -135.0 * k.s,
            half_extent_mm: [
                shoulder_half.max(165.0 * k.w + k.fat_mm),
                110.0 * k.w + k.fat_mm * 1.2,
            ],
        }
    }

    /// Indices of the structures called `name`.
    pub(crate) fn named(&self, name: &str) -> Vec<usize> {
        (0..self.structures.len())
            .filter(|&i| self.structures[i].name == name)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Sex;

    fn adult(sex: Sex, weight_kg: f32) -> Anatomy {
        Anatomy::build(BodySize {
            height_cm: 172.0,
            weight_kg,
            sex,
        })
    }

    #[test]
    fn organ_names_are_unique_per_site_and_every_task_region_below_full_has_a_site() {
        let a = adult(Sex::Male, 80.0);
        for region in crate::taxonomy::TASK_REGIONS.iter().map(|t| t.name) {
            let covered = a
                .structures
                .iter()
                .any(|s| s.site && crate::taxonomy::is_ancestor_or_self(region, s.task_region));
            assert!(covered, "no site for task region {region}");
        }
    }

    #[test]
    fn a_heavier_patient_has_a_wider_body() {
        let thin = adult(Sex::Female, 50.0);
        let heavy = adult(Sex::Female, 120.0);
        assert!(heavy.half_extent_mm[0] > thin.half_extent_mm[0] + 30.0);
    }

    #[test]
    fn the_liver_lies_right_of_the_spleen_and_below_the_lungs_apex() {
        let a = adult(Sex::Male, 75.0);
        let liver = &a.structures[a.named("liver")[0]].shape;
        let spleen = &a.structures[a.named("spleen")[0]].shape;
        // Patient's right is -x in LPS.
        assert!(liver.bbox().1[0] < spleen.bbox().0[0]);
    }
}
