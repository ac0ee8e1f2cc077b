//! Does a region's attention fall where the lesions are? For a cohort with image truth (the
//! synthetic cohort's region map per exam, [`uptake_core::RegionMap`]), [`localise`] measures,
//! on every exam where a task region truly holds a lesion, the share of that region's attention
//! inside (a) the region's bounding box and (b) a margin around its lesions, and the share of
//! the exam's voxels there (what uniform attention would give). A lesion counts for a task when
//! it lies in the task's region or in a region below it in the ontology.

use std::collections::BTreeMap;
use std::path::Path;

use burn::tensor::backend::Backend;
use serde::Serialize;
use uptake_core::region_map::Lesion;
use uptake_core::{ExamId, Manifest, Progress, RegionMap};
use uptake_ontology::Ontology;

use crate::config::ModelConfig;
use crate::data::{ModelVolume, VolumeSource, prepare};
use crate::error::{Result, ScanModelError};
use crate::maps::{features_to_exam, mass_inside};
use crate::model::ScanModel;
use crate::predict::{load_run, predict_prepared};

/// How [`localise`] measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocaliseSettings {
    /// Margin around each lesion's ellipsoid: the feature grid is coarse (1/32 in-plane), so
    /// "on the lesion" means near it. Default 30 mm.
    pub lesion_margin_mm: f32,
}

impl Default for LocaliseSettings {
    fn default() -> Self {
        Self {
            lesion_margin_mm: 30.0,
        }
    }
}

/// The exams to measure and where their volumes and region maps are.
#[derive(Clone, Copy)]
pub struct LocaliseInputs<'a> {
    /// The volumes.
    pub source: &'a dyn VolumeSource,
    /// The cohort manifest: each exam's `regions_path`.
    pub manifest: &'a Manifest,
    /// The exams (use held-out ones).
    pub exams: &'a [ExamId],
}

/// Mean attention shares of one task region over the exams where it holds a lesion.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct RegionLocalisation {
    /// The task region.
    pub region: String,
    /// Exams where the region holds a lesion.
    pub positive_exams: usize,
    /// Share of the region's attention inside its bounding box.
    pub attention_in_box: f64,
    /// Share of the exam's voxels inside the box.
    pub box_share: f64,
    /// Share of the region's attention near its lesions.
    pub attention_near_lesions: f64,
    /// Share of the exam's voxels near the lesions.
    pub near_lesions_share: f64,
}

impl RegionLocalisation {
    /// Attention in the box over the box's share of voxels (1 = no better than uniform; 0 when
    /// the box holds no voxel).
    pub fn box_ratio(&self) -> f64 {
        ratio(self.attention_in_box, self.box_share)
    }

    /// Attention near the lesions over their share of voxels (as [`Self::box_ratio`]).
    pub fn lesion_ratio(&self) -> f64 {
        ratio(self.attention_near_lesions, self.near_lesions_share)
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

/// The unweighted mean of the four shares over regions, the whole body (`full`) left out.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionalMean {
    /// Regions averaged.
    pub regions: usize,
    /// Mean of [`RegionLocalisation::attention_in_box`].
    pub attention_in_box: f64,
    /// Mean of [`RegionLocalisation::box_share`].
    pub box_share: f64,
    /// Mean of [`RegionLocalisation::attention_near_lesions`].
    pub attention_near_lesions: f64,
    /// Mean of [`RegionLocalisation::near_lesions_share`].
    pub near_lesions_share: f64,
}

impl RegionalMean {
    /// The mean over `rows` without `full`; `None` when no other region is there.
    pub fn of(rows: &[RegionLocalisation]) -> Option<Self> {
        let regional: Vec<&RegionLocalisation> =
            rows.iter().filter(|r| r.region != "full").collect();
        if regional.is_empty() {
            return None;
        }
        let k = regional.len() as f64;
        let mean =
            |f: fn(&RegionLocalisation) -> f64| regional.iter().map(|r| f(r)).sum::<f64>() / k;
        Some(Self {
            regions: regional.len(),
            attention_in_box: mean(|r| r.attention_in_box),
            box_share: mean(|r| r.box_share),
            attention_near_lesions: mean(|r| r.attention_near_lesions),
            near_lesions_share: mean(|r| r.near_lesions_share),
        })
    }
}

/// Measures the attention of the trained model in `run` on `inputs`, one row per task region
/// with a lesion in at least one exam, in region name order. Whole-body tasks (summary code,
/// mortality) have no place and are left out. `progress` advances by one per exam.
pub fn localise<B: Backend>(
    run: &Path,
    inputs: &LocaliseInputs<'_>,
    ontology: &Ontology,
    settings: &LocaliseSettings,
    progress: &dyn Progress,
    device: &B::Device,
) -> Result<Vec<RegionLocalisation>> {
    let (config, model) = load_run::<B>(run, device)?;
    let network = Network {
        config: &config,
        model: &model,
        device,
    };
    let mut sums: BTreeMap<String, RegionLocalisation> = BTreeMap::new();
    progress.start("localisation", inputs.exams.len() as u64);
    for exam in inputs.exams {
        let truth = region_map(inputs.manifest, exam)?;
        let volume = inputs.source.load(exam)?;
        measure_exam(&network, &volume, &truth, ontology, settings, &mut sums)?;
        progress.advance(1);
    }
    progress.finish();
    Ok(sums
        .into_values()
        .map(|mut r| {
            let k = r.positive_exams.max(1) as f64;
            r.attention_in_box /= k;
            r.box_share /= k;
            r.attention_near_lesions /= k;
            r.near_lesions_share /= k;
            r
        })
        .collect())
}

/// A loaded model and where it runs.
struct Network<'a, B: Backend> {
    config: &'a ModelConfig,
    model: &'a ScanModel<B>,
    device: &'a B::Device,
}

/// The region map of `exam`, through the manifest's `regions_path`.
fn region_map(manifest: &Manifest, exam: &ExamId) -> Result<RegionMap> {
    let path = manifest
        .get(exam)
        .and_then(|e| e.regions_path.as_deref())
        .ok_or_else(|| {
            ScanModelError::file(
                manifest.path(),
                format!("exam {exam} is not in the manifest or has no regions_path"),
            )
        })?;
    RegionMap::read(path).map_err(|source| ScanModelError::RegionMap {
        exam: exam.to_string(),
        source,
    })
}

/// Patient coordinates (x, y, z) of each voxel of the exam grid (store convention: z
/// decreases with the slice index, rows run posterior, columns run left).
fn voxel_positions(volume: &ModelVolume) -> Vec<[f32; 3]> {
    let [d, h, w] = volume.shape;
    (0..d * h * w)
        .map(|i| {
            let (k, r, c) = (i / (h * w), (i / w) % h, i % w);
            [
                volume.origin_mm[2] + c as f32 * volume.spacing_mm[2],
                volume.origin_mm[1] + r as f32 * volume.spacing_mm[1],
                volume.origin_mm[0] - k as f32 * volume.spacing_mm[0],
            ]
        })
        .collect()
}

/// Adds one exam's shares to the sums of every task region that holds a lesion in it.
fn measure_exam<B: Backend>(
    network: &Network<'_, B>,
    volume: &ModelVolume,
    truth: &RegionMap,
    ontology: &Ontology,
    settings: &LocaliseSettings,
    sums: &mut BTreeMap<String, RegionLocalisation>,
) -> Result<()> {
    let config = network.config;
    let prepared = prepare(volume, config, None)?;
    let pred = predict_prepared(network.model, &[&prepared], network.device).remove(0);
    let n = pred.grid.iter().product::<usize>();
    let positions = voxel_positions(volume);
    let voxels = positions.len() as f64;
    for (t, task) in config.regions.iter().enumerate() {
        let lesions = lesions_of(task, truth, ontology);
        if lesions.is_empty() {
            continue;
        }
        let attention = features_to_exam(
            &pred.attention[t * n..(t + 1) * n],
            pred.grid,
            config,
            volume.shape,
        );
        let near_mask: Vec<bool> = positions
            .iter()
            .map(|p| {
                lesions
                    .iter()
                    .any(|l| l.is_near(*p, settings.lesion_margin_mm))
            })
            .collect();
        let entry = sums
            .entry(task.clone())
            .or_insert_with(|| RegionLocalisation {
                region: task.clone(),
                ..Default::default()
            });
        entry.positive_exams += 1;
        entry.attention_near_lesions += mass_inside(&attention, |i| near_mask[i]);
        entry.near_lesions_share += near_mask.iter().filter(|m| **m).count() as f64 / voxels;
        if let Some(b) = truth.task_region(task) {
            let box_mask: Vec<bool> = positions.iter().map(|p| b.bbox_mm.contains(*p)).collect();
            entry.attention_in_box += mass_inside(&attention, |i| box_mask[i]);
            entry.box_share += box_mask.iter().filter(|m| **m).count() as f64 / voxels;
        }
    }
    Ok(())
}

/// The lesions of the map that lie in `task`'s region or below it; none for a task that is no
/// region of the ontology.
fn lesions_of<'a>(task: &str, truth: &'a RegionMap, ontology: &Ontology) -> Vec<&'a Lesion> {
    let Some(task_id) = ontology.id(task) else {
        return Vec::new();
    };
    truth
        .lesions
        .iter()
        .filter(|l| {
            ontology
                .id(&l.region)
                .is_some_and(|id| ontology.is_ancestor_or_self(task_id, id))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(region: &str, in_box: f64, near: f64) -> RegionLocalisation {
        RegionLocalisation {
            region: region.into(),
            positive_exams: 3,
            attention_in_box: in_box,
            box_share: 0.10,
            attention_near_lesions: near,
            near_lesions_share: 0.01,
        }
    }

    #[test]
    fn ratios_compare_attention_with_the_uniform_share() {
        let r = row("lungs", 0.30, 0.02);
        assert!((r.box_ratio() - 3.0).abs() < 1e-12);
        assert!((r.lesion_ratio() - 2.0).abs() < 1e-12);
        let empty = RegionLocalisation::default();
        assert_eq!(empty.box_ratio(), 0.0);
    }

    #[test]
    fn the_regional_mean_leaves_the_whole_body_out() {
        let rows = [
            row("full", 0.9, 0.9),
            row("lungs", 0.3, 0.02),
            row("liver", 0.5, 0.04),
        ];
        let mean = RegionalMean::of(&rows).unwrap();
        assert_eq!(mean.regions, 2);
        assert!((mean.attention_in_box - 0.4).abs() < 1e-12);
        assert!((mean.attention_near_lesions - 0.03).abs() < 1e-12);
        assert_eq!(RegionalMean::of(&rows[..1]), None);
    }

    #[test]
    fn voxel_positions_follow_the_store_convention() {
        let volume = ModelVolume {
            exam_id: ExamId::new("E1").unwrap(),
            shape: [2, 2, 3],
            spacing_mm: [4.0, 2.0, 1.0],
            origin_mm: [100.0, -10.0, -20.0],
            ct: vec![0.0; 12],
            pet: vec![0.0; 12],
        };
        let p = voxel_positions(&volume);
        assert_eq!(p[0], [-20.0, -10.0, 100.0]);
        // Slice 1, row 1, column 2.
        assert_eq!(p[11], [-18.0, -8.0, 96.0]);
    }

    #[test]
    fn a_task_counts_the_lesions_of_the_regions_below_it() {
        let ontology = Ontology::builtin();
        let lesion = |region: &str| Lesion {
            region: region.into(),
            center_mm: [0.0; 3],
            radii_mm: [5.0; 3],
            suv_max: None,
            detail: Default::default(),
        };
        let truth = RegionMap {
            format: uptake_core::region_map::FORMAT.into(),
            exam_id: "E1".into(),
            coordinates: "LPS mm".into(),
            task_regions: vec![],
            lesions: vec![lesion("left_lungs"), lesion("liver")],
            reference_points_mm: uptake_core::region_map::ReferencePoints {
                liver: [0.0; 3],
                blood_pool: [0.0; 3],
            },
            detail: Default::default(),
        };
        assert_eq!(lesions_of("lungs", &truth, &ontology).len(), 1);
        assert_eq!(lesions_of("full", &truth, &ontology).len(), 2);
        assert!(lesions_of("summary_code", &truth, &ontology).is_empty());
    }
}
