//! A look at one exam ([`inspect`]): where its grid lies, where its volumes came from, its SUV
//! statistics ([`crate::voi`]) in volumes of interest such as the liver and the blood pool, and
//! a coronal MIP picture ([`crate::mip`]).
//!
//! Without VOIs of its own, a synthetic exam's region map (`regions.json`) gives the liver and
//! blood-pool reference VOIs: the map given, else the one the manifest's `regions_path` names
//! for the exam, else a `regions.json` beside or above the DICOM folder.

use std::path::{Path, PathBuf};

use uptake_core::{AtomicWriteError, ExamId, Manifest, ManifestError, RegionMap, RegionMapError};

use crate::ingest::{ExamError, ModelGrid, Skipped, ingest_dir};
use crate::mip::write_mip_png;
use crate::store::{ExamInfo, ExamStore, Geometry, StoreError};
use crate::voi::{SuvSummary, Voi, reference_vois, suv_summary};

/// Which exam to look at.
#[derive(Debug, Clone, PartialEq)]
pub enum InspectSource {
    /// An exam of an exam store.
    Stored {
        /// The store's folder.
        store: PathBuf,
        /// The exam.
        exam: ExamId,
    },
    /// The DICOM folder of one exam, ingested onto `grid` for the look (not stored).
    Dicom {
        /// The folder.
        dir: PathBuf,
        /// The id to give the exam.
        exam: ExamId,
        /// The model grid.
        grid: ModelGrid,
    },
}

impl InspectSource {
    /// The exam `exam` of the store in the folder `store`.
    pub fn stored(store: PathBuf, exam: Option<&str>) -> Result<Self, InspectError> {
        let exam = exam.and_then(ExamId::new).ok_or(InspectError::NoExamId)?;
        Ok(Self::Stored { store, exam })
    }

    /// The DICOM folder `dir` of one exam, named `exam` (by default `dicom`), on `grid`.
    pub fn dicom(dir: PathBuf, exam: Option<&str>, grid: ModelGrid) -> Result<Self, InspectError> {
        let exam = ExamId::new(exam.unwrap_or("dicom")).ok_or(InspectError::NoExamId)?;
        Ok(Self::Dicom { dir, exam, grid })
    }

    fn exam(&self) -> &ExamId {
        match self {
            Self::Stored { exam, .. } | Self::Dicom { exam, .. } => exam,
        }
    }
}

/// What [`inspect`] measures and writes (with the `cli` feature: `uptake inspect`'s options).
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct InspectSettings {
    /// A spherical VOI `NAME=X,Y,Z[,R]` in LPS mm (radius default 15): mean SUV is reported
    /// for it (e.g. liver and blood pool). Repeatable. None: the reference VOIs of the exam's
    /// region map.
    #[cfg_attr(feature = "cli", arg(long = "voi", value_name = "NAME=X,Y,Z[,R]"))]
    pub vois: Vec<Voi>,
    /// Region map of a synthetic exam (`regions.json`): its liver and blood-pool reference
    /// points become VOIs. Found automatically beside a --dicom folder or through --manifest.
    #[cfg_attr(feature = "cli", arg(long = "regions", value_name = "REGIONS"))]
    pub region_map: Option<PathBuf>,
    /// Cohort manifest: the exam's `regions_path` column gives its region map.
    #[cfg_attr(feature = "cli", arg(long))]
    pub manifest: Option<PathBuf>,
    /// Where to write the coronal MIP picture (default `<exam>_mip.png` here).
    #[cfg_attr(feature = "cli", arg(long))]
    pub png: Option<PathBuf>,
}

/// What [`inspect`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Inspection {
    /// The exam.
    pub exam_id: ExamId,
    /// Its grid.
    pub geometry: Geometry,
    /// Where the volumes came from, when recorded.
    pub info: Option<ExamInfo>,
    /// Files and series left out (DICOM source only).
    pub skipped: Vec<Skipped>,
    /// The region map the VOIs came from, if they did.
    pub region_map: Option<PathBuf>,
    /// SUV statistics, with one entry per VOI.
    pub summary: SuvSummary,
    /// The picture written.
    pub png: PathBuf,
}

/// Why an exam could not be inspected.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    /// No exam id, or an empty one, for an exam of a store (or a blank one for a DICOM folder).
    #[error("give the exam id to inspect")]
    NoExamId,
    /// The store, or the exam in it.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The DICOM folder.
    #[error(transparent)]
    Ingest(#[from] ExamError),
    /// The manifest.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The region map.
    #[error(transparent)]
    RegionMap(#[from] RegionMapError),
    /// The picture.
    #[error(transparent)]
    Png(#[from] AtomicWriteError),
}

/// Loads (or ingests) the exam, measures its SUV statistics and writes its MIP picture.
pub fn inspect(
    source: &InspectSource,
    settings: &InspectSettings,
) -> Result<Inspection, InspectError> {
    let mut vois = settings.vois.clone();
    let mut region_map = None;
    if vois.is_empty()
        && let Some(path) = find_region_map(source, settings)?
    {
        vois = reference_vois(&RegionMap::read(&path)?);
        region_map = Some(path);
    }
    let (volume, info, skipped) = match source {
        InspectSource::Stored { store, exam } => {
            let store = ExamStore::open(store)?;
            (store.load(exam)?, store.info(exam)?, Vec::new())
        }
        InspectSource::Dicom { dir, exam, grid } => {
            let ingested = ingest_dir(exam, dir, grid)?;
            (ingested.volume, Some(ingested.info), ingested.skipped)
        }
    };
    let png = settings
        .png
        .clone()
        .unwrap_or_else(|| default_png(&volume.exam_id));
    write_mip_png(&png, &volume)?;
    Ok(Inspection {
        summary: suv_summary(&volume, &vois),
        exam_id: volume.exam_id,
        geometry: volume.geometry,
        info,
        skipped,
        region_map,
        png,
    })
}

/// The region map to use: the one given, else the manifest's `regions_path` for the exam,
/// else `regions.json` beside or above a DICOM folder.
fn find_region_map(
    source: &InspectSource,
    settings: &InspectSettings,
) -> Result<Option<PathBuf>, ManifestError> {
    if let Some(path) = &settings.region_map {
        return Ok(Some(path.clone()));
    }
    if let Some(manifest) = &settings.manifest {
        let manifest = Manifest::read(manifest)?;
        if let Some(path) = manifest
            .get(source.exam())
            .and_then(|e| e.regions_path.clone())
        {
            return Ok(Some(path));
        }
    }
    if let InspectSource::Dicom { dir, .. } = source {
        for candidate in [dir.join("regions.json"), dir.join("../regions.json")] {
            if candidate.is_file() {
                return Ok(Some(candidate));
            }
        }
    }
    Ok(None)
}

/// `<exam>_mip.png`, characters other than letters, digits, `-`, `_` and `.` replaced by `_`.
fn default_png(exam: &ExamId) -> PathBuf {
    let stem: String = exam
        .as_str()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Path::new(&format!("{stem}_mip.png")).to_path_buf()
}

/// The look `uptake inspect` prints, one `name  value` line each: where the grid lies, where
/// the volumes came from, SUVmax, the body's mean SUV, the VOIs and the picture.
impl std::fmt::Display for Inspection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(path) = &self.region_map {
            writeln!(f, "region map      {}", path.display())?;
        }
        for s in &self.skipped {
            writeln!(f, "skipped         {}: {}", s.what, s.reason)?;
        }
        writeln!(f, "exam            {}", self.exam_id)?;
        write_grid(f, &self.geometry)?;
        if let Some(info) = &self.info {
            write_provenance(f, info)?;
        }
        write_suv(f, &self.summary)?;
        writeln!(f, "MIP picture     {}", self.png.display())
    }
}

/// Where the exam's grid lies.
fn write_grid(f: &mut std::fmt::Formatter<'_>, g: &Geometry) -> std::fmt::Result {
    let ([z, y, x], [dz, dy, dx]) = (g.shape, g.spacing_mm);
    writeln!(f, "grid            {z} slices x {y} x {x} (z, y, x)")?;
    writeln!(f, "spacing         {dz:.2} x {dy:.2} x {dx:.2} mm")?;
    writeln!(
        f,
        "first voxel     LPS x {:.1}, y {:.1}, z {:.1} mm (slice 0 is the head end)",
        g.origin_mm[2], g.origin_mm[1], g.origin_mm[0]
    )?;
    let last = g.position_mm(z - 1, 0, 0)[0];
    writeln!(f, "z range         {last:.1} .. {:.1} mm", g.origin_mm[0])
}

/// Where the volumes came from: the series chosen and why, what was left out, repairs and
/// warnings.
fn write_provenance(f: &mut std::fmt::Formatter<'_>, info: &ExamInfo) -> std::fmt::Result {
    writeln!(f, "study           {}", info.study_instance_uid)?;
    writeln!(f, "CT series       {}", info.ct_series_uid)?;
    writeln!(f, "  chosen        {}", info.ct_choice)?;
    writeln!(f, "PET series      {}", info.pet_series_uid)?;
    writeln!(f, "  chosen        {}", info.pet_choice)?;
    for s in &info.rejected_series {
        writeln!(f, "not chosen      {}: {}", s.what, s.reason)?;
    }
    for s in &info.skipped_files {
        writeln!(f, "skipped file    {}: {}", s.what, s.reason)?;
    }
    if let Some(mask) = &info.lesion_mask {
        writeln!(f, "lesion mask     {mask}")?;
    }
    for (name, native) in [
        ("CT native", info.ct_native),
        ("PET native", info.pet_native),
    ] {
        if let Some(n) = native {
            let ([z, y, x], [dz, dy, dx]) = (n.shape, n.spacing_mm);
            writeln!(
                f,
                "{name:<15} {z} x {y} x {x}, {dz:.2} x {dy:.2} x {dx:.2} mm"
            )?;
        }
    }
    writeln!(f, "SUV             {}", info.suv_method)?;
    for r in &info.repairs {
        writeln!(f, "repaired        {r}")?;
    }
    for w in &info.warnings {
        writeln!(f, "warning         {w}")?;
    }
    Ok(())
}

/// SUVmax, the body's mean SUV and the VOIs.
fn write_suv(f: &mut std::fmt::Formatter<'_>, s: &SuvSummary) -> std::fmt::Result {
    let [x, y, z] = s.suv_max_at_mm;
    writeln!(
        f,
        "SUVmax          {:.2} at LPS ({x:.1}, {y:.1}, {z:.1}) mm (model grid)",
        s.suv_max
    )?;
    writeln!(
        f,
        "body mean SUV   {:.2} (voxels with CT > -500 HU)",
        s.body_mean_suv
    )?;
    for v in &s.vois {
        writeln!(
            f,
            "VOI {:<11} mean SUV {:.2}, max {:.2}, mean {:.0} HU ({} voxels)",
            v.name, v.mean_suv, v.max_suv, v.mean_hu, v.voxels
        )?;
    }
    if s.vois.is_empty() {
        writeln!(
            f,
            "(no liver / blood-pool VOI: pass --regions regions.json, --manifest M, or --voi liver=X,Y,Z)"
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_picture_is_named_after_the_exam_with_safe_characters() {
        let exam = ExamId::new("1.2/3 a").unwrap();
        assert_eq!(default_png(&exam), PathBuf::from("1.2_3_a_mip.png"));
    }

    #[test]
    fn a_stored_exam_needs_its_id_a_dicom_folder_is_named_dicom_by_default() {
        let stored = InspectSource::stored("store".into(), None);
        assert!(matches!(stored, Err(InspectError::NoExamId)));
        let stored = InspectSource::stored("store".into(), Some("E1")).unwrap();
        assert_eq!(stored.exam().as_str(), "E1");
        let dicom = InspectSource::dicom("dir".into(), None, ModelGrid::default()).unwrap();
        assert_eq!(dicom.exam().as_str(), "dicom");
        let blank = InspectSource::dicom("dir".into(), Some(" "), ModelGrid::default());
        assert!(matches!(blank, Err(InspectError::NoExamId)));
    }

    #[test]
    fn a_region_map_beside_the_dicom_folder_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let dicom = dir.path().join("dicom");
        std::fs::create_dir(&dicom).unwrap();
        std::fs::write(dir.path().join("regions.json"), "{}").unwrap();
        let source = InspectSource::Dicom {
            dir: dicom.clone(),
            exam: ExamId::new("E1").unwrap(),
            grid: ModelGrid::default(),
        };
        let found = find_region_map(&source, &InspectSettings::default()).unwrap();
        assert_eq!(found, Some(dicom.join("../regions.json")));
    }

    #[test]
    fn the_manifest_names_the_region_map_of_the_exam() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("manifest.csv");
        std::fs::write(
            &manifest,
            "exam_id,regions_path\nE1,exams/E1/regions.json\nE2,\n",
        )
        .unwrap();
        let settings = InspectSettings {
            manifest: Some(manifest),
            ..InspectSettings::default()
        };
        let stored = |exam: &str| InspectSource::Stored {
            store: dir.path().join("store"),
            exam: ExamId::new(exam).unwrap(),
        };
        assert_eq!(
            find_region_map(&stored("E1"), &settings).unwrap(),
            Some(dir.path().join("exams/E1/regions.json"))
        );
        assert_eq!(find_region_map(&stored("E2"), &settings).unwrap(), None);
    }
}
