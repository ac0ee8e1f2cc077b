//! The learning curve: macro AUROC over the shares of the training exams (seed dots, the mean
//! line), with the summary-code model's AUROC as a horizontal baseline, as a table, a figure
//! and the CSV behind it, in `learning-curve/<experiment>/`.

use crate::figure_files::{
    CsvTable, each_experiment, figure_with_csv, mean, seed_aurocs, write_part,
};
use crate::plan::{Experiment, Plan};
use std::path::Path;
use uptake_stats::Evaluation;
use uptake_stats::metrics::Metric;
use uptake_stats::plots::{XyFigure, XyLine, xy_figure};
use uptake_stats::report::{ReportPart, ReportTable};

/// `mean [low, high]` of a variant's macro AUROC, or why there is none.
fn cell(evaluations: &[(String, Evaluation)], variant: &str) -> String {
    let e = evaluations.iter().find(|(v, _)| v == variant);
    match e.and_then(|(_, e)| e.macro_summary(Metric::Auroc)) {
        Some(m) => match m.ci {
            Some((low, high)) => format!("{:.3} [{low:.3}, {high:.3}]", m.mean),
            None => format!("{:.3}", m.mean),
        },
        None => "not run".into(),
    }
}

/// Per seed macro AUROCs of a variant.
fn seeds_of(evaluations: &[(String, Evaluation)], variant: &str) -> Vec<f64> {
    (evaluations.iter().find(|(v, _)| v == variant))
        .map_or(Vec::new(), |(_, e)| seed_aurocs(e, None))
}

/// The CSV rows of a model's seeds: share, model, seed, AUROC.
fn seed_rows(share: &str, model: &str, seeds: &[f64]) -> Vec<Vec<String>> {
    (seeds.iter().enumerate())
        .map(|(i, a)| vec![share.into(), model.into(), i.to_string(), format!("{a:.6}")])
        .collect()
}

/// The curve's table rows, CSV rows (share, model, seed, AUROC) and figure.
fn curve(
    plan: &Plan,
    experiment: &Experiment,
    fractions: &[f64],
    evaluations: &[(String, Evaluation)],
) -> (Vec<Vec<String>>, CsvTable, XyFigure) {
    let mut rows = Vec::new();
    let mut csv = CsvTable {
        columns: vec!["share", "model", "seed", "auroc"],
        rows: Vec::new(),
    };
    let (mut dots, mut means) = (Vec::new(), Vec::new());
    for (v, &f) in experiment.variants().iter().zip(fractions) {
        rows.push(vec![format!("{:.0} %", f * 100.0), cell(evaluations, v)]);
        let seeds = seeds_of(evaluations, v);
        csv.rows.extend(seed_rows(&f.to_string(), v, &seeds));
        dots.extend(seeds.iter().map(|a| (f, *a)));
        means.extend(mean(&seeds).map(|m| (f, m)));
    }
    let mut lines = vec![XyLine {
        label: "mean over seeds".into(),
        points: means,
    }];
    let (lo, hi) =
        (fractions.iter().copied()).fold((1.0f64, 0.0f64), |(a, b), f| (a.min(f), b.max(f)));
    for e in &plan.experiments {
        let Experiment::SummaryCode { name, .. } = e else {
            continue;
        };
        rows.push(vec![
            format!("baseline: {name} (whole-body abnormal)"),
            cell(evaluations, name),
        ]);
        let seeds = seeds_of(evaluations, name);
        csv.rows.extend(seed_rows("", name, &seeds));
        if let Some(m) = mean(&seeds) {
            let points = vec![(lo, m), (hi, m)];
            lines.push(XyLine {
                label: format!("baseline: {name}"),
                points,
            });
        }
    }
    let figure = XyFigure {
        title: format!(
            "{}: macro AUROC by share of the training exams",
            experiment.name()
        ),
        x_desc: "share of the training exams".into(),
        y_desc: "macro AUROC (test exams)".into(),
        dots,
        lines,
    };
    (rows, csv, figure)
}

/// Writes the learning curve of every learning-curve experiment of the plan; returns what
/// could not be written.
pub(crate) fn learning_curves(
    plan: &Plan,
    evaluations: &[(String, Evaluation)],
    parts: &Path,
) -> Vec<String> {
    each_experiment(plan, "learning curve", |e| {
        learning_curve(plan, e, evaluations, parts)
    })
}

/// The learning curve of `experiment`, when it is one.
fn learning_curve(
    plan: &Plan,
    experiment: &Experiment,
    evaluations: &[(String, Evaluation)],
    parts: &Path,
) -> Result<(), String> {
    let Experiment::LearningCurve {
        name, fractions, ..
    } = experiment
    else {
        return Ok(());
    };
    let (rows, csv, fig) = curve(plan, experiment, fractions, evaluations);
    let dir = parts.join("learning-curve").join(name);
    let caption = "Macro AUROC on the test exams by share of the training exams: one dot per \
                   seed, the line through the means over seeds, the summary-code model as the \
                   horizontal baseline (when the plan has one). No test."
        .to_string();
    let figure = figure_with_csv(
        &dir,
        "learning_curve",
        &csv,
        |s| xy_figure(s, &fig),
        caption,
    )?;
    let part = ReportPart {
        kind: "learning-curve".into(),
        title: format!("{name}: macro AUROC by share of the training exams"),
        notes: vec!["Mean over seeds [95 % bootstrap CI over seeds], on the test exams.".into()],
        tables: vec![ReportTable {
            caption: "Learning curve".into(),
            columns: vec!["training exams".into(), "macro AUROC".into()],
            rows,
        }],
        figures: vec![figure],
    };
    write_part(&dir, &part)
}
