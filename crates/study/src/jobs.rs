//! A plan as Slurm job arrays: one array task per run, each `uptake study run --plan P
//! --run-id ID` in the plan's own run folders, runs that start from another run's model in a
//! second array that waits for the first.

use crate::error::StudyError;
use crate::plan::Plan;
use std::fmt::Write as _;
use std::path::Path;

fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The job script of the plan in `plan_file` (absolute paths): run it with `bash` to submit
/// the arrays; Slurm runs it with `task STAGE` in each array task.
pub fn job_script(plan_file: &Path) -> Result<String, StudyError> {
    let plan = Plan::read(plan_file)?;
    plan.validate()?;
    let plan_path = std::path::absolute(plan_file).map_err(|e| StudyError::file(plan_file, e))?;
    let runs = plan.runs();
    let stages: [Vec<&str>; 2] = [false, true].map(|dependent| {
        (runs.iter())
            .filter(|r| r.after.is_some() == dependent)
            .map(|r| r.id.as_str())
            .collect()
    });
    let mut s = String::from("#!/bin/bash\n");
    let _ = writeln!(
        s,
        "#SBATCH --job-name=uptake-study\n#SBATCH --cpus-per-task=8"
    );
    let _ = writeln!(
        s,
        "# The study plan {} as Slurm job arrays: one task per run ({} runs).\n\
         # Submit by running this file with bash (add sbatch options above, e.g.\n\
         # --gres=gpu:1 --time=...).\n\
         # Every task writes the plan's own run folder, so `uptake study status` and `report`\n\
         # collect the runs wherever they ran; a task whose run is done or locked does nothing.",
        plan_path.display(),
        runs.len(),
    );
    // The binary that writes the script runs the tasks, unless $UPTAKE names another.
    let binary = std::env::current_exe().map_or("uptake".into(), |p| p.display().to_string());
    let _ = writeln!(
        s,
        "set -euo pipefail\nUPTAKE=\"${{UPTAKE:-{}}}\"",
        binary.replace('"', "")
    );
    let _ = writeln!(s, "PLAN={}", quoted(&plan_path.display().to_string()));
    for (i, stage) in stages.iter().enumerate() {
        let ids: Vec<String> = stage.iter().map(|id| quoted(id)).collect();
        let _ = writeln!(s, "STAGE_{i}=({})", ids.join(" "));
    }
    s.push_str(
        "if [ \"${1:-}\" = task ]; then\n  case \"$2\" in\n    0) ids=(\"${STAGE_0[@]}\") ;;\n    \
         *) ids=(\"${STAGE_1[@]}\") ;;\n  esac\n  exec \"$UPTAKE\" study run --plan \"$PLAN\" \
         --run-id \"${ids[$SLURM_ARRAY_TASK_ID]}\"\nfi\n",
    );
    s.push_str("dependency=()\n");
    for (i, stage) in stages.iter().enumerate().filter(|(_, s)| !s.is_empty()) {
        let _ = writeln!(
            s,
            "job=$(sbatch --parsable ${{dependency[@]+\"${{dependency[@]}}\"}} --array=0-{} \"$0\" task {i})\n\
             echo \"stage {i}: job array $job ({} runs)\"\n\
             dependency=(--dependency=afterany:$job)",
            stage.len() - 1,
            stage.len()
        );
    }
    Ok(s)
}

/// Writes [`job_script`] to `file`; says how to submit it.
pub fn write_job_script(plan_file: &Path, file: &Path) -> Result<String, StudyError> {
    let script = job_script(plan_file)?;
    std::fs::write(file, script).map_err(|e| StudyError::file(file, e))?;
    Ok(format!(
        "{}: submit with `bash {}`",
        file.display(),
        file.display()
    ))
}
