//! Tissues: the CT number each one has, and its physiologic FDG uptake in one exam.

use rand::Rng;
use serde::Serialize;

/// What a voxel is made of; its CT number is fixed, its FDG uptake comes from `Physiology`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[allow(clippy::enum_variant_names)] // `SoftTissue` is the radiological term.
pub enum Tissue {
    /// Subcutaneous, visceral and mediastinal fat.
    Fat,
    /// Skeletal muscle.
    Muscle,
    /// Unspecified soft tissue (glands, mucosa, pleura).
    SoftTissue,
    /// Aerated lung.
    Lung,
    /// Air in the airways and sinuses.
    Airway,
    /// Cortical bone.
    Bone,
    /// Red marrow inside bones (lesions and marrow uptake live here).
    Marrow,
    /// Brain.
    Brain,
    /// Liver.
    Liver,
    /// Spleen.
    Spleen,
    /// Renal cortex.
    KidneyCortex,
    /// Urine in the renal pelvis.
    KidneyPelvis,
    /// Urine in the bladder (and bile in the gallbladder).
    Bladder,
    /// Heart muscle.
    Myocardium,
    /// Blood in the heart chambers and great vessels.
    Blood,
    /// Small bowel and colon.
    Bowel,
    /// Stomach.
    Stomach,
    /// A normal lymph node.
    Node,
    /// Thyroid.
    Thyroid,
    /// Palatine tonsils.
    Tonsil,
    /// Esophagus.
    Esophagus,
    /// Adrenal glands.
    Adrenal,
    /// Pancreas.
    Pancreas,
    /// Prostate.
    Prostate,
    /// Uterus.
    Uterus,
    /// Breast (fibroglandular and fatty).
    Breast,
}

impl Tissue {
    /// Mean CT number in Hounsfield units.
    pub fn hu(self) -> f32 {
        match self {
            Tissue::Fat => -100.0,
            Tissue::Muscle => 50.0,
            Tissue::SoftTissue => 40.0,
            Tissue::Lung => -850.0,
            Tissue::Airway => -1000.0,
            Tissue::Bone => 800.0,
            Tissue::Marrow => 250.0,
            Tissue::Brain => 35.0,
            Tissue::Liver => 60.0,
            Tissue::Spleen => 50.0,
            Tissue::KidneyCortex => 35.0,
            Tissue::KidneyPelvis => 10.0,
            Tissue::Bladder => 5.0,
            Tissue::Myocardium => 45.0,
            Tissue::Blood => 40.0,
            Tissue::Bowel => 20.0,
            Tissue::Stomach => 25.0,
            Tissue::Node => 35.0,
            Tissue::Thyroid => 90.0,
            Tissue::Tonsil => 45.0,
            Tissue::Esophagus => 40.0,
            Tissue::Adrenal => 25.0,
            Tissue::Pancreas => 40.0,
            Tissue::Prostate => 35.0,
            Tissue::Uterus => 45.0,
            Tissue::Breast => -30.0,
        }
    }
}

/// Per-exam physiologic FDG uptake (SUV body weight) of each tissue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Physiology {
    /// Normal liver (the reference organ of Deauville scores and PERCIST).
    pub liver_suv: f32,
    /// Blood pool (aorta, heart chambers).
    pub blood_pool_suv: f32,
    /// Grey matter.
    pub brain_suv: f32,
    /// Myocardium.
    pub myocardium_suv: f32,
    /// Urine in the renal collecting systems.
    pub renal_pelvis_suv: f32,
    /// Urine in the bladder.
    pub bladder_suv: f32,
}

impl Physiology {
    /// One exam's values, drawn from their usual clinical ranges.
    pub fn sample(rng: &mut impl Rng) -> Self {
        Physiology {
            liver_suv: rng.random_range(2.0..3.0),
            blood_pool_suv: rng.random_range(1.5..2.0),
            brain_suv: rng.random_range(6.0..11.0),
            // Fasting and insulin make myocardial uptake anything from faint to intense.
            myocardium_suv: rng.random_range(1.8..12.0),
            renal_pelvis_suv: rng.random_range(8.0..30.0),
            bladder_suv: rng.random_range(10.0..50.0),
        }
    }

    /// The SUV of a tissue in this exam.
    pub fn suv(&self, tissue: Tissue) -> f32 {
        match tissue {
            Tissue::Fat => 0.35,
            Tissue::Muscle => 0.7,
            Tissue::SoftTissue => 0.9,
            Tissue::Lung => 0.5,
            Tissue::Airway => 0.0,
            Tissue::Bone => 0.9,
            Tissue::Marrow => 1.6,
            Tissue::Brain => self.brain_suv,
            Tissue::Liver => self.liver_suv,
            Tissue::Spleen => self.liver_suv * 0.85,
            Tissue::KidneyCortex => 3.0,
            Tissue::KidneyPelvis => self.renal_pelvis_suv,
            Tissue::Bladder => self.bladder_suv,
            Tissue::Myocardium => self.myocardium_suv,
            Tissue::Blood => self.blood_pool_suv,
            Tissue::Bowel => 1.4,
            Tissue::Stomach => 1.8,
            Tissue::Node => 1.0,
            Tissue::Thyroid => 1.4,
            Tissue::Tonsil => 3.0,
            Tissue::Esophagus => 1.6,
            Tissue::Adrenal => 1.4,
            Tissue::Pancreas => 1.5,
            Tissue::Prostate => 1.6,
            Tissue::Uterus => 2.0,
            Tissue::Breast => 0.9,
        }
    }
}
