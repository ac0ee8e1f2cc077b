//! A hot spot: raised uptake falling off smoothly from its centre (lesions, look-alikes).

use crate::geometry::Point3;
use serde::Serialize;

/// A smooth hot spot: SUV(p) = peak * exp(-k^2 r^2 / 2) with r the distance normalised by the
/// radii; at r = 1 (the lesion's edge) the uptake is e^(-1.125) ~ 32 % of the peak.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotSpot {
    /// Centre.
    pub center_mm: Point3,
    /// Semi-axes along x, y, z (the lesion's edge).
    pub radii_mm: Point3,
    /// Uptake at the centre.
    pub suv_peak: f32,
    /// CT number inside r <= 1, when the hot spot is a visible mass (lesions); `None` for
    /// look-alikes that do not change the CT (brown fat, bowel).
    pub hu: Option<f32>,
}

const FALLOFF_K: f32 = 1.5;
/// Beyond this normalised radius a hot spot adds nothing (exp(-0.5 * (1.5*2.5)^2) < 0.1 %).
pub(super) const HOTSPOT_REACH: f32 = 2.5;

impl HotSpot {
    /// The SUV the hot spot adds at a point.
    pub fn suv_at(&self, p: Point3) -> f32 {
        let r2 = self.norm2(p);
        if r2 > HOTSPOT_REACH * HOTSPOT_REACH {
            return 0.0;
        }
        self.suv_peak * (-0.5 * FALLOFF_K * FALLOFF_K * r2).exp()
    }

    /// Squared distance from the centre, in units of the radii.
    pub(super) fn norm2(&self, p: Point3) -> f32 {
        (0..3)
            .map(|a| ((p[a] - self.center_mm[a]) / self.radii_mm[a]).powi(2))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lesion_is_hottest_at_its_centre_and_fades_beyond_its_edge() {
        let spot = HotSpot {
            center_mm: [0.0; 3],
            radii_mm: [10.0; 3],
            suv_peak: 12.0,
            hu: Some(40.0),
        };
        assert_eq!(spot.suv_at([0.0; 3]), 12.0);
        let edge = spot.suv_at([10.0, 0.0, 0.0]);
        assert!((3.0..4.5).contains(&edge), "edge {edge}");
        assert_eq!(spot.suv_at([30.0, 0.0, 0.0]), 0.0);
    }
}
