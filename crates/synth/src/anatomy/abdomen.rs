//! The abdomen: liver, spleen, stomach, pancreas, adrenals, kidneys, vessels, bowel, and the
//! retroperitoneal and abdominal lymph-node stations.

use super::builder::{BIG, Builder, SIDES, Scaler, sided, sign};
use super::lymph_nodes::{self, ABDOMEN, RETROCRURAL};
use super::tissue::Tissue;
use crate::spec::Side;

/// Paints the abdomen.
pub(super) fn paint(k: &Scaler, b: &mut Builder) {
    upper_organs(k, b);
    kidneys_vessels_and_bowel(k, b);
    for side in SIDES {
        lymph_nodes::paint(k, b, &RETROCRURAL, side);
    }
    lymph_nodes::paint(k, b, &ABDOMEN, Side::Midline);
}

/// Liver (two parts: the right lobe first), gallbladder, spleen, stomach and pancreas.
fn upper_organs(k: &Scaler, b: &mut Builder) {
    let liver = k.ell([-55.0, 5.0, -580.0], [95.0, 80.0, 78.0]);
    b.add(
        "liver",
        "liver",
        Side::Right,
        Tissue::Liver,
        liver
            .clone()
            .clipped([-BIG, -BIG, -BIG], [-10.0 * k.w, BIG, BIG]),
    );
    b.add(
        "liver",
        "liver",
        Side::Left,
        Tissue::Liver,
        liver.clipped([-10.0 * k.w, -BIG, -BIG], [45.0 * k.w, BIG, BIG]),
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
}

fn kidneys_vessels_and_bowel(k: &Scaler, b: &mut Builder) {
    for side in SIDES {
        let x = sign(side);
        let dz = if side == Side::Right { -15.0 } else { 0.0 };
        // The right adrenal and kidney lie lower than the left ones.
        for (organ, tissue, c, r) in [
            (
                "adrenal",
                Tissue::Adrenal,
                [45.0, 38.0, -592.0],
                [9.0, 6.0, 18.0],
            ),
            (
                "kidney",
                Tissue::KidneyCortex,
                [72.0, 50.0, -655.0],
                [28.0, 26.0, 55.0],
            ),
        ] {
            let shape = k.ell([c[0] * x, c[1], c[2] + dz], r);
            b.add(&sided(side, organ), organ, side, tissue, shape);
        }
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
}
