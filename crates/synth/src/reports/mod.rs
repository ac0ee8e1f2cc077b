//! Synthetic free-text PET/CT reports with their true region labels.
//!
//! Each exam is sampled (a patient, then what the exam contains: an [`ExamSpec`]), with the same
//! sampler as the cohorts of [`crate::cohort`], and described
//! by [`write_report`] in one of several institution styles ([`ReportStyle`]), drawn from a
//! [`StyleMix`] (by default the realistic mix of all nine). [`write_report_set`] makes a whole
//! report set on disk: `reports.jsonl` (`{"exam_id", "text"}`), `truth.csv` (0/1 per task
//! region: what each report says, ancestors included; see [`truth_table`]) and `specs.jsonl`
//! (the full ground truth of each exam). The same settings give the same files.
//!
//! The writer is split by concern: `vocabulary` holds the phrase tables (data); `phrases`,
//! `sentences`, `header` and `impression` build sentences from them; `described` fixes the
//! wording of each lesion; `writer` assembles the findings and `layout` lays the report out.

mod abbreviated;
mod described;
mod draft;
mod european;
mod group;
mod header;
mod impression;
mod layout;
mod narrative;
mod phrases;
mod sentences;
mod style;
mod template;
mod vocabulary;
mod vocabulary_styles;
mod writer;

pub use style::{ReportStyle, StyleMix, UnknownStyle};
pub use writer::{write_report, write_report_in};

use crate::dataset::{Counted, DatasetError, truth_table as table_of, write_reports_and_specs};
use crate::findings::sample_exam;
use crate::patient::sample_patient;
use crate::spec::ExamSpec;
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};
use uptake_core::{ExamId, Progress, RegionTable, seeded};

/// One synthetic exam: its ground truth and its report.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticReport {
    /// What the exam contains.
    pub spec: ExamSpec,
    /// The report's text.
    pub text: String,
}

/// What report set to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportsSettings {
    /// Number of reports (at least 1). Default 500.
    pub n: usize,
    /// The seed: the same seed gives the same reports. Default 7.
    pub seed: u64,
    /// The institution styles the reports are written in. Default: the realistic mix.
    pub styles: StyleMix,
}

impl Default for ReportsSettings {
    fn default() -> Self {
        ReportsSettings {
            n: 500,
            seed: 7,
            styles: StyleMix::Realistic,
        }
    }
}

/// What [`write_report_set`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSetSummary {
    /// Reports written.
    pub reports: usize,
    /// Of those, exams without any lesion.
    pub exams_without_lesions: usize,
    /// The files written: reports.jsonl, specs.jsonl, truth.csv.
    pub files: Vec<PathBuf>,
}

/// A report set that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportSetError {
    /// The settings ask for no reports.
    #[error("a report set needs at least one report")]
    NoReports,
    /// A file could not be written.
    #[error(transparent)]
    Write(#[from] DatasetError),
}

/// The exam id of the `index`-th report of a set made with `seed`.
fn exam_id(seed: u64, index: usize) -> ExamId {
    ExamId::new(format!("S{seed}-{index:05}")).expect("non-empty id")
}

/// The random state of one exam: independent streams per exam, so exam `i` is the same
/// whatever the size of the set.
fn exam_rng(seed: u64, index: usize) -> ChaCha8Rng {
    let mut rng = seeded::rng(seed);
    rng.set_stream(index as u64);
    rng
}

/// The `index`-th exam of the set made with `seed`, in the realistic style mix.
pub fn generate_one(seed: u64, index: usize) -> SyntheticReport {
    generate_one_in(seed, index, &StyleMix::Realistic)
}

/// The `index`-th exam of the set made with `seed`, written in a style drawn from `styles`.
/// The exam (its spec) does not depend on the styles.
pub fn generate_one_in(seed: u64, index: usize, styles: &StyleMix) -> SyntheticReport {
    let mut rng = exam_rng(seed, index);
    let exam_id = exam_id(seed, index);
    let patient = sample_patient(&format!("P-{}", exam_id.as_str()), &mut rng);
    let spec = sample_exam(exam_id, &patient, &mut rng);
    let text = write_report_in(&spec, styles, &mut rng);
    SyntheticReport { spec, text }
}

/// The reports of a set, in order; one unit of `progress` per report.
pub fn generate(settings: &ReportsSettings, progress: &dyn Progress) -> Vec<SyntheticReport> {
    progress.start("reports", settings.n as u64);
    let reports = (0..settings.n)
        .map(|i| {
            let r = generate_one_in(settings.seed, i, &settings.styles);
            progress.advance(1);
            r
        })
        .collect();
    progress.finish();
    reports
}

/// The true labels of what each report says, for the 30 task regions: 1 where a lesion
/// reported as abnormal or hedged lies in the region or below it, else 0. Missed lesions do
/// not count.
pub fn truth_table(reports: &[SyntheticReport]) -> RegionTable {
    table_of(reports.iter().map(|r| &r.spec), Counted::Reported)
}

/// Makes a report set and writes it into `dir` (created if needed): `reports.jsonl`,
/// `specs.jsonl` and `truth.csv`, each atomically.
pub fn write_report_set(
    settings: &ReportsSettings,
    dir: &Path,
    progress: &dyn Progress,
) -> Result<ReportSetSummary, ReportSetError> {
    if settings.n == 0 {
        return Err(ReportSetError::NoReports);
    }
    let reports = generate(settings, progress);
    write_reports_and_specs(dir, reports.iter().map(|r| (&r.spec, r.text.as_str())))?;
    let truth = dir.join("truth.csv");
    truth_table(&reports)
        .write_csv(&truth)
        .map_err(DatasetError::from)?;
    Ok(ReportSetSummary {
        reports: reports.len(),
        exams_without_lesions: reports.iter().filter(|r| r.spec.lesions.is_empty()).count(),
        files: vec![dir.join("reports.jsonl"), dir.join("specs.jsonl"), truth],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use uptake_core::NoProgress;

    #[test]
    fn a_reports_patient_comes_from_the_cohorts_sampler() {
        let report = generate_one(7, 3);
        let patient = sample_patient("P-S7-00003", &mut exam_rng(7, 3));
        assert_eq!(report.spec.patient, patient);
    }

    #[test]
    fn report_set_ages_centre_on_61_years_as_in_cohorts() {
        let reports = generate(
            &ReportsSettings {
                n: 400,
                seed: 5,
                ..Default::default()
            },
            &NoProgress,
        );
        let ages: Vec<f64> = reports
            .iter()
            .map(|r| f64::from(r.spec.patient.age_years))
            .collect();
        let mean = ages.iter().sum::<f64>() / ages.len() as f64;
        assert!((58.0..64.0).contains(&mean), "mean age {mean}");
        assert!(ages.iter().all(|a| (19.0..=92.0).contains(a)));
    }
}
