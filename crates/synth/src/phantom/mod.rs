//! One exam's phantom: anatomy, physiologic uptake, lesions and look-alikes; `render` turns it
//! into CT (HU) and PET (SUV) slices on any axial grid.

mod grid;
mod hotspot;
mod lookalikes;
mod placement;
mod render;

pub use grid::SliceGrid;
pub use hotspot::HotSpot;
pub(crate) use lookalikes::PlacedLookalike;
pub use placement::{PhantomError, PlacedLesion};

use crate::anatomy::{Anatomy, BodySize, Physiology};
use crate::spec::ExamSpec;
use lookalikes::lookalike_spots;
use placement::place_lesion;
use rand::Rng;

/// The phantom of one exam.
#[derive(Debug, Clone, PartialEq)]
pub struct Phantom {
    /// The patient's anatomy.
    pub(crate) anatomy: Anatomy,
    /// Physiologic uptake.
    pub(crate) physiology: Physiology,
    /// Every lesion of the spec, where it was placed.
    pub lesions: Vec<PlacedLesion>,
    /// Every look-alike of the spec.
    pub(crate) lookalikes: Vec<PlacedLookalike>,
}

impl Phantom {
    /// The phantom of an exam spec, with every lesion's size multiplied by `lesion_scale` (1:
    /// as sampled).
    pub(crate) fn build_scaled(
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
        let lesions = spec
            .lesions
            .iter()
            .map(|l| place_lesion(&anatomy, l, &spec.exam_id, lesion_scale, rng))
            .collect::<Result<Vec<_>, _>>()?;
        let lookalikes = spec
            .lookalikes
            .iter()
            .map(|&kind| PlacedLookalike {
                kind,
                hotspots: lookalike_spots(&anatomy, kind, rng),
            })
            .collect();
        Ok(Phantom {
            anatomy,
            physiology,
            lesions,
            lookalikes,
        })
    }

    /// The hot spots of lesions, then look-alikes.
    fn hotspots(&self) -> impl Iterator<Item = &HotSpot> {
        self.lesions
            .iter()
            .map(|l| &l.hotspot)
            .chain(self.lookalikes.iter().flat_map(|l| l.hotspots.iter()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::SITES;
    use crate::findings::sample_exam;
    use crate::patient::sample_patient;
    use crate::sites::{Resolution, resolve};
    use crate::spec::{Sex, Side};
    use crate::taxonomy::is_ancestor_or_self;
    use placement::side_matches;
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
            let phantom = Phantom::build_scaled(&spec, 1.0, &mut rng).unwrap();
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
        let one = Phantom::build_scaled(&spec, 1.0, &mut ChaCha8Rng::seed_from_u64(9)).unwrap();
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
}
