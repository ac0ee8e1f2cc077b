//! From a folder of DICOM files to an [`ExamVolume`] on the model grid.
//!
//! 1. Discover ([`crate::discover`]): read every file's header; group slices by
//!    StudyInstanceUID and SeriesInstanceUID; unreadable files and repeated instances are skipped.
//! 2. Choose the PET and the CT ([`crate::select`]: a documented policy, or the user's choice).
//! 3. Lay out each series (sorted along the slice normal; axial only; duplicates and real gaps
//!    are errors, slightly irregular spacing a note), convert CT to HU (per-slice rescale) and
//!    PET to SUV (per-slice rescale times the SUV factor, see [`crate::suv`]), after checking the
//!    weight and dose for unit slips.
//! 4. Resample both onto ONE grid: the model grid ([`ModelGrid`]), `size x size` pixels covering
//!    a fixed `fov_mm` square centred on the CT's in-plane centre, `slice_mm` apart over the z
//!    range where PET and CT overlap (the share of the PET kept is checked), slice 0 at the head
//!    end.
//! 5. Check the volumes against physical limits ([`crate::plausibility`]) before anything is
//!    stored; the choices, skipped files, repairs and warnings go into the exam's [`ExamInfo`].

use crate::dicom::{self, SliceHeader};
use crate::discover::{DiscoveryError, Series, discover};
use crate::plausibility::{self, Clues, Implausible};
pub use crate::record::Skipped;
use crate::resample::ResamplePlan;
use crate::select::{ExamSeries, SelectionError, SeriesSelection, choose_series};
use crate::store::{ExamInfo, ExamVolume, Geometry};
use crate::suv::{self, SuvError};
use crate::volume::{LayoutError, SeriesLayout, layout_series};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use uptake_core::ExamId;

/// The model input grid.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ModelGrid {
    /// Pixels per side in-plane (default 224).
    pub size: usize,
    /// Side of the square in-plane field of view (default 600 mm: a whole adult body; 2.68 mm
    /// pixels at 224).
    pub fov_mm: f32,
    /// Distance between model slices (default 4 mm).
    pub slice_mm: f32,
}

impl Default for ModelGrid {
    fn default() -> Self {
        ModelGrid {
            size: 224,
            fov_mm: 600.0,
            slice_mm: 4.0,
        }
    }
}

/// Model-grid dimensions that cannot make a grid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "model grid of {size} pixels over {fov_mm} mm, slices {slice_mm} mm apart: the size must \
     be at least 8 pixels, the field of view and the slice distance positive"
)]
pub struct GridError {
    /// Pixels per side asked for.
    pub size: usize,
    /// Field of view asked for, mm.
    pub fov_mm: f32,
    /// Slice distance asked for, mm.
    pub slice_mm: f32,
}

impl ModelGrid {
    /// The grid of `size` pixels per side (at least 8) over a `fov_mm` square, slices
    /// `slice_mm` apart (both finite and positive).
    pub fn new(size: usize, fov_mm: f32, slice_mm: f32) -> Result<Self, GridError> {
        let positive = |v: f32| v.is_finite() && v > 0.0;
        if size < 8 || !positive(fov_mm) || !positive(slice_mm) {
            return Err(GridError {
                size,
                fov_mm,
                slice_mm,
            });
        }
        Ok(Self {
            size,
            fov_mm,
            slice_mm,
        })
    }
}

/// Value outside the CT's field of view (air).
pub const CT_FILL_HU: f32 = -1000.0;
/// Value outside the PET's field of view.
pub const PET_FILL_SUV: f32 = 0.0;

/// Why an exam could not be ingested. Errors name the file, the series or the tag.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// A folder cannot be listed.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    /// A slice cannot be read.
    #[error(transparent)]
    Dicom(#[from] dicom::DicomError),
    /// The folder holds no DICOM series.
    #[error("no DICOM series in {path}{skipped}")]
    Empty {
        /// The folder.
        path: PathBuf,
        /// A summary of the unreadable files (empty when there were none).
        skipped: String,
    },
    /// No PET and CT could be chosen.
    #[error(transparent)]
    Selection(#[from] SelectionError),
    /// A series' slices do not make a volume.
    #[error("{modality} series {series}: {cause}")]
    Layout {
        /// `CT` or `PET`.
        modality: &'static str,
        /// The series (UID and description).
        series: String,
        /// What is wrong with its slices.
        cause: LayoutError,
    },
    /// The PET cannot be converted to SUV.
    #[error("PET series {series}: {cause}")]
    Suv {
        /// The series.
        series: String,
        /// Why.
        cause: SuvError,
    },
    /// The PET's slices disagree on series-level tags.
    #[error("PET series {series}: {what}")]
    PetTags {
        /// The series.
        series: String,
        /// Which slice and tags.
        what: String,
    },
    /// CT and PET share no range along the body.
    #[error(
        "CT (z {ct_lo:.1}..{ct_hi:.1} mm) and PET (z {pet_lo:.1}..{pet_hi:.1} mm) do not overlap"
    )]
    NoOverlap {
        /// Lowest CT slice, mm.
        ct_lo: f64,
        /// Highest CT slice, mm.
        ct_hi: f64,
        /// Lowest PET slice, mm.
        pet_lo: f64,
        /// Highest PET slice, mm.
        pet_hi: f64,
    },
    /// The CT covers too little of the PET.
    #[error(
        "the CT (z {ct_lo:.1}..{ct_hi:.1} mm) covers {kept_percent:.0} % of the PET (z {pet_lo:.1}..{pet_hi:.1} mm), below the {min_percent:.0} % required (--min-pet-coverage)"
    )]
    Coverage {
        /// Share of the PET's z range kept, percent.
        kept_percent: f64,
        /// The threshold, percent.
        min_percent: f64,
        /// Lowest CT slice, mm.
        ct_lo: f64,
        /// Highest CT slice, mm.
        ct_hi: f64,
        /// Lowest PET slice, mm.
        pet_lo: f64,
        /// Highest PET slice, mm.
        pet_hi: f64,
    },
    /// The volumes are beyond physical limits: nothing is stored.
    #[error("implausible values, not stored: {0}")]
    Implausible(#[from] Implausible),
    /// A NIfTI file that cannot be used.
    #[error("{path}: {what}")]
    Nifti {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// A file changed while the exam was being ingested.
    #[error("{path}: slice changed between discovery and loading ({what})")]
    Changed {
        /// The file.
        path: PathBuf,
        /// What changed.
        what: String,
    },
}

/// An [`IngestError`] with the exam it belongs to.
#[derive(Debug, thiserror::Error)]
#[error("exam {exam}: {error}")]
pub struct ExamError {
    /// The exam.
    pub exam: String,
    /// What went wrong.
    pub error: IngestError,
}

/// How one exam is ingested.
#[derive(Debug, Clone, PartialEq)]
pub struct ExamSettings {
    /// The grid it is resampled onto.
    pub grid: ModelGrid,
    /// Which series are taken.
    pub selection: SeriesSelection,
    /// The least share of the PET's z range the CT must cover (0..1; default 0.5). Below 1 the
    /// PET is cut to the CT, with a warning.
    pub min_pet_coverage: f64,
}

impl Default for ExamSettings {
    fn default() -> Self {
        Self {
            grid: ModelGrid::default(),
            selection: SeriesSelection::default(),
            min_pet_coverage: 0.5,
        }
    }
}

impl ExamSettings {
    /// The default policy on `grid`.
    pub fn on_grid(grid: &ModelGrid) -> Self {
        Self {
            grid: *grid,
            ..Self::default()
        }
    }
}

/// The model grid for a CT and PET layout: overlap in z, fixed FOV centred on the CT.
pub fn model_geometry(
    ct: &SeriesLayout,
    pet: &SeriesLayout,
    grid: &ModelGrid,
) -> Result<Geometry, IngestError> {
    let (ct_lo, ct_hi) = ct.z_range_mm();
    let (pet_lo, pet_hi) = pet.z_range_mm();
    let (lo, hi) = (ct_lo.max(pet_lo), ct_hi.min(pet_hi));
    if hi - lo < grid.slice_mm as f64 {
        return Err(IngestError::NoOverlap {
            ct_lo,
            ct_hi,
            pet_lo,
            pet_hi,
        });
    }
    let slices = ((hi - lo) / grid.slice_mm as f64).floor() as usize + 1;
    let (x0, x1, y0, y1) = ct.xy_extent_mm();
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let pixel = grid.fov_mm / grid.size as f32;
    let first_centre = |c: f64| (c - grid.fov_mm as f64 / 2.0 + pixel as f64 / 2.0) as f32;
    Ok(Geometry {
        shape: [slices, grid.size, grid.size],
        spacing_mm: [grid.slice_mm, pixel, pixel],
        origin_mm: [hi as f32, first_centre(cy), first_centre(cx)],
    })
}

/// Turns one slice's rescaled values into the stored quantity (HU unchanged, PET to SUV).
type SliceConversion<'a> = dyn Fn(&SliceHeader, &mut [f32]) -> Result<(), IngestError> + Sync + 'a;

/// Loads the needed slices of a series (in parallel), converts each with `convert`, and
/// resamples onto `target`.
fn resample_series(
    series: &Series,
    layout: &SeriesLayout,
    target: &Geometry,
    fill: f32,
    convert: &SliceConversion<'_>,
) -> Result<Vec<f32>, IngestError> {
    let plan = ResamplePlan::new(layout, target);
    let needed: Vec<usize> = plan.needed_slices.clone();
    let planes: Vec<(usize, Vec<f32>)> = needed
        .par_iter()
        .map(|&s| {
            let expected = &series.slices[layout.order[s]];
            let (header, mut pixels) = dicom::read_slice(&expected.path)?;
            if header.rows != layout.rows
                || header.cols != layout.cols
                || pixels.len() != layout.rows * layout.cols
            {
                return Err(IngestError::Changed {
                    path: header.path.clone(),
                    what: format!("{}x{} pixels", header.rows, header.cols),
                });
            }
            convert(&header, &mut pixels)?;
            Ok((s, plan.resample_slice(&pixels, layout.cols, fill)))
        })
        .collect::<Result<_, IngestError>>()?;
    let mut by_slice: Vec<Option<Vec<f32>>> = vec![None; layout.z_mm.len()];
    for (s, p) in planes {
        by_slice[s] = Some(p);
    }
    Ok(plan.combine(&by_slice, fill))
}

/// One ingested exam: the volumes and the record of how they were made.
#[derive(Debug, Clone)]
pub struct Ingested {
    /// CT and PET on the model grid.
    pub volume: ExamVolume,
    /// Where they came from, how they were converted and what was left out (also kept in
    /// the store).
    pub info: ExamInfo,
    /// Files and series left out, and why (as in `info`).
    pub skipped: Vec<Skipped>,
    /// The share of each voxel inside a lesion, when the source has a lesion mask.
    pub lesion_mask: Option<Vec<f32>>,
}

fn layout(modality: &'static str, series: &Series) -> Result<SeriesLayout, IngestError> {
    layout_series(&series.slices).map_err(|cause| IngestError::Layout {
        modality,
        series: series.label(),
        cause,
    })
}

/// The share of the PET the CT keeps: an error below `min`, a warning below 98 %.
fn check_coverage(
    ct: &SeriesLayout,
    pet: &SeriesLayout,
    min: f64,
) -> Result<Option<String>, IngestError> {
    let ((ct_lo, ct_hi), (pet_lo, pet_hi)) = (ct.z_range_mm(), pet.z_range_mm());
    let kept = plausibility::pet_coverage((ct_lo, ct_hi), (pet_lo, pet_hi));
    if kept > 0.0 && kept < min {
        return Err(IngestError::Coverage {
            kept_percent: kept * 100.0,
            min_percent: min * 100.0,
            ct_lo,
            ct_hi,
            pet_lo,
            pet_hi,
        });
    }
    Ok((kept > 0.0 && kept < 0.98).then(|| {
        format!(
            "the CT (z {ct_lo:.1}..{ct_hi:.1} mm) covers {:.0} % of the PET (z {pet_lo:.1}..{pet_hi:.1} mm): the PET was cut to it",
            kept * 100.0
        )
    }))
}

/// The largest RescaleSlope of a series and its file.
fn largest_slope(series: &Series) -> Option<(f64, String)> {
    series
        .slices
        .iter()
        .max_by(|a, b| a.rescale_slope.abs().total_cmp(&b.rescale_slope.abs()))
        .map(|h| (h.rescale_slope, h.path.display().to_string()))
}

/// Ingests the chosen series of one exam.
pub fn ingest_series(
    exam_id: &ExamId,
    chosen: ExamSeries,
    settings: &ExamSettings,
) -> Result<Ingested, IngestError> {
    let ExamSeries {
        pet,
        ct,
        pet_choice,
        ct_choice,
        skipped,
        mut warnings,
    } = chosen;
    let (ct_layout, pet_layout) = (layout("CT", &ct)?, layout("PET", &pet)?);
    let tags = series_suv_tags(&pet)?;
    let suv_error = |cause| IngestError::Suv {
        series: pet.label(),
        cause,
    };
    suv::check_plausible(&tags).map_err(suv_error)?;
    let conversion = suv::suv_conversion(&tags).map_err(suv_error)?;
    let target = model_geometry(&ct_layout, &pet_layout, &settings.grid)?;
    warnings.extend(check_coverage(
        &ct_layout,
        &pet_layout,
        settings.min_pet_coverage,
    )?);
    let ct_hu = resample_series(&ct, &ct_layout, &target, CT_FILL_HU, &|_, _| Ok(()))?;
    let pet_suv = pet_to_suv(&pet, &pet_layout, &target, &tags, &conversion)?;
    let clues = Clues {
        suv_method: conversion.method().to_string(),
        pet_slope_max: largest_slope(&pet),
        ct_slope_max: largest_slope(&ct),
    };
    let facts = plausibility::volume_facts(&ct_hu, &pet_suv, CT_FILL_HU)?;
    plausibility::check_volumes(&facts, &clues)?;
    for (modality, l) in [("CT", &ct_layout), ("PET", &pet_layout)] {
        warnings.extend(l.notes.iter().map(|n| format!("{modality}: {n}")));
    }
    warnings.extend(coarse_slices(&ct_layout, &pet_layout, &settings.grid));
    let info = ExamInfo {
        study_instance_uid: pet.study_uid.clone(),
        ct_series_uid: ct.series_uid.clone(),
        pet_series_uid: pet.series_uid.clone(),
        pet_choice,
        ct_choice,
        suv_method: conversion.method().to_string(),
        suv_factor: (!is_philips_counts(&tags))
            .then(|| conversion.single_factor())
            .flatten(),
        ct_native: Some(ct_layout.native_geometry()),
        pet_native: Some(pet_layout.native_geometry()),
        rejected_series: skipped.clone(),
        repairs: pet.slices[0].repairs.clone(),
        warnings,
        ..ExamInfo::default()
    };
    Ok(Ingested {
        volume: ExamVolume {
            exam_id: exam_id.clone(),
            geometry: target,
            ct_hu,
            pet_suv,
        },
        info,
        skipped,
        lesion_mask: None,
    })
}

fn is_philips_counts(tags: &suv::PetSuvTags) -> bool {
    tags.units
        .as_deref()
        .is_some_and(|u| u.trim().eq_ignore_ascii_case("CNTS"))
}

/// The PET resampled onto `target` in SUV: each slice's rescaled values times its factor.
fn pet_to_suv(
    pet: &Series,
    layout: &SeriesLayout,
    target: &Geometry,
    tags: &suv::PetSuvTags,
    conversion: &suv::SuvConversion,
) -> Result<Vec<f32>, IngestError> {
    let philips_per_slice = is_philips_counts(tags);
    let label = pet.label();
    resample_series(pet, layout, target, PET_FILL_SUV, &|h, pixels| {
        // Philips factors may differ per slice: recompute from the slice's own private tags.
        let factor = if philips_per_slice {
            let mut t = tags.clone();
            if let Some(p) = &h.pet {
                t.philips_suv_factor = p.philips_suv_factor;
                t.philips_activity_factor = p.philips_activity_factor;
            }
            suv::suv_conversion(&t).and_then(|c| c.factor_for(h.acquisition))
        } else {
            conversion.factor_for(h.acquisition)
        }
        .map_err(|cause| IngestError::Suv {
            series: label.clone(),
            cause,
        })?;
        let factor = factor as f32;
        pixels.iter_mut().for_each(|v| *v *= factor);
        Ok(())
    })
}

/// A warning when either native series has slices more than twice the model grid's apart.
fn coarse_slices(ct: &SeriesLayout, pet: &SeriesLayout, grid: &ModelGrid) -> Option<String> {
    let (ct_mm, pet_mm) = (ct.slice_spacing_mm(), pet.slice_spacing_mm());
    (ct_mm > 2.0 * grid.slice_mm as f64 || pet_mm > 2.0 * grid.slice_mm as f64).then(|| {
        format!(
            "native slice spacing (CT {ct_mm:.1} mm, PET {pet_mm:.1} mm) is much coarser than the model grid's {} mm",
            grid.slice_mm
        )
    })
}

/// The PET's series-level SUV tags, which must agree over its slices (except the per-slice
/// rescale and times), with the earliest acquisition of the series.
fn series_suv_tags(pet: &Series) -> Result<suv::PetSuvTags, IngestError> {
    let mut tags = pet.slices[0].pet.clone().unwrap_or_default();
    for h in &pet.slices[1..] {
        let t = h.pet.as_ref();
        if t.map(|t| {
            (
                &t.units,
                &t.decay_correction,
                t.patient_weight_kg,
                t.injected_dose_bq,
            )
        }) != Some((
            &tags.units,
            &tags.decay_correction,
            tags.patient_weight_kg,
            tags.injected_dose_bq,
        )) {
            return Err(IngestError::PetTags {
                series: pet.label(),
                what: format!(
                    "{} disagrees with the first slice on Units, DecayCorrection, PatientWeight or RadionuclideTotalDose",
                    h.path.display()
                ),
            });
        }
    }
    tags.earliest_acquisition = pet
        .slices
        .iter()
        .filter_map(|h| h.acquisition)
        .min_by(|a, b| {
            (a.days.unwrap_or(0) as f64 * 86_400.0 + a.seconds)
                .total_cmp(&(b.days.unwrap_or(0) as f64 * 86_400.0 + b.seconds))
        });
    // With an injection time of day only, compare times of day only (midnight rule).
    if let (Some(inj), Some(acq)) = (tags.injection, tags.earliest_acquisition.as_mut())
        && inj.days.is_none()
    {
        acq.days = None;
    }
    Ok(tags)
}

/// Ingests the one exam in `dir` (all its series) by the default policy onto `grid`.
pub fn ingest_dir(exam_id: &ExamId, dir: &Path, grid: &ModelGrid) -> Result<Ingested, ExamError> {
    ingest_dir_with(exam_id, dir, &ExamSettings::on_grid(grid))
}

/// Ingests the one exam in `dir` (all its series) as `settings` say.
pub fn ingest_dir_with(
    exam_id: &ExamId,
    dir: &Path,
    settings: &ExamSettings,
) -> Result<Ingested, ExamError> {
    let wrap = |error| ExamError {
        exam: exam_id.to_string(),
        error,
    };
    let discovery = discover(dir).map_err(|e| wrap(e.into()))?;
    let mut all: Vec<Series> = discovery.studies.into_values().flatten().collect();
    if all.is_empty() {
        let skipped = if discovery.skipped.is_empty() {
            String::new()
        } else {
            format!(
                " ({} unreadable files, e.g. {})",
                discovery.skipped.len(),
                discovery.skipped[0].reason
            )
        };
        return Err(wrap(IngestError::Empty {
            path: dir.to_path_buf(),
            skipped,
        }));
    }
    all.sort_by(|a, b| a.series_uid.cmp(&b.series_uid));
    let chosen = choose_series(all, &settings.selection).map_err(|e| wrap(e.into()))?;
    let mut ingested = ingest_series(exam_id, chosen, settings).map_err(wrap)?;
    ingested.info.skipped_files = discovery.skipped.clone();
    ingested.skipped.extend(discovery.skipped);
    Ok(ingested)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_grid_needs_eight_pixels_and_positive_millimetres() {
        let grid = ModelGrid::new(32, 400.0, 8.0).unwrap();
        assert_eq!((grid.size, grid.fov_mm, grid.slice_mm), (32, 400.0, 8.0));
        for (size, fov, slice) in [(4, 400.0, 8.0), (32, 0.0, 8.0), (32, 400.0, f32::NAN)] {
            let err = ModelGrid::new(size, fov, slice).unwrap_err().to_string();
            assert!(err.contains(&format!("{size} pixels")), "{err}");
        }
    }
}
