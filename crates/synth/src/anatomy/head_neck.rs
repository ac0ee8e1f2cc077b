//! The head and neck: skull and face, mouth and throat, and the neck with its thyroid,
//! carotids and cervical lymph-node stations.

use super::builder::{Builder, SIDES, Scaler, sided, sign};
use super::lymph_nodes::{self, NECK, NECK_MIDLINE};
use super::tissue::Tissue;
use crate::spec::Side;

/// Paints the head and neck.
pub(super) fn paint(k: &Scaler, b: &mut Builder) {
    skull_and_face(k, b);
    mouth(k, b);
    brain_glands_and_airway(k, b);
    neck(k, b);
}

fn skull_and_face(k: &Scaler, b: &mut Builder) {
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
}

/// Palate, floor of the mouth, lips and hypopharynx.
fn mouth(k: &Scaler, b: &mut Builder) {
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
}

/// Brain, nasopharynx, salivary glands, tonsils, tongue, larynx and trachea.
fn brain_glands_and_airway(k: &Scaler, b: &mut Builder) {
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
}

fn neck(k: &Scaler, b: &mut Builder) {
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
        lymph_nodes::paint(k, b, &NECK, side);
    }
    lymph_nodes::paint(k, b, &NECK_MIDLINE, Side::Midline);
}
