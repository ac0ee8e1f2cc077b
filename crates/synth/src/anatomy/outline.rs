//! The body outline: the fatty envelope, the lean body inside it, and the fatty body cavities
//! (painted first; organs paint over them).

use super::builder::{Builder, SIDES, Scaler, sign};
use super::tissue::Tissue;
use crate::geometry::Shape;

/// A trunk segment: (z bottom, z top) and (radii bottom, radii top), reference mm.
type Segment = ([f32; 2], [[f32; 2]; 2]);

const CENTRE: [[f32; 2]; 2] = [[0.0, 5.0], [0.0, 5.0]];

/// The trunk from the neck to the upper thighs, shaped by sex at the shoulders and hips.
fn trunk(k: &Scaler) -> [Segment; 6] {
    let shoulders = k.shoulders();
    let hips = k.hips();
    [
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
    ]
}

/// Paints the outline: the fatty envelope, then the lean body inside it, then the cavities.
pub(super) fn paint(k: &Scaler, b: &mut Builder) {
    let f = k.fat_mm;
    b.internal("head_soft_tissue", "head", Tissue::SoftTissue, {
        let c = k.p(0.0, 5.0, -110.0);
        let r = k.r(78.0, 98.0, 110.0);
        Shape::ellipsoid(c, [r[0] + f * 0.2, r[1] + f * 0.2, r[2]])
    });
    let segments = trunk(k);
    layer(
        k,
        b,
        &segments,
        "subcutaneous_fat",
        "subcutaneous_fat",
        Tissue::Fat,
        f,
    );
    layer(
        k,
        b,
        &segments,
        "muscle",
        "thigh_muscle",
        Tissue::Muscle,
        0.0,
    );
    cavities(k, b);
}

/// One layer of the body: the trunk segments and both thighs, grown by `grow_mm`.
fn layer(
    k: &Scaler,
    b: &mut Builder,
    segments: &[Segment],
    trunk_name: &str,
    thigh_name: &str,
    tissue: Tissue,
    grow_mm: f32,
) {
    for &(z, r) in segments {
        b.internal(trunk_name, "full", tissue, k.frustum(z, CENTRE, r, grow_mm));
    }
    for side in SIDES {
        let c = [[90.0 * sign(side) * k.hips(), 5.0]; 2];
        b.internal(
            thigh_name,
            "full",
            tissue,
            k.frustum([-1060.0, -870.0], c, [[70.0, 75.0]; 2], grow_mm),
        );
    }
}

/// Neck soft tissue and the fat of the mediastinum and abdomen.
fn cavities(k: &Scaler, b: &mut Builder) {
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
            CENTRE,
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
            CENTRE,
            [[135.0, 80.0], [130.0, 85.0]],
            0.0,
        ),
    );
}
