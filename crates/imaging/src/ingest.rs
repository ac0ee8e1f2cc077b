//! From a folder of DICOM files to an [`ExamVolume`] on the model grid.
//!
//! 1. Discover: read every file's header; group slices by StudyInstanceUID and
//!    SeriesInstanceUID; files that are not DICOM are listed as skipped, with the reason.
//! 2. Pick, per study, the attenuation-corrected PET (CorrectedImage contains ATTN; a series
//!    without CorrectedImage is accepted with a warning, a non-corrected one is skipped) and the
//!    CT of the same study that overlaps it most; other series are skipped with the reason.
//! 3. Lay out each series (sorted along the slice normal; axial only; duplicates and gaps are
//!    errors), convert CT to HU (per-slice rescale) and PET to SUV (per-slice rescale times the
//!    SUV factor, see [`crate::suv`]).
//! 4. Resample both onto ONE grid: the model grid ([`ModelGrid`]), `size x size` pixels covering
//!    a fixed `fov_mm` square centred on the CT's in-plane centre, `slice_mm` apart over the z
//!    range where PET and CT overlap, slice 0 at the head end.

use crate::dicom::{self, DicomError, SliceHeader};
use crate::resample::ResamplePlan;
use crate::store::{ExamInfo, ExamVolume, Geometry};
use crate::suv::{self, SuvError};
use crate::volume::{LayoutError, SeriesLayout, layout_series};
use rayon::prelude::*;
use std::collections::BTreeMap;
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

/// Value outside the CT's field of view (air).
pub const CT_FILL_HU: f32 = -1000.0;
/// Value outside the PET's field of view.
pub const PET_FILL_SUV: f32 = 0.0;

/// Why an exam could not be ingested. Errors name the file, the series or the tag.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// A folder cannot be listed.
    #[error("cannot read folder {path}: {cause}")]
    Io {
        /// The folder.
        path: PathBuf,
        /// Why.
        cause: std::io::Error,
    },
    /// A slice cannot be read.
    #[error(transparent)]
    Dicom(#[from] DicomError),
    /// The folder holds no DICOM series.
    #[error("no DICOM series in {path}{skipped}")]
    Empty {
        /// The folder.
        path: PathBuf,
        /// A summary of the unreadable files (empty when there were none).
        skipped: String,
    },
    /// No usable series of a modality.
    #[error("no {modality} series{detail}")]
    MissingSeries {
        /// The modality looked for.
        modality: &'static str,
        /// The series skipped, and why.
        detail: String,
    },
    /// The PET and every CT belong to different studies.
    #[error("PET and CT come from different studies (PET study {pet_study}, CT study {ct_study})")]
    DifferentStudies {
        /// The PET's StudyInstanceUID.
        pet_study: String,
        /// A CT's StudyInstanceUID.
        ct_study: String,
    },
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

/// A file or series left out, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// The file or series.
    pub what: String,
    /// Why it was left out.
    pub reason: String,
}

/// The slices of one series.
#[derive(Debug, Clone)]
pub struct Series {
    /// StudyInstanceUID.
    pub study_uid: String,
    /// SeriesInstanceUID.
    pub series_uid: String,
    /// Modality (`CT`, `PT`, ...).
    pub modality: String,
    /// The slices' headers, in file order.
    pub slices: Vec<SliceHeader>,
}

impl Series {
    fn label(&self) -> String {
        let desc = self.slices[0].series_description.as_deref().unwrap_or("");
        if desc.is_empty() {
            self.series_uid.clone()
        } else {
            format!("{} ({desc})", self.series_uid)
        }
    }
}

/// Everything found in a folder tree.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    /// Series grouped by study (StudyInstanceUID), in UID order.
    pub studies: BTreeMap<String, Vec<Series>>,
    /// Files that are not readable DICOM.
    pub skipped: Vec<Skipped>,
}

fn files_under(root: &Path, out: &mut Vec<PathBuf>) -> Result<(), IngestError> {
    let io = |cause| IngestError::Io {
        path: root.to_path_buf(),
        cause,
    };
    let mut entries: Vec<_> = std::fs::read_dir(root)
        .map_err(io)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            files_under(&path, out)?;
        } else if path.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads the headers of every file under `root` (in parallel) and groups them.
pub fn discover(root: &Path) -> Result<Discovery, IngestError> {
    let mut files = Vec::new();
    files_under(root, &mut files)?;
    let headers: Vec<Result<SliceHeader, DicomError>> =
        files.par_iter().map(|p| dicom::read_header(p)).collect();
    let mut discovery = Discovery::default();
    let mut series: BTreeMap<(String, String), Series> = BTreeMap::new();
    for header in headers {
        match header {
            Err(e) => {
                let what = path_of_error(&e);
                // The message starts with the path; keep only the reason.
                let message = e.to_string();
                let reason = message
                    .strip_prefix(&format!("{what}: "))
                    .unwrap_or(&message)
                    .to_string();
                discovery.skipped.push(Skipped { what, reason })
            }
            Ok(h) => series
                .entry((h.study_uid.clone(), h.series_uid.clone()))
                .or_insert_with(|| Series {
                    study_uid: h.study_uid.clone(),
                    series_uid: h.series_uid.clone(),
                    modality: h.modality.clone(),
                    slices: Vec::new(),
                })
                .slices
                .push(h),
        }
    }
    for ((study, _), s) in series {
        discovery.studies.entry(study).or_default().push(s);
    }
    Ok(discovery)
}

fn path_of_error(e: &DicomError) -> String {
    match e {
        DicomError::NotDicom { path, .. }
        | DicomError::MissingTag { path, .. }
        | DicomError::BadValue { path, .. }
        | DicomError::PixelData { path, .. }
        | DicomError::Unsupported { path, .. }
        | DicomError::NonFinite { path, .. } => path.display().to_string(),
    }
}

/// The PET and CT series chosen for one exam.
#[derive(Debug, Clone)]
pub struct ExamSeries {
    /// The attenuation-corrected PET.
    pub pet: Series,
    /// The CT of the same study that overlaps the PET most.
    pub ct: Series,
    /// The other series, and why they were not chosen.
    pub skipped: Vec<Skipped>,
    /// Non-fatal problems.
    pub warnings: Vec<String>,
}

fn is_localizer(s: &Series) -> bool {
    s.slices.len() < 2
        || s.slices[0]
            .image_type
            .iter()
            .any(|t| t.eq_ignore_ascii_case("LOCALIZER"))
}

/// The candidate series of an exam by modality, and those left out.
#[derive(Default)]
struct Candidates {
    pets: Vec<Series>,
    cts: Vec<Series>,
    skipped: Vec<Skipped>,
    warnings: Vec<String>,
}

/// Sorts series into attenuation-corrected PETs and CTs; localizers, non-corrected PETs and
/// other modalities are skipped with the reason.
fn candidates(all: Vec<Series>) -> Candidates {
    let Candidates {
        mut pets,
        mut cts,
        mut skipped,
        mut warnings,
    } = Candidates::default();
    for s in all {
        let skip = |reason: String| Skipped {
            what: format!("{} series {}", s.modality, s.label()),
            reason,
        };
        match s.modality.as_str() {
            "PT" => match &s.slices[0].corrected_image {
                Some(c) if !c.iter().any(|v| v.eq_ignore_ascii_case("ATTN")) => {
                    skipped.push(skip(format!(
                        "not attenuation corrected (CorrectedImage {})",
                        c.join("\\")
                    )))
                }
                None => {
                    warnings.push(format!("PET series {} has no CorrectedImage (0028,0051); assumed attenuation corrected", s.label()));
                    pets.push(s)
                }
                Some(_) => pets.push(s),
            },
            "CT" if is_localizer(&s) => skipped.push(skip("localizer or single slice".into())),
            "CT" => cts.push(s),
            other => skipped.push(skip(format!("modality {other} is not used"))),
        }
    }
    Candidates {
        pets,
        cts,
        skipped,
        warnings,
    }
}

/// Picks the PET and CT among a set of series (one exam's folder or one study).
pub fn choose_series(all: Vec<Series>) -> Result<ExamSeries, IngestError> {
    let Candidates {
        mut pets,
        cts,
        mut skipped,
        mut warnings,
    } = candidates(all);
    if pets.is_empty() {
        return Err(IngestError::MissingSeries {
            modality: "attenuation-corrected PET",
            detail: skipped_summary(&skipped),
        });
    }
    if cts.is_empty() {
        return Err(IngestError::MissingSeries {
            modality: "CT",
            detail: skipped_summary(&skipped),
        });
    }
    // The largest AC PET; then the CT of the same study that overlaps it most.
    pets.sort_by_key(|s| std::cmp::Reverse(s.slices.len()));
    let pet = pets.remove(0);
    for other in pets {
        skipped.push(Skipped {
            what: format!("PT series {}", other.label()),
            reason: format!(
                "a larger attenuation-corrected PET ({}) was chosen",
                pet.series_uid
            ),
        });
    }
    let ct = choose_ct(&pet, cts, &mut skipped)?;
    if pet.slices[0].frame_of_reference_uid.is_some()
        && pet.slices[0].frame_of_reference_uid != ct.slices[0].frame_of_reference_uid
    {
        warnings.push(
            "PET and CT have different FrameOfReferenceUIDs; aligned by patient coordinates".into(),
        );
    }
    Ok(ExamSeries {
        pet,
        ct,
        skipped,
        warnings,
    })
}

/// ` (skipped: what: why; ...)`, or nothing when nothing was skipped.
fn skipped_summary(skipped: &[Skipped]) -> String {
    if skipped.is_empty() {
        String::new()
    } else {
        format!(
            " (skipped: {})",
            skipped
                .iter()
                .map(|s| format!("{}: {}", s.what, s.reason))
                .collect::<Vec<_>>()
                .join("; ")
        )
    }
}

/// The CT of the PET's study that overlaps it most (then the one with most slices); the other
/// CTs are added to `skipped`.
fn choose_ct(
    pet: &Series,
    cts: Vec<Series>,
    skipped: &mut Vec<Skipped>,
) -> Result<Series, IngestError> {
    let (same, other_studies): (Vec<Series>, Vec<Series>) =
        cts.into_iter().partition(|c| c.study_uid == pet.study_uid);
    if same.is_empty() {
        return Err(IngestError::DifferentStudies {
            pet_study: pet.study_uid.clone(),
            ct_study: other_studies[0].study_uid.clone(),
        });
    }
    for c in other_studies {
        skipped.push(Skipped {
            what: format!("CT series {}", c.label()),
            reason: format!("from another study ({})", c.study_uid),
        });
    }
    let pet_z = z_span(pet);
    let mut same: Vec<(f64, Series)> = same
        .into_iter()
        .map(|c| (overlap(z_span(&c), pet_z), c))
        .collect();
    same.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(b.1.slices.len().cmp(&a.1.slices.len()))
    });
    let (_, ct) = same.remove(0);
    for (_, c) in same {
        skipped.push(Skipped {
            what: format!("CT series {}", c.label()),
            reason: format!("CT series {} overlaps the PET more", ct.series_uid),
        });
    }
    Ok(ct)
}

fn z_span(s: &Series) -> (f64, f64) {
    let zs = s
        .slices
        .iter()
        .filter_map(|h| h.image_position_mm.map(|p| p[2]));
    zs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), z| {
        (lo.min(z), hi.max(z))
    })
}

fn overlap(a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.1.min(b.1) - a.0.max(b.0)).max(0.0)
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
    /// Where they came from and how they were converted.
    pub info: ExamInfo,
    /// Files and series left out, and why.
    pub skipped: Vec<Skipped>,
}

/// Ingests the chosen series of one exam.
pub fn ingest_series(
    exam_id: &ExamId,
    chosen: ExamSeries,
    grid: &ModelGrid,
) -> Result<Ingested, IngestError> {
    let ExamSeries {
        pet,
        ct,
        skipped,
        mut warnings,
    } = chosen;
    let ct_layout = layout_series(&ct.slices).map_err(|cause| IngestError::Layout {
        modality: "CT",
        series: ct.label(),
        cause,
    })?;
    let pet_layout = layout_series(&pet.slices).map_err(|cause| IngestError::Layout {
        modality: "PET",
        series: pet.label(),
        cause,
    })?;
    let tags = series_suv_tags(&pet)?;
    let conversion = suv::suv_conversion(&tags).map_err(|cause| IngestError::Suv {
        series: pet.label(),
        cause,
    })?;
    let philips_per_slice = tags
        .units
        .as_deref()
        .is_some_and(|u| u.trim().eq_ignore_ascii_case("CNTS"));

    let target = model_geometry(&ct_layout, &pet_layout, grid)?;
    let ct_hu = resample_series(&ct, &ct_layout, &target, CT_FILL_HU, &|_, _| Ok(()))?;
    let pet_label = pet.label();
    let pet_suv = resample_series(&pet, &pet_layout, &target, PET_FILL_SUV, &|h, pixels| {
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
            series: pet_label.clone(),
            cause,
        })?;
        let factor = factor as f32;
        pixels.iter_mut().for_each(|v| *v *= factor);
        Ok(())
    })?;
    warnings.extend(coarse_slices(&ct_layout, &pet_layout, grid));
    let info = ExamInfo {
        study_instance_uid: pet.study_uid.clone(),
        ct_series_uid: ct.series_uid.clone(),
        pet_series_uid: pet.series_uid.clone(),
        suv_method: conversion.method().to_string(),
        suv_factor: (!philips_per_slice)
            .then(|| conversion.single_factor())
            .flatten(),
        ct_native: Some(ct_layout.native_geometry()),
        pet_native: Some(pet_layout.native_geometry()),
        warnings,
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

/// Ingests the one exam in `dir` (all its series; PET and CT must be from the same study).
pub fn ingest_dir(exam_id: &ExamId, dir: &Path, grid: &ModelGrid) -> Result<Ingested, ExamError> {
    let wrap = |error| ExamError {
        exam: exam_id.to_string(),
        error,
    };
    let discovery = discover(dir).map_err(wrap)?;
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
    let chosen = choose_series(all).map_err(wrap)?;
    let mut ingested = ingest_series(exam_id, chosen, grid).map_err(wrap)?;
    ingested.skipped.extend(discovery.skipped);
    Ok(ingested)
}

/// The exam id of a study found by discovery: AccessionNumber when every slice has the same
/// one, else the StudyInstanceUID.
pub fn study_exam_id(study_uid: &str, series: &[Series]) -> ExamId {
    let accession = series
        .iter()
        .flat_map(|s| &s.slices)
        .map(|h| h.accession_number.clone())
        .collect::<std::collections::BTreeSet<_>>();
    match accession.into_iter().collect::<Vec<_>>().as_slice() {
        [Some(a)] => {
            ExamId::new(a).unwrap_or_else(|| ExamId::new(study_uid).expect("non-empty UID"))
        }
        _ => ExamId::new(study_uid).expect("StudyInstanceUID is required non-empty"),
    }
}
