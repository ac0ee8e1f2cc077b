//! What a synthetic exam contains: the contract between the exam sampler, the phantom/DICOM
//! writer (which places lesions in the image) and the report writer (which describes them).
//!
//! One `ExamSpec` is the ground truth of one exam. The phantom writer turns each `Lesion` into a
//! hot spot inside the anatomy of its `site`; the report writer describes the lesions (and may,
//! like radiologists, miss or hedge one: that choice is recorded in `ReportedAs`).

use serde::{Deserialize, Serialize};
use uptake_core::ExamId;

/// Where a lesion or structure lies across the body's midline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The patient's left (+x in DICOM patient coordinates).
    Left,
    /// The patient's right.
    Right,
    /// A midline structure (spine, bladder, mediastinum) or an organ that has no side.
    Midline,
}

/// The patient's sex (decides breasts, pelvic organs, body widths and some indications).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
}

/// The patient-level part of an exam: the same across a patient's exams, except that age and
/// weight move on between them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Patient {
    /// The patient.
    pub patient_id: String,
    /// Age at the exam.
    pub age_years: u32,
    /// Sex.
    pub sex: Sex,
    /// Why the scan was done, e.g. "lymphoma", "lung cancer", "melanoma", "head and neck cancer".
    pub indication: String,
    /// Body weight at the exam.
    pub weight_kg: f32,
    /// Height.
    pub height_cm: f32,
}

/// How the report describes a lesion that is in the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportedAs {
    /// Described as abnormal / suspicious uptake.
    Abnormal,
    /// Described with hedging ("cannot exclude", "indeterminate"): still abnormal by the label rules.
    Hedged,
    /// Not mentioned at all (a miss): the report-derived labels will not have it.
    Missed,
}

/// One FDG-avid lesion placed in the phantom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lesion {
    /// The task region (one of the 30 of regions.md) the lesion counts for.
    pub region: String,
    /// The finest ontology region it sits in (e.g. `right_upper_lobe`, `t11_vertebra`,
    /// `left_level_ii_lymph_node`); equal to `region` when there is nothing finer.
    pub site: String,
    /// Its side of the body.
    pub side: Side,
    /// Diameter of the hot spot.
    pub size_mm: f32,
    /// Peak uptake.
    pub suv_max: f32,
    /// How the report describes it.
    pub reported_as: ReportedAs,
}

/// A benign FDG look-alike: in the image, and in the report as physiologic or benign at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lookalike {
    /// Symmetric supraclavicular and paravertebral brown fat.
    BrownFat,
    /// Synovitis of a shoulder.
    InflamedJoint,
    /// Physiologic colonic uptake.
    PhysiologicBowel,
    /// A mildly avid reactive lymph node.
    ReactiveNode,
}

/// The ground truth of one synthetic exam. Written flat (the patient's fields beside the
/// exam's) as one line of `specs.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExamSpec {
    /// The exam.
    pub exam_id: ExamId,
    /// Who was scanned, as at this exam (age and weight change between a patient's exams).
    #[serde(flatten)]
    pub patient: Patient,
    /// The FDG-avid lesions.
    pub lesions: Vec<Lesion>,
    /// Benign look-alikes.
    pub lookalikes: Vec<Lookalike>,
    /// Radiologist's summary code: 1 normal, 2 benign, 4 suspicious, 9 cannot tell.
    pub summary_code: u8,
}
