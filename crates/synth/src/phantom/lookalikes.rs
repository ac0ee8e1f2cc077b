//! Benign FDG look-alikes in the image: brown fat, an inflamed shoulder, physiologic bowel
//! and a reactive node, each as hot spots where they occur.

use super::hotspot::HotSpot;
use super::placement::sample_inside;
use crate::anatomy::Anatomy;
use crate::geometry::Point3;
use crate::spec::{Lookalike, Side};
use rand::Rng;
use serde::Serialize;

/// A look-alike and where its uptake is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct PlacedLookalike {
    /// What it is.
    pub(crate) kind: Lookalike,
    /// Its uptake.
    pub(crate) hotspots: Vec<HotSpot>,
}

/// The hot spots of one look-alike.
pub(super) fn lookalike_spots(
    anatomy: &Anatomy,
    kind: Lookalike,
    rng: &mut impl Rng,
) -> Vec<HotSpot> {
    match kind {
        Lookalike::BrownFat => brown_fat(anatomy, rng),
        Lookalike::InflamedJoint => inflamed_shoulder(anatomy, rng),
        Lookalike::PhysiologicBowel => bowel(anatomy, rng),
        Lookalike::ReactiveNode => reactive_node(anatomy, rng),
    }
}

/// The centre and half-extent of the bounding box of the first structure called `name` (on
/// `side` when it has one there).
fn centre_of(anatomy: &Anatomy, name: &str, side: Side) -> Option<(Point3, Point3)> {
    let named = anatomy.named(name);
    let i = *named
        .iter()
        .find(|&&i| side == Side::Midline || anatomy.structures[i].side == side)
        .or(named.first())?;
    let (lo, hi) = anatomy.structures[i].shape.bbox();
    Some((
        anatomy.structures[i].shape.centre(),
        [
            (hi[0] - lo[0]) / 2.0,
            (hi[1] - lo[1]) / 2.0,
            (hi[2] - lo[2]) / 2.0,
        ],
    ))
}

/// Symmetric supraclavicular and lower-neck fat, often with paravertebral foci.
fn brown_fat(anatomy: &Anatomy, rng: &mut impl Rng) -> Vec<HotSpot> {
    let mut out = Vec::new();
    let suv = rng.random_range(3.0..9.0);
    for name in [
        "left_supraclavicular_lymph_node",
        "right_supraclavicular_lymph_node",
    ] {
        if let Some((c, _)) = centre_of(anatomy, name, Side::Midline) {
            let x = c[0] * 1.2;
            out.push(HotSpot {
                center_mm: [x, c[1] + 10.0, c[2] + 8.0],
                radii_mm: [22.0, 14.0, 16.0],
                suv_peak: suv,
                hu: None,
            });
            out.push(HotSpot {
                center_mm: [x * 0.5, c[1] + 55.0, c[2] - 60.0],
                radii_mm: [8.0, 8.0, 30.0],
                suv_peak: suv * 0.7,
                hu: None,
            });
        }
    }
    out
}

/// Synovitis rims the joint medially, between humeral head and glenoid.
fn inflamed_shoulder(anatomy: &Anatomy, rng: &mut impl Rng) -> Vec<HotSpot> {
    let side = if rng.random_bool(0.5) {
        Side::Left
    } else {
        Side::Right
    };
    let Some((c, r)) = centre_of(anatomy, "humerus", side) else {
        return Vec::new();
    };
    let medial = -c[0].signum();
    vec![HotSpot {
        center_mm: [c[0] + medial * r[0] * 0.9, c[1], c[2]],
        radii_mm: [10.0, 18.0, 20.0],
        suv_peak: rng.random_range(2.5..5.5),
        hu: None,
    }]
}

/// Two to four foci in the colon.
fn bowel(anatomy: &Anatomy, rng: &mut impl Rng) -> Vec<HotSpot> {
    let colon = anatomy.named("colon");
    let n = rng.random_range(2..5);
    (0..n)
        .map(|_| {
            let i = colon[rng.random_range(0..colon.len())];
            let p = sample_inside(&anatomy.structures[i].shape, 5.0, rng);
            HotSpot {
                center_mm: p,
                radii_mm: [12.0, 12.0, rng.random_range(15.0..30.0)],
                suv_peak: rng.random_range(2.5..7.0),
                hu: None,
            }
        })
        .collect()
}

/// A small mildly avid node in a neck, groin or axillary station.
fn reactive_node(anatomy: &Anatomy, rng: &mut impl Rng) -> Vec<HotSpot> {
    let station = [
        "cervical_level_2",
        "cervical_level_3",
        "left_inguinal_lymph_node",
        "right_axillary_lymph_node",
    ][rng.random_range(0..4)];
    let Some(&i) = anatomy.named(station).first() else {
        return Vec::new();
    };
    let p = sample_inside(&anatomy.structures[i].shape, 4.0, rng);
    let r = rng.random_range(5.0..8.0);
    vec![HotSpot {
        center_mm: p,
        radii_mm: [r, r, r],
        suv_peak: rng.random_range(2.0..4.0),
        hu: Some(40.0),
    }]
}
