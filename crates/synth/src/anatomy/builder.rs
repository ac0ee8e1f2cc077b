//! The tools every body part is drawn with: a [`Scaler`] from the 1700 mm reference adult to
//! one patient, and a [`Builder`] that collects structures in painting order.

use super::structure::{BodySize, Structure};
use super::tissue::Tissue;
use crate::geometry::{Point3, Shape};
use crate::spec::{Sex, Side};

/// Scales the reference anatomy.
pub(super) struct Scaler {
    /// Length scale (height / 1700 mm).
    pub(super) s: f32,
    /// Width scale (height and sex).
    pub(super) w: f32,
    /// Subcutaneous fat thickness.
    pub(super) fat_mm: f32,
    pub(super) sex: Sex,
}

impl Scaler {
    /// Lengths scale with height; widths with height and sex; fat with the BMI.
    pub(super) fn new(size: BodySize) -> Self {
        let s = size.height_cm * 10.0 / 1700.0;
        let sex_w = if size.sex == Sex::Male { 1.0 } else { 0.93 };
        Scaler {
            s,
            w: s * sex_w,
            fat_mm: (1.6 * (size.bmi() - 17.0)).clamp(3.0, 50.0),
            sex: size.sex,
        }
    }

    /// Shoulders of women are narrower than men's, relative to the other widths.
    pub(super) fn shoulders(&self) -> f32 {
        if self.sex == Sex::Female { 0.92 } else { 1.0 }
    }

    /// Hips of women are wider than men's, relative to the other widths.
    pub(super) fn hips(&self) -> f32 {
        if self.sex == Sex::Female { 1.06 } else { 1.0 }
    }

    pub(super) fn p(&self, x: f32, y: f32, z: f32) -> Point3 {
        [x * self.w, y * self.w, z * self.s]
    }
    pub(super) fn r(&self, x: f32, y: f32, z: f32) -> Point3 {
        [x * self.w, y * self.w, z * self.s]
    }
    pub(super) fn ell(&self, c: [f32; 3], r: [f32; 3]) -> Shape {
        Shape::ellipsoid(self.p(c[0], c[1], c[2]), self.r(r[0], r[1], r[2]))
    }
    pub(super) fn cyl(&self, c: [f32; 2], r: [f32; 2], z0: f32, z1: f32) -> Shape {
        Shape::cylinder(
            [c[0] * self.w, c[1] * self.w],
            [r[0] * self.w, r[1] * self.w],
            z0 * self.s,
            z1 * self.s,
        )
    }
    /// Elliptic frustum from (z0, centre0, radii0) to (z1, centre1, radii1), reference units,
    /// radii grown by `grow_mm` (fat).
    pub(super) fn frustum(
        &self,
        z: [f32; 2],
        c: [[f32; 2]; 2],
        r: [[f32; 2]; 2],
        grow_mm: f32,
    ) -> Shape {
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

/// Collects structures in painting order (later ones paint over earlier ones).
#[derive(Default)]
pub(super) struct Builder {
    pub(super) out: Vec<Structure>,
}

impl Builder {
    /// A site: lesions may go here, and the region map lists it.
    pub(super) fn add(
        &mut self,
        name: &str,
        region: &'static str,
        side: Side,
        tissue: Tissue,
        shape: Shape,
    ) {
        self.push(name, region, side, Some(tissue), shape, true);
    }
    /// Painted, but not a site (vessels, fat, marrow, normal nodes).
    pub(super) fn internal(
        &mut self,
        name: &str,
        region: &'static str,
        tissue: Tissue,
        shape: Shape,
    ) {
        self.push(name, region, Side::Midline, Some(tissue), shape, false);
    }
    /// A site that is a region only, not painted (a lymph-node station).
    pub(super) fn station(&mut self, name: &str, region: &'static str, side: Side, shape: Shape) {
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
    /// A bone with a marrow core (lesions and marrow uptake live in the core).
    pub(super) fn bone(
        &mut self,
        name: &str,
        region: &'static str,
        side: Side,
        shape: Shape,
        cortex_mm: f32,
    ) {
        let core = shrink(&shape, cortex_mm);
        self.add(name, region, side, Tissue::Bone, shape);
        if let Some(core) = core {
            self.internal("marrow", region, Tissue::Marrow, core);
        }
    }

    /// Gives the structure added last a second task region.
    pub(super) fn also(&mut self, region: &'static str) {
        if let Some(s) = self.out.last_mut() {
            s.also_region = Some(region);
        }
    }
}

/// `left_name`, `right_name` or `name`.
pub(super) fn sided(side: Side, name: &str) -> String {
    match side {
        Side::Left => format!("left_{name}"),
        Side::Right => format!("right_{name}"),
        Side::Midline => name.to_string(),
    }
}

/// x sign of a side: the patient's left is +x.
pub(super) fn sign(side: Side) -> f32 {
    match side {
        Side::Left => 1.0,
        Side::Right => -1.0,
        Side::Midline => 0.0,
    }
}

/// Far enough to clip a shape on one side only.
pub(super) const BIG: f32 = 1.0e4;

/// Both sides, in the order they are painted.
pub(super) const SIDES: [Side; 2] = [Side::Right, Side::Left];

/// `shape` shrunk by `d` on every side; `None` when nothing would be left.
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
