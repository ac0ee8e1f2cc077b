//! The region map of an exam (`regions.json`, [`uptake_core::RegionMap`]): the box of every
//! task region, every lesion, and reference points, in patient coordinates. The generator's
//! own detail goes into the map's `detail` fields: the structures (with their shapes), each
//! lesion's site, structure, how it was placed and how the report describes it, the
//! look-alikes, the physiology and the acquisition.

use super::plan::PlannedExam;
use crate::anatomy::Structure;
use crate::phantom::Phantom;
use crate::spec::Side;
use crate::taxonomy::{TASK_REGIONS, is_ancestor_or_self};
use serde::Serialize;
use serde_json::{Map, Value};
use uptake_core::RegionMap;
use uptake_core::region_map::{BoxMm, FORMAT, Lesion, ReferencePoints, TaskRegionBox};

/// The coordinate system, as the file states it.
const COORDINATES: &str =
    "DICOM patient coordinates (LPS), mm: +x patient left, +y posterior, +z head";

/// One site structure in the map's `structures` detail.
#[derive(Serialize)]
struct StructureEntry<'a> {
    name: &'a str,
    task_region: &'a str,
    also_region: Option<&'a str>,
    side: Side,
    bbox_mm: BoxMm,
    shape: &'a crate::geometry::Shape,
}

/// A value for a `detail` map. Through JSON text, so that `f32` values keep their shortest
/// decimal form ("1.1", not "1.100000023841858").
fn detail<T: Serialize + ?Sized>(value: &T) -> Result<Value, serde_json::Error> {
    serde_json::from_str(&serde_json::to_string(value)?)
}

/// The region map of a rendered exam.
pub(super) fn region_map(
    exam: &PlannedExam,
    phantom: &Phantom,
) -> Result<RegionMap, serde_json::Error> {
    let structures = &phantom.anatomy.structures;
    let entries: Vec<StructureEntry> = structures
        .iter()
        .filter(|s| s.site)
        .map(|s| {
            let (min, max) = s.shape.bbox();
            StructureEntry {
                name: &s.name,
                task_region: s.task_region,
                also_region: s.also_region,
                side: s.side,
                bbox_mm: BoxMm { min, max },
                shape: &s.shape,
            }
        })
        .collect();
    let mut extra = Map::new();
    extra.insert("structures".into(), detail(&entries)?);
    extra.insert("lookalikes".into(), detail(&phantom.lookalikes)?);
    extra.insert("physiology".into(), detail(&phantom.physiology)?);
    extra.insert("acquisition".into(), detail(&exam.acquisition)?);
    Ok(RegionMap {
        format: FORMAT.into(),
        exam_id: exam.spec.exam_id.to_string(),
        coordinates: COORDINATES.into(),
        task_regions: task_region_boxes(structures),
        lesions: lesions(exam, phantom)?,
        reference_points_mm: reference_points(phantom),
        detail: extra,
    })
}

/// The box of every task region that has structures: all structures for `full`, else the
/// sites at or below the region.
fn task_region_boxes(structures: &[Structure]) -> Vec<TaskRegionBox> {
    let mut out = Vec::new();
    for region in TASK_REGIONS.iter().map(|t| t.name) {
        let mut lo = [f32::INFINITY; 3];
        let mut hi = [f32::NEG_INFINITY; 3];
        let mut names: Vec<String> = Vec::new();
        for s in structures {
            let inside = region == "full"
                || (s.site
                    && (is_ancestor_or_self(region, s.task_region)
                        || s.also_region
                            .is_some_and(|r| is_ancestor_or_self(region, r))));
            if !inside {
                continue;
            }
            let (a, b) = s.shape.bbox();
            for k in 0..3 {
                lo[k] = lo[k].min(a[k]);
                hi[k] = hi[k].max(b[k]);
            }
            if s.site && !names.contains(&s.name) {
                names.push(s.name.clone());
            }
        }
        if lo[0].is_finite() {
            out.push(TaskRegionBox {
                region: region.to_string(),
                bbox_mm: BoxMm { min: lo, max: hi },
                structures: names,
            });
        }
    }
    out
}

/// Every lesion where it was placed, with the generator's detail.
fn lesions(exam: &PlannedExam, phantom: &Phantom) -> Result<Vec<Lesion>, serde_json::Error> {
    phantom
        .lesions
        .iter()
        .zip(&exam.spec.lesions)
        .map(|(p, l)| {
            let mut more = Map::new();
            more.insert("site".into(), Value::from(p.site.clone()));
            more.insert("structure".into(), Value::from(p.structure.clone()));
            more.insert("resolution".into(), detail(&p.resolution)?);
            more.insert("reported_as".into(), detail(&l.reported_as)?);
            Ok(Lesion {
                region: p.region.clone(),
                center_mm: p.hotspot.center_mm,
                radii_mm: p.hotspot.radii_mm,
                suv_max: Some(p.hotspot.suv_peak),
                detail: more,
            })
        })
        .collect()
}

/// The right liver lobe (the first liver part is the right one; 20 mm right of its centre)
/// and the descending aorta.
fn reference_points(phantom: &Phantom) -> ReferencePoints {
    let centre = |name: &str| -> [f32; 3] {
        let i = phantom.anatomy.named(name).first().copied().unwrap_or(0);
        phantom.anatomy.structures[i].shape.centre()
    };
    let liver = centre("liver");
    ReferencePoints {
        liver: [liver[0] - 20.0, liver[1], liver[2]],
        blood_pool: centre("aorta"),
    }
}
