//! A figure of the report with the numbers behind it: `<stem>.csv` beside `<stem>.svg` and
//! `<stem>.png`.

use crate::plan::{Experiment, Plan};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use uptake_stats::plots::PlotError;
use uptake_stats::report::{ReportFigure, ReportPart};

/// The numbers behind a figure: column names and rows of cells.
pub(crate) struct CsvTable {
    /// Column names.
    pub columns: Vec<&'static str>,
    /// Cells, row by row.
    pub rows: Vec<Vec<String>>,
}

fn cell(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Writes `table` to `path` atomically.
pub(crate) fn write_csv(path: &Path, table: &CsvTable) -> Result<(), String> {
    let mut text = table.columns.join(",") + "\n";
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    uptake_core::write_atomic(path, |w| w.write_all(text.as_bytes())).map_err(|e| e.to_string())
}

/// Writes `dir/<stem>.csv`, then draws `dir/<stem>.svg` and `.png` with `draw`: the report's
/// figure (the SVG) under `caption`.
pub(crate) fn figure_with_csv(
    dir: &Path,
    stem: &str,
    table: &CsvTable,
    draw: impl FnOnce(&Path) -> Result<Vec<PathBuf>, PlotError>,
    caption: String,
) -> Result<ReportFigure, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    write_csv(&dir.join(format!("{stem}.csv")), table)?;
    draw(&dir.join(stem)).map_err(|e| e.to_string())?;
    Ok(ReportFigure {
        caption,
        file: format!("{stem}.svg"),
    })
}

/// The AUROC of every seed of an evaluation's macro mean, or of one region (`None`: the
/// macro mean), seeds without one left out.
pub(crate) fn seed_aurocs(e: &uptake_stats::Evaluation, region: Option<&str>) -> Vec<f64> {
    use uptake_stats::metrics::Metric;
    let metrics = match region {
        None => Some(&e.macro_over_seeds),
        Some(r) => (e.over_seeds.iter())
            .find(|s| s.region == r)
            .map(|s| &s.metrics),
    };
    let stat = metrics.and_then(|m| m.iter().find(|(k, _)| *k == Metric::Auroc));
    stat.map_or(Vec::new(), |(_, s)| {
        s.per_seed.iter().flatten().copied().collect()
    })
}

/// A mean, or `None` for no values.
pub(crate) fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Writes `part` as `dir/summary.json`.
pub(crate) fn write_part(dir: &Path, part: &ReportPart) -> Result<(), String> {
    part.write(dir).map(|_| ()).map_err(|e| e.to_string())
}

/// `write` for every experiment of the plan; what failed, as `<what> <experiment>: <why>`.
pub(crate) fn each_experiment(
    plan: &Plan,
    what: &str,
    mut write: impl FnMut(&Experiment) -> Result<(), String>,
) -> Vec<String> {
    (plan.experiments.iter())
        .filter_map(|e| {
            write(e)
                .err()
                .map(|why| format!("{what} {}: {why}", e.name()))
        })
        .collect()
}
