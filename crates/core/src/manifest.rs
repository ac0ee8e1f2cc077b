//! The cohort manifest (`manifest.csv`): one row per exam, the one home of its reader and writer.
//!
//! Only `exam_id` is required; each step asks for the columns it needs with
//! [`Manifest::require`]. The columns, in the order they are written:
//!
//! | column | meaning |
//! |---|---|
//! | `exam_id` | the exam (unique) |
//! | `patient_id` | the patient; exams of one patient share it |
//! | `study_date` | `YYYY-MM-DD` of the scan |
//! | `age` | years at the scan |
//! | `sex` | `F`, `M` or `O` |
//! | `indication` | free category (lymphoma, lung cancer, ...) |
//! | `summary_code` | the radiologist's code: 1 normal, 2 benign, 4 suspicious, 9 cannot tell |
//! | `report_path` | the report's text file |
//! | `dicom_dir` | the exam's DICOM folder |
//! | `pet_series`, `ct_series` | the series to ingest: a SeriesInstanceUID or a SeriesDescription pattern (`*`, `?`) |
//! | `death_date` | `YYYY-MM-DD`, empty while alive |
//! | `censor_date` | `YYYY-MM-DD` of the last contact |
//! | `regions_path` | a region map (`regions.json`, see [`crate::region_map`]) |
//! | `time_days`, `event` | follow-up given directly: days after the scan, 1 died / 0 censored |
//! | `split` | `train`, `valid` or `test` |
//!
//! Relative paths are relative to the manifest's folder. Other columns are ignored. Empty cells
//! are unknown values.

use crate::atomic::{AtomicWriteError, write_atomic};
use crate::date::{days_from_iso, iso_from_days};
use crate::exam::ExamId;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The columns of the format, in the order they are written.
pub const COLUMNS: [&str; 17] = [
    "exam_id",
    "patient_id",
    "study_date",
    "age",
    "sex",
    "indication",
    "summary_code",
    "report_path",
    "dicom_dir",
    "pet_series",
    "ct_series",
    "death_date",
    "censor_date",
    "regions_path",
    "time_days",
    "event",
    "split",
];

/// A manifest that cannot be read or written; every message names the file, and where it can
/// the line and the exam.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file cannot be opened or read.
    #[error("cannot read manifest {path}")]
    Io {
        /// The manifest.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not valid CSV (a malformed quote, a row of another length).
    #[error("manifest {path}, line {line}: not valid CSV: {message}")]
    Csv {
        /// The manifest.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// The CSV reader's words.
        message: String,
    },
    /// A column the step needs is absent.
    #[error("manifest {path} has no `{column}` column (it has: {found})")]
    MissingColumn {
        /// The manifest.
        path: PathBuf,
        /// The column.
        column: String,
        /// The columns it has.
        found: String,
    },
    /// A cell holds a value of the wrong kind.
    #[error("manifest {path}, line {line}, exam `{exam}`: {message}")]
    BadValue {
        /// The manifest.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// The row's exam id (as written).
        exam: String,
        /// What is wrong.
        message: String,
    },
    /// One exam on two rows.
    #[error(
        "manifest {path}, line {line}: exam `{exam}` is listed twice (first on line {first_line})"
    )]
    DuplicateExam {
        /// The manifest.
        path: PathBuf,
        /// 1-based line of the second row.
        line: u64,
        /// The exam.
        exam: ExamId,
        /// 1-based line of the first row.
        first_line: u64,
    },
    /// Writing failed; the old file is intact.
    #[error(transparent)]
    Write(#[from] AtomicWriteError),
}

/// Sex as DICOM writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// `F`.
    Female,
    /// `M`.
    Male,
    /// `O`.
    Other,
}

impl Sex {
    /// `F`, `M` or `O`.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "F",
            Sex::Male => "M",
            Sex::Other => "O",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "f" | "female" => Some(Sex::Female),
            "m" | "male" => Some(Sex::Male),
            "o" | "other" => Some(Sex::Other),
            _ => None,
        }
    }
}

/// The radiologist's summary code of an exam (the study's codes; there is no 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SummaryCode {
    /// 1.
    Normal,
    /// 2.
    Benign,
    /// 4.
    Suspicious,
    /// 9.
    CannotTell,
}

impl SummaryCode {
    /// The code as written: 1, 2, 4 or 9.
    pub fn code(self) -> u8 {
        match self {
            SummaryCode::Normal => 1,
            SummaryCode::Benign => 2,
            SummaryCode::Suspicious => 4,
            SummaryCode::CannotTell => 9,
        }
    }

    /// The code of a number; `None` for any other than 1, 2, 4 and 9.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(SummaryCode::Normal),
            2 => Some(SummaryCode::Benign),
            4 => Some(SummaryCode::Suspicious),
            9 => Some(SummaryCode::CannotTell),
            _ => None,
        }
    }

    /// The study's binary target: abnormal is any code above 1.
    pub fn is_abnormal(self) -> bool {
        self != SummaryCode::Normal
    }
}

/// Which part of a study an exam belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Split {
    /// `train`.
    Train,
    /// `valid`.
    Valid,
    /// `test`.
    Test,
}

impl Split {
    /// `train`, `valid` or `test`.
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Valid => "valid",
            Split::Test => "test",
        }
    }

    /// The split of a name (`validation` is accepted for `valid`).
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "train" => Some(Split::Train),
            "valid" | "validation" => Some(Split::Valid),
            "test" => Some(Split::Test),
            _ => None,
        }
    }
}

/// One row of the manifest. Dates are day counts since 1970-01-01 (see [`crate::date`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestEntry {
    /// The exam.
    pub exam_id: ExamId,
    /// The 1-based line it was read from; 0 for a row built in memory.
    pub line: u64,
    /// The patient.
    pub patient_id: Option<String>,
    /// Day of the scan.
    pub study_day: Option<i64>,
    /// Age at the scan.
    pub age_years: Option<f64>,
    /// Sex.
    pub sex: Option<Sex>,
    /// Indication category.
    pub indication: Option<String>,
    /// The radiologist's summary code.
    pub summary_code: Option<SummaryCode>,
    /// The report's text file (resolved against the manifest's folder).
    pub report_path: Option<PathBuf>,
    /// The DICOM folder (resolved).
    pub dicom_dir: Option<PathBuf>,
    /// The PET series to ingest (UID or SeriesDescription pattern), when chosen by hand.
    pub pet_series: Option<String>,
    /// The CT series to ingest, when chosen by hand.
    pub ct_series: Option<String>,
    /// Day of death.
    pub death_day: Option<i64>,
    /// Day of the last contact.
    pub censor_day: Option<i64>,
    /// The region map (resolved).
    pub regions_path: Option<PathBuf>,
    /// Follow-up after the scan, in days, when given directly.
    pub time_days: Option<f64>,
    /// With `time_days`: true if the patient died then, false if censored.
    pub event: Option<bool>,
    /// The split.
    pub split: Option<Split>,
}

impl ManifestEntry {
    /// A row with only its exam id.
    pub fn new(exam_id: ExamId) -> Self {
        Self {
            exam_id,
            line: 0,
            patient_id: None,
            study_day: None,
            age_years: None,
            sex: None,
            indication: None,
            summary_code: None,
            report_path: None,
            dicom_dir: None,
            pet_series: None,
            ct_series: None,
            death_day: None,
            censor_day: None,
            regions_path: None,
            time_days: None,
            event: None,
            split: None,
        }
    }

    /// The cell of `column` as written (paths relative to `base` where they lie inside it).
    fn cell(&self, column: &str, base: &Path) -> String {
        let path = |p: &Option<PathBuf>| {
            p.as_deref()
                .map(|p| {
                    let p = p.strip_prefix(base).unwrap_or(p);
                    p.to_string_lossy().replace('\\', "/")
                })
                .unwrap_or_default()
        };
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let day = |d: Option<i64>| d.map(iso_from_days).unwrap_or_default();
        match column {
            "exam_id" => self.exam_id.to_string(),
            "patient_id" => text(&self.patient_id),
            "study_date" => day(self.study_day),
            "age" => self.age_years.map(|a| a.to_string()).unwrap_or_default(),
            "sex" => self.sex.map(|s| s.code().to_string()).unwrap_or_default(),
            "indication" => text(&self.indication),
            "summary_code" => self
                .summary_code
                .map(|c| c.code().to_string())
                .unwrap_or_default(),
            "report_path" => path(&self.report_path),
            "dicom_dir" => path(&self.dicom_dir),
            "pet_series" => text(&self.pet_series),
            "ct_series" => text(&self.ct_series),
            "death_date" => day(self.death_day),
            "censor_date" => day(self.censor_day),
            "regions_path" => path(&self.regions_path),
            "time_days" => self.time_days.map(|t| t.to_string()).unwrap_or_default(),
            "event" => self
                .event
                .map(|e| u8::from(e).to_string())
                .unwrap_or_default(),
            "split" => self.split.map(|s| s.name().to_string()).unwrap_or_default(),
            _ => String::new(),
        }
    }

    fn has(&self, column: &str) -> bool {
        !self.cell(column, Path::new("")).is_empty()
    }
}

/// A cohort manifest: its rows, and which columns it has.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    path: PathBuf,
    columns: Vec<String>,
    entries: Vec<ManifestEntry>,
}

impl Manifest {
    /// A manifest of rows built in memory (its columns: those any row fills).
    pub fn from_entries(entries: Vec<ManifestEntry>) -> Self {
        let columns = COLUMNS
            .iter()
            .filter(|c| **c == "exam_id" || entries.iter().any(|e| e.has(c)))
            .map(|c| c.to_string())
            .collect();
        Self {
            path: PathBuf::new(),
            columns,
            entries,
        }
    }

    /// A manifest of rows built in memory with these columns (in the canonical order, whether
    /// or not a row fills them; `exam_id` is always one). Columns the format does not know are
    /// ignored.
    pub fn with_columns(columns: &[&str], entries: Vec<ManifestEntry>) -> Self {
        let columns = COLUMNS
            .iter()
            .filter(|c| **c == "exam_id" || columns.contains(c))
            .map(|c| c.to_string())
            .collect();
        Self {
            path: PathBuf::new(),
            columns,
            entries,
        }
    }

    /// Reads and checks a manifest: every cell of a known column must hold a value of its kind,
    /// and no exam may appear twice.
    pub fn read(path: &Path) -> Result<Self, ManifestError> {
        let bytes = std::fs::read(path).map_err(|source| ManifestError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let text = String::from_utf8_lossy(&bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let csv_error = |e: csv::Error| ManifestError::Csv {
            path: path.to_path_buf(),
            line: e.position().map(|p| p.line()).unwrap_or(1),
            message: e.to_string(),
        };
        let header: Vec<String> = reader
            .headers()
            .map_err(csv_error)?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let base = path.parent().unwrap_or(Path::new(""));
        let mut manifest = Self {
            path: path.to_path_buf(),
            columns: header.clone(),
            entries: Vec::new(),
        };
        manifest.require("exam_id")?;
        let mut first_line: HashMap<ExamId, u64> = HashMap::new();
        for record in reader.records() {
            let record = record.map_err(csv_error)?;
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            let cells: HashMap<&str, &str> = header
                .iter()
                .map(String::as_str)
                .zip(record.iter().map(str::trim))
                .collect();
            let entry = RowReader {
                path,
                base,
                line,
                cells,
            }
            .entry()?;
            if let Some(&first) = first_line.get(&entry.exam_id) {
                return Err(ManifestError::DuplicateExam {
                    path: path.to_path_buf(),
                    line,
                    exam: entry.exam_id,
                    first_line: first,
                });
            }
            first_line.insert(entry.exam_id.clone(), line);
            manifest.entries.push(entry);
        }
        Ok(manifest)
    }

    /// Writes the manifest atomically: its columns in the canonical order, paths relative to
    /// the folder of `path` where they lie inside it.
    pub fn write(&self, path: &Path) -> Result<(), ManifestError> {
        let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
        let columns: Vec<&str> = COLUMNS
            .iter()
            .copied()
            .filter(|c| self.has_column(c))
            .collect();
        write_atomic(path, |w| {
            let mut csv = csv::Writer::from_writer(w);
            csv.write_record(&columns)?;
            for entry in &self.entries {
                csv.write_record(columns.iter().map(|c| entry.cell(c, &base)))?;
            }
            csv.flush()
        })?;
        Ok(())
    }

    /// The file it was read from (empty for a manifest built in memory).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The rows, in file order.
    pub fn entries(&self) -> &[ManifestEntry] {
        &self.entries
    }

    /// The row of one exam.
    pub fn get(&self, exam: &ExamId) -> Option<&ManifestEntry> {
        self.entries.iter().find(|e| &e.exam_id == exam)
    }

    /// True when the manifest has the column (whether or not its cells are filled).
    pub fn has_column(&self, column: &str) -> bool {
        self.columns.iter().any(|c| c == column)
    }

    /// Fails, naming the file and the columns it has, unless the manifest has `column`.
    pub fn require(&self, column: &str) -> Result<(), ManifestError> {
        if self.has_column(column) {
            return Ok(());
        }
        Err(ManifestError::MissingColumn {
            path: self.path.clone(),
            column: column.to_string(),
            found: self.columns.join(", "),
        })
    }

    /// The error for a row whose `column` is empty where a step needs a value.
    pub fn missing_value(&self, entry: &ManifestEntry, column: &str) -> ManifestError {
        ManifestError::BadValue {
            path: self.path.clone(),
            line: entry.line,
            exam: entry.exam_id.to_string(),
            message: format!("empty `{column}`"),
        }
    }
}

/// Parses one row's cells.
struct RowReader<'a> {
    path: &'a Path,
    base: &'a Path,
    line: u64,
    cells: HashMap<&'a str, &'a str>,
}

impl RowReader<'_> {
    fn text(&self, column: &str) -> Option<String> {
        self.cells
            .get(column)
            .filter(|v| !v.is_empty())
            .map(|v| v.to_string())
    }

    fn bad(&self, message: String) -> ManifestError {
        ManifestError::BadValue {
            path: self.path.to_path_buf(),
            line: self.line,
            exam: self.cells.get("exam_id").copied().unwrap_or("").to_string(),
            message,
        }
    }

    /// A cell parsed by `parse`, whose failure is described by `want`.
    fn parsed<T>(
        &self,
        column: &str,
        want: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, ManifestError> {
        match self.text(column) {
            None => Ok(None),
            Some(v) => parse(&v)
                .map(Some)
                .ok_or_else(|| self.bad(format!("`{column}` is `{v}`, not {want}"))),
        }
    }

    fn path_cell(&self, column: &str) -> Option<PathBuf> {
        self.text(column).map(|v| {
            let p = PathBuf::from(v);
            if p.is_absolute() {
                p
            } else {
                self.base.join(p)
            }
        })
    }

    fn entry(&self) -> Result<ManifestEntry, ManifestError> {
        let exam_id = ExamId::new(self.cells.get("exam_id").copied().unwrap_or(""))
            .ok_or_else(|| self.bad("empty exam_id".into()))?;
        let date = |c: &str| self.parsed(c, "a YYYY-MM-DD date", days_from_iso);
        let number = |c: &str| {
            self.parsed(c, "a finite number", |v| {
                v.parse::<f64>().ok().filter(|x| x.is_finite())
            })
        };
        Ok(ManifestEntry {
            exam_id,
            line: self.line,
            patient_id: self.text("patient_id"),
            study_day: date("study_date")?,
            age_years: number("age")?,
            sex: self.parsed("sex", "F, M or O", Sex::parse)?,
            indication: self.text("indication"),
            summary_code: self.parsed("summary_code", "1, 2, 4 or 9", |v| {
                SummaryCode::from_code(v.parse().ok()?)
            })?,
            report_path: self.path_cell("report_path"),
            dicom_dir: self.path_cell("dicom_dir"),
            pet_series: self.text("pet_series"),
            ct_series: self.text("ct_series"),
            death_day: date("death_date")?,
            censor_day: date("censor_date")?,
            regions_path: self.path_cell("regions_path"),
            time_days: number("time_days")?,
            event: self.parsed("event", "0 or 1", |v| match v {
                "1" | "true" => Some(true),
                "0" | "false" => Some(false),
                _ => None,
            })?,
            split: self.parsed("split", "train, valid or test", Split::parse)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("manifest.csv");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn cells_are_typed_and_relative_paths_resolved_against_the_manifest_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "exam_id,patient_id,study_date,sex,summary_code,dicom_dir,death_date,extra\n\
             E1,P1,2020-01-02,F,4,exams/E1/dicom,,x\n",
        );
        let m = Manifest::read(&path).unwrap();
        let e = &m.entries()[0];
        assert_eq!(e.exam_id.as_str(), "E1");
        assert_eq!(e.line, 2);
        assert_eq!(e.study_day, days_from_iso("2020-01-02"));
        assert_eq!(e.sex, Some(Sex::Female));
        assert_eq!(e.summary_code, Some(SummaryCode::Suspicious));
        assert_eq!(e.dicom_dir, Some(dir.path().join("exams/E1/dicom")));
        assert_eq!(e.death_day, None);
        assert!(m.has_column("death_date") && !m.has_column("age"));
    }

    #[test]
    fn a_summary_code_of_3_is_refused_naming_file_line_and_exam() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "exam_id,summary_code\nE1,1\nE2,3\n");
        let err = Manifest::read(&path).unwrap_err().to_string();
        assert!(
            err.contains("manifest.csv") && err.contains("line 3"),
            "{err}"
        );
        assert!(err.contains("E2") && err.contains("1, 2, 4 or 9"), "{err}");
    }

    #[test]
    fn an_exam_listed_twice_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "exam_id,age\nE1,50\nE2,60\nE1,50\n");
        let err = Manifest::read(&path).unwrap_err().to_string();
        assert!(
            err.contains("listed twice") && err.contains("line 2"),
            "{err}"
        );
    }

    #[test]
    fn a_row_of_another_length_is_a_csv_error_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "exam_id,age\nE1,50\nE2,60,7\n");
        let err = Manifest::read(&path).unwrap_err().to_string();
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn a_missing_column_is_named_with_those_present() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "exam_id,age\nE1,50\n");
        let m = Manifest::read(&path).unwrap();
        let err = m.require("dicom_dir").unwrap_err().to_string();
        assert!(
            err.contains("`dicom_dir`") && err.contains("exam_id, age"),
            "{err}"
        );
    }

    #[test]
    fn columns_asked_for_are_written_even_when_every_cell_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.csv");
        let entry = ManifestEntry::new(ExamId::new("E1").unwrap());
        Manifest::with_columns(&["death_date", "patient_id"], vec![entry])
            .write(&path)
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "exam_id,patient_id,death_date\nE1,,\n");
    }

    #[test]
    fn written_manifests_read_back_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let mut e = ManifestEntry::new(ExamId::new("E7").unwrap());
        e.patient_id = Some("P7".into());
        e.study_day = days_from_iso("2021-05-06");
        e.summary_code = Some(SummaryCode::CannotTell);
        e.dicom_dir = Some(dir.path().join("exams/E7/dicom"));
        e.event = Some(false);
        let path = dir.path().join("manifest.csv");
        Manifest::from_entries(vec![e.clone()])
            .write(&path)
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("exam_id,patient_id,study_date,summary_code,dicom_dir,event\n"));
        assert!(text.contains(",exams/E7/dicom,"), "{text}");
        let back = Manifest::read(&path).unwrap();
        e.line = 2;
        assert_eq!(back.entries(), &[e]);
    }
}
