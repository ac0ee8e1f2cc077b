//! Where a lesion goes: a structure of its site (larger structures more often), and a point
//! inside it with room for the lesion where the structure allows.

use super::hotspot::HotSpot;
use crate::anatomy::{Anatomy, Tissue};
use crate::geometry::{Point3, Shape};
use crate::sites::{Resolution, resolve};
use crate::spec::Lesion;
use rand::Rng;
use serde::Serialize;
use uptake_core::ExamId;

/// Where one lesion of the spec went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlacedLesion {
    /// The spec's site.
    pub site: String,
    /// The spec's task region.
    pub region: String,
    /// The phantom structure that holds its centre.
    pub structure: String,
    /// How the site was found in the anatomy.
    pub(crate) resolution: Resolution,
    /// The lesion's uptake and CT number.
    pub hotspot: HotSpot,
}

/// A phantom that cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum PhantomError {
    /// A lesion's site has no anatomy in its region.
    #[error("exam {exam}: no anatomy for lesion site '{site}' in region '{region}'")]
    NoSite {
        /// The exam.
        exam: String,
        /// The lesion's site.
        site: String,
        /// The lesion's task region.
        region: String,
    },
}

/// Places `lesion` of exam `exam` in the anatomy, its size multiplied by `lesion_scale`.
pub(super) fn place_lesion(
    anatomy: &Anatomy,
    lesion: &Lesion,
    exam: &ExamId,
    lesion_scale: f32,
    rng: &mut impl Rng,
) -> Result<PlacedLesion, PhantomError> {
    let (candidates, resolution) = resolve(anatomy, &lesion.site, &lesion.region, lesion.side);
    if candidates.is_empty() {
        return Err(PhantomError::NoSite {
            exam: exam.to_string(),
            site: lesion.site.clone(),
            region: lesion.region.clone(),
        });
    }
    let idx = pick_by_volume(anatomy, &candidates, rng);
    let structure = &anatomy.structures[idx];
    let radius = (lesion.size_mm * lesion_scale / 2.0).max(1.0);
    let center = sample_inside(&structure.shape, radius, rng);
    let radii = [
        radius,
        radius * rng.random_range(0.8..1.2),
        radius * rng.random_range(0.8..1.3),
    ];
    let hu = match structure.tissue {
        Some(Tissue::Bone | Tissue::Marrow) => {
            if rng.random_bool(0.5) {
                450.0
            } else {
                60.0
            }
        }
        Some(Tissue::Liver) => 35.0,
        _ => 40.0,
    };
    Ok(PlacedLesion {
        site: lesion.site.clone(),
        region: lesion.region.clone(),
        structure: structure.name.clone(),
        resolution,
        hotspot: HotSpot {
            center_mm: center,
            radii_mm: radii,
            suv_peak: lesion.suv_max,
            hu: Some(hu),
        },
    })
}

/// Chooses one of several structures with probability proportional to its bounding volume.
fn pick_by_volume(anatomy: &Anatomy, candidates: &[usize], rng: &mut impl Rng) -> usize {
    let vol = |i: usize| {
        let (lo, hi) = anatomy.structures[i].shape.bbox();
        (0..3).map(|a| (hi[a] - lo[a]).max(1.0)).product::<f32>()
    };
    let total: f32 = candidates.iter().map(|&i| vol(i)).sum();
    let mut t = rng.random_range(0.0..total);
    for &i in candidates {
        t -= vol(i);
        if t <= 0.0 {
            return i;
        }
    }
    candidates[candidates.len() - 1]
}

/// A point inside `shape`, preferably with room for a ball of `radius` (shrinking the margin
/// for small structures such as node stations, where a big lesion grows past the station).
pub(super) fn sample_inside(shape: &Shape, radius: f32, rng: &mut impl Rng) -> Point3 {
    let (lo, hi) = shape.bbox();
    let half_min = (0..3)
        .map(|a| (hi[a] - lo[a]) / 2.0)
        .fold(f32::INFINITY, f32::min);
    let mut margin = radius.min(half_min * 0.6);
    loop {
        for _ in 0..200 {
            let p = [
                rng.random_range(lo[0]..=hi[0]),
                rng.random_range(lo[1]..=hi[1]),
                rng.random_range(lo[2]..=hi[2]),
            ];
            if shape.contains_ball(p, margin) {
                return p;
            }
        }
        if margin <= 0.0 {
            // Degenerate shape: its bounding-box centre is the best we have.
            return [
                (lo[0] + hi[0]) / 2.0,
                (lo[1] + hi[1]) / 2.0,
                (lo[2] + hi[2]) / 2.0,
            ];
        }
        margin = if margin < 1.0 { 0.0 } else { margin / 2.0 };
    }
}

/// Whether `side` agrees with where a point lies (+x is the patient's left).
#[cfg(test)]
pub(super) fn side_matches(side: crate::spec::Side, p: Point3) -> bool {
    use crate::spec::Side;
    match side {
        Side::Left => p[0] > 0.0,
        Side::Right => p[0] < 0.0,
        Side::Midline => true,
    }
}
