//! Why a cohort could not be made.

use crate::dataset::DatasetError;
use crate::dicom::DicomWriteError;
use crate::phantom::PhantomError;
use std::path::{Path, PathBuf};
use uptake_core::{ManifestError, RegionMapError};

/// A cohort that could not be made. Finished exams are left intact.
#[derive(Debug, thiserror::Error)]
pub enum CohortError {
    /// A setting is out of its range.
    #[error("{0}")]
    Setting(String),
    /// A folder or file could not be made, moved or removed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The folder or file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An exam's phantom could not be built.
    #[error(transparent)]
    Phantom(#[from] PhantomError),
    /// An exam's DICOM files could not be written.
    #[error(transparent)]
    Dicom(#[from] DicomWriteError),
    /// An exam's region map could not be written.
    #[error(transparent)]
    RegionMap(#[from] RegionMapError),
    /// The manifest could not be written.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The reports, specs or truth tables could not be written.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// Some exams failed; the cohort-level files were not written.
    #[error(
        "{failed} of {total} exams failed; finished exams are intact, no manifest was written. First: {first}"
    )]
    Exams {
        /// How many failed.
        failed: usize,
        /// How many were planned.
        total: usize,
        /// The first failure (by exam id).
        first: String,
    },
}

/// Maps an I/O error on `path` to [`CohortError::Io`].
pub(super) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CohortError + '_ {
    move |source| CohortError::Io {
        path: path.to_path_buf(),
        source,
    }
}
