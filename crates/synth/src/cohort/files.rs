//! The cohort-level files, written once every exam is on disk: `manifest.csv` (one row per
//! exam, [`uptake_core::Manifest`]), `reports.jsonl`, `specs.jsonl`, `truth.csv` (image truth:
//! every lesion) and `report_truth.csv` (what the reports say: missed lesions left out).

use super::error::CohortError;
use super::exam::exam_dir;
use super::plan::PlannedExam;
use crate::dataset::{Counted, DatasetError, truth_table, write_reports_and_specs};
use crate::spec::Sex;
use std::path::Path;
use uptake_core::manifest::{Sex as ManifestSex, SummaryCode};
use uptake_core::{Manifest, ManifestEntry};

/// The manifest's columns, `exam_id` through `regions_path`: all of them even when no exam
/// fills one (no deaths in a small cohort); the follow-up is given by dates, not days.
const MANIFEST_COLUMNS: &[&str] = uptake_core::manifest::COLUMNS.split_at(14).0;

/// The manifest row of an exam of the cohort in `out`.
fn manifest_entry(e: &PlannedExam, out: &Path) -> ManifestEntry {
    let dir = out.join(exam_dir(&e.spec.exam_id));
    let p = &e.spec.patient;
    let mut entry = ManifestEntry::new(e.spec.exam_id.clone());
    entry.patient_id = Some(p.patient_id.clone());
    entry.study_day = Some(e.acquisition.study_start.day.0);
    entry.age_years = Some(f64::from(p.age_years));
    entry.sex = Some(match p.sex {
        Sex::Female => ManifestSex::Female,
        Sex::Male => ManifestSex::Male,
    });
    entry.indication = Some(p.indication.clone());
    entry.summary_code = SummaryCode::from_code(e.spec.summary_code);
    entry.report_path = Some(dir.join("report.txt"));
    entry.dicom_dir = Some(dir.join("dicom"));
    entry.death_day = e.outcome.death.map(|d| d.0);
    entry.censor_day = Some(e.outcome.censor.0);
    entry.regions_path = Some(dir.join("regions.json"));
    entry
}

/// Writes the cohort-level files into `out`.
pub(super) fn write_cohort_files(exams: &[PlannedExam], out: &Path) -> Result<(), CohortError> {
    let entries = exams.iter().map(|e| manifest_entry(e, out)).collect();
    Manifest::with_columns(MANIFEST_COLUMNS, entries).write(&out.join("manifest.csv"))?;
    write_reports_and_specs(out, exams.iter().map(|e| (&e.spec, e.report.as_str())))?;
    let specs = || exams.iter().map(|e| &e.spec);
    for (counted, name) in [
        (Counted::AllLesions, "truth.csv"),
        (Counted::Reported, "report_truth.csv"),
    ] {
        truth_table(specs(), counted)
            .write_csv(&out.join(name))
            .map_err(DatasetError::from)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_columns_run_from_exam_id_through_regions_path() {
        assert_eq!(MANIFEST_COLUMNS.first(), Some(&"exam_id"));
        assert_eq!(MANIFEST_COLUMNS.last(), Some(&"regions_path"));
    }
}
