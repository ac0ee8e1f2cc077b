//! `uptake study plan|run|status|report`: the study reproduced on a cohort from a plan file.

use crate::common::Global;
use anyhow::Result;
use std::path::PathBuf;
use uptake_study::{Cohort, PlanStatus, Preset, RunSettings, StudyEvent};

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Write the default plan of a cohort: the study's experiments, scaled to its labels.
    Plan(PlanArgs),
    /// Run the plan (runs/<run id>/ beside it): done runs are skipped, interrupted ones resume,
    /// failed ones are reported and the rest go on.
    Run(RunArgs),
    /// Where every run of the plan stands (done, failed, running, pending, stale settings).
    Status(PlanFile),
    /// The study's report of the finished runs: report.html beside the plan.
    Report(PlanFile),
}

/// The cohort: an exam store, weak labels (e.g. from `uptake label`), and optionally hand labels
/// (the hand and hybrid experiments, and what predictions are evaluated against) and the cohort
/// manifest (the summary-code and mortality experiments); reports with hand labels add the
/// labelling comparison (with --report-models DIR, one per seed: model and model+rules too).
/// Edit the plan for more.
#[derive(clap::Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    cohort: Cohort,
    /// `tiny` (2 seeds, tiny network, 1 epoch: a check), `small` (5 seeds, CPU) or `full`.
    #[arg(long, default_value = "small")]
    preset: Preset,
    /// The plan file to write (refused when it exists).
    #[arg(long, value_name = "TOML")]
    out: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    plan: PlanFile,
    #[command(flatten)]
    settings: RunSettings,
    /// Write a Slurm job-array script (one task per run) instead of running.
    #[arg(long, value_name = "FILE")]
    emit_jobs: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct PlanFile {
    #[arg(long, value_name = "TOML")]
    plan: PathBuf,
}

pub fn run(cmd: Cmd, global: &Global) -> Result<()> {
    match cmd {
        Cmd::Plan(a) => {
            let written = uptake_study::write_default_plan(a.cohort, a.preset, &a.out)?;
            println!("{written}");
        }
        Cmd::Run(a) if a.emit_jobs.is_some() => {
            let file = a.emit_jobs.unwrap_or_default();
            println!("{}", uptake_study::write_job_script(&a.plan.plan, &file)?);
        }
        Cmd::Run(a) => run_plan(a, global)?,
        Cmd::Status(a) => println!("{}", PlanStatus::read(&a.plan)?),
        Cmd::Report(a) => println!("{}", uptake_study::write_study_report(&a.plan)?),
    }
    Ok(())
}

fn run_plan(a: RunArgs, global: &Global) -> Result<()> {
    let on_event = |e: StudyEvent| {
        if !global.quiet || !matches!(e, StudyEvent::Training { .. }) {
            eprintln!("{e}");
        }
    };
    let summary = uptake_study::run_plan(&a.plan.plan, &a.settings, &on_event)?;
    println!("{summary}");
    Ok(summary.all_succeeded()?)
}
