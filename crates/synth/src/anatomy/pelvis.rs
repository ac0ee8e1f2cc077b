//! The pelvis: bladder, sigmoid and rectum, the pelvic organs of each sex, the iliac vessels,
//! and the iliac and inguinal lymph-node stations.

use super::builder::{Builder, SIDES, Scaler, sided, sign};
use super::lymph_nodes::{self, PELVIS};
use super::tissue::Tissue;
use crate::spec::{Sex, Side};

/// Paints the pelvis.
pub(super) fn paint(k: &Scaler, b: &mut Builder) {
    organs(k, b);
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
        lymph_nodes::paint(k, b, &PELVIS, side);
    }
}

fn organs(k: &Scaler, b: &mut Builder) {
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
}
