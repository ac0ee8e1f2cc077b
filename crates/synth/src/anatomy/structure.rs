//! The pieces an anatomy is made of, and the patient-level inputs that scale it.

use super::tissue::Tissue;
use crate::geometry::Shape;
use crate::spec::{Sex, Side};
use serde::Serialize;

/// One named piece of anatomy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Structure {
    /// Fine region name (ontology style: `right_upper_lobe`, `t11_vertebra`, ...). Several
    /// structures may share a name; the region is their union.
    pub name: String,
    /// The finest of the 30 task regions it belongs to.
    pub task_region: &'static str,
    /// A second task region for structures the ontology puts under two (skull: head and
    /// skeleton; aorta: chest and abdomen).
    pub also_region: Option<&'static str>,
    /// Which side of the body it lies on.
    pub side: Side,
    /// `None`: a region only (a lymph-node station is mostly fat; its normal node is painted
    /// separately), not painted.
    pub tissue: Option<Tissue>,
    /// Where it is, in patient coordinates.
    pub shape: Shape,
    /// Whether lesions may be placed here and the region map lists it.
    pub site: bool,
}

/// The patient-level inputs of the anatomy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BodySize {
    /// Standing height.
    pub height_cm: f32,
    /// Body weight (sets the thickness of subcutaneous fat through the BMI).
    pub weight_kg: f32,
    /// Sex (sets widths, breasts and pelvic organs).
    pub sex: Sex,
}

impl BodySize {
    /// Body-mass index, kg/m².
    pub fn bmi(&self) -> f32 {
        let h_m = self.height_cm / 100.0;
        self.weight_kg / (h_m * h_m)
    }
}
