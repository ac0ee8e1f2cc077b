//! The thorax: lungs and lobes, the mediastinum and heart, the chest wall and pleura, the
//! thoracic and axillary lymph-node stations, and breasts.

use super::builder::{BIG, Builder, SIDES, Scaler, sided, sign};
use super::lymph_nodes::{self, MEDIASTINUM, THORAX};
use super::tissue::Tissue;
use crate::geometry::Shape;
use crate::spec::{Sex, Side};

/// Paints the thorax.
pub(super) fn paint(k: &Scaler, b: &mut Builder) {
    lungs(k, b);
    mediastinum(k, b);
    chest_wall(k, b);
    nodes(k, b);
    if k.sex == Sex::Female {
        breasts(k, b);
    }
}

/// Lungs and lobes: fissures approximated by planes.
fn lungs(k: &Scaler, b: &mut Builder) {
    for side in SIDES {
        let x = sign(side);
        let lung = k.ell(
            [80.0 * x, 10.0, -430.0],
            [if side == Side::Left { 58.0 } else { 62.0 }, 86.0, 150.0],
        );
        let (xlo, xhi) = if side == Side::Left {
            (0.0, BIG)
        } else {
            (-BIG, 0.0)
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
            clip(-BIG, BIG, upper_z, BIG),
        );
        b.add(
            middle,
            region,
            side,
            Tissue::Lung,
            clip(-BIG, -5.0, lower_z, upper_z),
        );
        b.add(
            &lobe("lower_lobe"),
            region,
            side,
            Tissue::Lung,
            clip(-5.0, BIG, -BIG, upper_z),
        );
        b.add(
            &lobe("lower_lobe"),
            region,
            side,
            Tissue::Lung,
            clip(-BIG, -5.0, -BIG, lower_z),
        );
    }
}

/// Airways, esophagus, heart and great vessels.
fn mediastinum(k: &Scaler, b: &mut Builder) {
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
}

/// Chest wall, thymus, pleura and the superior vena cava.
fn chest_wall(k: &Scaler, b: &mut Builder) {
    for side in SIDES {
        let (lo, hi) = if side == Side::Left {
            (0.0, BIG)
        } else {
            (-BIG, 0.0)
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
            wall.clipped([lo, -BIG, -BIG], [hi, BIG, BIG]),
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
}

/// Hilar nodes and the thoracic and axillary stations.
fn nodes(k: &Scaler, b: &mut Builder) {
    for side in SIDES {
        let x = sign(side);
        b.add(
            &sided(side, "hilar_lymph_node"),
            "hilar_lymph_node",
            side,
            Tissue::SoftTissue,
            k.ell([48.0 * x, 5.0, -430.0], [11.0, 14.0, 20.0]),
        );
        lymph_nodes::paint(k, b, &THORAX, side);
    }
    lymph_nodes::paint(k, b, &MEDIASTINUM, Side::Midline);
}

fn breasts(k: &Scaler, b: &mut Builder) {
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
