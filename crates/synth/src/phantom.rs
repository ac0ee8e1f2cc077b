//! One exam's phantom: anatomy, physiologic uptake, lesions and look-alikes, and the renderer
//! that turns it into CT (HU) and PET (SUV) slices on any axial grid.

use crate::anatomy::{Anatomy, BodySize, Physiology, Tissue};
use crate::geometry::Point3;
use crate::sites::{Resolution, resolve};
use crate::spec::{ExamSpec, Lookalike, Side};
use rand::Rng;
use serde::Serialize;

/// A smooth hot spot: SUV(p) = peak * exp(-k^2 r^2 / 2) with r the distance normalised by the
/// radii; at r = 1 (the lesion's edge) the uptake is e^(-1.125) ~ 32 % of the peak.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotSpot {
    pub center_mm: Point3,
    pub radii_mm: Point3,
    pub suv_peak: f32,
    /// CT number inside r <= 1, when the hot spot is a visible mass (lesions); `None` for
    /// look-alikes that do not change the CT (brown fat, bowel).
    pub hu: Option<f32>,
}

const FALLOFF_K: f32 = 1.5;
/// Beyond this normalised radius a hot spot adds nothing (exp(-0.5 * (1.5*2.5)^2) < 0.1 %).
const HOTSPOT_REACH: f32 = 2.5;

impl HotSpot {
    pub fn suv_at(&self, p: Point3) -> f32 {
        let r2 = self.norm2(p);
        if r2 > HOTSPOT_REACH * HOTSPOT_REACH {
            return 0.0;
        }
        self.suv_peak * (-0.5 * FALLOFF_K * FALLOFF_K * r2).exp()
    }

    fn norm2(&self, p: Point3) -> f32 {
        (0..3)
            .map(|a| ((p[a] - self.center_mm[a]) / self.radii_mm[a]).powi(2))
            .sum()
    }
}

/// Where one lesion of the spec went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlacedLesion {
    pub site: String,
    pub region: String,
    /// The phantom structure that holds its centre.
    pub structure: String,
    pub resolution: Resolution,
    pub hotspot: HotSpot,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlacedLookalike {
    pub kind: Lookalike,
    pub hotspots: Vec<HotSpot>,
}

#[derive(Debug, thiserror::Error)]
pub enum PhantomError {
    #[error("exam {exam}: no anatomy for lesion site '{site}' in region '{region}'")]
    NoSite {
        exam: String,
        site: String,
        region: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Phantom {
    pub anatomy: Anatomy,
    pub physiology: Physiology,
    pub lesions: Vec<PlacedLesion>,
    pub lookalikes: Vec<PlacedLookalike>,
}

/// An axial pixel grid: pixel (row, col) centre at (x0 + col*dx, y0 + row*dy).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SliceGrid {
    pub rows: usize,
    pub cols: usize,
    /// [dx (between columns), dy (between rows)].
    pub spacing_mm: [f32; 2],
    /// Centre of the first pixel.
    pub origin_mm: [f32; 2],
}

impl Phantom {
    pub fn build(spec: &ExamSpec, rng: &mut impl Rng) -> Result<Self, PhantomError> {
        Self::build_scaled(spec, 1.0, rng)
    }

    /// As [`Phantom::build`], with every lesion's size multiplied by `lesion_scale`.
    pub fn build_scaled(
        spec: &ExamSpec,
        lesion_scale: f32,
        rng: &mut impl Rng,
    ) -> Result<Self, PhantomError> {
        let anatomy = Anatomy::build(BodySize {
            height_cm: spec.patient.height_cm,
            weight_kg: spec.patient.weight_kg,
            sex: spec.patient.sex,
        });
        let physiology = Physiology::sample(rng);
        let mut lesions = Vec::with_capacity(spec.lesions.len());
        for lesion in &spec.lesions {
            let (candidates, resolution) =
                resolve(&anatomy, &lesion.site, &lesion.region, lesion.side);
            if candidates.is_empty() {
                return Err(PhantomError::NoSite {
                    exam: spec.exam_id.to_string(),
                    site: lesion.site.clone(),
                    region: lesion.region.clone(),
                });
            }
            let idx = pick_by_volume(&anatomy, &candidates, rng);
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
            lesions.push(PlacedLesion {
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
            });
        }
        let mut lookalikes = Vec::new();
        for &kind in &spec.lookalikes {
            lookalikes.push(PlacedLookalike {
                kind,
                hotspots: lookalike_spots(&anatomy, kind, rng),
            });
        }
        Ok(Phantom {
            anatomy,
            physiology,
            lesions,
            lookalikes,
        })
    }

    fn hotspots(&self) -> impl Iterator<Item = &HotSpot> {
        self.lesions
            .iter()
            .map(|l| &l.hotspot)
            .chain(self.lookalikes.iter().flat_map(|l| l.hotspots.iter()))
    }

    /// Renders one axial slice at height `z_mm`: (HU, SUV) per pixel, row-major, noise-free.
    /// Tissue is sampled `supersample`^2 times per pixel (partial volume, for coarse PET pixels);
    /// hot spots are evaluated at pixel centres.
    pub fn render_slice(
        &self,
        z_mm: f32,
        grid: &SliceGrid,
        supersample: usize,
    ) -> (Vec<f32>, Vec<f32>) {
        let ss = supersample.max(1);
        let (sr, sc) = (grid.rows * ss, grid.cols * ss);
        let sdx = grid.spacing_mm[0] / ss as f32;
        let sdy = grid.spacing_mm[1] / ss as f32;
        // First sub-sample centre.
        let sx0 = grid.origin_mm[0] - grid.spacing_mm[0] / 2.0 + sdx / 2.0;
        let sy0 = grid.origin_mm[1] - grid.spacing_mm[1] / 2.0 + sdy / 2.0;
        // 0 = air; structure i is i + 1.
        let mut labels = vec![0u16; sr * sc];
        for (i, s) in self.anatomy.structures.iter().enumerate() {
            if s.tissue.is_none() {
                continue;
            }
            let Some(sec) = s.shape.section(z_mm) else {
                continue;
            };
            let [bx0, by0, bx1, by1] = sec.bounds();
            let c0 = (((bx0 - sx0) / sdx).ceil().max(0.0)) as usize;
            let c1 = (((bx1 - sx0) / sdx).floor().min(sc as f32 - 1.0)).max(-1.0);
            let r0 = (((by0 - sy0) / sdy).ceil().max(0.0)) as usize;
            let r1 = (((by1 - sy0) / sdy).floor().min(sr as f32 - 1.0)).max(-1.0);
            if c1 < 0.0 || r1 < 0.0 {
                continue;
            }
            let (c1, r1) = (c1 as usize, r1 as usize);
            for r in r0..=r1 {
                let y = sy0 + r as f32 * sdy;
                let row = &mut labels[r * sc..(r + 1) * sc];
                for (c, label) in row.iter_mut().enumerate().take(c1 + 1).skip(c0) {
                    if sec.contains(sx0 + c as f32 * sdx, y) {
                        *label = (i + 1) as u16;
                    }
                }
            }
        }
        let n = grid.rows * grid.cols;
        let mut hu = vec![0.0f32; n];
        let mut suv = vec![0.0f32; n];
        let norm = 1.0 / (ss * ss) as f32;
        let tissue_of = |label: u16| -> (f32, f32) {
            if label == 0 {
                return (-1000.0, 0.0);
            }
            let t = self.anatomy.structures[label as usize - 1]
                .tissue
                .unwrap_or(Tissue::Fat);
            (t.hu(), self.physiology.suv(t))
        };
        for r in 0..grid.rows {
            for c in 0..grid.cols {
                let (mut h, mut u) = (0.0, 0.0);
                for dr in 0..ss {
                    for dc in 0..ss {
                        let (th, tu) = tissue_of(labels[(r * ss + dr) * sc + c * ss + dc]);
                        h += th;
                        u += tu;
                    }
                }
                hu[r * grid.cols + c] = h * norm;
                suv[r * grid.cols + c] = u * norm;
            }
        }
        for spot in self.hotspots() {
            let reach = spot.radii_mm.map(|v| v * HOTSPOT_REACH);
            if (z_mm - spot.center_mm[2]).abs() > reach[2] {
                continue;
            }
            let c0 = ((spot.center_mm[0] - reach[0] - grid.origin_mm[0]) / grid.spacing_mm[0])
                .floor()
                .max(0.0) as usize;
            let c1 =
                ((spot.center_mm[0] + reach[0] - grid.origin_mm[0]) / grid.spacing_mm[0]).ceil();
            let r0 = ((spot.center_mm[1] - reach[1] - grid.origin_mm[1]) / grid.spacing_mm[1])
                .floor()
                .max(0.0) as usize;
            let r1 =
                ((spot.center_mm[1] + reach[1] - grid.origin_mm[1]) / grid.spacing_mm[1]).ceil();
            if c1 < 0.0 || r1 < 0.0 {
                continue;
            }
            let c1 = (c1 as usize).min(grid.cols - 1);
            let r1 = (r1 as usize).min(grid.rows - 1);
            for r in r0..=r1 {
                for c in c0..=c1 {
                    let p = [
                        grid.origin_mm[0] + c as f32 * grid.spacing_mm[0],
                        grid.origin_mm[1] + r as f32 * grid.spacing_mm[1],
                        z_mm,
                    ];
                    let k = r * grid.cols + c;
                    let v = spot.suv_at(p);
                    if v > suv[k] {
                        suv[k] = v;
                    }
                    if let Some(lesion_hu) = spot.hu
                        && spot.norm2(p) <= 1.0
                        && hu[k] > -1000.0 + 1.0
                    {
                        hu[k] = lesion_hu;
                    }
                }
            }
        }
        (hu, suv)
    }
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
fn sample_inside(shape: &crate::geometry::Shape, radius: f32, rng: &mut impl Rng) -> Point3 {
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

fn lookalike_spots(anatomy: &Anatomy, kind: Lookalike, rng: &mut impl Rng) -> Vec<HotSpot> {
    let centre_of = |name: &str, side: Side| -> Option<(Point3, Point3)> {
        let named = anatomy.named(name);
        let i = *named
            .iter()
            .find(|&&i| side == Side::Midline || anatomy.structures[i].side == side)
            .or(named.first())?;
        let (lo, hi) = anatomy.structures[i].shape.bbox();
        Some((
            [
                (lo[0] + hi[0]) / 2.0,
                (lo[1] + hi[1]) / 2.0,
                (lo[2] + hi[2]) / 2.0,
            ],
            [
                (hi[0] - lo[0]) / 2.0,
                (hi[1] - lo[1]) / 2.0,
                (hi[2] - lo[2]) / 2.0,
            ],
        ))
    };
    let mut out = Vec::new();
    match kind {
        Lookalike::BrownFat => {
            // Symmetric supraclavicular and lower-neck fat, often with paravertebral foci.
            let suv = rng.random_range(3.0..9.0);
            for name in [
                "left_supraclavicular_lymph_node",
                "right_supraclavicular_lymph_node",
            ] {
                if let Some((c, _)) = centre_of(name, Side::Midline) {
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
        }
        Lookalike::InflamedJoint => {
            let side = if rng.random_bool(0.5) {
                Side::Left
            } else {
                Side::Right
            };
            if let Some((c, r)) = centre_of("humerus", side) {
                // Synovitis rims the joint medially, between humeral head and glenoid.
                let medial = -c[0].signum();
                out.push(HotSpot {
                    center_mm: [c[0] + medial * r[0] * 0.9, c[1], c[2]],
                    radii_mm: [10.0, 18.0, 20.0],
                    suv_peak: rng.random_range(2.5..5.5),
                    hu: None,
                });
            }
        }
        Lookalike::PhysiologicBowel => {
            let colon = anatomy.named("colon");
            let n = rng.random_range(2..5);
            for _ in 0..n {
                let i = colon[rng.random_range(0..colon.len())];
                let p = sample_inside(&anatomy.structures[i].shape, 5.0, rng);
                out.push(HotSpot {
                    center_mm: p,
                    radii_mm: [12.0, 12.0, rng.random_range(15.0..30.0)],
                    suv_peak: rng.random_range(2.5..7.0),
                    hu: None,
                });
            }
        }
        Lookalike::ReactiveNode => {
            let station = [
                "cervical_level_2",
                "cervical_level_3",
                "left_inguinal_lymph_node",
                "right_axillary_lymph_node",
            ][rng.random_range(0..4)];
            let idx = anatomy.named(station);
            if let Some(&i) = idx.first() {
                let p = sample_inside(&anatomy.structures[i].shape, 4.0, rng);
                let r = rng.random_range(5.0..8.0);
                out.push(HotSpot {
                    center_mm: p,
                    radii_mm: [r, r, r],
                    suv_peak: rng.random_range(2.0..4.0),
                    hu: Some(40.0),
                });
            }
        }
    }
    out
}

/// Whether `side` agrees with where a point lies (+x is the patient's left).
pub fn side_matches(side: Side, p: Point3) -> bool {
    match side {
        Side::Left => p[0] > 0.0,
        Side::Right => p[0] < 0.0,
        Side::Midline => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::SITES;
    use crate::findings::sample_exam;
    use crate::patient::sample_patient;
    use crate::sites::resolve;
    use crate::spec::Sex;
    use crate::taxonomy::is_ancestor_or_self;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use uptake_core::ExamId;

    fn exam(i: usize, rng: &mut ChaCha8Rng) -> ExamSpec {
        let patient = sample_patient(&format!("P{i}"), rng);
        sample_exam(ExamId::new(format!("E{i}")).unwrap(), &patient, rng)
    }

    #[test]
    fn every_site_the_report_generator_emits_has_anatomy_in_its_region() {
        let mut by_region_only = Vec::new();
        for sex in [Sex::Female, Sex::Male] {
            let anatomy = Anatomy::build(BodySize {
                height_cm: 170.0,
                weight_kg: 70.0,
                sex,
            });
            for def in SITES.iter().filter(|d| d.sex.is_none_or(|s| s == sex)) {
                for side in [Side::Left, Side::Right, Side::Midline] {
                    let site = match side {
                        Side::Left => def.site.replace("{side}", "left"),
                        Side::Right => def.site.replace("{side}", "right"),
                        Side::Midline => def.site.replace("{side}_", ""),
                    };
                    let (found, how) = resolve(&anatomy, &site, def.region, side);
                    assert!(!found.is_empty(), "{site} ({})", def.region);
                    for i in found {
                        let s = &anatomy.structures[i];
                        let inside = is_ancestor_or_self(def.region, s.task_region)
                            || s.also_region
                                .is_some_and(|r| is_ancestor_or_self(def.region, r));
                        assert!(inside, "{site} -> {} outside {}", s.name, def.region);
                    }
                    if how == Resolution::Region && !by_region_only.contains(&site) {
                        by_region_only.push(site);
                    }
                }
            }
        }
        by_region_only.sort();
        // Only sites that name a whole region (no finer anatomy in the phantom) fall back.
        assert_eq!(
            by_region_only,
            [
                "cervical_lymph_node",
                "left_cervical_lymph_node",
                "peritoneum",
                "right_cervical_lymph_node"
            ]
        );
    }

    #[test]
    fn sampled_lesions_are_centred_inside_their_site() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut placed = 0;
        for i in 0..60 {
            let spec = exam(i, &mut rng);
            let phantom = Phantom::build(&spec, &mut rng).unwrap();
            for (lesion, spec_lesion) in phantom.lesions.iter().zip(&spec.lesions) {
                let c = lesion.hotspot.center_mm;
                let holder = phantom
                    .anatomy
                    .named(&lesion.structure)
                    .into_iter()
                    .find(|&k| phantom.anatomy.structures[k].shape.contains(c));
                let k = holder.unwrap_or_else(|| {
                    panic!("{} not inside {}", spec_lesion.site, lesion.structure)
                });
                let s = &phantom.anatomy.structures[k];
                assert!(
                    is_ancestor_or_self(&spec_lesion.region, s.task_region)
                        || s.also_region
                            .is_some_and(|r| is_ancestor_or_self(&spec_lesion.region, r)),
                    "{} in {}",
                    spec_lesion.region,
                    s.name
                );
                if spec_lesion.side != Side::Midline && s.side != Side::Midline {
                    assert!(
                        side_matches(spec_lesion.side, c),
                        "{} on the wrong side",
                        spec_lesion.site
                    );
                }
                placed += 1;
            }
        }
        assert!(placed > 60, "only {placed} lesions");
    }

    #[test]
    fn lesion_scale_multiplies_the_drawn_lesion_sizes_but_not_the_spec() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let spec = (0..50)
            .map(|i| exam(i, &mut rng))
            .find(|s| s.lesions.iter().any(|l| l.size_mm >= 4.0))
            .unwrap();
        let sizes: Vec<f32> = spec.lesions.iter().map(|l| l.size_mm).collect();
        let one = Phantom::build(&spec, &mut ChaCha8Rng::seed_from_u64(9)).unwrap();
        let two = Phantom::build_scaled(&spec, 2.0, &mut ChaCha8Rng::seed_from_u64(9)).unwrap();
        for ((a, b), size) in one.lesions.iter().zip(&two.lesions).zip(&sizes) {
            if *size >= 4.0 {
                assert!((b.hotspot.radii_mm[0] - 2.0 * a.hotspot.radii_mm[0]).abs() < 1e-4);
                assert!((a.hotspot.radii_mm[0] - size / 2.0).abs() < 1e-4);
            }
        }
        let after: Vec<f32> = spec.lesions.iter().map(|l| l.size_mm).collect();
        assert_eq!(sizes, after);
    }

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
