//! Which task regions a scan model gets a head for: the 30 task regions, the regions whose
//! labels are prevalent enough to learn from (the paper: 10 %), or regions named one by one.
//!
//! As text (the `--regions` option of `uptake train` and `uptake finetune`):
//!
//! | text | selection |
//! |---|---|
//! | `tasks` | the 30 task regions of shared/regions.md, in its order |
//! | `prevalent` | regions with label prevalence >= 10 %, in the label table's column order |
//! | `prevalent:0.2`, `prevalent:20%` | regions with label prevalence >= 20 % |
//! | `liver,lungs` | these regions, in this order |
//!
//! Prevalence is the share of an exam's known labels that are >= 0.5.

use std::fmt;
use std::str::FromStr;

use uptake_core::RegionTable;

use crate::error::{Result, ScanModelError};
use crate::labels::is_task_region;
use crate::train::select_tasks;

/// The paper's threshold: a region is learnt when at least 10 % of its labels are positive.
pub const DEFAULT_MIN_PREVALENCE: f64 = 0.10;

/// Which task regions to train (see the [module](self) page for the text forms).
#[derive(Debug, Clone, PartialEq)]
pub enum TaskSelection {
    /// The 30 task regions.
    TaskRegions,
    /// The regions whose label prevalence is at least `min_prevalence` (a share in (0, 1]).
    Prevalent {
        /// The lowest prevalence kept.
        min_prevalence: f64,
    },
    /// These regions, in this order.
    Named(Vec<String>),
}

impl Default for TaskSelection {
    fn default() -> Self {
        Self::Prevalent {
            min_prevalence: DEFAULT_MIN_PREVALENCE,
        }
    }
}

/// A selected task region with its label prevalence (`None` when the labels have no value for
/// it).
#[derive(Debug, Clone, PartialEq)]
pub struct SelectedTask {
    /// The region.
    pub region: String,
    /// Its label prevalence.
    pub prevalence: Option<f64>,
}

impl TaskSelection {
    /// The regions this selection picks from `labels`. Every one must be a task region, and a
    /// prevalence threshold no region reaches is an error.
    pub fn select(&self, labels: &RegionTable) -> Result<Vec<SelectedTask>> {
        let prevalence = select_tasks(labels, 0.0);
        let with_prevalence = |region: String| SelectedTask {
            prevalence: prevalence
                .iter()
                .find(|(r, _)| *r == region)
                .map(|(_, p)| *p),
            region,
        };
        let chosen: Vec<SelectedTask> = match self {
            Self::TaskRegions => uptake_ontology::TASK_REGIONS
                .iter()
                .map(|t| with_prevalence(t.name.to_string()))
                .collect(),
            Self::Prevalent { min_prevalence } => {
                let chosen = select_tasks(labels, *min_prevalence);
                if chosen.is_empty() {
                    return Err(ScanModelError::Labels(format!(
                        "no region has a label prevalence of {} % or more",
                        100.0 * min_prevalence
                    )));
                }
                chosen
                    .into_iter()
                    .map(|(region, p)| SelectedTask {
                        region,
                        prevalence: Some(p),
                    })
                    .collect()
            }
            Self::Named(names) => names.iter().cloned().map(with_prevalence).collect(),
        };
        if let Some(bad) = chosen.iter().find(|t| !is_task_region(&t.region)) {
            return Err(ScanModelError::Config(format!(
                "`{}` is not a task region (see shared/regions.md)",
                bad.region
            )));
        }
        Ok(chosen)
    }

    /// For a prevalence selection, the tasks it kept with their prevalence, one line each
    /// under a heading; `None` for the other selections (they list nothing new).
    pub fn listing(&self, chosen: &[SelectedTask]) -> Option<String> {
        let Self::Prevalent { min_prevalence } = self else {
            return None;
        };
        let mut text = format!("tasks (label prevalence >= {} %):", 100.0 * min_prevalence);
        for t in chosen {
            let p = t.prevalence.unwrap_or(0.0);
            text += &format!("\n  {:<28} {:5.1} %", t.region, 100.0 * p);
        }
        Some(text)
    }
}

/// Why a selection's text is not one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SelectionParseError {
    /// `prevalent:P` with P not a share in (0, 1] or a percentage in (0 %, 100 %].
    #[error("`{0}`: the prevalence must be a share in (0, 1] (0.1) or a percentage (10%)")]
    BadPrevalence(String),
    /// Nothing but commas.
    #[error("no region named: give tasks, prevalent, prevalent:P or a comma-separated list")]
    Empty,
}

impl FromStr for TaskSelection {
    type Err = SelectionParseError;

    fn from_str(text: &str) -> std::result::Result<Self, SelectionParseError> {
        let text = text.trim();
        if text == "tasks" {
            return Ok(Self::TaskRegions);
        }
        if text == "prevalent" {
            return Ok(Self::default());
        }
        if let Some(p) = text.strip_prefix("prevalent:") {
            let bad = || SelectionParseError::BadPrevalence(text.to_string());
            let share = match p.trim().strip_suffix('%') {
                Some(percent) => percent.trim().parse::<f64>().map_err(|_| bad())? / 100.0,
                None => p.trim().parse::<f64>().map_err(|_| bad())?,
            };
            if !(share > 0.0 && share <= 1.0) {
                return Err(bad());
            }
            return Ok(Self::Prevalent {
                min_prevalence: share,
            });
        }
        let names: Vec<String> = text
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if names.is_empty() {
            return Err(SelectionParseError::Empty);
        }
        Ok(Self::Named(names))
    }
}

impl fmt::Display for TaskSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TaskRegions => f.write_str("tasks"),
            Self::Prevalent { min_prevalence } if *min_prevalence == DEFAULT_MIN_PREVALENCE => {
                f.write_str("prevalent")
            }
            Self::Prevalent { min_prevalence } => write!(f, "prevalent:{min_prevalence}"),
            Self::Named(names) => f.write_str(&names.join(",")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uptake_core::ExamId;

    /// liver positive in 1 of 4 exams (25 %), lungs in 0 of 4, full in 3 of 4.
    fn labels() -> RegionTable {
        let mut t = RegionTable::new(vec!["liver".into(), "lungs".into(), "full".into()]);
        for (i, row) in [
            [Some(0.9), Some(0.0), Some(1.0)],
            [Some(0.1), Some(0.2), Some(1.0)],
            [Some(0.0), None, Some(0.6)],
            [Some(0.4), Some(0.0), Some(0.0)],
        ]
        .into_iter()
        .enumerate()
        {
            t.insert(ExamId::new(format!("E{i}")).unwrap(), row.to_vec());
        }
        t
    }

    fn regions(selection: &str) -> Vec<String> {
        let s: TaskSelection = selection.parse().unwrap();
        s.select(&labels())
            .unwrap()
            .into_iter()
            .map(|t| t.region)
            .collect()
    }

    #[test]
    fn tasks_means_the_30_task_regions_in_their_order() {
        let r = regions("tasks");
        assert_eq!(r.len(), 30);
        assert_eq!(&r[..3], ["full", "head_neck", "head"]);
    }

    #[test]
    fn prevalent_keeps_regions_at_or_above_ten_percent_by_default() {
        assert_eq!(regions("prevalent"), ["liver", "full"]);
        assert_eq!(regions("prevalent:0.5"), ["full"]);
        assert_eq!(regions("prevalent:50%"), ["full"]);
        assert_eq!(
            TaskSelection::default(),
            TaskSelection::Prevalent {
                min_prevalence: 0.1
            }
        );
    }

    #[test]
    fn the_prevalence_of_each_selected_region_is_reported() {
        let s: TaskSelection = "lungs,liver".parse().unwrap();
        let chosen = s.select(&labels()).unwrap();
        assert_eq!(chosen[0].region, "lungs");
        assert_eq!(chosen[0].prevalence, Some(0.0));
        assert_eq!(chosen[1].prevalence, Some(0.25));
        let all = TaskSelection::TaskRegions.select(&labels()).unwrap();
        assert_eq!(all[1].prevalence, None);
    }

    #[test]
    fn a_threshold_no_region_reaches_is_an_error() {
        let s: TaskSelection = "prevalent:1".parse().unwrap();
        let err = s.select(&labels()).unwrap_err().to_string();
        assert!(err.contains("100 %"), "{err}");
    }

    #[test]
    fn a_named_region_that_is_no_task_region_is_refused() {
        let s: TaskSelection = "liver, spleen".parse().unwrap();
        let err = s.select(&labels()).unwrap_err().to_string();
        assert!(err.contains("`spleen` is not a task region"), "{err}");
    }

    #[test]
    fn bad_thresholds_and_empty_lists_do_not_parse() {
        for text in [
            "prevalent:0",
            "prevalent:1.5",
            "prevalent:x",
            "prevalent:200%",
        ] {
            assert!(
                matches!(
                    text.parse::<TaskSelection>(),
                    Err(SelectionParseError::BadPrevalence(_))
                ),
                "{text}"
            );
        }
        assert_eq!(
            " , ".parse::<TaskSelection>(),
            Err(SelectionParseError::Empty)
        );
    }

    #[test]
    fn selections_print_as_they_parse() {
        for text in ["tasks", "prevalent", "prevalent:0.25", "liver,lungs"] {
            assert_eq!(text.parse::<TaskSelection>().unwrap().to_string(), text);
        }
    }
}
