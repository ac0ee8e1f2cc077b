//! The labels a scan model trains on: report-derived weak labels, hand labels, or both (the
//! paper's hybrid: hand labels where present, weak labels elsewhere). Every column of a label
//! table must be one of the 30 task regions.

use std::path::{Path, PathBuf};

use uptake_core::{ExamId, RegionTable};

use crate::error::{Result, ScanModelError};

/// Label tables to train on (wide CSV: `exam_id` + one column per task region).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrainingLabels {
    /// Report-derived weak labels (e.g. from `uptake label`), soft values in [0, 1].
    Weak(PathBuf),
    /// Hand labels only, 0/1.
    Hand(PathBuf),
    /// Hand labels where present, weak labels elsewhere.
    Hybrid {
        /// The weak labels.
        weak: PathBuf,
        /// The hand labels, which win where both have a value.
        hand: PathBuf,
    },
}

/// Which label tables a run trains on, by name: `weak`, `hand` or `both`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LabelSource {
    /// Report-derived weak labels.
    #[default]
    Weak,
    /// Hand labels only.
    Hand,
    /// Hand labels where present, weak labels elsewhere (the paper's hybrid).
    Both,
}

impl std::str::FromStr for LabelSource {
    type Err = crate::presets::UnknownName;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "weak" => Ok(Self::Weak),
            "hand" => Ok(Self::Hand),
            "both" => Ok(Self::Both),
            _ => Err(crate::presets::UnknownName {
                given: s.into(),
                choices: "weak, hand, both",
            }),
        }
    }
}

/// The label tables given (`--labels`, `--hand-labels`) and which of them a run trains on
/// (`--label-source`), as `uptake train` and `uptake finetune` take them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct LabelFiles {
    /// Weak labels (wide CSV, e.g. from `uptake label`).
    #[cfg_attr(feature = "cli", arg(long = "labels", value_name = "CSV"))]
    pub weak: Option<PathBuf>,
    /// Hand labels (wide CSV, 0/1).
    #[cfg_attr(feature = "cli", arg(long = "hand-labels", value_name = "CSV"))]
    pub hand: Option<PathBuf>,
    /// Which labels to train on: `weak` (--labels), `hand` (--hand-labels) or `both` (hand
    /// labels where present, weak labels elsewhere: the paper's hybrid).
    #[cfg_attr(
        feature = "cli",
        arg(long, default_value = "weak", value_name = "weak|hand|both")
    )]
    pub label_source: LabelSource,
}

impl LabelFiles {
    /// The tables of the chosen source ([`TrainingLabels::from_source`]).
    pub fn training_labels(&self) -> Result<TrainingLabels> {
        TrainingLabels::from_source(self.label_source, self.weak.clone(), self.hand.clone())
    }
}

impl TrainingLabels {
    /// The tables `source` trains on, from the weak (`--labels`) and hand (`--hand-labels`)
    /// tables given; one it needs but that is missing is an error naming its option.
    pub fn from_source(
        source: LabelSource,
        weak: Option<PathBuf>,
        hand: Option<PathBuf>,
    ) -> Result<Self> {
        let need = |path: Option<PathBuf>, flag: &str| {
            path.ok_or_else(|| {
                ScanModelError::Config(format!("{flag} is required for this label source"))
            })
        };
        Ok(match source {
            LabelSource::Weak => Self::Weak(need(weak, "--labels")?),
            LabelSource::Hand => Self::Hand(need(hand, "--hand-labels")?),
            LabelSource::Both => Self::Hybrid {
                weak: need(weak, "--labels")?,
                hand: need(hand, "--hand-labels")?,
            },
        })
    }

    /// Reads the tables; a column that is not a task region is an error naming file and column.
    pub fn read(&self) -> Result<RegionTable> {
        match self {
            Self::Weak(path) | Self::Hand(path) => read_label_table(path),
            Self::Hybrid { weak, hand } => Ok(merge_hybrid(
                &read_label_table(weak)?,
                &read_label_table(hand)?,
            )),
        }
    }
}

/// True when `name` is one of the 30 task regions.
pub(crate) fn is_task_region(name: &str) -> bool {
    uptake_ontology::TASK_REGIONS.iter().any(|t| t.name == name)
}

/// A label table whose every column is a task region.
fn read_label_table(path: &Path) -> Result<RegionTable> {
    let table = RegionTable::read_csv(path)?;
    if let Some(bad) = table.regions().iter().find(|r| !is_task_region(r)) {
        return Err(ScanModelError::file(
            path,
            format!("column `{bad}` is not a task region (see shared/regions.md)"),
        ));
    }
    Ok(table)
}

/// Hand labels where present, weak labels elsewhere: the weak table's columns and exams
/// first, then those only the hand table has.
pub fn merge_hybrid(weak: &RegionTable, hand: &RegionTable) -> RegionTable {
    let mut regions: Vec<String> = weak.regions().to_vec();
    for r in hand.regions() {
        if !regions.contains(r) {
            regions.push(r.clone());
        }
    }
    let mut exams: Vec<ExamId> = weak.exams().to_vec();
    for e in hand.exams() {
        if !exams.contains(e) {
            exams.push(e.clone());
        }
    }
    let mut out = RegionTable::new(regions.clone());
    for e in exams {
        let row = regions
            .iter()
            .map(|r| hand.get(&e, r).or_else(|| weak.get(&e, r)))
            .collect();
        out.insert(e, row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ExamId {
        ExamId::new(s).unwrap()
    }

    #[test]
    fn hybrid_labels_take_the_hand_label_where_there_is_one() {
        let mut weak = RegionTable::new(vec!["liver".into(), "lungs".into()]);
        weak.insert(id("E1"), vec![Some(0.8), Some(0.1)]);
        weak.insert(id("E2"), vec![Some(0.3), None]);
        let mut hand = RegionTable::new(vec!["lungs".into(), "skeleton".into()]);
        hand.insert(id("E2"), vec![Some(1.0), Some(0.0)]);
        hand.insert(id("E3"), vec![None, Some(1.0)]);
        let m = merge_hybrid(&weak, &hand);
        assert_eq!(m.regions(), ["liver", "lungs", "skeleton"]);
        assert_eq!(m.exams(), [id("E1"), id("E2"), id("E3")]);
        assert_eq!(m.row(&id("E1")).unwrap(), [Some(0.8), Some(0.1), None]);
        assert_eq!(m.row(&id("E2")).unwrap(), [Some(0.3), Some(1.0), Some(0.0)]);
        assert_eq!(m.row(&id("E3")).unwrap(), [None, None, Some(1.0)]);
    }

    #[test]
    fn a_column_that_is_not_a_task_region_is_named_with_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("weak.csv");
        std::fs::write(&path, "exam_id,liver,spleen_tip\nE1,1,0\n").unwrap();
        let err = TrainingLabels::Weak(path).read().unwrap_err().to_string();
        assert!(
            err.contains("weak.csv") && err.contains("`spleen_tip` is not a task region"),
            "{err}"
        );
    }

    #[test]
    fn weak_labels_read_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("weak.csv");
        std::fs::write(&path, "exam_id,liver\nE1,0.25\n").unwrap();
        let t = TrainingLabels::Weak(path).read().unwrap();
        assert_eq!(t.get(&id("E1"), "liver"), Some(0.25));
    }
}
