//! What a fine-tuned model learns ([`FinetuneTarget`]): region labels, or a whole-body target
//! from the cohort manifest (the baselines of method section 3): the radiologist's summary
//! code (abnormal = code > 1) and death within N days of a patient's last scan.

use std::collections::BTreeMap;
use std::path::PathBuf;

use uptake_core::manifest::ManifestEntry;
use uptake_core::{Manifest, RegionTable};

use crate::error::{Result, ScanModelError};
use crate::labels::{LabelFiles, TrainingLabels};
use crate::selection::TaskSelection;

/// What fine-tuning trains a single-task head on.
#[derive(Debug, Clone, PartialEq)]
pub enum FinetuneTarget {
    /// Region labels: one run per selected region.
    Regions {
        /// The label tables.
        labels: TrainingLabels,
        /// The regions, one single-task run each.
        regions: TaskSelection,
    },
    /// Whole-body abnormal (`summary_code` > 1) from the manifest.
    SummaryCode {
        /// The cohort manifest.
        manifest: PathBuf,
    },
    /// Death within `days` of the patient's last scan, from the manifest.
    Mortality {
        /// The cohort manifest.
        manifest: PathBuf,
        /// The horizon.
        days: u32,
    },
}

/// The kind of target, by name: `regions`, `summary-code` or `mortality`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TargetKind {
    /// Region labels.
    #[default]
    Regions,
    /// Whole-body abnormal from the manifest.
    SummaryCode,
    /// Death within a horizon, from the manifest.
    Mortality,
}

impl std::str::FromStr for TargetKind {
    type Err = crate::presets::UnknownName;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "regions" => Ok(Self::Regions),
            "summary-code" => Ok(Self::SummaryCode),
            "mortality" => Ok(Self::Mortality),
            _ => Err(crate::presets::UnknownName {
                given: s.into(),
                choices: "regions, summary-code, mortality",
            }),
        }
    }
}

/// What each kind of target may need, as given (`uptake finetune`'s options).
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct TargetInputs {
    /// `regions` (--regions), `summary-code` (whole-body abnormal, summary code > 1, from the
    /// manifest) or `mortality` (death within --days of the patient's last scan, from the
    /// manifest).
    #[cfg_attr(
        feature = "cli",
        arg(long, default_value = "regions", value_name = "TARGET")
    )]
    pub target: TargetKind,
    /// Regions for single-task heads, one run each, with --target regions: a comma-separated
    /// list, `prevalent[:P]` or `tasks` (as for `uptake train`).
    #[cfg_attr(feature = "cli", arg(long, value_name = "R1,R2|prevalent[:P]|tasks"))]
    pub regions: Option<TaskSelection>,
    /// Cohort manifest, with --target summary-code or mortality.
    #[cfg_attr(feature = "cli", arg(long, value_name = "CSV"))]
    pub manifest: Option<PathBuf>,
    /// Mortality horizon in days after the patient's last scan, with --target mortality.
    #[cfg_attr(feature = "cli", arg(long, value_parser = clap::value_parser!(u32).range(1..)))]
    pub days: Option<u32>,
    /// The label tables, for `regions`.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub labels: LabelFiles,
}

impl FinetuneTarget {
    /// The target `inputs` ask for; what its kind needs but is missing is an error naming its
    /// option.
    pub fn new(inputs: &TargetInputs) -> Result<Self> {
        let missing = |what: &str, target: &str| {
            ScanModelError::Config(format!("{what} is required with --target {target}"))
        };
        let manifest = |target| {
            inputs
                .manifest
                .clone()
                .ok_or_else(|| missing("--manifest", target))
        };
        Ok(match inputs.target {
            TargetKind::Regions => Self::Regions {
                labels: inputs.labels.training_labels()?,
                regions: (inputs.regions.clone()).ok_or_else(|| missing("--regions", "regions"))?,
            },
            TargetKind::SummaryCode => Self::SummaryCode {
                manifest: manifest("summary-code")?,
            },
            TargetKind::Mortality => Self::Mortality {
                manifest: manifest("mortality")?,
                days: inputs.days.ok_or_else(|| missing("--days", "mortality"))?,
            },
        })
    }
}

/// A target's label table and the task columns to train, one run each.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetTable {
    /// Labels per exam and task.
    pub table: RegionTable,
    /// The tasks, in run order.
    pub tasks: Vec<String>,
}

impl FinetuneTarget {
    /// Reads the labels (or the manifest) and builds the target's table.
    pub fn table(&self) -> Result<TargetTable> {
        Ok(match self {
            Self::Regions { labels, regions } => {
                let table = labels.read()?;
                let tasks = regions
                    .select(&table)?
                    .into_iter()
                    .map(|t| t.region)
                    .collect();
                TargetTable { table, tasks }
            }
            Self::SummaryCode { manifest } => {
                let manifest = Manifest::read(manifest)?;
                manifest.require("summary_code")?;
                TargetTable {
                    table: summary_code_table(&manifest),
                    tasks: vec!["summary_code".into()],
                }
            }
            Self::Mortality { manifest, days } => {
                let table = mortality_table(&Manifest::read(manifest)?, i64::from(*days))?;
                let tasks = table.regions().to_vec();
                TargetTable { table, tasks }
            }
        })
    }
}

/// `summary_code`: 1 when the code is above 1 (benign, suspicious, cannot tell), 0 for normal,
/// unknown where the manifest has no code.
pub fn summary_code_table(manifest: &Manifest) -> RegionTable {
    let mut t = RegionTable::new(vec!["summary_code".into()]);
    for e in manifest.entries() {
        let label = e
            .summary_code
            .map(|c| if c.is_abnormal() { 1.0 } else { 0.0 });
        t.insert(e.exam_id.clone(), vec![label]);
    }
    t
}

/// `mortality_<days>d` for each patient's last exam: 1 when death came within `days` of it,
/// 0 when the patient was known alive (death or censoring later) past `days`, unknown
/// otherwise. Earlier exams of a patient are left out. The manifest needs `patient_id` and
/// `study_date` on every row.
pub fn mortality_table(manifest: &Manifest, days: i64) -> Result<RegionTable> {
    manifest.require("patient_id")?;
    manifest.require("study_date")?;
    let mut last: BTreeMap<&str, (&ManifestEntry, i64)> = BTreeMap::new();
    for e in manifest.entries() {
        let day = e
            .study_day
            .ok_or_else(|| manifest.missing_value(e, "study_date"))?;
        let patient = e.patient_id.as_deref().unwrap_or("");
        let kept = last.entry(patient).or_insert((e, day));
        if day > kept.1 {
            *kept = (e, day);
        }
    }
    let mut t = RegionTable::new(vec![format!("mortality_{days}d")]);
    for (e, day) in last.values() {
        let label = match (e.death_day, e.censor_day) {
            (Some(d), _) if d - day <= days => Some(1.0),
            (Some(_), _) => Some(0.0),
            (None, Some(c)) if c - day > days => Some(0.0),
            _ => None,
        };
        t.insert(e.exam_id.clone(), vec![label]);
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uptake_core::ExamId;
    use uptake_core::manifest::SummaryCode;

    fn id(s: &str) -> ExamId {
        ExamId::new(s).unwrap()
    }

    fn row(
        exam: &str,
        patient: &str,
        day: i64,
        death: Option<i64>,
        censor: Option<i64>,
    ) -> ManifestEntry {
        let mut e = ManifestEntry::new(id(exam));
        e.patient_id = Some(patient.into());
        e.study_day = Some(day);
        e.summary_code = Some(SummaryCode::Normal);
        e.death_day = death;
        e.censor_day = censor;
        e
    }

    #[test]
    fn mortality_uses_the_last_scan_and_leaves_short_follow_up_unknown() {
        let manifest = Manifest::from_entries(vec![
            row("a1", "p1", 0, Some(200), None),
            row("a2", "p1", 150, Some(200), None), // last scan of p1: died 50 days later
            row("b1", "p2", 0, None, Some(400)),   // alive at 400 days
            row("c1", "p3", 0, None, Some(30)),    // followed 30 days only
        ]);
        let t = mortality_table(&manifest, 90).unwrap();
        assert_eq!(t.get(&id("a2"), "mortality_90d"), Some(1.0));
        assert!(t.row(&id("a1")).is_none());
        assert_eq!(t.get(&id("b1"), "mortality_90d"), Some(0.0));
        assert_eq!(t.get(&id("c1"), "mortality_90d"), None);
    }

    #[test]
    fn mortality_needs_a_study_date_on_every_row() {
        let mut undated = row("b1", "p2", 0, None, None);
        undated.study_day = None;
        let manifest = Manifest::from_entries(vec![row("a1", "p1", 0, None, None), undated]);
        let err = mortality_table(&manifest, 90).unwrap_err().to_string();
        assert!(err.contains("b1") && err.contains("study_date"), "{err}");
    }

    #[test]
    fn summary_code_above_one_is_abnormal() {
        let mut b = row("b", "q", 0, None, None);
        b.summary_code = Some(SummaryCode::Benign);
        let manifest = Manifest::from_entries(vec![row("a", "p", 0, None, None), b]);
        let t = summary_code_table(&manifest);
        assert_eq!(t.get(&id("a"), "summary_code"), Some(0.0));
        assert_eq!(t.get(&id("b"), "summary_code"), Some(1.0));
    }

    #[test]
    fn a_manifest_target_reads_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.csv");
        std::fs::write(&path, "exam_id,summary_code\nE1,1\nE2,4\nE3,\n").unwrap();
        let target = FinetuneTarget::SummaryCode { manifest: path };
        let t = target.table().unwrap();
        assert_eq!(t.tasks, ["summary_code"]);
        assert_eq!(t.table.get(&id("E2"), "summary_code"), Some(1.0));
        assert_eq!(t.table.get(&id("E3"), "summary_code"), None);
    }
}
