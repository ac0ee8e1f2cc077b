//! Analytic shapes in patient coordinates (DICOM LPS, millimetres: +x towards the patient's
//! left, +y posterior, +z towards the head).
//!
//! Every shape cuts an axial plane in an ellipse, a rectangle or an elliptic ring, so a slice is
//! rendered by painting 2D sections over their bounding rectangles only: fast at 512x512, and the
//! same shapes are exported in `regions.json` so consumers can test point membership exactly.

use serde::{Deserialize, Serialize};

/// A point (or a vector of per-axis lengths) in patient coordinates, mm.
pub type Point3 = [f32; 3];

/// One anatomical shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shape {
    /// Axis-aligned ellipsoid.
    Ellipsoid {
        /// Centre.
        center_mm: Point3,
        /// Semi-axes along x, y, z.
        radii_mm: Point3,
    },
    /// Elliptic cylinder along z whose centre and radii change linearly from `z_mm[0]` to
    /// `z_mm[1]` (`z_mm[0] < z_mm[1]`): body outlines, vessels, vertebral bodies.
    Frustum {
        /// Bottom and top.
        z_mm: [f32; 2],
        /// (x, y) centre at the bottom and at the top.
        center_mm: [[f32; 2]; 2],
        /// (x, y) semi-axes at the bottom and at the top.
        radii_mm: [[f32; 2]; 2],
    },
    /// Axis-aligned box.
    Box {
        /// Lowest corner.
        min_mm: Point3,
        /// Highest corner.
        max_mm: Point3,
    },
    /// The wall of an elliptic cylinder between `z_mm[0]` and `z_mm[1]` (ribs), open in front of
    /// the midline where `|x - cx| < anterior_gap_mm` and `y < cy` (sternum and cartilage).
    Ring {
        /// Bottom and top.
        z_mm: [f32; 2],
        /// (x, y) centre.
        center_mm: [f32; 2],
        /// Outer (x, y) semi-axes.
        radii_mm: [f32; 2],
        /// Wall thickness.
        thickness_mm: f32,
        /// Half-width of the opening in front.
        anterior_gap_mm: f32,
    },
    /// `shape` intersected with an axis-aligned box (lobes of a lung, one side of a bone).
    Clipped {
        /// The shape clipped.
        shape: std::boxed::Box<Shape>,
        /// Lowest corner of the box.
        min_mm: Point3,
        /// Highest corner of the box.
        max_mm: Point3,
    },
}

/// The cut of a shape by one axial plane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Section {
    kind: SectionKind,
    /// Rectangle the section is clipped to: [x0, y0, x1, y1].
    clip: [f32; 4],
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum SectionKind {
    Ellipse {
        c: [f32; 2],
        r: [f32; 2],
    },
    Rect,
    Ring {
        c: [f32; 2],
        r: [f32; 2],
        inner: [f32; 2],
        gap: f32,
    },
}

const UNBOUNDED: [f32; 4] = [
    f32::NEG_INFINITY,
    f32::NEG_INFINITY,
    f32::INFINITY,
    f32::INFINITY,
];

impl Section {
    /// Whether the point (x, y) of the plane lies in the section.
    pub(crate) fn contains(&self, x: f32, y: f32) -> bool {
        let [x0, y0, x1, y1] = self.clip;
        if x < x0 || x > x1 || y < y0 || y > y1 {
            return false;
        }
        match self.kind {
            SectionKind::Rect => true,
            SectionKind::Ellipse { c, r } => {
                let dx = (x - c[0]) / r[0];
                let dy = (y - c[1]) / r[1];
                dx * dx + dy * dy <= 1.0
            }
            SectionKind::Ring { c, r, inner, gap } => {
                let dx = x - c[0];
                let dy = y - c[1];
                let outer = (dx / r[0]).powi(2) + (dy / r[1]).powi(2) <= 1.0;
                let in_hole = inner[0] > 0.0
                    && inner[1] > 0.0
                    && (dx / inner[0]).powi(2) + (dy / inner[1]).powi(2) < 1.0;
                let in_gap = dx.abs() < gap && dy < 0.0;
                outer && !in_hole && !in_gap
            }
        }
    }

    /// Bounding rectangle [x0, y0, x1, y1].
    pub(crate) fn bounds(&self) -> [f32; 4] {
        let own = match self.kind {
            SectionKind::Rect => self.clip,
            SectionKind::Ellipse { c, r } | SectionKind::Ring { c, r, .. } => {
                [c[0] - r[0], c[1] - r[1], c[0] + r[0], c[1] + r[1]]
            }
        };
        [
            own[0].max(self.clip[0]),
            own[1].max(self.clip[1]),
            own[2].min(self.clip[2]),
            own[3].min(self.clip[3]),
        ]
    }
}

fn lerp2(a: [f32; 2], b: [f32; 2], t: f32) -> [f32; 2] {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]
}

impl Shape {
    /// An axis-aligned ellipsoid.
    pub fn ellipsoid(center_mm: Point3, radii_mm: Point3) -> Self {
        Shape::Ellipsoid {
            center_mm,
            radii_mm,
        }
    }

    /// A straight elliptic cylinder along z.
    pub fn cylinder(center_xy: [f32; 2], radii_xy: [f32; 2], z0: f32, z1: f32) -> Self {
        Shape::Frustum {
            z_mm: [z0.min(z1), z0.max(z1)],
            center_mm: [center_xy, center_xy],
            radii_mm: [radii_xy, radii_xy],
        }
    }

    /// This shape intersected with an axis-aligned box.
    pub fn clipped(self, min_mm: Point3, max_mm: Point3) -> Self {
        Shape::Clipped {
            shape: std::boxed::Box::new(self),
            min_mm,
            max_mm,
        }
    }

    /// The section at height `z`, or `None` when the plane misses the shape.
    pub(crate) fn section(&self, z: f32) -> Option<Section> {
        match self {
            Shape::Ellipsoid {
                center_mm: c,
                radii_mm: r,
            } => {
                let dz = (z - c[2]) / r[2];
                let k = 1.0 - dz * dz;
                (k > 0.0).then(|| {
                    let s = k.sqrt();
                    Section {
                        kind: SectionKind::Ellipse {
                            c: [c[0], c[1]],
                            r: [r[0] * s, r[1] * s],
                        },
                        clip: UNBOUNDED,
                    }
                })
            }
            Shape::Frustum {
                z_mm,
                center_mm,
                radii_mm,
            } => {
                if z < z_mm[0] || z > z_mm[1] {
                    return None;
                }
                let t = if z_mm[1] > z_mm[0] {
                    (z - z_mm[0]) / (z_mm[1] - z_mm[0])
                } else {
                    0.0
                };
                let r = lerp2(radii_mm[0], radii_mm[1], t);
                (r[0] > 0.0 && r[1] > 0.0).then(|| Section {
                    kind: SectionKind::Ellipse {
                        c: lerp2(center_mm[0], center_mm[1], t),
                        r,
                    },
                    clip: UNBOUNDED,
                })
            }
            Shape::Box { min_mm, max_mm } => (z >= min_mm[2] && z <= max_mm[2]).then(|| Section {
                kind: SectionKind::Rect,
                clip: [min_mm[0], min_mm[1], max_mm[0], max_mm[1]],
            }),
            Shape::Ring {
                z_mm,
                center_mm,
                radii_mm,
                thickness_mm,
                anterior_gap_mm,
            } => (z >= z_mm[0] && z <= z_mm[1]).then(|| Section {
                kind: SectionKind::Ring {
                    c: *center_mm,
                    r: *radii_mm,
                    inner: [radii_mm[0] - thickness_mm, radii_mm[1] - thickness_mm],
                    gap: *anterior_gap_mm,
                },
                clip: UNBOUNDED,
            }),
            Shape::Clipped {
                shape,
                min_mm,
                max_mm,
            } => {
                if z < min_mm[2] || z > max_mm[2] {
                    return None;
                }
                let mut s = shape.section(z)?;
                s.clip = [
                    s.clip[0].max(min_mm[0]),
                    s.clip[1].max(min_mm[1]),
                    s.clip[2].min(max_mm[0]),
                    s.clip[3].min(max_mm[1]),
                ];
                (s.clip[0] < s.clip[2] && s.clip[1] < s.clip[3]).then_some(s)
            }
        }
    }

    /// Whether a point lies inside.
    pub fn contains(&self, p: Point3) -> bool {
        self.section(p[2]).is_some_and(|s| s.contains(p[0], p[1]))
    }

    /// The centre of the bounding box.
    pub fn centre(&self) -> Point3 {
        let (a, b) = self.bbox();
        [
            (a[0] + b[0]) / 2.0,
            (a[1] + b[1]) / 2.0,
            (a[2] + b[2]) / 2.0,
        ]
    }

    /// Axis-aligned bounding box: (min, max).
    pub fn bbox(&self) -> (Point3, Point3) {
        match self {
            Shape::Ellipsoid {
                center_mm: c,
                radii_mm: r,
            } => (
                [c[0] - r[0], c[1] - r[1], c[2] - r[2]],
                [c[0] + r[0], c[1] + r[1], c[2] + r[2]],
            ),
            Shape::Frustum {
                z_mm,
                center_mm,
                radii_mm,
            } => {
                let mut lo = [f32::INFINITY; 3];
                let mut hi = [f32::NEG_INFINITY; 3];
                for i in 0..2 {
                    for a in 0..2 {
                        lo[a] = lo[a].min(center_mm[i][a] - radii_mm[i][a]);
                        hi[a] = hi[a].max(center_mm[i][a] + radii_mm[i][a]);
                    }
                }
                lo[2] = z_mm[0];
                hi[2] = z_mm[1];
                (lo, hi)
            }
            Shape::Box { min_mm, max_mm } => (*min_mm, *max_mm),
            Shape::Ring {
                z_mm,
                center_mm: c,
                radii_mm: r,
                ..
            } => (
                [c[0] - r[0], c[1] - r[1], z_mm[0]],
                [c[0] + r[0], c[1] + r[1], z_mm[1]],
            ),
            Shape::Clipped {
                shape,
                min_mm,
                max_mm,
            } => {
                let (lo, hi) = shape.bbox();
                (
                    [
                        lo[0].max(min_mm[0]),
                        lo[1].max(min_mm[1]),
                        lo[2].max(min_mm[2]),
                    ],
                    [
                        hi[0].min(max_mm[0]),
                        hi[1].min(max_mm[1]),
                        hi[2].min(max_mm[2]),
                    ],
                )
            }
        }
    }

    /// Whether a ball of `radius_mm` around `p` is (approximately: centre and six axis points)
    /// inside the shape.
    pub fn contains_ball(&self, p: Point3, radius_mm: f32) -> bool {
        if !self.contains(p) {
            return false;
        }
        (0..3).all(|axis| {
            [-radius_mm, radius_mm].iter().all(|d| {
                let mut q = p;
                q[axis] += d;
                self.contains(q)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ellipsoid_contains_its_centre_and_not_points_past_its_radii() {
        let e = Shape::ellipsoid([10.0, -5.0, -100.0], [20.0, 10.0, 30.0]);
        assert!(e.contains([10.0, -5.0, -100.0]));
        assert!(e.contains([29.0, -5.0, -100.0]));
        assert!(!e.contains([31.0, -5.0, -100.0]));
        assert!(!e.contains([10.0, -5.0, -131.0]));
    }

    #[test]
    fn a_ring_is_hollow_and_open_in_front() {
        let ring = Shape::Ring {
            z_mm: [0.0, 10.0],
            center_mm: [0.0, 0.0],
            radii_mm: [100.0, 80.0],
            thickness_mm: 10.0,
            anterior_gap_mm: 30.0,
        };
        assert!(!ring.contains([0.0, 0.0, 5.0]), "hollow");
        assert!(ring.contains([95.0, 0.0, 5.0]), "lateral wall");
        assert!(ring.contains([0.0, 76.0, 5.0]), "posterior wall");
        assert!(!ring.contains([0.0, -76.0, 5.0]), "anterior gap");
    }

    #[test]
    fn clipping_keeps_only_the_box_part() {
        let half = Shape::ellipsoid([0.0; 3], [50.0; 3]).clipped([0.0, -100.0, -100.0], [100.0; 3]);
        assert!(half.contains([10.0, 0.0, 0.0]));
        assert!(!half.contains([-10.0, 0.0, 0.0]));
        assert_eq!(half.bbox().0[0], 0.0);
    }
}
