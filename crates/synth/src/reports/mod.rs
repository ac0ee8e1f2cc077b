//! Synthetic free-text PET/CT reports with their true region labels.
//!
//! [`sample_exam`] decides what an exam contains (an [`ExamSpec`]); [`write_report`] describes
//! it in one of several institution styles. The cohort generator calls both and places the
//! lesions in the phantom by their `site` ([`site_names`] lists them; all are regions of the
//! built-in ontology). [`generate`] and [`write_dataset`] make a report data set: reports,
//! specs and the hand-label style truth table of what each report says.

pub mod catalogue;
pub mod sample;
pub mod writer;

pub use catalogue::{Kind, SITES, SiteDef, find_site, site_names};
pub use sample::{INDICATIONS, NORMAL_FRACTION, sample_exam, sample_findings};
pub use writer::write_report;

use crate::spec::{ExamSpec, ReportedAs};
use crate::taxonomy::{is_ancestor_or_self, task_region_names};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::io::Write;
use std::path::{Path, PathBuf};
use uptake_core::{ExamId, RegionTable, write_atomic};

/// One synthetic exam: its ground truth and its report.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticReport {
    pub spec: ExamSpec,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportSetError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: uptake_core::AtomicWriteError,
    },
    #[error(transparent)]
    Table(#[from] uptake_core::TableError),
}

/// The exam id of the `index`-th report of a data set made with `seed`.
pub fn exam_id(seed: u64, index: usize) -> ExamId {
    ExamId::new(format!("S{seed}-{index:05}")).expect("non-empty id")
}

/// The random state of one exam: independent streams per exam, so exam `i` is the same
/// whatever the size of the data set.
fn exam_rng(seed: u64, index: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index as u64);
    rng
}

/// The `index`-th exam of the data set made with `seed`.
pub fn generate_one(seed: u64, index: usize) -> SyntheticReport {
    let mut rng = exam_rng(seed, index);
    let spec = sample_exam(exam_id(seed, index), &mut rng);
    let text = write_report(&spec, &mut rng);
    SyntheticReport { spec, text }
}

/// `n` exams; `progress` is called after each one (for a progress bar).
pub fn generate(n: usize, seed: u64, mut progress: impl FnMut()) -> Vec<SyntheticReport> {
    (0..n)
        .map(|i| {
            let r = generate_one(seed, i);
            progress();
            r
        })
        .collect()
}

/// The true labels of what a report says, for the 30 task regions: 1 where a lesion reported
/// as abnormal or hedged lies in the region or below it, else 0. Missed lesions do not count.
pub fn truth_table(reports: &[SyntheticReport]) -> RegionTable {
    let regions = task_region_names();
    let mut table = RegionTable::new(regions.clone());
    for r in reports {
        let row = regions
            .iter()
            .map(|region| {
                let positive = r.spec.lesions.iter().any(|l| {
                    l.reported_as != ReportedAs::Missed && is_ancestor_or_self(region, &l.region)
                });
                Some(if positive { 1.0 } else { 0.0 })
            })
            .collect();
        table.insert(r.spec.exam_id.clone(), row);
    }
    table
}

/// Writes `dir/reports.jsonl` (exam_id, text), `dir/truth.csv` (see [`truth_table`]) and
/// `dir/specs.jsonl` (the full ground truth, one `ExamSpec` per line), each atomically.
pub fn write_dataset(dir: &Path, reports: &[SyntheticReport]) -> Result<(), ReportSetError> {
    let path = dir.join("reports.jsonl");
    write_atomic(&path, |w| {
        for r in reports {
            let line = serde_json::json!({"exam_id": r.spec.exam_id, "text": r.text});
            serde_json::to_writer(&mut *w, &line)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })
    .map_err(|source| ReportSetError::Write {
        path: path.clone(),
        source,
    })?;
    let path = dir.join("specs.jsonl");
    write_atomic(&path, |w| {
        for r in reports {
            serde_json::to_writer(&mut *w, &r.spec)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })
    .map_err(|source| ReportSetError::Write {
        path: path.clone(),
        source,
    })?;
    truth_table(reports).write_csv(&dir.join("truth.csv"))?;
    Ok(())
}
