//! The spine: 7 cervical, 12 thoracic and 5 lumbar vertebrae along the curves of the back,
//! each a body with a marrow core, posterior elements and the disc below it.

use super::builder::{Builder, Scaler};
use super::tissue::Tissue;
use crate::geometry::Shape;
use crate::spec::Side;

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

/// Paints the vertebrae from C1 down to L5.
pub(super) fn paint(k: &Scaler, b: &mut Builder) {
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
        b.bone(&name, "spine", Side::Midline, body, 2.5);
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
}
