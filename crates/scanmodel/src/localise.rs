//! Does a region's attention fall where the lesions are? For a cohort with image truth (the
//! synthetic cohort's region map per exam, [`uptake_core::RegionMap`]), [`localise`] measures,
//! on every exam where a task region truly holds a lesion, the share of that region's attention
//! inside (a) the region's bounding box and (b) a margin around its lesions, and the share of
//! the exam's voxels there (what uniform attention would give). A lesion counts for a task when
//! it lies in the task's region or in a region below it in the ontology.
//!
//! For public datasets without region maps but with lesion masks (autoPET's `SEG`, stored with
//! the exam by `uptake ingest --nifti-dir`), [`localise_masks`] measures, on every exam whose mask
//! holds a lesion, each task's share of attention within a margin of the masked voxels against
//! the share of the exam's voxels there.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::tensor::backend::Backend;
use uptake_core::region_map::Lesion;
use uptake_core::shard::Shard;
use uptake_core::{ExamId, Manifest, Progress, RegionMap, RegionTable};
use uptake_ontology::Ontology;

use crate::config::ModelConfig;
use crate::data::{ModelVolume, VolumeSource, prepare};
use crate::error::{Result, ScanModelError};
pub use crate::localisation::{Localisation, MaskLocalisation, RegionLocalisation, RegionalMean};
use crate::localisation::{mask_columns, mask_means, region_columns, region_means};
use crate::maps::{features_to_exam, mass_inside};
use crate::model::ScanModel;
use crate::predict::{load_run, predict_prepared};
use crate::store::StoreSource;

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
    let per_exam = localise_exams::<B>(run, inputs, ontology, settings, progress, device)?;
    Ok(region_means(&per_exam))
}

/// As [`localise`], the shares of each exam: a row per exam of `inputs`, for each task of the
/// model the columns `task:attention_in_box`, `task:box_share`, `task:attention_near_lesions`
/// and `task:near_lesions_share`, empty where the task holds no lesion in the exam (and the box
/// columns where the region map has no box for it). [`Localisation::of_exams`] gives the
/// figures of [`localise`] from it.
pub fn localise_exams<B: Backend>(
    run: &Path,
    inputs: &LocaliseInputs<'_>,
    ontology: &Ontology,
    settings: &LocaliseSettings,
    progress: &dyn Progress,
    device: &B::Device,
) -> Result<RegionTable> {
    let (config, model) = load_run::<B>(run, device)?;
    let network = Network {
        config: &config,
        model: &model,
        device,
    };
    let mut table = RegionTable::new(region_columns(&config.regions));
    progress.start("localisation", inputs.exams.len() as u64);
    for exam in inputs.exams {
        let truth = region_map(inputs.manifest, exam)?;
        let volume = inputs.source.load(exam)?;
        let row = measure_exam(&network, &volume, &truth, ontology, settings)?;
        table.insert(exam.clone(), row);
        progress.advance(1);
    }
    progress.finish();
    Ok(table)
}

/// Where each exam's lesion mask is (the share of each voxel inside a lesion, on the exam's
/// grid, `[z, y, x]`); `None` for an exam without one.
pub trait LesionMasks {
    /// The mask of `exam`.
    fn lesion_mask(&self, exam: &ExamId) -> Result<Option<Vec<f32>>>;
}

impl LesionMasks for uptake_imaging::ExamStore {
    fn lesion_mask(&self, exam: &ExamId) -> Result<Option<Vec<f32>>> {
        uptake_imaging::ExamStore::lesion_mask(self, exam)
            .map_err(|e| ScanModelError::file(self.dir(), e.to_string()))
    }
}

impl LesionMasks for BTreeMap<ExamId, Vec<f32>> {
    fn lesion_mask(&self, exam: &ExamId) -> Result<Option<Vec<f32>>> {
        Ok(self.get(exam).cloned())
    }
}

/// Measures the attention of the trained model in `run` against lesion masks: one row per task
/// of the model (whole-body tasks included: a lesion anywhere is theirs), over the `exams` of
/// `source` whose mask (from `masks`) marks at least half a voxel. Exams without a mask are
/// left out. `progress` advances by one per exam.
pub fn localise_masks<B: Backend>(
    run: &Path,
    inputs: &MaskInputs<'_>,
    settings: &LocaliseSettings,
    progress: &dyn Progress,
    device: &B::Device,
) -> Result<Vec<MaskLocalisation>> {
    let per_exam = localise_mask_exams::<B>(run, inputs, settings, progress, device)?;
    Ok(mask_means(&per_exam))
}

/// The exams to measure against lesion masks, where their volumes and masks are.
#[derive(Clone, Copy)]
pub struct MaskInputs<'a> {
    /// The volumes.
    pub source: &'a dyn VolumeSource,
    /// The lesion masks.
    pub masks: &'a dyn LesionMasks,
    /// The exams (use held-out ones).
    pub exams: &'a [ExamId],
}

/// As [`localise_masks`], the shares of each exam: a row per exam, for each task of the model
/// the columns `task:attention_near_lesions` and `task:near_lesions_share`, empty for an exam
/// without a mask or a lesion. [`Localisation::of_exams`] gives the figures of
/// [`localise_masks`] from it.
pub fn localise_mask_exams<B: Backend>(
    run: &Path,
    inputs: &MaskInputs<'_>,
    settings: &LocaliseSettings,
    progress: &dyn Progress,
    device: &B::Device,
) -> Result<RegionTable> {
    let (config, model) = load_run::<B>(run, device)?;
    let network = Network {
        config: &config,
        model: &model,
        device,
    };
    let mut table = RegionTable::new(mask_columns(&config.regions));
    progress.start("localisation", inputs.exams.len() as u64);
    for exam in inputs.exams {
        let mut row = vec![None; table.regions().len()];
        if let Some(mask) = inputs.masks.lesion_mask(exam)? {
            let volume = inputs.source.load(exam)?;
            let near = near_mask(&volume, &mask, settings.lesion_margin_mm);
            if near.iter().any(|n| *n) {
                let share = near.iter().filter(|n| **n).count() as f64 / near.len() as f64;
                let maps = attention_maps(&network, &volume)?;
                row = (maps.iter())
                    .flat_map(|attention| [Some(mass_inside(attention, |i| near[i])), Some(share)])
                    .collect();
            }
        }
        table.insert(exam.clone(), row);
        progress.advance(1);
    }
    progress.finish();
    Ok(table)
}

/// What the attention is measured against.
#[derive(Debug, Clone, PartialEq)]
pub enum LesionTruth {
    /// The region maps named by this cohort manifest's `regions_path` column (a synthetic
    /// cohort's image truth): [`localise`].
    RegionMaps(PathBuf),
    /// The lesion masks stored with the exams (public NIfTI datasets): [`localise_masks`].
    StoredMasks,
}

impl LesionTruth {
    /// The region maps of `manifest` when one is given, else the stored lesion masks.
    pub fn maps_or_masks(manifest: Option<PathBuf>) -> Self {
        manifest.map_or(Self::StoredMasks, Self::RegionMaps)
    }
}

/// The exams of an exam store and their truth, for [`localise_store`].
#[derive(Debug, Clone, PartialEq)]
pub struct StoreInputs {
    /// The exam store.
    pub store: PathBuf,
    /// What the attention is measured against.
    pub truth: LesionTruth,
    /// The exams to measure (use held-out ones); every exam of the store when `None`.
    pub exams: Option<Vec<ExamId>>,
    /// Only the exams of this shard (a cluster job array's part: `uptake merge` joins the
    /// shards' per-exam tables); all of them when `None`.
    pub shard: Option<Shard>,
}

/// What [`localise_store`] measured: the shares of each exam and their means.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreLocalisation {
    /// The figures (the means over the exams with a lesion).
    pub localisation: Localisation,
    /// The shares of each exam ([`localise_exams`], [`localise_mask_exams`]).
    pub per_exam: RegionTable,
}

impl StoreLocalisation {
    /// Writes the figures as JSON (an array of rows) to `figures` and the per-exam table as CSV
    /// to `per_exam`, each when given (atomically).
    pub fn write(&self, figures: Option<&Path>, per_exam: Option<&Path>) -> Result<()> {
        if let Some(path) = figures {
            uptake_core::json::write_json(path, &self.localisation)?;
        }
        if let Some(path) = per_exam {
            self.per_exam.write_csv(path)?;
        }
        Ok(())
    }
}

/// Measures the attention of the trained model in `run` on the exams of a store (those of the
/// shard, when given), against the truth `inputs` names: [`localise_exams`] or
/// [`localise_mask_exams`], and their means.
pub fn localise_store<B: Backend>(
    run: &Path,
    inputs: &StoreInputs,
    ontology: &Ontology,
    settings: &LocaliseSettings,
    progress: &dyn Progress,
    device: &B::Device,
) -> Result<StoreLocalisation> {
    let source = StoreSource::open(&inputs.store)?;
    let mut exams = inputs.exams.clone().unwrap_or_else(|| source.exam_ids());
    exams.retain(|e| Shard::selects(inputs.shard.as_ref(), e));
    let per_exam = match &inputs.truth {
        LesionTruth::RegionMaps(manifest) => {
            let manifest = Manifest::read(manifest)?;
            manifest.require("regions_path")?;
            let inputs = LocaliseInputs {
                source: &source,
                manifest: &manifest,
                exams: &exams,
            };
            localise_exams::<B>(run, &inputs, ontology, settings, progress, device)?
        }
        LesionTruth::StoredMasks => {
            let masks = uptake_imaging::ExamStore::open(&inputs.store)
                .map_err(|e| ScanModelError::file(&inputs.store, e.to_string()))?;
            let inputs = MaskInputs {
                source: &source,
                masks: &masks,
                exams: &exams,
            };
            localise_mask_exams::<B>(run, &inputs, settings, progress, device)?
        }
    };
    let localisation = match inputs.truth {
        LesionTruth::RegionMaps(_) => Localisation::Regions(region_means(&per_exam)),
        LesionTruth::StoredMasks => Localisation::Masks(mask_means(&per_exam)),
    };
    Ok(StoreLocalisation {
        localisation,
        per_exam,
    })
}

/// The voxels within `margin_mm` of a voxel at least half inside a lesion (an ellipsoid of
/// semi-axes `margin_mm` around each).
fn near_mask(volume: &ModelVolume, mask: &[f32], margin_mm: f32) -> Vec<bool> {
    let [d, h, w] = volume.shape;
    let mut near = vec![false; d * h * w];
    if mask.len() != near.len() {
        return near;
    }
    let reach = volume
        .spacing_mm
        .map(|s| (margin_mm / s.max(1e-3)).floor() as isize);
    for (i, _) in mask.iter().enumerate().filter(|(_, m)| **m >= 0.5) {
        let (k, r, c) = (
            (i / (h * w)) as isize,
            ((i / w) % h) as isize,
            (i % w) as isize,
        );
        for dk in -reach[0]..=reach[0] {
            for dr in -reach[1]..=reach[1] {
                for dc in -reach[2]..=reach[2] {
                    let (kk, rr, cc) = (k + dk, r + dr, c + dc);
                    let outside = kk < 0 || rr < 0 || cc < 0;
                    if outside || kk >= d as isize || rr >= h as isize || cc >= w as isize {
                        continue;
                    }
                    let e = [dk, dr, dc]
                        .iter()
                        .zip(volume.spacing_mm)
                        .map(|(o, s)| (*o as f32 * s / margin_mm.max(1e-3)).powi(2))
                        .sum::<f32>();
                    if e <= 1.0 {
                        near[(kk as usize * h + rr as usize) * w + cc as usize] = true;
                    }
                }
            }
        }
    }
    near
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

/// Each task's attention on the exam's grid, in task order.
fn attention_maps<B: Backend>(
    network: &Network<'_, B>,
    volume: &ModelVolume,
) -> Result<Vec<Vec<f32>>> {
    let config = network.config;
    let prepared = prepare(volume, config, None)?;
    let pred = predict_prepared(network.model, &[&prepared], network.device).remove(0);
    let n = pred.grid.iter().product::<usize>();
    Ok((0..config.regions.len())
        .map(|t| {
            features_to_exam(
                &pred.attention[t * n..(t + 1) * n],
                pred.grid,
                config,
                volume.shape,
            )
        })
        .collect())
}

/// One exam's row of the per-exam table ([`region_columns`]): for each task holding a lesion,
/// its attention and the uniform share in the task region's box (empty without a box) and near
/// its lesions; empty for the others.
fn measure_exam<B: Backend>(
    network: &Network<'_, B>,
    volume: &ModelVolume,
    truth: &RegionMap,
    ontology: &Ontology,
    settings: &LocaliseSettings,
) -> Result<Vec<Option<f64>>> {
    let positions = voxel_positions(volume);
    let voxels = positions.len() as f64;
    let maps = attention_maps(network, volume)?;
    let mut row = Vec::with_capacity(4 * maps.len());
    for (task, attention) in network.config.regions.iter().zip(maps) {
        let lesions = lesions_of(task, truth, ontology);
        if lesions.is_empty() {
            row.extend([None; 4]);
            continue;
        }
        let near_mask: Vec<bool> = (positions.iter())
            .map(|p| (lesions.iter()).any(|l| l.is_near(*p, settings.lesion_margin_mm)))
            .collect();
        let (in_box, box_share) = match truth.task_region(task) {
            Some(b) => {
                let box_mask: Vec<bool> =
                    positions.iter().map(|p| b.bbox_mm.contains(*p)).collect();
                let share = box_mask.iter().filter(|m| **m).count() as f64 / voxels;
                (Some(mass_inside(&attention, |i| box_mask[i])), Some(share))
            }
            None => (None, None),
        };
        let near_share = near_mask.iter().filter(|m| **m).count() as f64 / voxels;
        let near = mass_inside(&attention, |i| near_mask[i]);
        row.extend([in_box, box_share, Some(near), Some(near_share)]);
    }
    Ok(row)
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
    fn the_margin_around_a_masked_voxel_is_an_ellipsoid_in_millimetres() {
        let volume = ModelVolume {
            exam_id: ExamId::new("E1").unwrap(),
            shape: [5, 5, 5],
            spacing_mm: [10.0, 5.0, 5.0],
            origin_mm: [0.0; 3],
            ct: vec![0.0; 125],
            pet: vec![0.0; 125],
        };
        let mut mask = vec![0.0; 125];
        mask[(2 * 5 + 2) * 5 + 2] = 1.0;
        mask[0] = 0.4;
        let near = near_mask(&volume, &mask, 10.0);
        // Within 10 mm: one slice up and down, two rows or columns in-plane (not the corners).
        assert!(near[(2 * 5 + 2) * 5 + 4] && near[(3 * 5 + 2) * 5 + 2]);
        assert!(!near[(2 * 5 + 4) * 5 + 4] && !near[(4 * 5 + 2) * 5 + 2]);
        assert!(!near[0], "less than half a voxel of lesion is no lesion");
        assert_eq!(near.iter().filter(|n| **n).count(), 15);
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
