//! Lymph-node stations: where each one lies in the reference adult. A station is a region
//! (mostly fat, not painted) with one normal small node painted at its centre; the body parts
//! paint their stations in among their organs (painting order matters).

use super::builder::{Builder, Scaler, sided, sign};
use super::tissue::Tissue;
use crate::spec::Side;

/// One station in reference millimetres; `centre[0]` is the distance from the midline for
/// sided stations (mirrored to the patient's left or right).
pub(super) struct Station {
    name: &'static str,
    region: &'static str,
    centre: [f32; 3],
    radii: [f32; 3],
}

const fn station(
    name: &'static str,
    region: &'static str,
    centre: [f32; 3],
    radii: [f32; 3],
) -> Station {
    Station {
        name,
        region,
        centre,
        radii,
    }
}

/// Cervical levels I to V and the supraclavicular fossa, on each side.
pub(super) const NECK: [Station; 6] = [
    station(
        "cervical_level_1",
        "cervical_lymph_node",
        [25.0, -55.0, -212.0],
        [12.0, 11.0, 12.0],
    ),
    station(
        "cervical_level_2",
        "cervical_lymph_node",
        [42.0, -8.0, -212.0],
        [10.0, 12.0, 18.0],
    ),
    station(
        "cervical_level_3",
        "cervical_lymph_node",
        [42.0, -2.0, -250.0],
        [10.0, 11.0, 16.0],
    ),
    station(
        "cervical_level_4",
        "cervical_lymph_node",
        [40.0, 2.0, -283.0],
        [10.0, 11.0, 12.0],
    ),
    station(
        "cervical_level_5",
        "cervical_lymph_node",
        [46.0, 28.0, -250.0],
        [8.0, 12.0, 30.0],
    ),
    station(
        "supraclavicular_lymph_node",
        "supraclavicular_lymph_node",
        [58.0, 0.0, -302.0],
        [18.0, 14.0, 13.0],
    ),
];

/// Cervical level VI, in the midline.
pub(super) const NECK_MIDLINE: [Station; 1] = [station(
    "cervical_level_6",
    "cervical_lymph_node",
    [0.0, -42.0, -278.0],
    [12.0, 7.0, 18.0],
)];

/// Paratracheal, internal mammary and axillary stations, on each side.
pub(super) const THORAX: [Station; 3] = [
    station(
        "paratracheal_lymph_node",
        "paratracheal_lymph_node",
        [16.0, -14.0, -352.0],
        [8.0, 8.0, 26.0],
    ),
    station(
        "internal_mammary_lymph_node",
        "thoracic_lymph_node",
        [28.0, -94.0, -430.0],
        [5.0, 5.0, 50.0],
    ),
    station(
        "axillary_lymph_node",
        "axillary_lymph_node",
        [128.0, 0.0, -372.0],
        [22.0, 26.0, 34.0],
    ),
];

/// The mediastinal stations in the midline.
pub(super) const MEDIASTINUM: [Station; 5] = [
    station(
        "precarinal_lymph_node",
        "carinal_lymph_node",
        [0.0, -30.0, -397.0],
        [10.0, 7.0, 9.0],
    ),
    station(
        "subcarinal_lymph_node",
        "carinal_lymph_node",
        [0.0, 12.0, -432.0],
        [13.0, 9.0, 13.0],
    ),
    station(
        "prevascular_lymph_node",
        "thoracic_lymph_node",
        [0.0, -52.0, -380.0],
        [14.0, 9.0, 18.0],
    ),
    station(
        "aortopulmonary_lymph_node",
        "thoracic_lymph_node",
        [22.0, -8.0, -405.0],
        [8.0, 8.0, 8.0],
    ),
    station(
        "paraesophageal_lymph_node",
        "thoracic_lymph_node",
        [-10.0, 20.0, -490.0],
        [8.0, 8.0, 24.0],
    ),
];

/// The retrocrural stations, on each side.
pub(super) const RETROCRURAL: [Station; 1] = [station(
    "retrocrural_lymph_node",
    "retroperitoneal_lymph_node",
    [20.0, 58.0, -575.0],
    [7.0, 7.0, 16.0],
)];

/// Retroperitoneal and abdominal stations in the midline.
pub(super) const ABDOMEN: [Station; 9] = [
    station(
        "para_aortic_lymph_node",
        "retroperitoneal_lymph_node",
        [36.0, 32.0, -660.0],
        [9.0, 10.0, 55.0],
    ),
    station(
        "aortocaval_lymph_node",
        "retroperitoneal_lymph_node",
        [-6.0, 30.0, -660.0],
        [6.0, 8.0, 45.0],
    ),
    station(
        "paracaval_lymph_node",
        "retroperitoneal_lymph_node",
        [-44.0, 26.0, -660.0],
        [8.0, 9.0, 45.0],
    ),
    station(
        "celiac_lymph_node",
        "celiac_lymph_node",
        [8.0, 8.0, -600.0],
        [11.0, 9.0, 9.0],
    ),
    station(
        "porta_hepatis_lymph_node",
        "abdominal_lymph_node",
        [-35.0, 2.0, -598.0],
        [11.0, 9.0, 11.0],
    ),
    station(
        "portocaval_lymph_node",
        "abdominal_lymph_node",
        [-22.0, 12.0, -610.0],
        [7.0, 7.0, 8.0],
    ),
    station(
        "gastrohepatic_lymph_node",
        "abdominal_lymph_node",
        [-5.0, -40.0, -575.0],
        [9.0, 8.0, 10.0],
    ),
    station(
        "peripancreatic_lymph_node",
        "abdominal_lymph_node",
        [0.0, -22.0, -628.0],
        [9.0, 7.0, 9.0],
    ),
    station(
        "mesenteric_lymph_node",
        "abdominal_lymph_node",
        [12.0, -35.0, -690.0],
        [22.0, 16.0, 22.0],
    ),
];

/// Iliac, obturator and inguinal stations, on each side.
pub(super) const PELVIS: [Station; 5] = [
    station(
        "common_iliac_lymph_node",
        "iliac_lymph_node",
        [30.0, 24.0, -748.0],
        [9.0, 9.0, 24.0],
    ),
    station(
        "external_iliac_lymph_node",
        "iliac_lymph_node",
        [66.0, -6.0, -805.0],
        [9.0, 9.0, 30.0],
    ),
    station(
        "internal_iliac_lymph_node",
        "iliac_lymph_node",
        [48.0, 44.0, -795.0],
        [9.0, 9.0, 24.0],
    ),
    station(
        "obturator_lymph_node",
        "iliac_lymph_node",
        [56.0, 16.0, -836.0],
        [8.0, 9.0, 14.0],
    ),
    station(
        "inguinal_lymph_node",
        "inguinal_lymph_node",
        [86.0, -58.0, -885.0],
        [22.0, 14.0, 24.0],
    ),
];

/// Paints `stations` on one side (or in the midline), in order.
pub(super) fn paint(k: &Scaler, b: &mut Builder, stations: &[Station], side: Side) {
    for s in stations {
        let c = s.centre;
        let x = c[0]
            * if side == Side::Midline {
                1.0
            } else {
                sign(side)
            };
        // The ontology names cervical levels without a side (`cervical_level_2`).
        let full = if s.name.starts_with("cervical_level") {
            s.name.to_string()
        } else {
            sided(side, s.name)
        };
        b.station(&full, s.region, side, k.ell([x, c[1], c[2]], s.radii));
        b.internal(
            "normal_node",
            s.region,
            Tissue::Node,
            k.ell([x, c[1], c[2]], [4.0, 4.0, 5.0]),
        );
    }
}
