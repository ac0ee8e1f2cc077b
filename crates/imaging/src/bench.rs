//! How fast one exam is ingested (`uptake bench ingest`): the benchmark phantom
//! ([`PhantomSpec::bench`]) written as DICOM once, then ingested and stored several times; the
//! best time counts; and how fast one compressed slice decodes ([`bench_decode`], the JPEG 2000
//! line of the benchmark). Timings are reported, never asserted.

use std::path::{Path, PathBuf};
use std::time::Instant;

use uptake_core::ExamId;

use crate::dicom::{DicomError, read_slice};
use crate::ingest::{ExamError, ModelGrid, ingest_dir};
use crate::phantom::{PhantomSpec, write_phantom};
use crate::store::{ExamStore, StoreError};
use crate::syntax::TransferSyntax;

/// How fast one compressed slice decodes ([`bench_decode`]).
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeBench {
    /// The file.
    pub path: PathBuf,
    /// Its transfer syntax.
    pub syntax: String,
    /// Rows x columns.
    pub pixels: (usize, usize),
    /// The best milliseconds for one read (header, decode, rescale).
    pub best_ms: f64,
    /// Timed repetitions.
    pub repeats: usize,
}

impl DecodeBench {
    /// Million pixels decoded per second.
    pub fn megapixels_per_s(&self) -> f64 {
        (self.pixels.0 * self.pixels.1) as f64 / 1e6 / (self.best_ms / 1000.0)
    }
}

/// Reads (and decodes) the slice `path` `repeats` times (at least once); the best time counts.
pub fn bench_decode(path: &Path, repeats: usize) -> Result<DecodeBench, DicomError> {
    let mut best_ms = f64::INFINITY;
    let mut header = None;
    for _ in 0..repeats.max(1) {
        let t = Instant::now();
        let (h, _) = read_slice(path)?;
        best_ms = best_ms.min(t.elapsed().as_secs_f64() * 1000.0);
        header = Some(h);
    }
    let header = header.expect("at least one repetition");
    let obj = dicom_object::OpenFileOptions::new()
        .read_until(dicom_dictionary_std::tags::PIXEL_DATA)
        .open_file(path)
        .map_err(|e| DicomError::NotDicom {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    Ok(DecodeBench {
        path: path.to_path_buf(),
        syntax: TransferSyntax::of(obj.meta().transfer_syntax()).name(),
        pixels: (header.rows, header.cols),
        best_ms,
        repeats: repeats.max(1),
    })
}

/// Why the benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The phantom could not be written.
    #[error("cannot write the benchmark phantom into {path}")]
    Phantom {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The phantom could not be ingested.
    #[error(transparent)]
    Ingest(#[from] ExamError),
    /// The store could not write or read it.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The benchmark's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestBench {
    /// The exam ingested.
    pub spec: PhantomSpec,
    /// Its DICOM folder (`<root>/dicom`).
    pub dicom_dir: PathBuf,
    /// Seconds it took to write the phantom; `None` when it was there already.
    pub phantom_written_s: Option<f64>,
    /// The shape of the stored exam on the model grid, `[slices, rows, cols]`.
    pub model_shape: [usize; 3],
    /// Timed repetitions.
    pub repeats: usize,
    /// The best seconds per exam (ingest and store).
    pub best_s: f64,
    /// Threads available to the ingestion.
    pub threads: usize,
}

/// Writes the benchmark phantom into `<root>/dicom` unless it is there, then ingests it onto
/// `grid` and stores it in `<root>/store`, `repeats` times (at least once).
pub fn bench_ingest(
    root: &Path,
    grid: &ModelGrid,
    repeats: usize,
) -> Result<IngestBench, BenchError> {
    let dicom_dir = root.join("dicom");
    let spec = PhantomSpec::bench();
    let mut phantom_written_s = None;
    if !dicom_dir.join("PT").is_dir() {
        let t = Instant::now();
        write_phantom(&dicom_dir, &spec).map_err(|source| BenchError::Phantom {
            path: dicom_dir.clone(),
            source,
        })?;
        phantom_written_s = Some(t.elapsed().as_secs_f64());
    }
    let store = ExamStore::open(root.join("store"))?;
    let exam = ExamId::new("bench").expect("static id");
    let repeats = repeats.max(1);
    let mut best_s = f64::INFINITY;
    for _ in 0..repeats {
        let t = Instant::now();
        let ingested = ingest_dir(&exam, &dicom_dir, grid)?;
        store.write_with_info(&ingested.volume, Some(&ingested.info))?;
        best_s = best_s.min(t.elapsed().as_secs_f64());
    }
    Ok(IngestBench {
        spec,
        dicom_dir,
        phantom_written_s,
        model_shape: store.geometry(&exam)?.shape,
        repeats,
        best_s,
        threads: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
    })
}
