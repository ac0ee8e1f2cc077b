//! The report's labelling section: every method's labels scored against the hand labels per
//! region (F1 and AUROC), each method's F1 minus the regex baseline's per region with a dot per
//! report-model seed (figure, and its numbers as CSV), and the labellers' diagnostics.

use crate::error::StudyError;
use crate::expand::RunSpec;
use crate::folder::{RunStatus, status_of};
use crate::labelling::{DIAGNOSTICS_FILE, labels_file, methods};
use crate::plan::{Experiment, Plan};
use crate::schedule::runs_dir;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use uptake_core::RegionTable;
use uptake_labels::LabellingMethod;
use uptake_stats::metrics::RegionMetrics;
use uptake_stats::plots::difference::{DifferenceRow, difference_by_region};
use uptake_stats::report::{ReportFigure, ReportPart, ReportTable};

/// Probability at or above which a label (or hand label) counts as abnormal.
const THRESHOLD: f64 = 0.5;

/// One method's labels of one seed scored in one region.
#[derive(Debug, Clone)]
pub(crate) struct MethodScore {
    pub method: LabellingMethod,
    pub seed: u64,
    pub metrics: RegionMetrics,
}

/// The labels in `dir` (a labelling run of `seed`) scored against `hand` in every region
/// both have, on the exams both label.
pub(crate) fn score_run(
    hand: &RegionTable,
    dir: &Path,
    seed: u64,
) -> Result<Vec<MethodScore>, StudyError> {
    let mut out = Vec::new();
    for method in methods(true) {
        let path = dir.join(labels_file(method));
        if !path.exists() {
            continue;
        }
        let labels = RegionTable::read_csv(&path).map_err(|e| StudyError::file(&path, e))?;
        for region in hand.regions() {
            let column = labels.regions().iter().position(|r| r == region);
            let (Some(truth), Some(column)) = (hand.column(region), column) else {
                continue;
            };
            let mut probs = Vec::new();
            let mut positive = Vec::new();
            for ((exam, _), t) in hand.rows().zip(truth) {
                let p = labels.row(exam).and_then(|row| row[column]);
                if let (Some(t), Some(p)) = (t, p) {
                    probs.push(p);
                    positive.push(t >= THRESHOLD);
                }
            }
            let metrics = RegionMetrics::compute(region, &probs, &positive, THRESHOLD);
            out.push(MethodScore {
                method,
                seed,
                metrics,
            });
        }
    }
    Ok(out)
}

/// Each method's F1 minus the regex baseline's, per region and seed (regions where both are
/// defined).
pub(crate) fn f1_differences(scores: &[MethodScore]) -> Vec<DifferenceRow> {
    let mut rows: Vec<DifferenceRow> = Vec::new();
    for s in scores.iter().filter(|s| s.method != LabellingMethod::Regex) {
        let base = scores.iter().find(|b| {
            b.method == LabellingMethod::Regex
                && b.seed == s.seed
                && b.metrics.region == s.metrics.region
        });
        let (Some(f1), Some(base)) = (s.metrics.f1, base.and_then(|b| b.metrics.f1)) else {
            continue;
        };
        let (region, method) = (&s.metrics.region, s.method.to_string());
        match (rows.iter_mut()).find(|r| &r.region == region && r.method == method) {
            Some(row) => row.per_seed.push(f1 - base),
            None => rows.push(DifferenceRow {
                region: region.clone(),
                method,
                per_seed: vec![f1 - base],
            }),
        }
    }
    rows
}

fn cell(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |v| format!("{v:.3}"))
}

fn write_csv(path: &Path, header: &str, rows: &[Vec<String>]) -> Result<(), StudyError> {
    uptake_core::write_atomic(path, |w| {
        writeln!(w, "{header}")?;
        rows.iter().try_for_each(|r| writeln!(w, "{}", r.join(",")))
    })
    .map_err(|e| StudyError::file(path, e))
}

/// The labellers' diagnostics table of a run (its CSV as rows), if the run wrote one.
pub(crate) fn diagnostics(dir: &Path) -> Option<ReportTable> {
    let text = std::fs::read_to_string(dir.join(DIAGNOSTICS_FILE)).ok()?;
    let mut lines = text.lines();
    let columns = lines.next()?.split(',').map(String::from).collect();
    let rows = lines.map(|l| l.split(',').map(String::from).collect());
    Some(ReportTable {
        caption: "The labellers (label model over regex, rules and the report model): coverage, \
                  overlap, conflict and learned accuracy per region (uptake label diagnose)"
            .into(),
        columns,
        rows: rows.collect(),
    })
}

/// The per region and method table, and the same per seed as CSV rows.
fn score_tables(scores: &[MethodScore]) -> (ReportTable, Vec<Vec<String>>) {
    let per_seed = (scores.iter())
        .map(|s| {
            let m = &s.metrics;
            let (n, positives) = (m.n.to_string(), m.positives.to_string());
            let (f1, auroc) = (cell(m.f1), cell(m.auroc));
            vec![
                m.region.clone(),
                s.method.to_string(),
                s.seed.to_string(),
                n,
                positives,
                f1,
                auroc,
            ]
        })
        .collect();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for s in scores {
        let key = [s.metrics.region.clone(), s.method.to_string()];
        if rows.iter().any(|r| r[..2] == key) {
            continue;
        }
        let same: Vec<&RegionMetrics> = (scores.iter())
            .filter(|o| o.metrics.region == key[0] && o.method == s.method)
            .map(|o| &o.metrics)
            .collect();
        let mean = |f: fn(&RegionMetrics) -> Option<f64>| {
            let v: Vec<f64> = same.iter().filter_map(|m| f(m)).collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        };
        let (n, positives) = (s.metrics.n.to_string(), s.metrics.positives.to_string());
        let (f1, auroc) = (cell(mean(|m| m.f1)), cell(mean(|m| m.auroc)));
        let [region, method] = key;
        rows.push(vec![
            region,
            method,
            same.len().to_string(),
            n,
            positives,
            f1,
            auroc,
        ]);
    }
    let columns = [
        "region", "method", "seeds", "exams", "abnormal", "F1", "AUROC",
    ];
    let table = ReportTable {
        caption: "Each method's labels against the hand labels (mean over report-model seeds)"
            .into(),
        columns: columns.map(String::from).to_vec(),
        rows,
    };
    (table, per_seed)
}

/// The finished labelling runs of `name`: (seed, folder).
fn finished(plan: &Plan, plan_file: &Path, name: &str) -> Vec<(u64, PathBuf)> {
    let dir = runs_dir(plan_file);
    let done = |r: &RunSpec| status_of(&plan.id, r, &dir.join(&r.id)) == RunStatus::Done;
    (plan.runs().into_iter())
        .filter(|r| r.experiment == name && done(r))
        .map(|r| (r.seed, dir.join(&r.id)))
        .collect()
}

/// The labelling section of every labelling experiment, into `parts/labels/<name>/`; what
/// is missing is returned.
pub(crate) fn labelling_parts(
    plan: &Plan,
    plan_file: &Path,
    parts: &Path,
) -> Result<Vec<String>, StudyError> {
    let mut missing = Vec::new();
    for e in &plan.experiments {
        let Experiment::Labelling { name } = e else {
            continue;
        };
        let runs = finished(plan, plan_file, name);
        let Some(hand_path) = plan
            .cohort
            .hand_labels
            .as_ref()
            .filter(|_| !runs.is_empty())
        else {
            missing.push(format!("{name}: no labelling run done"));
            continue;
        };
        let hand = RegionTable::read_csv(hand_path).map_err(|e| StudyError::file(hand_path, e))?;
        let mut scores = Vec::new();
        for (seed, dir) in &runs {
            scores.extend(score_run(&hand, dir, *seed)?);
        }
        scores.retain(|s| s.metrics.positives > 0);
        let dir = parts.join("labels").join(name);
        write_part(
            &scores,
            runs.first().and_then(|r| diagnostics(&r.1)),
            &dir,
            name,
        )?;
    }
    Ok(missing)
}

/// One labelling experiment's part: tables, the F1-difference figure and its CSVs.
pub(crate) fn write_part(
    scores: &[MethodScore],
    diagnostics: Option<ReportTable>,
    dir: &Path,
    name: &str,
) -> Result<(), StudyError> {
    std::fs::create_dir_all(dir).map_err(|e| StudyError::file(dir, e))?;
    let (table, per_seed) = score_tables(scores);
    let header = "region,method,seed,exams,abnormal,f1,auroc";
    write_csv(&dir.join("labelling-scores.csv"), header, &per_seed)?;
    let differences = f1_differences(scores);
    let csv: Vec<Vec<String>> = (differences.iter())
        .flat_map(|r| {
            (r.per_seed.iter().enumerate()).map(|(i, d)| {
                vec![
                    r.region.clone(),
                    r.method.clone(),
                    i.to_string(),
                    format!("{d:.4}"),
                ]
            })
        })
        .collect();
    write_csv(
        &dir.join("f1-difference.csv"),
        "region,method,seed_index,f1_minus_regex",
        &csv,
    )?;
    let mut figures = Vec::new();
    if !differences.is_empty() {
        let stem = dir.join("f1-difference");
        let title = "F1 minus the regex baseline's, per region";
        difference_by_region(&stem, title, "F1 difference", &differences)
            .map_err(|e| StudyError::file(&stem, e))?;
        figures.push(ReportFigure {
            caption: "Each method's F1 minus the regex baseline's per region, a dot per \
                      report-model seed (numbers: f1-difference.csv)"
                .into(),
            file: "f1-difference.svg".into(),
        });
    }
    let part = ReportPart {
        kind: "labelling".into(),
        title: format!("{name}: the labelling methods against the hand labels"),
        notes: vec![
            "Every exam with a hand label and a report, per region with abnormal hand labels; \
             abnormal at probability >= 0.5. F1 differences are descriptive (regex and rules \
             are deterministic; a dot per report-model seed), no test."
                .into(),
        ],
        tables: [table].into_iter().chain(diagnostics).collect(),
        figures,
    };
    part.write(dir)
        .map(|_| ())
        .map_err(|e| StudyError::file(dir, e))
}
