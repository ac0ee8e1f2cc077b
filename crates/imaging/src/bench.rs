//! How fast one exam is ingested (`uptake bench ingest`): the benchmark phantom
//! ([`PhantomSpec::bench`]) written as DICOM once, then ingested and stored several times; the
//! best time counts; and how fast one compressed slice decodes ([`bench_decode`], the JPEG 2000
//! line of the benchmark). Timings are reported, never asserted.

use std::path::{Path, PathBuf};
use std::time::Instant;

use uptake_core::{ExamId, cache_dir};

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
    /// The compressed slice could not be decoded.
    #[error(transparent)]
    Decode(#[from] DicomError),
    /// The Python baseline could not run or failed.
    #[error("the Python baseline ({python}) failed: {reason}")]
    Baseline {
        /// The Python interpreter.
        python: PathBuf,
        /// Why (its error output).
        reason: String,
    },
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

/// What `uptake bench ingest` measures ([`run_bench`]).
#[derive(Debug, Clone, PartialEq)]
pub struct BenchSettings {
    /// The model grid the phantom is ingested onto.
    pub grid: ModelGrid,
    /// Timed repetitions of the ingestion (the best counts; the decoding runs at least 10).
    pub repeats: usize,
    /// Python with pydicom, numpy and scipy for the baseline (default: the set-up venv,
    /// `$UPTAKE_CACHE/venv-imaging/bin/python`); skipped when absent.
    pub python: PathBuf,
    /// The JPEG 2000 slice to decode (default: the set-up's 512 x 512 lossless CT slice);
    /// skipped when absent.
    pub j2k_slice: PathBuf,
}

impl Default for BenchSettings {
    fn default() -> Self {
        Self {
            grid: ModelGrid::default(),
            repeats: 3,
            python: cache_dir().join("venv-imaging/bin/python"),
            j2k_slice: cache_dir().join("syntax-fixtures/j2k_512.dcm"),
        }
    }
}

/// A measurement, or the file it needs that is not there.
#[derive(Debug, Clone, PartialEq)]
pub enum Measured<T> {
    /// The figures.
    Done(T),
    /// Skipped: this file is missing (run scripts/setup).
    Missing(PathBuf),
}

/// The same exam ingested by `scripts/ingest_baseline.py` (pydicom + numpy + scipy).
#[derive(Debug, Clone, PartialEq)]
pub struct PythonBaseline {
    /// The best seconds per exam, timed inside the Python process.
    pub best_s: f64,
    /// Wall seconds for all its runs.
    pub wall_s: f64,
}

/// The figures of [`run_bench`]; shown as the benchmark's lines.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    /// Our ingestion.
    pub ingest: IngestBench,
    /// JPEG 2000 decoding.
    pub decode: Measured<DecodeBench>,
    /// The Python baseline.
    pub python: Measured<PythonBaseline>,
}

/// The whole benchmark in `root`: [`bench_ingest`], [`bench_decode`] on the JPEG 2000 slice and
/// the Python baseline on the same exam, each skipped when its file is missing.
pub fn run_bench(root: &Path, settings: &BenchSettings) -> Result<BenchReport, BenchError> {
    let ingest = bench_ingest(root, &settings.grid, settings.repeats)?;
    let (slice, python) = (&settings.j2k_slice, &settings.python);
    let decode = if slice.is_file() {
        Measured::Done(bench_decode(slice, settings.repeats.max(10))?)
    } else {
        Measured::Missing(slice.clone())
    };
    let python = if python.is_file() {
        Measured::Done(python_baseline(python, &ingest, root, &settings.grid)?)
    } else {
        Measured::Missing(python.clone())
    };
    Ok(BenchReport {
        ingest,
        decode,
        python,
    })
}

/// Runs scripts/ingest_baseline.py on the benchmark exam.
fn python_baseline(
    python: &Path,
    bench: &IngestBench,
    root: &Path,
    grid: &ModelGrid,
) -> Result<PythonBaseline, BenchError> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/ingest_baseline.py");
    let failed = |reason: String| BenchError::Baseline {
        python: python.to_path_buf(),
        reason,
    };
    let t = Instant::now();
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(&bench.dicom_dir)
        .arg(root.join("baseline.npz"))
        .args(["--size", &grid.size.to_string()])
        .args(["--fov-mm", &grid.fov_mm.to_string()])
        .args(["--slice-mm", &grid.slice_mm.to_string()])
        .args(["--repeat", &bench.repeats.to_string()])
        .output()
        .map_err(|e| failed(e.to_string()))?;
    let wall_s = t.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(failed(String::from_utf8_lossy(&out.stderr).into_owned()));
    }
    let best_s = String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("seconds_per_exam ")?.trim().parse().ok())
        .ok_or_else(|| failed("it printed no seconds_per_exam".into()))?;
    Ok(PythonBaseline { best_s, wall_s })
}

impl IngestBench {
    /// `wrote the benchmark exam (...) in N s` when the phantom was written by this run.
    pub fn phantom_note(&self) -> Option<String> {
        let (ct, pet) = (&self.spec.ct, &self.spec.pet);
        self.phantom_written_s.map(|seconds| {
            format!(
                "wrote the benchmark exam ({} CT slices {}x{}, {} PET slices {}x{}) in {seconds:.1} s",
                ct.slices, ct.size, ct.size, pet.slices, pet.size, pet.size
            )
        })
    }
}

/// The exam and our seconds per exam, two lines.
impl std::fmt::Display for IngestBench {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (ct, pet) = (&self.spec.ct, &self.spec.pet);
        writeln!(
            f,
            "exam: CT {}x{} x {} slices, PET {}x{} x {} slices -> model grid {:?} ({} threads)",
            ct.size,
            ct.size,
            ct.slices,
            pet.size,
            pet.size,
            pet.slices,
            self.model_shape,
            self.threads
        )?;
        write!(
            f,
            "uptake ingest (Rust):           {:.2} s per exam (best of {})",
            self.best_s, self.repeats
        )
    }
}

/// The decoding line: milliseconds per slice, Mpixel/s, seconds for a 250-slice CT.
impl std::fmt::Display for DecodeBench {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} decoding:  {:.1} ms per {}x{} slice ({:.1} Mpixel/s, best of {}; {:.1} s for 250 such CT slices on one thread)",
            self.syntax,
            self.best_ms,
            self.pixels.0,
            self.pixels.1,
            self.megapixels_per_s(),
            self.repeats,
            self.best_ms * 250.0 / 1000.0
        )
    }
}

/// The benchmark's lines: the exam, ours, JPEG 2000 decoding, the Python baseline and the
/// speed-up.
impl std::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{}", self.ingest)?;
        match &self.decode {
            Measured::Done(decode) => writeln!(f, "{decode}")?,
            Measured::Missing(path) => writeln!(
                f,
                "JPEG 2000 decoding: skipped ({} not found; run scripts/setup)",
                path.display()
            )?,
        }
        let py = match &self.python {
            Measured::Done(py) => py,
            Measured::Missing(path) => {
                return writeln!(
                    f,
                    "Python baseline: skipped ({} not found; run scripts/setup)",
                    path.display()
                );
            }
        };
        writeln!(
            f,
            "pydicom + numpy + scipy:        {:.2} s per exam (best of {}, in-process; {:.1} s wall for all runs)",
            py.best_s, self.ingest.repeats, py.wall_s
        )?;
        writeln!(
            f,
            "speed-up:                       {:.1}x (goal >= 3x)",
            py.best_s / self.ingest.best_s
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(python: Measured<PythonBaseline>) -> BenchReport {
        BenchReport {
            ingest: IngestBench {
                spec: PhantomSpec::bench(),
                dicom_dir: PathBuf::from("bench/dicom"),
                phantom_written_s: None,
                model_shape: [100, 224, 224],
                repeats: 3,
                best_s: 0.5,
                threads: 2,
            },
            decode: Measured::Missing(PathBuf::from("j2k_512.dcm")),
            python,
        }
    }

    #[test]
    fn the_report_gives_the_speed_up_over_the_python_baseline() {
        let text = report(Measured::Done(PythonBaseline {
            best_s: 2.0,
            wall_s: 9.0,
        }))
        .to_string();
        assert!(
            text.contains("-> model grid [100, 224, 224] (2 threads)"),
            "{text}"
        );
        assert!(text.contains("0.50 s per exam (best of 3)"), "{text}");
        assert!(
            text.contains("JPEG 2000 decoding: skipped (j2k_512.dcm not found"),
            "{text}"
        );
        assert!(
            text.contains("2.00 s per exam (best of 3, in-process; 9.0 s wall"),
            "{text}"
        );
        assert!(text.trim_end().ends_with("4.0x (goal >= 3x)"), "{text}");
    }

    #[test]
    fn a_missing_python_skips_the_baseline_and_the_speed_up() {
        let text = report(Measured::Missing(PathBuf::from("py"))).to_string();
        assert!(
            text.contains("Python baseline: skipped (py not found"),
            "{text}"
        );
        assert!(!text.contains("speed-up"), "{text}");
    }
}
