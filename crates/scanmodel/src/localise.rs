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

/// Mean attention share of one task near the masked lesions, over the exams with a lesion.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct MaskLocalisation {
    /// The task.
    pub region: String,
    /// Exams whose mask holds a lesion.
    pub exams: usize,
    /// Share of the task's attention within the margin of the masked voxels.
    pub attention_near_lesions: f64,
    /// Share of the exam's voxels there (what uniform attention would give).
    pub near_lesions_share: f64,
}

impl MaskLocalisation {
    /// Attention near the lesions over their share of voxels (1 = no better than uniform).
    pub fn ratio(&self) -> f64 {
        ratio(self.attention_near_lesions, self.near_lesions_share)
    }
}

/// Measures the attention of the trained model in `run` against lesion masks: one row per task
/// of the model (whole-body tasks included: a lesion anywhere is theirs), over the `exams` of
/// `source` whose mask (from `masks`) marks at least half a voxel. Exams without a mask are
/// left out. `progress` advances by one per exam.
pub fn localise_masks<B: Backend>(
    run: &Path,
    source: &dyn VolumeSource,
    masks: &dyn LesionMasks,
    exams: &[ExamId],
    settings: &LocaliseSettings,
    progress: &dyn Progress,
    device: &B::Device,
) -> Result<Vec<MaskLocalisation>> {
    let (config, model) = load_run::<B>(run, device)?;
    let network = Network {
        config: &config,
        model: &model,
        device,
    };
    let mut rows: Vec<MaskLocalisation> = config
        .regions
        .iter()
        .map(|r| MaskLocalisation {
            region: r.clone(),
            ..Default::default()
        })
        .collect();
    progress.start("localisation", exams.len() as u64);
    for exam in exams {
        if let Some(mask) = masks.lesion_mask(exam)? {
            let volume = source.load(exam)?;
            let near = near_mask(&volume, &mask, settings.lesion_margin_mm);
            if near.iter().any(|n| *n) {
                let share = near.iter().filter(|n| **n).count() as f64 / near.len() as f64;
                for (row, attention) in rows.iter_mut().zip(attention_maps(&network, &volume)?) {
                    row.exams += 1;
                    row.attention_near_lesions += mass_inside(&attention, |i| near[i]);
                    row.near_lesions_share += share;
                }
            }
        }
        progress.advance(1);
    }
    progress.finish();
    for r in &mut rows {
        let k = r.exams.max(1) as f64;
        r.attention_near_lesions /= k;
        r.near_lesions_share /= k;
    }
    Ok(rows)
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

/// The exams of an exam store and their truth, for [`localise_store`].
#[derive(Debug, Clone, PartialEq)]
pub struct StoreInputs {
    /// The exam store.
    pub store: PathBuf,
    /// What the attention is measured against.
    pub truth: LesionTruth,
    /// The exams to measure (use held-out ones); every exam of the store when `None`.
    pub exams: Option<Vec<ExamId>>,
}

/// The rows of [`localise_store`]; shown as the table `uptake localise` prints, written as a
/// JSON array of rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Localisation {
    /// Per task region, against the region maps.
    Regions(Vec<RegionLocalisation>),
    /// Per task, against the lesion masks.
    Masks(Vec<MaskLocalisation>),
}

/// Measures the attention of the trained model in `run` on the exams of a store, against the
/// truth `inputs` names: [`localise`] or [`localise_masks`].
pub fn localise_store<B: Backend>(
    run: &Path,
    inputs: &StoreInputs,
    ontology: &Ontology,
    settings: &LocaliseSettings,
    progress: &dyn Progress,
    device: &B::Device,
) -> Result<Localisation> {
    let source = StoreSource::open(&inputs.store)?;
    let exams = inputs.exams.clone().unwrap_or_else(|| source.exam_ids());
    match &inputs.truth {
        LesionTruth::RegionMaps(manifest) => {
            let manifest = Manifest::read(manifest)?;
            manifest.require("regions_path")?;
            let inputs = LocaliseInputs {
                source: &source,
                manifest: &manifest,
                exams: &exams,
            };
            let rows = localise::<B>(run, &inputs, ontology, settings, progress, device)?;
            Ok(Localisation::Regions(rows))
        }
        LesionTruth::StoredMasks => {
            let masks = uptake_imaging::ExamStore::open(&inputs.store)
                .map_err(|e| ScanModelError::file(&inputs.store, e.to_string()))?;
            let rows =
                localise_masks::<B>(run, &source, &masks, &exams, settings, progress, device)?;
            Ok(Localisation::Masks(rows))
        }
    }
}

/// The table: per region, attention in its box and near its lesions against the uniform share
/// (and the regional mean); or, against lesion masks, per task near the lesions.
impl std::fmt::Display for Localisation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Regions(rows) => write_region_table(f, rows),
            Self::Masks(rows) => write_mask_table(f, rows),
        }
    }
}

fn write_region_table(
    f: &mut std::fmt::Formatter<'_>,
    rows: &[RegionLocalisation],
) -> std::fmt::Result {
    write!(
        f,
        "{:<28} {:>5} {:>22} {:>26}",
        "region", "pos", "in box (share, x)", "near lesions (share, x)"
    )?;
    for r in rows {
        write!(
            f,
            "\n{:<28} {:>5} {:>6.3} ({:.3}, {:>4.1}x) {:>10.3} ({:.3}, {:>4.1}x)",
            r.region,
            r.positive_exams,
            r.attention_in_box,
            r.box_share,
            r.box_ratio(),
            r.attention_near_lesions,
            r.near_lesions_share,
            r.lesion_ratio(),
        )?;
    }
    if let Some(mean) = RegionalMean::of(rows) {
        write!(
            f,
            "\nmean over {} regions (without full): attention in box {:.3} vs share {:.3}; near lesions {:.3} vs share {:.3}",
            mean.regions,
            mean.attention_in_box,
            mean.box_share,
            mean.attention_near_lesions,
            mean.near_lesions_share,
        )?;
    }
    Ok(())
}

fn write_mask_table(
    f: &mut std::fmt::Formatter<'_>,
    rows: &[MaskLocalisation],
) -> std::fmt::Result {
    write!(
        f,
        "{:<28} {:>5} {:>26}",
        "task", "exams", "near lesions (share, x)"
    )?;
    for r in rows {
        write!(
            f,
            "\n{:<28} {:>5} {:>10.3} ({:.3}, {:>4.1}x)",
            r.region,
            r.exams,
            r.attention_near_lesions,
            r.near_lesions_share,
            r.ratio(),
        )?;
    }
    Ok(())
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

/// Adds one exam's shares to the sums of every task region that holds a lesion in it.
fn measure_exam<B: Backend>(
    network: &Network<'_, B>,
    volume: &ModelVolume,
    truth: &RegionMap,
    ontology: &Ontology,
    settings: &LocaliseSettings,
    sums: &mut BTreeMap<String, RegionLocalisation>,
) -> Result<()> {
    let positions = voxel_positions(volume);
    let voxels = positions.len() as f64;
    let maps = attention_maps(network, volume)?;
    for (task, attention) in network.config.regions.iter().zip(maps) {
        let lesions = lesions_of(task, truth, ontology);
        if lesions.is_empty() {
            continue;
        }
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
    fn the_table_reports_attention_against_uniform_share() {
        let text = Localisation::Regions(vec![row("lungs", 0.30, 0.02)]).to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("region"), "{text}");
        assert!(
            lines[1].starts_with("lungs")
                && lines[1].ends_with("3  0.300 (0.100,  3.0x)      0.020 (0.010,  2.0x)"),
            "{text}"
        );
        assert!(
            lines[2].starts_with("mean over 1 regions (without full): attention in box 0.300"),
            "{text}"
        );
    }

    #[test]
    fn the_mask_table_reports_attention_near_lesions_against_uniform_share() {
        let rows = vec![MaskLocalisation {
            region: "full".into(),
            exams: 2,
            attention_near_lesions: 0.06,
            near_lesions_share: 0.02,
        }];
        let text = Localisation::Masks(rows).to_string();
        let last = text.lines().last().unwrap();
        assert!(
            last.starts_with("full") && last.ends_with("2      0.060 (0.020,  3.0x)"),
            "{text}"
        );
    }

    #[test]
    fn the_json_of_a_localisation_is_the_array_of_its_rows() {
        let json = serde_json::to_value(Localisation::Regions(vec![row("lungs", 0.3, 0.02)]));
        assert_eq!(json.unwrap()[0]["positive_exams"], 3);
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
