//! The whole-body phantom: analytic anatomy scaled to one patient's height, sex and weight.
//!
//! Coordinates are DICOM patient coordinates (LPS, mm): +x is the patient's left, +y posterior,
//! +z towards the head; z = 0 at the vertex, so the body lies at negative z, as on a scanner
//! table. The anatomy is written for a 1700 mm reference adult and scaled: lengths by height,
//! widths by height and sex, subcutaneous fat by body-mass index.

use crate::geometry::{Point3, Shape};
use crate::spec::{Sex, Side};
use rand::Rng;
use serde::Serialize;

/// What a voxel is made of; its CT number is fixed, its FDG uptake comes from `Physiology`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tissue {
    Fat,
    Muscle,
    SoftTissue,
    Lung,
    Airway,
    Bone,
    Marrow,
    Brain,
    Liver,
    Spleen,
    KidneyCortex,
    KidneyPelvis,
    Bladder,
    Myocardium,
    Blood,
    Bowel,
    Stomach,
    Node,
    Thyroid,
    Tonsil,
    Esophagus,
    Adrenal,
    Pancreas,
    Prostate,
    Uterus,
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
    pub liver_suv: f32,
    pub blood_pool_suv: f32,
    pub brain_suv: f32,
    pub myocardium_suv: f32,
    pub renal_pelvis_suv: f32,
    pub bladder_suv: f32,
}

impl Physiology {
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
    pub side: Side,
    /// `None`: a region only (a lymph-node station is mostly fat; its normal node is painted
    /// separately), not painted.
    pub tissue: Option<Tissue>,
    pub shape: Shape,
    /// Whether lesions may be placed here and the region map lists it.
    pub site: bool,
}

/// The patient-level inputs of the anatomy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BodySize {
    pub height_cm: f32,
    pub weight_kg: f32,
    pub sex: Sex,
}

impl BodySize {
    pub fn bmi(&self) -> f32 {
        let h_m = self.height_cm / 100.0;
        self.weight_kg / (h_m * h_m)
    }
}

/// Geometry of one patient: the ordered list of structures (later ones paint over earlier ones).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Anatomy {
    pub structures: Vec<Structure>,
    /// Lowest z of the body in the field of view (mid-thigh) and the vertex (0).
    pub z_extent_mm: [f32; 2],
    /// z of the skull base (scans often start there).
    pub skull_base_z_mm: f32,
    /// Largest |x| and |y| the body reaches.
    pub half_extent_mm: [f32; 2],
}

/// Scales the reference anatomy.
struct Scaler {
    /// Length scale (height / 1700 mm).
    s: f32,
    /// Width scale (height and sex).
    w: f32,
    /// Subcutaneous fat thickness.
    fat_mm: f32,
    sex: Sex,
}

impl Scaler {
    fn p(&self, x: f32, y: f32, z: f32) -> Point3 {
        [x * self.w, y * self.w, z * self.s]
    }
    fn r(&self, x: f32, y: f32, z: f32) -> Point3 {
        [x * self.w, y * self.w, z * self.s]
    }
    fn ell(&self, c: [f32; 3], r: [f32; 3]) -> Shape {
        Shape::ellipsoid(self.p(c[0], c[1], c[2]), self.r(r[0], r[1], r[2]))
    }
    fn cyl(&self, c: [f32; 2], r: [f32; 2], z0: f32, z1: f32) -> Shape {
        Shape::cylinder(
            [c[0] * self.w, c[1] * self.w],
            [r[0] * self.w, r[1] * self.w],
            z0 * self.s,
            z1 * self.s,
        )
    }
    /// Elliptic frustum from (z0, centre0, radii0) to (z1, centre1, radii1), reference units,
    /// radii grown by `grow_mm` (fat).
    fn frustum(&self, z: [f32; 2], c: [[f32; 2]; 2], r: [[f32; 2]; 2], grow_mm: f32) -> Shape {
        Shape::Frustum {
            z_mm: [z[0] * self.s, z[1] * self.s],
            center_mm: [
                [c[0][0] * self.w, c[0][1] * self.w],
                [c[1][0] * self.w, c[1][1] * self.w],
            ],
            radii_mm: [
                [r[0][0] * self.w + grow_mm, r[0][1] * self.w + grow_mm],
                [r[1][0] * self.w + grow_mm, r[1][1] * self.w + grow_mm],
            ],
        }
    }
}

struct Builder {
    out: Vec<Structure>,
}

impl Builder {
    fn add(&mut self, name: &str, region: &'static str, side: Side, tissue: Tissue, shape: Shape) {
        self.push(name, region, side, Some(tissue), shape, true);
    }
    fn internal(&mut self, name: &str, region: &'static str, tissue: Tissue, shape: Shape) {
        self.push(name, region, Side::Midline, Some(tissue), shape, false);
    }
    fn station(&mut self, name: &str, region: &'static str, side: Side, shape: Shape) {
        self.push(name, region, side, None, shape, true);
    }
    fn push(
        &mut self,
        name: &str,
        region: &'static str,
        side: Side,
        tissue: Option<Tissue>,
        shape: Shape,
        site: bool,
    ) {
        self.out.push(Structure {
            name: name.to_string(),
            task_region: region,
            also_region: None,
            side,
            tissue,
            shape,
            site,
        });
    }
    /// Gives the structure added last a second task region.
    fn also(&mut self, region: &'static str) {
        if let Some(s) = self.out.last_mut() {
            s.also_region = Some(region);
        }
    }
}

fn sided(side: Side, name: &str) -> String {
    match side {
        Side::Left => format!("left_{name}"),
        Side::Right => format!("right_{name}"),
        Side::Midline => name.to_string(),
    }
}

/// x sign of a side: the patient's left is +x.
fn sign(side: Side) -> f32 {
    match side {
        Side::Left => 1.0,
        Side::Right => -1.0,
        Side::Midline => 0.0,
    }
}

const SIDES: [Side; 2] = [Side::Right, Side::Left];

/// Reference z of the spine's vertebrae: (name, top, bottom), and the spine's y centre.
fn vertebrae() -> Vec<(String, f32, f32)> {
    let mut out = Vec::new();
    let mut push = |prefix: &str, n: usize, top: f32, bottom: f32| {
        let h = (top - bottom) / n as f32;
        for i in 0..n {
            let t = top - h * i as f32;
            out.push((format!("{prefix}{}_vertebra", i + 1), t, t - h));
        }
    };
    push("c", 7, -135.0, -300.0);
    push("t", 12, -300.0, -590.0);
    push("l", 5, -590.0, -735.0);
    out
}

fn spine_y(z: f32) -> f32 {
    // Cervical lordosis, thoracic kyphosis, lumbar lordosis (reference mm).
    let knots = [
        (-135.0, 18.0),
        (-300.0, 35.0),
        (-450.0, 52.0),
        (-600.0, 42.0),
        (-735.0, 38.0),
    ];
    if z >= knots[0].0 {
        return knots[0].1;
    }
    for pair in knots.windows(2) {
        let (z0, y0) = pair[0];
        let (z1, y1) = pair[1];
        if z <= z0 && z >= z1 {
            return y0 + (y1 - y0) * (z - z0) / (z1 - z0);
        }
    }
    knots[knots.len() - 1].1
}

fn vertebral_radii(z: f32) -> [f32; 2] {
    if z > -300.0 {
        [10.0, 8.0]
    } else if z > -590.0 {
        [14.0, 12.0]
    } else {
        [20.0, 16.0]
    }
}

impl Anatomy {
    pub fn build(size: BodySize) -> Self {
        let s = size.height_cm * 10.0 / 1700.0;
        let sex_w = if size.sex == Sex::Male { 1.0 } else { 0.93 };
        let fat_mm = (1.6 * (size.bmi() - 17.0)).clamp(3.0, 50.0);
        let k = Scaler {
            s,
            w: s * sex_w,
            fat_mm,
            sex: size.sex,
        };
        let mut b = Builder { out: Vec::new() };
        outline(&k, &mut b);
        head_and_neck(&k, &mut b);
        thorax(&k, &mut b);
        abdomen(&k, &mut b);
        pelvis(&k, &mut b);
        skeleton(&k, &mut b);
        let shoulder_half = 175.0 * k.w * if k.sex == Sex::Female { 0.92 } else { 1.0 } + fat_mm;
        Anatomy {
            structures: b.out,
            z_extent_mm: [-1060.0 * s, 0.0],
            skull_base_z_mm: -135.0 * s,
            half_extent_mm: [
                shoulder_half.max(165.0 * k.w + fat_mm),
                110.0 * k.w + fat_mm * 1.2,
            ],
        }
    }

    /// Indices of the structures called `name`.
    pub fn named(&self, name: &str) -> Vec<usize> {
        (0..self.structures.len())
            .filter(|&i| self.structures[i].name == name)
            .collect()
    }
}

fn outline(k: &Scaler, b: &mut Builder) {
    let f = k.fat_mm;
    let shoulders = if k.sex == Sex::Female { 0.92 } else { 1.0 };
    let hips = if k.sex == Sex::Female { 1.06 } else { 1.0 };
    // Trunk segments: (z bottom, z top, radii bottom, radii top), reference mm.
    let segments: [([f32; 2], [[f32; 2]; 2]); 6] = [
        ([-290.0, -190.0], [[55.0, 55.0], [55.0, 55.0]]),
        (
            [-330.0, -290.0],
            [[172.0 * shoulders, 105.0], [105.0, 72.0]],
        ),
        (
            [-520.0, -330.0],
            [[158.0, 108.0], [160.0 * shoulders.max(0.97), 110.0]],
        ),
        ([-700.0, -520.0], [[150.0 * hips, 104.0], [155.0, 108.0]]),
        (
            [-880.0, -700.0],
            [[162.0 * hips, 100.0], [150.0 * hips, 104.0]],
        ),
        (
            [-905.0, -880.0],
            [[150.0 * hips, 90.0], [162.0 * hips, 100.0]],
        ),
    ];
    let centre = [[0.0, 5.0], [0.0, 5.0]];
    // Paint the fatty envelope, then the lean body inside it, then the fatty body cavities.
    b.internal("head_soft_tissue", "head", Tissue::SoftTissue, {
        let c = k.p(0.0, 5.0, -110.0);
        let r = k.r(78.0, 98.0, 110.0);
        Shape::ellipsoid(c, [r[0] + f * 0.2, r[1] + f * 0.2, r[2]])
    });
    for (z, r) in segments {
        b.internal(
            "subcutaneous_fat",
            "full",
            Tissue::Fat,
            k.frustum(z, centre, r, f),
        );
    }
    for side in SIDES {
        let c = [[90.0 * sign(side) * hips, 5.0]; 2];
        b.internal(
            "subcutaneous_fat",
            "full",
            Tissue::Fat,
            k.frustum([-1060.0, -870.0], c, [[70.0, 75.0]; 2], f),
        );
    }
    for (z, r) in segments {
        b.internal(
            "muscle",
            "full",
            Tissue::Muscle,
            k.frustum(z, centre, r, 0.0),
        );
    }
    for side in SIDES {
        let c = [[90.0 * sign(side) * hips, 5.0]; 2];
        b.internal(
            "thigh_muscle",
            "full",
            Tissue::Muscle,
            k.frustum([-1060.0, -870.0], c, [[70.0, 75.0]; 2], 0.0),
        );
    }
    b.internal(
        "neck_soft_tissue",
        "neck",
        Tissue::SoftTissue,
        k.cyl([0.0, -5.0], [38.0, 35.0], -290.0, -200.0),
    );
    b.internal(
        "mediastinal_fat",
        "chest",
        Tissue::Fat,
        k.frustum(
            [-560.0, -330.0],
            centre,
            [[138.0, 88.0], [138.0, 88.0]],
            0.0,
        ),
    );
    b.internal(
        "visceral_fat",
        "abdomen",
        Tissue::Fat,
        k.frustum(
            [-870.0, -560.0],
            centre,
            [[135.0, 80.0], [130.0, 85.0]],
            0.0,
        ),
    );
}

/// A lymph-node station: the region, and one normal small node painted at its centre.
fn station(
    k: &Scaler,
    b: &mut Builder,
    name: &str,
    region: &'static str,
    side: Side,
    c: [f32; 3],
    r: [f32; 3],
) {
    let x = c[0]
        * if side == Side::Midline {
            1.0
        } else {
            sign(side)
        };
    // The ontology names cervical levels without a side (`cervical_level_2`).
    let full = if name.starts_with("cervical_level") {
        name.to_string()
    } else {
        sided(side, name)
    };
    b.station(&full, region, side, k.ell([x, c[1], c[2]], r));
    b.internal(
        "normal_node",
        region,
        Tissue::Node,
        k.ell([x, c[1], c[2]], [4.0, 4.0, 5.0]),
    );
}

fn head_and_neck(k: &Scaler, b: &mut Builder) {
    b.add(
        "skull",
        "skeleton",
        Side::Midline,
        Tissue::Bone,
        k.ell([0.0, 8.0, -72.0], [71.0, 90.0, 70.0]),
    );
    b.also("head");
    b.add(
        "facial_bones",
        "skeleton",
        Side::Midline,
        Tissue::Bone,
        k.ell([0.0, -55.0, -170.0], [45.0, 30.0, 12.0])
            .clipped([-1.0e4, -1.0e4, -1.0e4], [1.0e4, -30.0 * k.w, 1.0e4]),
    );
    b.also("head");
    b.add(
        "paranasal_sinuses",
        "head",
        Side::Midline,
        Tissue::Airway,
        k.ell([0.0, -68.0, -118.0], [28.0, 14.0, 16.0]),
    );
    b.add(
        "nasal_cavity",
        "head",
        Side::Midline,
        Tissue::SoftTissue,
        k.ell([0.0, -78.0, -140.0], [10.0, 14.0, 14.0]),
    );
    for side in SIDES {
        b.add(
            "orbit",
            "head",
            side,
            Tissue::Fat,
            k.ell([33.0 * sign(side), -66.0, -92.0], [16.0, 18.0, 15.0]),
        );
        b.add(
            "submandibular_gland",
            "head",
            side,
            Tissue::SoftTissue,
            k.ell([35.0 * sign(side), -32.0, -205.0], [12.0, 12.0, 10.0]),
        );
    }
    b.add(
        "palate",
        "mouth",
        Side::Midline,
        Tissue::SoftTissue,
        k.ell([0.0, -50.0, -165.0], [20.0, 18.0, 4.0]),
    );
    b.add(
        "floor_of_mouth",
        "mouth",
        Side::Midline,
        Tissue::Muscle,
        k.ell([0.0, -50.0, -200.0], [20.0, 18.0, 6.0]),
    );
    b.add(
        "gingiva_lips",
        "mouth",
        Side::Midline,
        Tissue::SoftTissue,
        k.ell([0.0, -86.0, -182.0], [24.0, 7.0, 16.0]),
    );
    b.add(
        "hypopharynx",
        "neck",
        Side::Midline,
        Tissue::SoftTissue,
        k.ell([0.0, -5.0, -240.0], [12.0, 9.0, 16.0]),
    );
    b.add(
        "brain",
        "head",
        Side::Midline,
        Tissue::Brain,
        k.ell([0.0, 8.0, -72.0], [64.0, 83.0, 62.0]),
    );
    b.add(
        "nasopharynx",
        "head",
        Side::Midline,
        Tissue::SoftTissue,
        k.ell([0.0, -35.0, -140.0], [15.0, 12.0, 14.0]),
    );
    for side in SIDES {
        let x = sign(side);
        b.add(
            &sided(side, "parotid"),
            "head",
            side,
            Tissue::SoftTissue,
            k.ell([50.0 * x, 5.0, -160.0], [14.0, 20.0, 24.0]),
        );
        b.add(
            "tonsils",
            "mouth",
            side,
            Tissue::Tonsil,
            k.ell([20.0 * x, -15.0, -178.0], [9.0, 9.0, 13.0]),
        );
    }
    b.add(
        "tongue",
        "mouth",
        Side::Midline,
        Tissue::Muscle,
        k.ell([0.0, -55.0, -185.0], [24.0, 25.0, 15.0]),
    );
    b.add(
        "tongue",
        "mouth",
        Side::Midline,
        Tissue::SoftTissue,
        k.ell([0.0, -28.0, -195.0], [15.0, 10.0, 10.0]),
    );
    b.add(
        "larynx",
        "neck",
        Side::Midline,
        Tissue::SoftTissue,
        k.ell([0.0, -28.0, -235.0], [18.0, 14.0, 20.0]),
    );
    b.internal(
        "trachea",
        "chest",
        Tissue::Airway,
        k.cyl([0.0, -20.0], [9.0, 8.0], -400.0, -250.0),
    );
    for side in SIDES {
        let x = sign(side);
        b.add(
            "thyroid",
            "neck",
            side,
            Tissue::Thyroid,
            k.ell([17.0 * x, -20.0, -272.0], [8.0, 9.0, 20.0]),
        );
        b.internal(
            "carotid",
            "neck",
            Tissue::Blood,
            k.cyl([30.0 * x, -5.0], [5.0, 5.0], -320.0, -150.0),
        );
        // Cervical levels I to V and the supraclavicular fossa.
        station(
            k,
            b,
            "cervical_level_1",
            "cervical_lymph_node",
            side,
            [25.0, -55.0, -212.0],
            [12.0, 11.0, 12.0],
        );
        station(
            k,
            b,
            "cervical_level_2",
            "cervical_lymph_node",
            side,
            [42.0, -8.0, -212.0],
            [10.0, 12.0, 18.0],
        );
        station(
            k,
            b,
            "cervical_level_3",
            "cervical_lymph_node",
            side,
            [42.0, -2.0, -250.0],
            [10.0, 11.0, 16.0],
        );
        station(
            k,
            b,
            "cervical_level_4",
            "cervical_lymph_node",
            side,
            [40.0, 2.0, -283.0],
            [10.0, 11.0, 12.0],
        );
        station(
            k,
            b,
            "cervical_level_5",
            "cervical_lymph_node",
            side,
            [46.0, 28.0, -250.0],
            [8.0, 12.0, 30.0],
        );
        station(
            k,
            b,
            "supraclavicular_lymph_node",
            "supraclavicular_lymph_node",
            side,
            [58.0, 0.0, -302.0],
            [18.0, 14.0, 13.0],
        );
    }
    station(
        k,
        b,
        "cervical_level_6",
        "cervical_lymph_node",
        Side::Midline,
        [0.0, -42.0, -278.0],
        [12.0, 7.0, 18.0],
    );
}

fn thorax(k: &Scaler, b: &mut Builder) {
    // Lungs and lobes: fissures approximated by planes.
    let big = 1.0e4;
    for side in SIDES {
        let x = sign(side);
        let lung = k.ell(
            [80.0 * x, 10.0, -430.0],
            [if side == Side::Left { 58.0 } else { 62.0 }, 86.0, 150.0],
        );
        let (xlo, xhi) = if side == Side::Left {
            (0.0, big)
        } else {
            (-big, 0.0)
        };
        let clip = |y0: f32, y1: f32, z0: f32, z1: f32| {
            lung.clone()
                .clipped([xlo, y0 * k.w, z0 * k.s], [xhi, y1 * k.w, z1 * k.s])
        };
        let (upper_z, lower_z, middle) = if side == Side::Left {
            (-420.0, -510.0, "lingula")
        } else {
            (-400.0, -500.0, "right_middle_lobe")
        };
        let region = if side == Side::Left {
            "left_lungs"
        } else {
            "right_lungs"
        };
        let lobe = |n: &str| {
            if side == Side::Left {
                format!("left_{n}")
            } else {
                format!("right_{n}")
            }
        };
        b.add(
            &lobe("upper_lobe"),
            region,
            side,
            Tissue::Lung,
            clip(-big, big, upper_z, big),
        );
        b.add(
            middle,
            region,
            side,
            Tissue::Lung,
            clip(-big, -5.0, lower_z, upper_z),
        );
        b.add(
            &lobe("lower_lobe"),
            region,
            side,
            Tissue::Lung,
            clip(-5.0, big, -big, upper_z),
        );
        b.add(
            &lobe("lower_lobe"),
            region,
            side,
            Tissue::Lung,
            clip(-big, -5.0, -big, lower_z),
        );
    }
    b.internal(
        "main_bronchi",
        "chest",
        Tissue::Airway,
        k.ell([0.0, -5.0, -412.0], [35.0, 7.0, 7.0]),
    );
    b.add(
        "esophagus",
        "chest",
        Side::Midline,
        Tissue::Esophagus,
        k.cyl([0.0, 8.0], [8.0, 6.0], -560.0, -250.0),
    );
    b.add(
        "heart",
        "chest",
        Side::Midline,
        Tissue::Myocardium,
        k.ell([20.0, -25.0, -475.0], [62.0, 52.0, 58.0]),
    );
    b.internal(
        "heart_blood_pool",
        "chest",
        Tissue::Blood,
        k.ell([20.0, -25.0, -475.0], [50.0, 40.0, 46.0]),
    );
    b.internal(
        "ascending_aorta",
        "chest",
        Tissue::Blood,
        k.cyl([8.0, -20.0], [14.0, 14.0], -470.0, -395.0),
    );
    b.internal(
        "aortic_arch",
        "chest",
        Tissue::Blood,
        k.ell([6.0, 6.0, -385.0], [14.0, 38.0, 13.0]),
    );
    b.add(
        "aorta",
        "chest",
        Side::Midline,
        Tissue::Blood,
        k.cyl([18.0, 38.0], [12.0, 12.0], -560.0, -385.0),
    );
    b.also("abdomen");
    for side in SIDES {
        let (lo, hi) = if side == Side::Left {
            (0.0, big)
        } else {
            (-big, 0.0)
        };
        let wall = Shape::Ring {
            z_mm: [-520.0 * k.s, -340.0 * k.s],
            center_mm: [0.0, 5.0 * k.w],
            radii_mm: [158.0 * k.w, 108.0 * k.w],
            thickness_mm: 10.0 * k.w,
            anterior_gap_mm: 0.0,
        };
        b.add(
            "chest_wall",
            "chest",
            side,
            Tissue::Muscle,
            wall.clipped([lo, -big, -big], [hi, big, big]),
        );
    }
    b.add(
        "thymus",
        "chest",
        Side::Midline,
        Tissue::SoftTissue,
        k.ell([0.0, -62.0, -362.0], [18.0, 9.0, 24.0]),
    );
    for side in SIDES {
        let x = sign(side);
        b.add(
            "pleura",
            "chest",
            side,
            Tissue::SoftTissue,
            Shape::Ring {
                z_mm: [-540.0 * k.s, -330.0 * k.s],
                center_mm: [80.0 * x * k.w, 10.0 * k.w],
                radii_mm: [62.0 * k.w, 86.0 * k.w],
                thickness_mm: 3.0,
                anterior_gap_mm: 0.0,
            },
        );
    }
    b.internal(
        "superior_vena_cava",
        "chest",
        Tissue::Blood,
        k.cyl([-24.0, -18.0], [9.0, 9.0], -460.0, -330.0),
    );
    for side in SIDES {
        let x = sign(side);
        b.add(
            &sided(side, "hilar_lymph_node"),
            "hilar_lymph_node",
            side,
            Tissue::SoftTissue,
            k.ell([48.0 * x, 5.0, -430.0], [11.0, 14.0, 20.0]),
        );
        station(
            k,
            b,
            "paratracheal_lymph_node",
            "paratracheal_lymph_node",
            side,
            [16.0, -14.0, -352.0],
            [8.0, 8.0, 26.0],
        );
        station(
            k,
            b,
            "internal_mammary_lymph_node",
            "thoracic_lymph_node",
            side,
            [28.0, -94.0, -430.0],
            [5.0, 5.0, 50.0],
        );
        station(
            k,
            b,
            "axillary_lymph_node",
            "axillary_lymph_node",
            side,
            [128.0, 0.0, -372.0],
            [22.0, 26.0, 34.0],
        );
    }
    station(
        k,
        b,
        "precarinal_lymph_node",
        "carinal_lymph_node",
        Side::Midline,
        [0.0, -30.0, -397.0],
        [10.0, 7.0, 9.0],
    );
    station(
        k,
        b,
        "subcarinal_lymph_node",
        "carinal_lymph_node",
        Side::Midline,
        [0.0, 12.0, -432.0],
        [13.0, 9.0, 13.0],
    );
    station(
        k,
        b,
        "prevascular_lymph_node",
        "thoracic_lymph_node",
        Side::Midline,
        [0.0, -52.0, -380.0],
        [14.0, 9.0, 18.0],
    );
    station(
        k,
        b,
        "aortopulmonary_lymph_node",
        "thoracic_lymph_node",
        Side::Midline,
        [22.0, -8.0, -405.0],
        [8.0, 8.0, 8.0],
    );
    station(
        k,
        b,
        "paraesophageal_lymph_node",
        "thoracic_lymph_node",
        Side::Midline,
        [-10.0, 20.0, -490.0],
        [8.0, 8.0, 24.0],
    );
    if k.sex == Sex::Female {
        for side in SIDES {
            let x = sign(side);
            let front = -(110.0 * k.w + k.fat_mm);
            let r = [55.0 * k.w, 35.0 * k.w + k.fat_mm * 0.4, 55.0 * k.s];
            b.add(
                &sided(side, "breast"),
                "chest",
                side,
                Tissue::Breast,
                Shape::ellipsoid([78.0 * x * k.w, front + 8.0, -470.0 * k.s], r),
            );
        }
    }
}

fn abdomen(k: &Scaler, b: &mut Builder) {
    let big = 1.0e4;
    let liver = k.ell([-55.0, 5.0, -580.0], [95.0, 80.0, 78.0]);
    b.add(
        "liver",
        "liver",
        Side::Right,
        Tissue::Liver,
        liver
            .clone()
            .clipped([-big, -big, -big], [-10.0 * k.w, big, big]),
    );
    b.add(
        "liver",
        "liver",
        Side::Left,
        Tissue::Liver,
        liver.clipped([-10.0 * k.w, -big, -big], [45.0 * k.w, big, big]),
    );
    b.add(
        "gallbladder",
        "abdomen",
        Side::Right,
        Tissue::Bladder,
        k.ell([-50.0, -40.0, -628.0], [15.0, 15.0, 25.0]),
    );
    b.add(
        "spleen",
        "abdomen",
        Side::Left,
        Tissue::Spleen,
        k.ell([95.0, 45.0, -575.0], [32.0, 50.0, 55.0]),
    );
    b.add(
        "stomach",
        "abdomen",
        Side::Left,
        Tissue::Stomach,
        k.ell([50.0, -30.0, -585.0], [42.0, 36.0, 48.0]),
    );
    b.add(
        "pancreatic_head",
        "pancreas",
        Side::Midline,
        Tissue::Pancreas,
        k.ell([-20.0, -5.0, -640.0], [18.0, 14.0, 16.0]),
    );
    b.add(
        "pancreatic_body",
        "pancreas",
        Side::Midline,
        Tissue::Pancreas,
        k.ell([18.0, 5.0, -625.0], [24.0, 11.0, 12.0]),
    );
    b.add(
        "pancreatic_tail",
        "pancreas",
        Side::Left,
        Tissue::Pancreas,
        k.ell([62.0, 25.0, -612.0], [22.0, 11.0, 12.0]),
    );
    for side in SIDES {
        let x = sign(side);
        let dz = if side == Side::Right { -15.0 } else { 0.0 };
        b.add(
            &sided(side, "adrenal"),
            "adrenal",
            side,
            Tissue::Adrenal,
            k.ell([45.0 * x, 38.0, -592.0 + dz], [9.0, 6.0, 18.0]),
        );
        b.add(
            &sided(side, "kidney"),
            "kidney",
            side,
            Tissue::KidneyCortex,
            k.ell([72.0 * x, 50.0, -655.0 + dz], [28.0, 26.0, 55.0]),
        );
        b.internal(
            "renal_pelvis",
            "kidney",
            Tissue::KidneyPelvis,
            k.ell([64.0 * x, 46.0, -655.0 + dz], [10.0, 9.0, 22.0]),
        );
    }
    b.add(
        "abdominal_vessels",
        "abdomen",
        Side::Midline,
        Tissue::Blood,
        k.cyl([12.0, 30.0], [11.0, 11.0], -720.0, -560.0),
    );
    b.internal(
        "inferior_vena_cava",
        "abdomen",
        Tissue::Blood,
        k.cyl([-24.0, 22.0], [12.0, 11.0], -720.0, -500.0),
    );
    b.add(
        "small_bowel",
        "abdomen",
        Side::Midline,
        Tissue::Bowel,
        k.ell([0.0, -40.0, -730.0], [90.0, 45.0, 70.0]),
    );
    b.add(
        "colon",
        "abdomen",
        Side::Right,
        Tissue::Bowel,
        k.cyl([-100.0, 5.0], [22.0, 22.0], -760.0, -650.0),
    );
    b.add(
        "colon",
        "abdomen",
        Side::Left,
        Tissue::Bowel,
        k.cyl([100.0, 15.0], [20.0, 20.0], -760.0, -640.0),
    );
    b.add(
        "colon",
        "abdomen",
        Side::Midline,
        Tissue::Bowel,
        k.ell([0.0, -58.0, -655.0], [100.0, 18.0, 18.0]),
    );
    for side in SIDES {
        station(
            k,
            b,
            "retrocrural_lymph_node",
            "retroperitoneal_lymph_node",
            side,
            [20.0, 58.0, -575.0],
            [7.0, 7.0, 16.0],
        );
    }
    station(
        k,
        b,
        "para_aortic_lymph_node",
        "retroperitoneal_lymph_node",
        Side::Midline,
        [36.0, 32.0, -660.0],
        [9.0, 10.0, 55.0],
    );
    station(
        k,
        b,
        "aortocaval_lymph_node",
        "retroperitoneal_lymph_node",
        Side::Midline,
        [-6.0, 30.0, -660.0],
        [6.0, 8.0, 45.0],
    );
    station(
        k,
        b,
        "paracaval_lymph_node",
        "retroperitoneal_lymph_node",
        Side::Midline,
        [-44.0, 26.0, -660.0],
        [8.0, 9.0, 45.0],
    );
    station(
        k,
        b,
        "celiac_lymph_node",
        "celiac_lymph_node",
        Side::Midline,
        [8.0, 8.0, -600.0],
        [11.0, 9.0, 9.0],
    );
    station(
        k,
        b,
        "porta_hepatis_lymph_node",
        "abdominal_lymph_node",
        Side::Midline,
        [-35.0, 2.0, -598.0],
        [11.0, 9.0, 11.0],
    );
    station(
        k,
        b,
        "portocaval_lymph_node",
        "abdominal_lymph_node",
        Side::Midline,
        [-22.0, 12.0, -610.0],
        [7.0, 7.0, 8.0],
    );
    station(
        k,
        b,
        "gastrohepatic_lymph_node",
        "abdominal_lymph_node",
        Side::Midline,
        [-5.0, -40.0, -575.0],
        [9.0, 8.0, 10.0],
    );
    station(
        k,
        b,
        "peripancreatic_lymph_node",
        "abdominal_lymph_node",
        Side::Midline,
        [0.0, -22.0, -628.0],
        [9.0, 7.0, 9.0],
    );
    station(
        k,
        b,
        "mesenteric_lymph_node",
        "abdominal_lymph_node",
        Side::Midline,
        [12.0, -35.0, -690.0],
        [22.0, 16.0, 22.0],
    );
}

fn pelvis(k: &Scaler, b: &mut Builder) {
    b.add(
        "bladder",
        "pelvis",
        Side::Midline,
        Tissue::Bladder,
        k.ell([0.0, -35.0, -815.0], [40.0, 32.0, 32.0]),
    );
    b.add(
        "sigmoid_colon",
        "pelvis",
        Side::Left,
        Tissue::Bowel,
        k.cyl([35.0, 30.0], [16.0, 16.0], -770.0, -730.0),
    );
    b.add(
        "rectum",
        "pelvis",
        Side::Midline,
        Tissue::Bowel,
        k.cyl([0.0, 55.0], [17.0, 15.0], -855.0, -760.0),
    );
    if k.sex == Sex::Male {
        b.add(
            "prostate",
            "pelvis",
            Side::Midline,
            Tissue::Prostate,
            k.ell([0.0, -12.0, -858.0], [18.0, 14.0, 14.0]),
        );
        for side in SIDES {
            b.add(
                "testis",
                "pelvis",
                side,
                Tissue::SoftTissue,
                k.ell([14.0 * sign(side), -55.0, -935.0], [13.0, 15.0, 20.0]),
            );
        }
    } else {
        b.add(
            "uterus",
            "pelvis",
            Side::Midline,
            Tissue::Uterus,
            k.ell([0.0, 10.0, -785.0], [30.0, 20.0, 36.0]),
        );
        for side in SIDES {
            b.add(
                &sided(side, "ovary"),
                "pelvis",
                side,
                Tissue::SoftTissue,
                k.ell([45.0 * sign(side), 12.0, -790.0], [11.0, 9.0, 14.0]),
            );
        }
    }
    for side in SIDES {
        let x = sign(side);
        b.internal(
            "common_iliac_artery",
            "pelvis",
            Tissue::Blood,
            k.cyl([26.0 * x, 30.0], [7.0, 7.0], -770.0, -720.0),
        );
        b.internal(
            "external_iliac_artery",
            "pelvis",
            Tissue::Blood,
            k.cyl([62.0 * x, 5.0], [6.0, 6.0], -850.0, -770.0),
        );
        station(
            k,
            b,
            "common_iliac_lymph_node",
            "iliac_lymph_node",
            side,
            [30.0, 24.0, -748.0],
            [9.0, 9.0, 24.0],
        );
        station(
            k,
            b,
            "external_iliac_lymph_node",
            "iliac_lymph_node",
            side,
            [66.0, -6.0, -805.0],
            [9.0, 9.0, 30.0],
        );
        station(
            k,
            b,
            "internal_iliac_lymph_node",
            "iliac_lymph_node",
            side,
            [48.0, 44.0, -795.0],
            [9.0, 9.0, 24.0],
        );
        station(
            k,
            b,
            "obturator_lymph_node",
            "iliac_lymph_node",
            side,
            [56.0, 16.0, -836.0],
            [8.0, 9.0, 14.0],
        );
        station(
            k,
            b,
            "inguinal_lymph_node",
            "inguinal_lymph_node",
            side,
            [86.0, -58.0, -885.0],
            [22.0, 14.0, 24.0],
        );
    }
}

/// A bone with a marrow core (lesions and marrow uptake live in the core).
fn bone(
    b: &mut Builder,
    name: &str,
    region: &'static str,
    side: Side,
    shape: Shape,
    cortex_mm: f32,
) {
    let core = shrink(&shape, cortex_mm);
    b.add(name, region, side, Tissue::Bone, shape);
    if let Some(core) = core {
        b.internal("marrow", region, Tissue::Marrow, core);
    }
}

fn shrink(shape: &Shape, d: f32) -> Option<Shape> {
    match shape {
        Shape::Ellipsoid {
            center_mm,
            radii_mm,
        } => {
            let r = radii_mm.map(|r| r - d);
            r.iter()
                .all(|&v| v > 1.0)
                .then(|| Shape::ellipsoid(*center_mm, r))
        }
        Shape::Frustum {
            z_mm,
            center_mm,
            radii_mm,
        } => {
            let r = radii_mm.map(|p| p.map(|v| v - d));
            r.iter()
                .flatten()
                .all(|&v| v > 1.0)
                .then(|| Shape::Frustum {
                    z_mm: [z_mm[0] + d, z_mm[1] - d],
                    center_mm: *center_mm,
                    radii_mm: r,
                })
        }
        Shape::Box { min_mm, max_mm } => {
            let lo = min_mm.map(|v| v + d);
            let hi = max_mm.map(|v| v - d);
            (0..3).all(|a| hi[a] - lo[a] > 2.0).then_some(Shape::Box {
                min_mm: lo,
                max_mm: hi,
            })
        }
        _ => None,
    }
}

fn skeleton(k: &Scaler, b: &mut Builder) {
    for (name, top, bottom) in vertebrae() {
        let mid = (top + bottom) / 2.0;
        let y = spine_y(mid);
        let r = vertebral_radii(mid);
        // 20 % of each level is the disc below the body.
        let body_bottom = bottom + (top - bottom) * 0.2;
        let body = Shape::Frustum {
            z_mm: [body_bottom * k.s, top * k.s],
            center_mm: [[0.0, y * k.w]; 2],
            radii_mm: [[r[0] * k.w, r[1] * k.w]; 2],
        };
        bone(b, &name, "spine", Side::Midline, body, 2.5);
        let back = (y + r[1]) * k.w;
        b.internal(
            "posterior_elements",
            "spine",
            Tissue::Bone,
            Shape::Box {
                min_mm: [-9.0 * k.w, back, body_bottom * k.s],
                max_mm: [9.0 * k.w, back + 28.0 * k.w, top * k.s],
            },
        );
        b.internal(
            "disc",
            "spine",
            Tissue::SoftTissue,
            Shape::Frustum {
                z_mm: [bottom * k.s, body_bottom * k.s],
                center_mm: [[0.0, y * k.w]; 2],
                radii_mm: [[r[0] * k.w, r[1] * k.w]; 2],
            },
        );
    }
    bone(
        b,
        "sacrum",
        "pelvic_skeleton",
        Side::Midline,
        k.frustum(
            [-840.0, -735.0],
            [[0.0, 78.0], [0.0, 45.0]],
            [[22.0, 11.0], [45.0, 18.0]],
            0.0,
        ),
        3.0,
    );
    // Ribs: 12 pairs of rings inside the chest wall, lower ones open wider in front.
    let big = 1.0e4;
    for i in 0..12 {
        let top = -305.0 - 24.0 * i as f32;
        let widen = 0.72 + 0.28 * ((i + 1) as f32 / 4.0).min(1.0);
        let ring = Shape::Ring {
            z_mm: [(top - 11.0) * k.s, top * k.s],
            center_mm: [0.0, 8.0 * k.w],
            radii_mm: [146.0 * k.w * widen, 100.0 * k.w * widen],
            thickness_mm: 9.0 * k.w,
            anterior_gap_mm: (30.0 + 18.0 * (i as f32 - 6.0).max(0.0)) * k.w,
        };
        for side in SIDES {
            let (lo, hi) = if side == Side::Left {
                (0.0, big)
            } else {
                (-big, 0.0)
            };
            let half = ring.clone().clipped([lo, -big, -big], [hi, big, big]);
            b.add("ribs", "skeleton", side, Tissue::Bone, half);
        }
    }
    let front = -108.0 * k.w;
    bone(
        b,
        "sternum",
        "skeleton",
        Side::Midline,
        Shape::Box {
            min_mm: [-14.0 * k.w, front, -500.0 * k.s],
            max_mm: [14.0 * k.w, front + 12.0 * k.w, -310.0 * k.s],
        },
        2.0,
    );
    let shoulders = if k.sex == Sex::Female { 0.92 } else { 1.0 };
    for side in SIDES {
        let x = sign(side);
        b.add(
            "shoulder_girdle",
            "skeleton",
            side,
            Tissue::Bone,
            k.ell([72.0 * x, -62.0, -300.0], [62.0, 8.0, 8.0]),
        );
        b.add(
            "shoulder_girdle",
            "skeleton",
            side,
            Tissue::Bone,
            k.ell([108.0 * x, 88.0, -390.0], [42.0, 7.0, 62.0]),
        );
        bone(
            b,
            "humerus",
            "skeleton",
            side,
            k.ell([150.0 * x * shoulders, 5.0, -325.0], [23.0, 23.0, 23.0]),
            3.0,
        );
        bone(
            b,
            &sided(side, "iliac_bone"),
            "pelvic_skeleton",
            side,
            k.ell([104.0 * x, 28.0, -742.0], [20.0, 52.0, 55.0]),
            3.0,
        );
        bone(
            b,
            "acetabulum",
            "pelvic_skeleton",
            side,
            k.ell([88.0 * x, 2.0, -818.0], [25.0, 25.0, 25.0]),
            3.0,
        );
        bone(
            b,
            "pubis_ischium",
            "pelvic_skeleton",
            side,
            k.ell([30.0 * x, -55.0, -848.0], [28.0, 10.0, 12.0]),
            2.5,
        );
        bone(
            b,
            "pubis_ischium",
            "pelvic_skeleton",
            side,
            k.ell([55.0 * x, 25.0, -872.0], [14.0, 18.0, 26.0]),
            2.5,
        );
        bone(
            b,
            "femur",
            "skeleton",
            side,
            k.cyl([90.0 * x, 5.0], [15.0, 15.0], -1060.0, -835.0),
            4.0,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
