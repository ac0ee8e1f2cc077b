//! SUV statistics of an exam: SUVmax and its position, the body's mean SUV, and mean SUV in
//! spherical volumes of interest ([`Voi`]) such as the liver and the blood pool.

use crate::store::{ExamVolume, Geometry};
use std::str::FromStr;
use uptake_core::RegionMap;

/// A spherical volume of interest, centre in LPS `[x, y, z]` mm. As text (`--voi`):
/// `NAME=X,Y,Z[,R]`, radius 15 mm when not given.
#[derive(Debug, Clone, PartialEq)]
pub struct Voi {
    /// Its name (`liver`, `blood pool`...).
    pub name: String,
    /// Centre, LPS `[x, y, z]`.
    pub centre_mm: [f32; 3],
    /// Radius.
    pub radius_mm: f32,
}

/// What a VOI holds on the model grid.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiStats {
    /// The VOI's name.
    pub name: String,
    /// Voxel centres inside the sphere.
    pub voxels: usize,
    /// Mean SUV (NaN without voxels).
    pub mean_suv: f32,
    /// Highest SUV.
    pub max_suv: f32,
    /// Mean CT value.
    pub mean_hu: f32,
}

/// An exam's SUV statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct SuvSummary {
    /// Highest SUV on the model grid.
    pub suv_max: f32,
    /// LPS `[x, y, z]` of the SUVmax voxel.
    pub suv_max_at_mm: [f32; 3],
    /// Mean SUV over voxels with CT > -500 HU (the body).
    pub body_mean_suv: f32,
    /// One entry per VOI, in the order given.
    pub vois: Vec<VoiStats>,
}

/// SUVmax (on the stored grid, so lower than on the native PET for small lesions), body mean,
/// and per-VOI statistics.
pub fn suv_summary(volume: &ExamVolume, vois: &[Voi]) -> SuvSummary {
    let g = &volume.geometry;
    let (mut best, mut best_i) = (f32::NEG_INFINITY, 0);
    for (i, &v) in volume.pet_suv.iter().enumerate() {
        if v > best {
            best = v;
            best_i = i;
        }
    }
    let (body_sum, body_n) = volume
        .ct_hu
        .iter()
        .zip(&volume.pet_suv)
        .filter(|(hu, _)| **hu > -500.0)
        .fold((0f64, 0usize), |(s, n), (_, &suv)| (s + suv as f64, n + 1));
    let vois = vois.iter().map(|voi| voi_stats(volume, voi)).collect();
    SuvSummary {
        suv_max: best,
        suv_max_at_mm: lps_of(g, best_i),
        body_mean_suv: if body_n > 0 {
            (body_sum / body_n as f64) as f32
        } else {
            0.0
        },
        vois,
    }
}

fn lps_of(g: &Geometry, index: usize) -> [f32; 3] {
    let j = index % g.shape[2];
    let i = (index / g.shape[2]) % g.shape[1];
    let k = index / (g.shape[1] * g.shape[2]);
    let [z, y, x] = g.position_mm(k, i, j);
    [x, y, z]
}

fn voi_stats(volume: &ExamVolume, voi: &Voi) -> VoiStats {
    let g = &volume.geometry;
    let (mut n, mut suv_sum, mut hu_sum, mut max) = (0usize, 0f64, 0f64, f32::NEG_INFINITY);
    for k in 0..g.shape[0] {
        for i in 0..g.shape[1] {
            for j in 0..g.shape[2] {
                let [z, y, x] = g.position_mm(k, i, j);
                let d2 = (x - voi.centre_mm[0]).powi(2)
                    + (y - voi.centre_mm[1]).powi(2)
                    + (z - voi.centre_mm[2]).powi(2);
                if d2 <= voi.radius_mm * voi.radius_mm {
                    let idx = g.index(k, i, j);
                    n += 1;
                    suv_sum += volume.pet_suv[idx] as f64;
                    hu_sum += volume.ct_hu[idx] as f64;
                    max = max.max(volume.pet_suv[idx]);
                }
            }
        }
    }
    let mean = |s: f64| {
        if n > 0 {
            (s / n as f64) as f32
        } else {
            f32::NAN
        }
    };
    VoiStats {
        name: voi.name.clone(),
        voxels: n,
        mean_suv: mean(suv_sum),
        max_suv: max,
        mean_hu: mean(hu_sum),
    }
}

/// The liver and blood-pool reference VOIs of a synthetic exam's region map (its
/// `reference_points_mm`). Liver: a 15 mm sphere (as PERCIST's 3 cm liver VOI); blood pool:
/// 8 mm (inside the aorta).
pub fn reference_vois(map: &RegionMap) -> Vec<Voi> {
    let points = &map.reference_points_mm;
    vec![
        Voi {
            name: "liver".into(),
            centre_mm: points.liver,
            radius_mm: 15.0,
        },
        Voi {
            name: "blood pool".into(),
            centre_mm: points.blood_pool,
            radius_mm: 8.0,
        },
    ]
}

/// A VOI's text that is not `NAME=X,Y,Z[,R]`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("VOI `{0}`: expected NAME=X,Y,Z or NAME=X,Y,Z,R (LPS mm)")]
pub struct VoiParseError(String);

impl FromStr for Voi {
    type Err = VoiParseError;

    fn from_str(text: &str) -> Result<Self, VoiParseError> {
        let bad = || VoiParseError(text.to_string());
        let (name, coords) = text.split_once('=').ok_or_else(bad)?;
        let v: Vec<f32> = coords
            .split(',')
            .map(|c| c.trim().parse::<f32>())
            .collect::<Result<_, _>>()
            .map_err(|_| bad())?;
        if !(v.len() == 3 || v.len() == 4) || name.trim().is_empty() {
            return Err(bad());
        }
        Ok(Voi {
            name: name.trim().to_string(),
            centre_mm: [v[0], v[1], v[2]],
            radius_mm: v.get(3).copied().unwrap_or(15.0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn volume() -> ExamVolume {
        crate::store::hot_spot_volume()
    }

    #[test]
    fn reference_vois_come_from_the_region_map() {
        let json = r#"{"format": "uptake-synth-regions/1", "exam_id": "E1", "coordinates": "LPS mm",
            "task_regions": [], "lesions": [],
            "reference_points_mm": {"liver": [-75.0, 5.0, -580.0], "blood_pool": [10, 30, -400]}}"#;
        let map: RegionMap = serde_json::from_str(json).unwrap();
        let vois = reference_vois(&map);
        assert_eq!(
            vois[0],
            Voi {
                name: "liver".into(),
                centre_mm: [-75.0, 5.0, -580.0],
                radius_mm: 15.0
            }
        );
        assert_eq!(vois[1].centre_mm, [10.0, 30.0, -400.0]);
        assert_eq!(vois[1].radius_mm, 8.0);
    }

    #[test]
    fn a_voi_parses_with_and_without_radius() {
        let liver: Voi = "liver=-75,5,-580".parse().unwrap();
        assert_eq!(liver.radius_mm, 15.0);
        assert_eq!(liver.centre_mm, [-75.0, 5.0, -580.0]);
        let bp: Voi = "bp=1,2,3,8".parse().unwrap();
        assert_eq!((bp.name.as_str(), bp.radius_mm), ("bp", 8.0));
        for bad in ["liver=1,2", "liver", "=1,2,3", "liver=1,2,x"] {
            assert!(bad.parse::<Voi>().is_err(), "{bad}");
        }
    }

    #[test]
    fn suv_max_is_found_with_its_position() {
        let s = suv_summary(&volume(), &[]);
        assert_eq!(s.suv_max, 12.0);
        assert_eq!(s.suv_max_at_mm, [8.0, 6.0, -8.0]);
    }

    #[test]
    fn a_voi_averages_the_voxels_inside_its_sphere() {
        let voi = Voi {
            name: "liver".into(),
            centre_mm: [8.0, 6.0, -8.0],
            radius_mm: 2.1,
        };
        let s = suv_summary(&volume(), &[voi]);
        // The centre (12) and its 4 in-plane neighbours at 2 mm (1 each); z neighbours are 4 mm away.
        assert_eq!(s.vois[0].voxels, 5);
        assert!((s.vois[0].mean_suv - 16.0 / 5.0).abs() < 1e-6);
    }
}
