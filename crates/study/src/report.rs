//! The study's report: every experiment's finished runs evaluated on the test exams, the
//! plan's comparisons (each with its per-region differences), the multi- vs single-task fit
//! against class balance, the rare-region comparison, worklists, survival and the learning
//! curve, in the report layout of
//! [`uptake_stats::report`] (`<plan dir>/report/<section>/<name>/summary.json`), then one
//! self-contained HTML page, `<plan dir>/report.html`.

use crate::balance::write_balance;
use crate::differences::write_differences;
use crate::error::{StudyError, with_causes};
use crate::execute::{ALL_PREDICTIONS_FILE, PREDICTIONS_FILE};
use crate::expand::{RunSpec, Work};
use crate::folder::{RunStatus, status_of};
use crate::learning_curve::learning_curves;
use crate::mortality_roc::mortality_rocs;
use crate::plan::{Experiment, Plan};
use crate::rare_regions::write_rare_regions;
use crate::schedule::runs_dir;
use crate::split::{CohortSplit, only_exams, split_cohort};
use crate::targets::whole_body_table;
use crate::worklists::{first_multi_task, worklists};
use std::fmt;
use std::path::{Path, PathBuf};
use uptake_core::Manifest;
use uptake_stats::report::{ReportPart, ReportTable};
use uptake_stats::{
    CompareSettings, Comparison, Evaluation, EvaluationSettings, ModelNames, ModelPredictions,
    PredictionFile, PredictionFormat, SeedTest, SurvivalAnalysis, SurvivalSettings, TruthTable,
};

/// What the report wrote and left out.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyReport {
    /// The HTML page.
    pub html: PathBuf,
    /// The folder of its parts (tables as CSV, figures as SVG and PNG, summaries).
    pub parts: PathBuf,
    /// Variants evaluated.
    pub evaluated: Vec<String>,
    /// Comparisons made.
    pub compared: Vec<String>,
    /// What is missing and why (runs not done, analyses that failed).
    pub missing: Vec<String>,
}

/// `report.html`, then what it holds and lacks.
impl fmt::Display for StudyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.html.display())?;
        write!(
            f,
            "{} experiments evaluated, {} comparisons",
            self.evaluated.len(),
            self.compared.len()
        )?;
        for line in &self.missing {
            write!(f, "\nnot in the report: {line}")?;
        }
        Ok(())
    }
}

/// The test of every comparison, as the report states it.
pub(crate) fn comparison_test(test: SeedTest) -> String {
    let how = match test {
        SeedTest::PairedSignFlip => {
            "seed i of A paired with seed i of B; the sign of each pair's AUROC difference \
             flipped at random"
        }
        SeedTest::StudyUnpaired => {
            "as the study's released analysis code (mlxtend's approximate `permutation_test`): \
             both models' seed AUROCs pooled and reshuffled, pairs ignored"
        }
    };
    format!(
        "Test: {test} over seeds ({how}; 10,000 rounds, one-sided: A > B); CIs: percentile \
         bootstrap over seeds."
    )
}

/// One variant's finished runs and what they are evaluated against.
struct Finished {
    variant: String,
    files: Vec<PredictionFile>,
    truth: TruthTable,
}

/// The finished runs of `variant`, seed by seed.
fn finished_files(
    plan: &Plan,
    runs: &[RunSpec],
    dir: &Path,
) -> Result<Vec<PredictionFile>, StudyError> {
    let mut files = Vec::new();
    for spec in runs {
        let run_dir = dir.join(&spec.id);
        if status_of(&plan.id, spec, &run_dir) != RunStatus::Done {
            continue;
        }
        let path = run_dir.join(PREDICTIONS_FILE);
        let table =
            uptake_core::RegionTable::read_csv(&path).map_err(|e| StudyError::file(&path, e))?;
        files.push(PredictionFile { path, table });
    }
    Ok(files)
}

/// The truth a run's predictions are evaluated against, on the test exams.
fn truth_of(plan: &Plan, split: &CohortSplit, work: &Work) -> Result<TruthTable, StudyError> {
    Ok(match work {
        Work::WholeBody { target, .. } => TruthTable {
            source: plan.cohort.manifest.clone().unwrap_or_default(),
            table: only_exams(&whole_body_table(&plan.cohort, *target)?, &split.test),
        },
        _ => TruthTable {
            source: split.truth_source.clone(),
            table: split.truth.clone(),
        },
    })
}

/// Every variant with finished runs; a variant without is listed in `missing`.
fn collect(
    plan: &Plan,
    plan_file: &Path,
    missing: &mut Vec<String>,
) -> Result<Vec<Finished>, StudyError> {
    let split = split_cohort(&plan.cohort, &plan.split)?;
    let all = plan.runs();
    let dir = runs_dir(plan_file);
    let mut out = Vec::new();
    for (variant, e) in plan.variants() {
        if matches!(e, Experiment::Labelling { .. }) {
            continue; // the labelling section reads its own runs
        }
        let runs: Vec<RunSpec> = all
            .iter()
            .filter(|r| r.variant == variant)
            .cloned()
            .collect();
        let files = finished_files(plan, &runs, &dir)?;
        if files.len() < runs.len() {
            missing.push(format!(
                "{variant}: {} of {} runs done",
                files.len(),
                runs.len()
            ));
        }
        if files.is_empty() {
            continue;
        }
        let truth = truth_of(plan, &split, &runs[0].work)?;
        out.push(Finished {
            variant,
            files,
            truth,
        });
    }
    Ok(out)
}

fn analysis(what: &str, e: impl ToString) -> StudyError {
    StudyError::Analysis {
        what: what.into(),
        message: e.to_string(),
    }
}

/// Evaluates every variant into `parts/evaluation/<variant>/`; returns the evaluations.
fn evaluate(
    finished: &[Finished],
    parts: &Path,
    report: &mut StudyReport,
) -> Vec<(String, Evaluation)> {
    let mut evaluations = Vec::new();
    for f in finished {
        let settings = EvaluationSettings::default();
        let result =
            Evaluation::compute(&f.files, &f.truth, &settings).map_err(|e| analysis(&f.variant, e));
        let title = format!("{}: {} seeds on the test exams", f.variant, f.files.len());
        let written = result.and_then(|e| {
            e.write(&parts.join("evaluation").join(&f.variant), &title)
                .map_err(|err| analysis(&f.variant, err))?;
            Ok(e)
        });
        match written {
            Ok(e) => {
                evaluations.push((f.variant.clone(), e));
                report.evaluated.push(f.variant.clone());
            }
            Err(e) => report.missing.push(e.to_string()),
        }
    }
    evaluations
}

/// The plan's comparisons into `parts/compare/<a>-vs-<b>/`, on the seeds both have, each
/// with its per-region differences (`parts/differences/<a>-vs-<b>/`); returns them.
fn compare(
    plan: &Plan,
    finished: &[Finished],
    parts: &Path,
    report: &mut StudyReport,
) -> Vec<(String, Comparison)> {
    let mut out = Vec::new();
    for spec in &plan.comparisons {
        let name = format!("{}-vs-{}", spec.a, spec.b);
        let find = |v: &str| finished.iter().find(|f| f.variant == v);
        let (Some(a), Some(b)) = (find(&spec.a), find(&spec.b)) else {
            report
                .missing
                .push(format!("comparison {name}: a side has no finished run"));
            continue;
        };
        let seeds = a.files.len().min(b.files.len());
        let settings = CompareSettings {
            names: ModelNames {
                a: spec.a.clone(),
                b: spec.b.clone(),
            },
            exam_set: uptake_stats::ExamSet::Intersection,
            test: plan.test,
            ..CompareSettings::default()
        };
        let result = Comparison::compute(&a.files[..seeds], &b.files[..seeds], &a.truth, &settings)
            .map_err(|e| analysis(&name, e))
            .and_then(|mut c| {
                c.notes.insert(0, comparison_test(plan.test));
                c.write(&parts.join("compare").join(&name))
                    .map_err(|e| analysis(&name, e))?;
                Ok(c)
            });
        match result {
            Ok(c) => {
                if multi_vs_single(plan, &spec.a, &spec.b) {
                    balance(plan, &c, &parts.join("balance").join(&name), report);
                }
                let test = comparison_test(plan.test);
                if let Err(e) = write_differences(&name, &c, &test, parts) {
                    report.missing.push(format!("differences {name}: {e}"));
                }
                report.compared.push(name.clone());
                out.push((name, c));
            }
            Err(e) => report.missing.push(e.to_string()),
        }
    }
    out
}

/// Whether `a` names a multi-task experiment and `b` a single-task one.
fn multi_vs_single(plan: &Plan, a: &str, b: &str) -> bool {
    let kind = |name: &str| plan.experiments.iter().find(|e| e.name() == name);
    matches!(
        (kind(a), kind(b)),
        (
            Some(Experiment::MultiTask { .. }),
            Some(Experiment::SingleTask { .. })
        )
    )
}

/// A multi- vs single-task comparison against the class balance of the weak labels.
fn balance(plan: &Plan, c: &Comparison, dir: &Path, report: &mut StudyReport) {
    let labels = uptake_core::RegionTable::read_csv(&plan.cohort.weak_labels);
    let written = (labels.map_err(|e| e.to_string())).and_then(|l| write_balance(c, &l, dir));
    if let Err(e) = written {
        report.missing.push(format!("{}: {e}", dir.display()));
    }
}

/// The nested Cox models (age and summary code, then with the `full` region's prediction),
/// likelihood-ratio tests, Harrell's C and Kaplan-Meier curves of the first multi-task
/// experiment's every-exam predictions, into `parts/survival/<variant>/`.
fn survival(plan: &Plan, plan_file: &Path, parts: &Path, report: &mut StudyReport) {
    let Some(manifest_path) = &plan.cohort.manifest else {
        return;
    };
    let Some(variant) = first_multi_task(plan).map(String::from) else {
        return;
    };
    let dir = runs_dir(plan_file);
    let runs = (plan.runs().into_iter()).filter(|r| r.variant == variant);
    let done = runs.filter(|r| status_of(&plan.id, r, &dir.join(&r.id)) == RunStatus::Done);
    let paths: Vec<PathBuf> = done
        .map(|r| dir.join(&r.id).join(ALL_PREDICTIONS_FILE))
        .collect();
    let settings = SurvivalSettings::whole_body();
    let out = parts.join("survival").join(&variant);
    let analysis = |m: Manifest| {
        let files = ModelPredictions::read(&paths, PredictionFormat::Wide);
        let files = files.map_err(|e| e.to_string())?.seeds;
        SurvivalAnalysis::compute(&m, &files, &settings).map_err(|e| with_causes(&e))
    };
    let result = (Manifest::read(manifest_path).map_err(|e| e.to_string()))
        .and_then(analysis)
        .and_then(|a| a.write(&out).map_err(|e| e.to_string()));
    if let Err(e) = result {
        report.missing.push(format!("survival of {variant}: {e}"));
    }
}

/// The plan and its runs as the report's first part.
fn plan_part(plan: &Plan, finished: &[Finished], parts: &Path) -> Result<(), StudyError> {
    let rows = (plan.variants().into_iter())
        .map(|(variant, e)| {
            let seeds = finished
                .iter()
                .find(|f| f.variant == variant)
                .map_or(0, |f| f.files.len());
            let kind = serde_json::to_value(e)
                .ok()
                .and_then(|v| v["kind"].as_str().map(String::from));
            vec![
                variant,
                kind.unwrap_or_default(),
                format!("{seeds} of {}", plan.seeds),
            ]
        })
        .collect();
    let part = ReportPart {
        kind: "plan".into(),
        title: format!(
            "Plan {}: {} experiments, {:?} network, {} epochs",
            plan.id,
            plan.experiments.len(),
            plan.network,
            plan.epochs
        ),
        notes: vec![comparison_test(plan.test)],
        tables: vec![ReportTable {
            caption: "Experiments and their finished seeds".into(),
            columns: vec!["experiment".into(), "kind".into(), "seeds done".into()],
            rows,
        }],
        figures: vec![],
    };
    let dir = parts.join("study").join("plan");
    part.write(&dir)
        .map(|_| ())
        .map_err(|e| StudyError::file(&dir, e))
}

/// Writes the report of the plan in `plan_file`'s finished runs: `report/` (rebuilt) and
/// `report.html` beside the plan. Experiments whose runs are not all done are reported on the
/// seeds that are, and listed in [`StudyReport::missing`].
pub fn write_study_report(plan_file: &Path) -> Result<StudyReport, StudyError> {
    let plan = Plan::read(plan_file)?;
    plan.validate()?;
    let dir = plan_file.parent().unwrap_or(Path::new("."));
    let parts = dir.join("report");
    if parts.exists() {
        std::fs::remove_dir_all(&parts).map_err(|e| StudyError::file(&parts, e))?;
    }
    let mut report = StudyReport {
        html: dir.join("report.html"),
        parts: parts.clone(),
        evaluated: Vec::new(),
        compared: Vec::new(),
        missing: Vec::new(),
    };
    let finished = collect(&plan, plan_file, &mut report.missing)?;
    plan_part(&plan, &finished, &parts)?;
    let evaluations = evaluate(&finished, &parts, &mut report);
    let comparisons = compare(&plan, &finished, &parts, &mut report);
    let test = comparison_test(plan.test);
    if let Err(e) = write_rare_regions(&plan, &evaluations, &comparisons, &test, &parts) {
        report.missing.push(format!("rare-region comparison: {e}"));
    }
    let first = first_multi_task(&plan).and_then(|v| finished.iter().find(|f| f.variant == v));
    if let Some(f) = first {
        let missing = worklists(&plan, &f.variant, &f.files, &f.truth, &parts);
        report.missing.extend(missing);
    }
    survival(&plan, plan_file, &parts, &mut report);
    report
        .missing
        .extend(learning_curves(&plan, &evaluations, &parts));
    report
        .missing
        .extend(mortality_rocs(&plan, &evaluations, &parts));
    (report.missing).extend(crate::labelling_report::labelling_parts(
        &plan, plan_file, &parts,
    )?);
    let title = format!("uptake study {}", plan.id);
    uptake_stats::report::write_report(&parts, &report.html, &title)
        .map_err(|e| StudyError::file(&report.html, e))?;
    Ok(report)
}
