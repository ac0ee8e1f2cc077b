//! Where every run of a plan stands, as a table.

use crate::error::StudyError;
use crate::expand::RunSpec;
use crate::folder::{RunStatus, status_of};
use crate::plan::Plan;
use crate::schedule::runs_dir;
use std::fmt;
use std::path::Path;

/// Every run of a plan with where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanStatus {
    /// The runs, in plan order.
    pub runs: Vec<(RunSpec, RunStatus)>,
}

impl PlanStatus {
    /// Reads the run folders of the plan in `plan_file`.
    pub fn read(plan_file: &Path) -> Result<Self, StudyError> {
        let plan = Plan::read(plan_file)?;
        plan.check_sizes()?;
        let dir = runs_dir(plan_file);
        let runs = (plan.runs().into_iter())
            .map(|spec| {
                let status = status_of(&plan.id, &spec, &dir.join(&spec.id));
                (spec, status)
            })
            .collect();
        Ok(Self { runs })
    }

    /// Whether every run is done.
    pub fn all_done(&self) -> bool {
        self.runs.iter().all(|(_, s)| *s == RunStatus::Done)
    }
}

fn word(status: &RunStatus) -> String {
    match status {
        RunStatus::Pending => "pending".into(),
        RunStatus::Running => "running".into(),
        RunStatus::Interrupted => "interrupted (resumes)".into(),
        RunStatus::Done => "done".into(),
        RunStatus::Failed(error) => format!("failed: {error}"),
        RunStatus::Stale { recorded } => {
            format!("stale settings (ran with {recorded}): runs again")
        }
        RunStatus::Foreign(why) => format!("foreign folder ({why}): never reused"),
    }
}

/// `run  experiment  seed  hash  status` per run, then counts.
impl fmt::Display for PlanStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = (self.runs.iter())
            .map(|(r, _)| r.id.len())
            .max()
            .unwrap_or(3);
        writeln!(f, "{:<width$}  {:<16}  status", "run", "settings hash")?;
        for (spec, status) in &self.runs {
            let id = &spec.id;
            writeln!(
                f,
                "{id:<width$}  {:<16}  {}",
                spec.settings_hash,
                word(status)
            )?;
        }
        let done = self.runs.iter().filter(|(_, s)| *s == RunStatus::Done);
        write!(f, "{} of {} runs done", done.count(), self.runs.len())
    }
}
