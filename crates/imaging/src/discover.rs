//! Step 1 of ingestion: read the header of every file under a folder (in parallel, stopping
//! before the pixel data) and group the slices by StudyInstanceUID and SeriesInstanceUID. Files
//! that are not DICOM are listed as skipped, with the reason; the same instance exported twice
//! (one SOPInstanceUID at one position) is kept once.

use crate::dicom::{self, DicomError, SliceHeader};
use crate::record::Skipped;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// A folder that cannot be listed.
#[derive(Debug, thiserror::Error)]
#[error("cannot read folder {path}: {cause}")]
pub struct DiscoveryError {
    /// The folder.
    pub path: PathBuf,
    /// Why.
    pub cause: std::io::Error,
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
    /// `UID (SeriesDescription)`, or the UID alone.
    pub fn label(&self) -> String {
        match self.description() {
            "" => self.series_uid.clone(),
            desc => format!("{} ({desc})", self.series_uid),
        }
    }

    /// SeriesDescription of the first slice (empty when absent).
    pub fn description(&self) -> &str {
        self.slices[0].series_description.as_deref().unwrap_or("")
    }

    /// `(lowest, highest)` ImagePositionPatient z over the slices.
    pub fn z_span_mm(&self) -> (f64, f64) {
        self.slices
            .iter()
            .filter_map(|h| h.image_position_mm.map(|p| p[2]))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), z| {
                (lo.min(z), hi.max(z))
            })
    }
}

/// Everything found in a folder tree.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    /// Series grouped by study (StudyInstanceUID), in UID order.
    pub studies: BTreeMap<String, Vec<Series>>,
    /// Files that are not readable DICOM, and instances found twice.
    pub skipped: Vec<Skipped>,
}

fn files_under(root: &Path, out: &mut Vec<PathBuf>) -> Result<(), DiscoveryError> {
    let io = |cause| DiscoveryError {
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
pub fn discover(root: &Path) -> Result<Discovery, DiscoveryError> {
    let mut files = Vec::new();
    files_under(root, &mut files)?;
    let headers: Vec<Result<SliceHeader, DicomError>> =
        files.par_iter().map(|p| dicom::read_header(p)).collect();
    let mut discovery = Discovery::default();
    let mut series: BTreeMap<(String, String), Series> = BTreeMap::new();
    for header in headers {
        match header {
            Err(e) => discovery.skipped.push(unreadable(&e)),
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
    for ((study, _), mut s) in series {
        discovery.skipped.extend(drop_repeated_instances(&mut s));
        discovery.studies.entry(study).or_default().push(s);
    }
    Ok(discovery)
}

/// The file of an unreadable header and why (the message starts with the path).
fn unreadable(e: &DicomError) -> Skipped {
    let what = match e {
        DicomError::NotDicom { path, .. }
        | DicomError::MissingTag { path, .. }
        | DicomError::BadValue { path, .. }
        | DicomError::PixelData { path, .. }
        | DicomError::Unsupported { path, .. }
        | DicomError::NonFinite { path, .. } => path.display().to_string(),
    };
    let message = e.to_string();
    let reason = message
        .strip_prefix(&format!("{what}: "))
        .unwrap_or(&message)
        .to_string();
    Skipped { what, reason }
}

/// Keeps the first file (in path order) of each SOPInstanceUID at one position: the same
/// instance exported twice is one slice, not a duplicate slice position.
fn drop_repeated_instances(series: &mut Series) -> Vec<Skipped> {
    let mut first: HashMap<(String, Option<[u64; 3]>), PathBuf> = HashMap::new();
    let mut skipped = Vec::new();
    series.slices.retain(|h| {
        let Some(uid) = &h.sop_instance_uid else {
            return true;
        };
        let position = h.image_position_mm.map(|p| p.map(f64::to_bits));
        match first.get(&(uid.clone(), position)) {
            Some(original) => {
                skipped.push(Skipped {
                    what: h.path.display().to_string(),
                    reason: format!(
                        "the same instance as {} (SOPInstanceUID {uid}): exported twice, kept once",
                        original.display()
                    ),
                });
                false
            }
            None => {
                first.insert((uid.clone(), position), h.path.clone());
                true
            }
        }
    });
    skipped
}
