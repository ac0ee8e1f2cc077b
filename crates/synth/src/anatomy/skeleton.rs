//! The skeleton besides the spine: sacrum, ribs, sternum, shoulder girdles, humeri, pelvic
//! bones and femora.

use super::builder::{BIG, Builder, SIDES, Scaler, sided, sign};
use super::tissue::Tissue;
use crate::geometry::Shape;
use crate::spec::Side;

/// Paints the bones.
pub(super) fn paint(k: &Scaler, b: &mut Builder) {
    b.bone(
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
    ribs(k, b);
    let front = -108.0 * k.w;
    b.bone(
        "sternum",
        "skeleton",
        Side::Midline,
        Shape::Box {
            min_mm: [-14.0 * k.w, front, -500.0 * k.s],
            max_mm: [14.0 * k.w, front + 12.0 * k.w, -310.0 * k.s],
        },
        2.0,
    );
    for side in SIDES {
        limb_girdles(k, b, side);
    }
}

/// Ribs: 12 pairs of rings inside the chest wall, lower ones open wider in front.
fn ribs(k: &Scaler, b: &mut Builder) {
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
                (0.0, BIG)
            } else {
                (-BIG, 0.0)
            };
            let half = ring.clone().clipped([lo, -BIG, -BIG], [hi, BIG, BIG]);
            b.add("ribs", "skeleton", side, Tissue::Bone, half);
        }
    }
}

/// One side's shoulder girdle, humerus, pelvic bones and femur.
fn limb_girdles(k: &Scaler, b: &mut Builder, side: Side) {
    let x = sign(side);
    let shoulders = k.shoulders();
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
    b.bone(
        "humerus",
        "skeleton",
        side,
        k.ell([150.0 * x * shoulders, 5.0, -325.0], [23.0, 23.0, 23.0]),
        3.0,
    );
    b.bone(
        &sided(side, "iliac_bone"),
        "pelvic_skeleton",
        side,
        k.ell([104.0 * x, 28.0, -742.0], [20.0, 52.0, 55.0]),
        3.0,
    );
    b.bone(
        "acetabulum",
        "pelvic_skeleton",
        side,
        k.ell([88.0 * x, 2.0, -818.0], [25.0, 25.0, 25.0]),
        3.0,
    );
    b.bone(
        "pubis_ischium",
        "pelvic_skeleton",
        side,
        k.ell([30.0 * x, -55.0, -848.0], [28.0, 10.0, 12.0]),
        2.5,
    );
    b.bone(
        "pubis_ischium",
        "pelvic_skeleton",
        side,
        k.ell([55.0 * x, 25.0, -872.0], [14.0, 18.0, 26.0]),
        2.5,
    );
    b.bone(
        "femur",
        "skeleton",
        side,
        k.cyl([90.0 * x, 5.0], [15.0, 15.0], -1060.0, -835.0),
        4.0,
    );
}
