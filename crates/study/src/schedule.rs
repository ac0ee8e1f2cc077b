//! A plan's runs executed: finished runs skipped, interrupted ones resumed, failed ones
//! recorded while the rest go on; one lock per run; `--jobs` threads; runs that start from
//! another run's model after it.

use crate::error::{StudyError, with_causes};
use crate::events::{OnStudyEvent, StartReason, StudyEvent};
use crate::execute::{Context, execute};
use crate::expand::RunSpec;
use crate::folder::{
    LOCK_FILE, RunLock, RunRecord, RunState, RunStatus, recorded_status, status_of, write_record,
};
use crate::plan::Plan;
use crate::split::split_cohort;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use uptake_scanmodel::StoreSource;
use uptake_scanmodel::train::Compute;
use uptake_training::Device;

/// The folder of a plan's run folders: `runs/` beside the plan file.
pub fn runs_dir(plan_file: &Path) -> PathBuf {
    plan_file.parent().unwrap_or(Path::new(".")).join("runs")
}

/// Which runs to run, and where (with the `cli` feature: `uptake study run`'s options).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct RunSettings {
    /// Only this experiment's runs (and the runs they start from).
    #[cfg_attr(feature = "cli", arg(long, value_name = "NAME"))]
    pub only: Option<String>,
    /// Only this run (what each task of `--emit-jobs` runs).
    #[cfg_attr(feature = "cli", arg(long, value_name = "ID"))]
    pub run_id: Option<String>,
    /// Runs at once on this machine.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = Self::default().jobs,
        value_parser = uptake_core::cli::within(1..=64)))]
    pub jobs: usize,
    /// `cpu`, `cuda` or `cuda:N` (a build with `--features gpu`).
    #[cfg_attr(feature = "cli", arg(long, default_value = "cpu"))]
    pub device: Device,
    /// Threads preparing exams for each run.
    #[cfg_attr(feature = "cli", arg(skip = Self::default().loader_workers))]
    pub loader_workers: usize,
}

impl Default for RunSettings {
    fn default() -> Self {
        Self {
            only: None,
            run_id: None,
            jobs: 1,
            device: Device::Cpu,
            loader_workers: 2,
        }
    }
}

/// What a `run` did, run by run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunSummary {
    /// Runs that ran to the end now.
    pub finished: Vec<String>,
    /// Runs already done.
    pub skipped: Vec<String>,
    /// Runs another process holds.
    pub busy: Vec<String>,
    /// Runs that failed, with the error.
    pub failed: Vec<(String, String)>,
}

impl RunSummary {
    /// An error naming the failed runs, if any failed.
    pub fn all_succeeded(&self) -> Result<(), StudyError> {
        match self.failed.len() {
            0 => Ok(()),
            _ => Err(StudyError::RunsFailed(
                self.failed.iter().map(|(id, _)| id.clone()).collect(),
            )),
        }
    }
}

/// `N finished, N skipped (done), N busy, N failed`.
impl std::fmt::Display for RunSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} finished, {} skipped (done), {} left to other processes, {} failed",
            self.finished.len(),
            self.skipped.len(),
            self.busy.len(),
            self.failed.len()
        )
    }
}

/// The plan's runs `settings` selects, with the runs they start from; an unknown name is an
/// error.
pub(crate) fn select(plan: &Plan, settings: &RunSettings) -> Result<Vec<RunSpec>, StudyError> {
    let all = plan.runs();
    let wanted = |r: &RunSpec| {
        settings.only.as_ref().is_none_or(|o| &r.experiment == o)
            && settings.run_id.as_ref().is_none_or(|i| &r.id == i)
    };
    let mut chosen: Vec<RunSpec> = all.iter().filter(|r| wanted(r)).cloned().collect();
    if chosen.is_empty() {
        return Err(match (&settings.run_id, &settings.only) {
            (Some(id), _) => StudyError::UnknownRun(id.clone()),
            (None, Some(name)) => StudyError::UnknownExperiment(name.clone()),
            (None, None) => StudyError::UnknownExperiment("(none in the plan)".into()),
        });
    }
    if settings.run_id.is_none() {
        let starts: Vec<String> = chosen.iter().filter_map(|r| r.after.clone()).collect();
        for start in starts {
            if !chosen.iter().any(|r| r.id == start) {
                chosen.extend(all.iter().find(|r| r.id == start).cloned());
            }
        }
    }
    chosen.sort_by_key(|r| r.after.is_some());
    Ok(chosen)
}

/// Runs the plan in `plan_file` (validated first): every run `settings` selects, those that
/// start from another run's model after the others.
pub fn run_plan(
    plan_file: &Path,
    settings: &RunSettings,
    on_event: OnStudyEvent,
) -> Result<RunSummary, StudyError> {
    let plan = Plan::read(plan_file)?;
    plan.validate()?;
    // A device that cannot run is refused once, before any run starts (not once per run).
    uptake_training::check_device(settings.device)?;
    let runs = select(&plan, settings)?;
    let split = split_cohort(&plan.cohort, &plan.split)?;
    let source = StoreSource::open(&plan.cohort.store)?;
    let runs_dir = runs_dir(plan_file);
    let devices = vec![settings.device];
    let compute = Compute::new(devices, None, settings.loader_workers);
    let ctx = Context {
        plan: &plan,
        split: &split,
        source: &source,
        runs_dir: &runs_dir,
        compute: &compute,
        device: settings.device,
    };
    let summary = Mutex::new(RunSummary::default());
    let (first, then): (Vec<RunSpec>, Vec<RunSpec>) =
        runs.into_iter().partition(|r| r.after.is_none());
    for stage in [first, then] {
        let next = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..settings.jobs.clamp(1, stage.len().max(1)) {
                scope.spawn(|| {
                    while let Some(spec) = stage.get(next.fetch_add(1, Ordering::SeqCst)) {
                        let outcome = run_one(&ctx, spec, on_event);
                        record_outcome(&summary, &spec.id, outcome);
                    }
                });
            }
        });
    }
    Ok(summary.into_inner().unwrap_or_else(|e| e.into_inner()))
}

/// How one run ended.
enum Outcome {
    Finished,
    Skipped,
    Busy,
    Failed(String),
}

fn record_outcome(summary: &Mutex<RunSummary>, id: &str, outcome: Outcome) {
    let mut s = summary.lock().unwrap_or_else(|e| e.into_inner());
    let id = id.to_string();
    match outcome {
        Outcome::Finished => s.finished.push(id),
        Outcome::Skipped => s.skipped.push(id),
        Outcome::Busy => s.busy.push(id),
        Outcome::Failed(error) => s.failed.push((id, error)),
    }
}

/// Why a run that is not done starts, or the outcome without running it.
fn start_reason(status: RunStatus, spec: &RunSpec, dir: &Path) -> Result<StartReason, Outcome> {
    match status {
        RunStatus::Done => Err(Outcome::Skipped),
        RunStatus::Running => Err(Outcome::Busy),
        RunStatus::Foreign(why) => Err(Outcome::Failed(format!(
            "{} {why}: refusing to reuse it (move it away to run this run)",
            dir.display()
        ))),
        RunStatus::Pending => Ok(StartReason::New),
        RunStatus::Interrupted => Ok(StartReason::Resume),
        RunStatus::Failed(_) => Ok(StartReason::Retry),
        RunStatus::Stale { recorded } => Ok(StartReason::SettingsChanged {
            was: recorded,
            now: spec.settings_hash.clone(),
        }),
    }
}

/// Empties a run folder but for its lock (its settings changed).
fn clear_run_dir(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)?.filter_map(Result::ok) {
        if entry.file_name() == LOCK_FILE {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            std::fs::remove_dir_all(&path)?;
        } else {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

/// Runs one run under its lock, reporting its events.
fn run_one(ctx: &Context, spec: &RunSpec, on_event: OnStudyEvent) -> Outcome {
    let dir = ctx.runs_dir.join(&spec.id);
    let run = spec.id.clone();
    let status = status_of(&ctx.plan.id, spec, &dir);
    if let Err(outcome) = start_reason(status, spec, &dir) {
        report_outcome(&outcome, &run, on_event);
        return outcome;
    }
    let _lock = match RunLock::acquire(&dir) {
        Ok(Some(lock)) => lock,
        Ok(None) => return report_outcome(&Outcome::Busy, &run, on_event),
        Err(e) => return failed(&run, format!("{}: {e}", dir.display()), on_event),
    };
    // Another process may have finished it before this one took the lock.
    let status = recorded_status(&ctx.plan.id, spec, &dir);
    let why = match start_reason(status, spec, &dir) {
        Ok(why) => why,
        Err(outcome) => return report_outcome(&outcome, &run, on_event),
    };
    if let Some(after) = &spec.after {
        let start = ctx.plan.runs().into_iter().find(|r| &r.id == after);
        let done = start.is_some_and(|s| {
            status_of(&ctx.plan.id, &s, &ctx.runs_dir.join(after)) == RunStatus::Done
        });
        if !done {
            let error = format!("it starts from run `{after}`, which is not done");
            return failed(&run, error, on_event);
        }
    }
    let changed = matches!(why, StartReason::SettingsChanged { .. });
    if changed && let Err(e) = clear_run_dir(&dir) {
        return failed(&run, format!("{}: {e}", dir.display()), on_event);
    }
    on_event(StudyEvent::Started {
        run: run.clone(),
        why,
    });
    attempt(ctx, spec, &dir, on_event)
}

/// Records the run as started, executes it, and records how it ended.
fn attempt(ctx: &Context, spec: &RunSpec, dir: &Path, on_event: OnStudyEvent) -> Outcome {
    let run = spec.id.clone();
    let mut record = RunRecord {
        plan_id: ctx.plan.id.clone(),
        run: spec.clone(),
        state: RunState::Started,
    };
    if let Err(e) = write_record(dir, &record) {
        return failed(&run, e, on_event);
    }
    let clock = Instant::now();
    let mut on_line = |line| {
        on_event(StudyEvent::Training {
            run: run.clone(),
            line,
        })
    };
    let result = execute(ctx, spec, &mut on_line);
    let seconds = clock.elapsed().as_secs_f64();
    record.state = match &result {
        Ok(_) => RunState::Done { seconds },
        Err(e) => RunState::Failed {
            error: with_causes(e),
        },
    };
    if let Err(e) = write_record(dir, &record) {
        return failed(&run, e, on_event);
    }
    match result {
        Ok(_) => {
            on_event(StudyEvent::Finished { run, seconds });
            Outcome::Finished
        }
        Err(e) => failed(&run, with_causes(&e), on_event),
    }
}

fn failed(run: &str, error: String, on_event: OnStudyEvent) -> Outcome {
    report_outcome(&Outcome::Failed(error.clone()), run, on_event);
    Outcome::Failed(error)
}

fn report_outcome(outcome: &Outcome, run: &str, on_event: OnStudyEvent) -> Outcome {
    let run = run.to_string();
    let (event, copy) = match outcome {
        Outcome::Skipped => (StudyEvent::Skipped { run }, Outcome::Skipped),
        Outcome::Busy => (StudyEvent::Busy { run }, Outcome::Busy),
        Outcome::Failed(error) => (
            StudyEvent::Failed {
                run,
                error: error.clone(),
            },
            Outcome::Failed(error.clone()),
        ),
        Outcome::Finished => return Outcome::Finished,
    };
    on_event(event);
    copy
}
