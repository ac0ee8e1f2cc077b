//! A whole cohort into an exam store in one call ([`ingest_cohort`]): the exams of a manifest or
//! of a DICOM folder tree, optionally one shard of them, skipping exams already stored on the
//! grid asked for, with aligned NIfTI volumes on request. Every exam's fate is in the
//! [`IngestOutcome`]; one exam failing does not stop the others.

use std::path::{Path, PathBuf};

use uptake_core::{ExamId, Manifest, ManifestEntry, ManifestError, Progress};

use crate::discover::{DiscoveryError, discover};
use crate::identity::{StudyExam, study_exams};
use crate::ingest::{
    ExamError, ExamSettings, IngestError, Ingested, ModelGrid, ingest_dir_with, ingest_series,
};
use crate::nifti_in::{NiftiExam, NiftiSource, ingest_nifti, nifti_exams};
use crate::nifti_out::{self, NiftiError};
use crate::record::Skipped;
use crate::select::{SeriesSelection, StudyPairing, choose_series};
use crate::store::{ExamInfo, ExamStore, Geometry, StoreError};

/// Where the exams come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestSource {
    /// A cohort manifest with `exam_id` and `dicom_dir` (relative to the manifest's folder):
    /// one exam per row, all the series of its folder; optional `pet_series` and `ct_series`
    /// name the series to take.
    Manifest(PathBuf),
    /// A folder tree of DICOM files: every study found is one exam, keyed by its
    /// StudyInstanceUID, named by its AccessionNumber where that names this study alone.
    DicomTree(PathBuf),
    /// NIfTI volumes already in HU and SUV (autoPET layout or a listing CSV), with lesion
    /// masks where given.
    Nifti(NiftiSource),
}

pub use uptake_core::shard::{Shard, ShardParseError};

/// What to do with exams the store already holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StoredExams {
    /// Keep an exam stored on the grid asked for; ingest again one stored on another grid or
    /// whose file cannot be read.
    #[default]
    KeepOnSameGrid,
    /// Ingest every exam again.
    Replace,
}

impl StoredExams {
    /// [`Self::Replace`] when `replace` (a `--force` flag), else [`Self::KeepOnSameGrid`].
    pub fn replacing(replace: bool) -> Self {
        if replace {
            Self::Replace
        } else {
            Self::KeepOnSameGrid
        }
    }
}

/// How [`ingest_cohort`] works.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestSettings {
    /// The model grid every exam is resampled onto.
    pub grid: ModelGrid,
    /// Which series to take (a manifest's `pet_series` / `ct_series` override it per exam).
    pub selection: SeriesSelection,
    /// The least share of the PET's z range the CT must cover (default 0.5).
    pub min_pet_coverage: f64,
    /// Only this part of the cohort (all of it when `None`).
    pub shard: Option<Shard>,
    /// Exams already stored.
    pub stored: StoredExams,
    /// Also write aligned CT (HU) and PET (SUV) NIfTI volumes into this folder.
    pub nifti_dir: Option<PathBuf>,
}

impl Default for IngestSettings {
    fn default() -> Self {
        let exam = ExamSettings::default();
        Self {
            grid: exam.grid,
            selection: exam.selection,
            min_pet_coverage: exam.min_pet_coverage,
            shard: None,
            stored: StoredExams::default(),
            nifti_dir: None,
        }
    }
}

impl IngestSettings {
    /// The settings of one exam, with its own series choice where it has one.
    fn exam(&self, own: &SeriesSelection) -> ExamSettings {
        ExamSettings {
            grid: self.grid,
            selection: SeriesSelection {
                pet: own.pet.clone().or_else(|| self.selection.pet.clone()),
                ct: own.ct.clone().or_else(|| self.selection.ct.clone()),
                pairing: self.selection.pairing,
            },
            min_pet_coverage: self.min_pet_coverage,
        }
    }
}

/// Why an exam already in the store was ingested again.
#[derive(Debug, Clone, PartialEq)]
pub enum Replaced {
    /// It was stored on another grid.
    OtherGrid,
    /// Its stored file could not be read (the reason).
    Unreadable(String),
}

/// Why one exam failed.
#[derive(Debug, thiserror::Error)]
pub enum ExamFailure {
    /// Its DICOM could not be ingested.
    #[error(transparent)]
    Ingest(#[from] ExamError),
    /// The store could not write it.
    #[error("exam {exam}: {source}")]
    Store {
        /// The exam.
        exam: ExamId,
        /// Why.
        source: StoreError,
    },
    /// The store holds this exam id from another study: refused, never overwritten.
    #[error(
        "exam {exam}: the store holds this id from study {stored_study}, this is study {study}: refused, never overwritten (give the exam another id)"
    )]
    StudyClash {
        /// The exam.
        exam: ExamId,
        /// The StudyInstanceUID stored.
        stored_study: String,
        /// The StudyInstanceUID ingested now.
        study: String,
    },
    /// Its NIfTI volumes could not be written.
    #[error("exam {exam}: {source}")]
    Nifti {
        /// The exam.
        exam: ExamId,
        /// Why.
        source: NiftiError,
    },
}

/// What happened to one exam.
#[derive(Debug)]
pub enum ExamStatus {
    /// Stored on the grid asked for already; left as it was.
    AlreadyStored,
    /// Ingested and stored, with the record kept beside it (choices, series and files left
    /// out, repairs, warnings).
    Ingested(Box<ExamInfo>),
    /// Not stored.
    Failed(ExamFailure),
}

/// One exam of the cohort.
#[derive(Debug)]
pub struct ExamOutcome {
    /// The exam.
    pub exam_id: ExamId,
    /// Why a stored copy was replaced, if one was.
    pub replaced: Option<Replaced>,
    /// What happened.
    pub status: ExamStatus,
}

/// Every exam's fate, in exam id order.
#[derive(Debug, Default)]
pub struct IngestOutcome {
    /// One entry per exam of the shard.
    pub exams: Vec<ExamOutcome>,
    /// Files under a DICOM folder tree that are not readable DICOM.
    pub skipped_files: Vec<Skipped>,
}

impl IngestOutcome {
    /// Exams ingested now.
    pub fn ingested(&self) -> usize {
        self.count(|s| matches!(s, ExamStatus::Ingested { .. }))
    }

    /// Exams left as they were stored.
    pub fn already_stored(&self) -> usize {
        self.count(|s| matches!(s, ExamStatus::AlreadyStored))
    }

    /// The failures, in exam order.
    pub fn failures(&self) -> impl Iterator<Item = &ExamFailure> {
        self.exams.iter().filter_map(|e| match &e.status {
            ExamStatus::Failed(f) => Some(f),
            _ => None,
        })
    }

    fn count(&self, which: impl Fn(&ExamStatus) -> bool) -> usize {
        self.exams.iter().filter(|e| which(&e.status)).count()
    }

    /// The notes of the run, one line each: exams ingested again, warnings, series and files
    /// left out (what `uptake ingest` writes on stderr).
    pub fn notes(&self) -> IngestNotes<'_> {
        IngestNotes(self)
    }

    /// True when the run failed as a whole by `rule`.
    pub fn failed(&self, rule: FailWhen) -> bool {
        let stored = self.ingested() + self.already_stored();
        self.failures().count() > 0 && (rule == FailWhen::AnyExamFails || stored == 0)
    }

    /// An error counting the failures when the run failed as a whole by `rule`.
    pub fn check(&self, rule: FailWhen) -> Result<(), CohortFailed> {
        match self.failed(rule) {
            true => Err(CohortFailed {
                failed: self.failures().count(),
                exams: self.exams.len(),
            }),
            false => Ok(()),
        }
    }

    /// `FAILED <failure>`, one line per failed exam (what `uptake ingest` writes on stderr).
    pub fn failure_lines(&self) -> FailureLines<'_> {
        FailureLines(self)
    }
}

/// A cohort run that failed as a whole ([`IngestOutcome::check`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{failed} of {exams} exams failed")]
pub struct CohortFailed {
    /// Exams that failed.
    pub failed: usize,
    /// Exams of the run.
    pub exams: usize,
}

/// The failures of an [`IngestOutcome`] ([`IngestOutcome::failure_lines`]), one line each.
pub struct FailureLines<'a>(&'a IngestOutcome);

impl std::fmt::Display for FailureLines<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0
            .failures()
            .try_for_each(|e| writeln!(f, "FAILED {e}"))
    }
}

/// When a cohort run counts as failed ([`IngestOutcome::failed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailWhen {
    /// Some exam failed and none is in the store (ingested now or before).
    #[default]
    NoExamStored,
    /// Any exam failed.
    AnyExamFails,
}

impl FailWhen {
    /// [`Self::AnyExamFails`] when `strict`, else [`Self::NoExamStored`].
    pub fn strict(strict: bool) -> Self {
        if strict {
            Self::AnyExamFails
        } else {
            Self::NoExamStored
        }
    }
}

/// `ingested N, already stored N, failed N (of N exams)`.
impl std::fmt::Display for IngestOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ingested {}, already stored {}, failed {} (of {} exams)",
            self.ingested(),
            self.already_stored(),
            self.failures().count(),
            self.exams.len()
        )
    }
}

/// The notes of an [`IngestOutcome`] ([`IngestOutcome::notes`]), one line each.
pub struct IngestNotes<'a>(&'a IngestOutcome);

impl std::fmt::Display for IngestNotes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for exam in &self.0.exams {
            let id = &exam.exam_id;
            match &exam.replaced {
                Some(Replaced::OtherGrid) => {
                    writeln!(f, "exam {id}: stored on another grid; ingested again")?
                }
                Some(Replaced::Unreadable(e)) => {
                    writeln!(f, "exam {id}: stored file unreadable ({e}); ingested again")?
                }
                None => {}
            }
            if let ExamStatus::Ingested(info) = &exam.status {
                for w in info.repairs.iter().chain(&info.warnings) {
                    writeln!(f, "exam {id}: warning: {w}")?;
                }
                for s in &info.rejected_series {
                    writeln!(f, "exam {id}: skipped {}: {}", s.what, s.reason)?;
                }
            }
        }
        for s in &self.0.skipped_files {
            writeln!(f, "skipped {}: {}", s.what, s.reason)?;
        }
        Ok(())
    }
}

/// Why a cohort could not be ingested at all.
#[derive(Debug, thiserror::Error)]
pub enum CohortError {
    /// The manifest cannot be read, or a row has no `dicom_dir`.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The DICOM folder tree cannot be read.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    /// The NIfTI layout cannot be read.
    #[error(transparent)]
    Nifti(#[from] IngestError),
    /// No exam was found.
    #[error("no exams to ingest{}", unreadable(.skipped_files))]
    NoExams {
        /// Files that were not readable DICOM.
        skipped_files: Vec<Skipped>,
    },
}

fn unreadable(skipped: &[Skipped]) -> String {
    match skipped.first() {
        Some(s) => format!(
            " ({} unreadable files, e.g. {}: {})",
            skipped.len(),
            s.what,
            s.reason
        ),
        None => String::new(),
    }
}

/// Where one exam's series are.
enum ExamSource {
    /// A manifest row's folder, and its own series choice.
    Dir(PathBuf, SeriesSelection),
    /// A study of a folder tree.
    Study(StudyExam),
    /// A NIfTI exam.
    Nifti(NiftiExam),
}

/// Ingests the exams of `source` (those of `settings.shard`) into `store`, in exam id order.
/// `progress` advances by one per exam.
pub fn ingest_cohort(
    store: &ExamStore,
    source: &IngestSource,
    settings: &IngestSettings,
    progress: &dyn Progress,
) -> Result<IngestOutcome, CohortError> {
    let (mut work, skipped_files) = exams_of(source, settings)?;
    if work.is_empty() {
        return Err(CohortError::NoExams { skipped_files });
    }
    work.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(shard) = &settings.shard {
        work.retain(|(id, _)| shard.contains(id));
    }
    progress.start("ingest", work.len() as u64);
    let mut outcome = IngestOutcome {
        exams: Vec::with_capacity(work.len()),
        skipped_files,
    };
    for (exam_id, exam_source) in work {
        outcome
            .exams
            .push(ingest_one(store, exam_id, exam_source, settings));
        progress.advance(1);
    }
    progress.finish();
    Ok(outcome)
}

/// The exams of a source (unsorted), and the files discovery could not read.
type Work = (Vec<(ExamId, ExamSource)>, Vec<Skipped>);

/// A manifest row's own series choice (`pet_series`, `ct_series`).
fn row_selection(e: &ManifestEntry) -> SeriesSelection {
    SeriesSelection::new(
        e.pet_series.as_deref(),
        e.ct_series.as_deref(),
        StudyPairing::default(),
    )
}

/// The exams of a source, unsorted, and the files discovery could not read.
fn exams_of(source: &IngestSource, settings: &IngestSettings) -> Result<Work, CohortError> {
    match source {
        IngestSource::Manifest(path) => {
            let manifest = Manifest::read(path)?;
            manifest.require("dicom_dir")?;
            let work = manifest
                .entries()
                .iter()
                .map(|e| match &e.dicom_dir {
                    Some(dir) => Ok((
                        e.exam_id.clone(),
                        ExamSource::Dir(dir.clone(), row_selection(e)),
                    )),
                    None => Err(manifest.missing_value(e, "dicom_dir")),
                })
                .collect::<Result<_, _>>()?;
            Ok((work, Vec::new()))
        }
        IngestSource::DicomTree(dir) => {
            let discovery = discover(dir)?;
            let work = study_exams(discovery.studies, settings.selection.pairing)
                .into_iter()
                .map(|study| (study.exam_id.clone(), ExamSource::Study(study)))
                .collect();
            Ok((work, discovery.skipped))
        }
        IngestSource::Nifti(nifti) => {
            let work = nifti_exams(nifti)?
                .into_iter()
                .map(|(id, exam)| (id, ExamSource::Nifti(exam)))
                .collect();
            Ok((work, Vec::new()))
        }
    }
}

/// Whether a stored exam's geometry is the model grid `grid` describes.
fn on_grid(g: &Geometry, grid: &ModelGrid) -> bool {
    let pixel = grid.fov_mm / grid.size as f32;
    g.shape[1] == grid.size
        && g.shape[2] == grid.size
        && (g.spacing_mm[0] - grid.slice_mm).abs() < 1e-3
        && (g.spacing_mm[2] - pixel).abs() < 1e-3
}

/// The StudyInstanceUID an exam is stored from, when the store records one.
fn stored_study(store: &ExamStore, exam: &ExamId) -> Option<String> {
    let info = store.info(exam).ok()??;
    (!info.study_instance_uid.is_empty()).then_some(info.study_instance_uid)
}

/// The id a folder-tree study is stored under: its alias, unless the store holds that alias
/// from another study (then its StudyInstanceUID), with the notes saying why.
fn study_id(store: &ExamStore, exam_id: ExamId, source: &ExamSource) -> (ExamId, Vec<String>) {
    let ExamSource::Study(study) = source else {
        return (exam_id, Vec::new());
    };
    let mut notes: Vec<String> = study.note.iter().cloned().collect();
    if let Some(other) = stored_study(store, &exam_id).filter(|s| *s != study.study_uid) {
        notes.push(format!(
            "exam id {exam_id} is stored from study {other}: this study is stored under its StudyInstanceUID"
        ));
        return (study.uid_id(), notes);
    }
    (exam_id, notes)
}

fn ingest_one(
    store: &ExamStore,
    exam_id: ExamId,
    source: ExamSource,
    settings: &IngestSettings,
) -> ExamOutcome {
    let (exam_id, notes) = study_id(store, exam_id, &source);
    let mut replaced = None;
    if settings.stored == StoredExams::KeepOnSameGrid && store.contains(&exam_id) {
        let same_study = match &source {
            ExamSource::Study(s) => stored_study(store, &exam_id).is_none_or(|u| u == s.study_uid),
            ExamSource::Dir(..) | ExamSource::Nifti(..) => true,
        };
        match store.geometry(&exam_id) {
            Ok(g) if same_study && on_grid(&g, &settings.grid) => {
                return ExamOutcome {
                    exam_id,
                    replaced,
                    status: ExamStatus::AlreadyStored,
                };
            }
            Ok(_) => replaced = Some(Replaced::OtherGrid),
            Err(e) => replaced = Some(Replaced::Unreadable(e.to_string())),
        }
    }
    let status = match ingest_and_store(store, &exam_id, source, settings, notes) {
        Ok(ingested) => ExamStatus::Ingested(Box::new(ingested.info)),
        Err(failure) => ExamStatus::Failed(failure),
    };
    ExamOutcome {
        exam_id,
        replaced,
        status,
    }
}

fn ingest_and_store(
    store: &ExamStore,
    exam_id: &ExamId,
    source: ExamSource,
    settings: &IngestSettings,
    notes: Vec<String>,
) -> Result<Ingested, ExamFailure> {
    let wrap = |error| ExamError {
        exam: exam_id.to_string(),
        error,
    };
    let mut ingested = match source {
        ExamSource::Dir(dir, own) => ingest_dir_with(exam_id, &dir, &settings.exam(&own))?,
        ExamSource::Nifti(exam) => ingest_nifti(exam_id, &exam, &settings.grid).map_err(wrap)?,
        ExamSource::Study(study) => {
            let exam = settings.exam(&SeriesSelection::default());
            choose_series(study.series, &exam.selection)
                .map_err(IngestError::from)
                .and_then(|chosen| ingest_series(exam_id, chosen, &exam))
                .map_err(wrap)?
        }
    };
    ingested.info.warnings.extend(notes);
    if let Some(stored) = stored_study(store, exam_id)
        && stored != ingested.info.study_instance_uid
    {
        return Err(ExamFailure::StudyClash {
            exam: exam_id.clone(),
            stored_study: stored,
            study: ingested.info.study_instance_uid,
        });
    }
    store
        .write_with_mask(
            &ingested.volume,
            Some(&ingested.info),
            ingested.lesion_mask.as_deref(),
        )
        .map_err(|source| ExamFailure::Store {
            exam: exam_id.clone(),
            source,
        })?;
    if let Some(dir) = &settings.nifti_dir {
        write_nifti(dir, exam_id, &ingested)?;
    }
    Ok(ingested)
}

fn write_nifti(dir: &Path, exam_id: &ExamId, ingested: &Ingested) -> Result<(), ExamFailure> {
    nifti_out::write_exam(dir, &ingested.volume).map_err(|source| ExamFailure::Nifti {
        exam: exam_id.clone(),
        source,
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome() -> IngestOutcome {
        let id = |s: &str| ExamId::new(s).unwrap();
        IngestOutcome {
            exams: vec![
                ExamOutcome {
                    exam_id: id("E1"),
                    replaced: Some(Replaced::OtherGrid),
                    status: ExamStatus::AlreadyStored,
                },
                ExamOutcome {
                    exam_id: id("E2"),
                    replaced: None,
                    status: ExamStatus::Failed(ExamFailure::StudyClash {
                        exam: id("E2"),
                        stored_study: "1.2".into(),
                        study: "1.3".into(),
                    }),
                },
            ],
            skipped_files: vec![Skipped {
                what: "notes.txt".into(),
                reason: "not DICOM".into(),
            }],
        }
    }

    #[test]
    fn the_outcome_counts_the_exams_and_notes_what_happened_to_them() {
        let outcome = outcome();
        assert_eq!(
            outcome.to_string(),
            "ingested 0, already stored 1, failed 1 (of 2 exams)"
        );
        assert_eq!(
            outcome.notes().to_string(),
            "exam E1: stored on another grid; ingested again\nskipped notes.txt: not DICOM\n"
        );
    }

    #[test]
    fn a_run_fails_on_any_failure_only_when_strict() {
        let outcome = outcome();
        assert!(!outcome.failed(FailWhen::NoExamStored));
        assert!(outcome.failed(FailWhen::AnyExamFails));
    }

    #[test]
    fn a_folder_without_exams_is_an_error_naming_an_unreadable_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not DICOM").unwrap();
        let store = ExamStore::open(dir.path().join("store")).unwrap();
        let err = ingest_cohort(
            &store,
            &IngestSource::DicomTree(dir.path().to_path_buf()),
            &IngestSettings::default(),
            &uptake_core::NoProgress,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("no exams to ingest (1 unreadable files") && err.contains("notes.txt"),
            "{err}"
        );
    }

    #[test]
    fn a_manifest_row_without_dicom_dir_names_its_line_and_exam() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("manifest.csv");
        std::fs::write(&manifest, "exam_id,dicom_dir\nE1,exams/E1\nE2,\n").unwrap();
        let store = ExamStore::open(dir.path().join("store")).unwrap();
        let err = ingest_cohort(
            &store,
            &IngestSource::Manifest(manifest),
            &IngestSettings::default(),
            &uptake_core::NoProgress,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("line 3") && err.contains("E2") && err.contains("dicom_dir"),
            "{err}"
        );
    }

    #[test]
    fn the_command_line_flags_choose_the_stored_exams_and_failure_rules() {
        assert_eq!(StoredExams::replacing(true), StoredExams::Replace);
        assert_eq!(StoredExams::replacing(false), StoredExams::KeepOnSameGrid);
        assert_eq!(FailWhen::strict(true), FailWhen::AnyExamFails);
        assert_eq!(FailWhen::strict(false), FailWhen::NoExamStored);
        let pairing = crate::select::StudyPairing::across_studies;
        assert_eq!(
            pairing(true),
            crate::select::StudyPairing::SamePatientAndDay
        );
        assert_eq!(pairing(false), crate::select::StudyPairing::SameStudy);
    }

    #[test]
    fn a_strict_run_fails_on_one_failed_exam_a_lenient_one_only_with_nothing_stored() {
        let run = outcome();
        assert!(run.failed(FailWhen::strict(true)));
        assert!(!run.failed(FailWhen::strict(false)));
    }

    #[test]
    fn a_failed_run_counts_its_failures_and_each_failure_gets_a_line() {
        let run = outcome();
        let error = run.check(FailWhen::AnyExamFails).unwrap_err();
        assert_eq!(error.to_string(), "1 of 2 exams failed");
        assert_eq!(run.check(FailWhen::NoExamStored), Ok(()));
        let lines = run.failure_lines().to_string();
        assert_eq!(lines.lines().count(), 1);
        assert!(
            lines.starts_with("FAILED ") && lines.contains("E2"),
            "{lines}"
        );
    }
}
