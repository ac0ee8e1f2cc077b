//! The rare-region comparison: per rare region, the AUROC of each start (every rare-region
//! experiment of the plan) with seed dots and the mean, and the p-values of the plan's
//! comparisons between them, in `rare-regions/comparison/`.

use crate::figure_files::{CsvTable, figure_with_csv, seed_aurocs, write_part};
use crate::plan::{Experiment, Plan};
use std::path::Path;
use uptake_stats::plots::{DotRowsFigure, DotSeries, dot_rows};
use uptake_stats::report::ReportPart;
use uptake_stats::{Comparison, Evaluation};

/// The plan's comparisons between two rare-region experiments, per region: `a vs b: region
/// p = ..` sentences.
fn tests_between(rare: &[&str], comparisons: &[(String, Comparison)]) -> Vec<String> {
    let is_rare = |n: &str| rare.contains(&n);
    (comparisons.iter())
        .filter(|(_, c)| is_rare(&c.names.a) && is_rare(&c.names.b))
        .map(|(name, c)| {
            let ps: Vec<String> = (c.regions.iter())
                .filter_map(|r| Some(format!("{} p = {:.4}", r.region, r.test.as_ref()?.p_value)))
                .collect();
            format!("{name} (compare/{name}): {}", ps.join(", "))
        })
        .collect()
}

/// The rare-region experiments with an evaluation, and the union of their regions.
fn starts_of<'a>(
    plan: &'a Plan,
    evaluations: &'a [(String, Evaluation)],
) -> (Vec<(&'a str, &'a Evaluation)>, Vec<String>) {
    let (mut starts, mut regions) = (Vec::new(), Vec::<String>::new());
    for e in &plan.experiments {
        let Experiment::RareRegion {
            name, regions: r, ..
        } = e
        else {
            continue;
        };
        if let Some((_, evaluation)) = evaluations.iter().find(|(v, _)| v == name) {
            starts.push((name.as_str(), evaluation));
            for region in r {
                if !regions.contains(region) {
                    regions.push(region.clone());
                }
            }
        }
    }
    (starts, regions)
}

/// One series per start, and the CSV rows (start, region, seed, AUROC).
fn series_of(starts: &[(&str, &Evaluation)], regions: &[String]) -> (Vec<DotSeries>, CsvTable) {
    let mut csv = CsvTable {
        columns: vec!["start", "region", "seed", "auroc"],
        rows: Vec::new(),
    };
    let series = (starts.iter())
        .map(|(name, e)| {
            let values: Vec<Vec<f64>> = regions.iter().map(|r| seed_aurocs(e, Some(r))).collect();
            for (r, seeds) in regions.iter().zip(&values) {
                for (i, a) in seeds.iter().enumerate() {
                    let cells = [
                        name.to_string(),
                        r.clone(),
                        i.to_string(),
                        format!("{a:.6}"),
                    ];
                    csv.rows.push(cells.to_vec());
                }
            }
            DotSeries {
                label: name.to_string(),
                values,
            }
        })
        .collect();
    (series, csv)
}

/// Writes the rare-region figure, its CSV (start, region, seed, AUROC) and its part, when
/// the plan has rare-region experiments with evaluations; `test` is the comparisons' test.
pub(crate) fn write_rare_regions(
    plan: &Plan,
    evaluations: &[(String, Evaluation)],
    comparisons: &[(String, Comparison)],
    test: &str,
    parts: &Path,
) -> Result<(), String> {
    let (starts, regions) = starts_of(plan, evaluations);
    if starts.is_empty() {
        return Ok(());
    }
    let (series, csv) = series_of(&starts, &regions);
    let fig = DotRowsFigure {
        title: "Rare regions: AUROC by start".into(),
        x_desc: "AUROC (test exams)".into(),
        rows: regions,
        series,
        reference: Some(0.5),
    };
    let names: Vec<&str> = starts.iter().map(|s| s.0).collect();
    let tests = tests_between(&names, comparisons);
    let caption = format!(
        "Per rare region, the AUROC of each start: one dot per seed, the bar at the mean, 0.5 \
         marked. {}",
        match tests.is_empty() {
            true => "No comparison between these starts in the plan: no test.".to_string(),
            false => format!("{test} One-sided p per region: {}.", tests.join("; ")),
        }
    );
    let dir = parts.join("rare-regions").join("comparison");
    let figure = figure_with_csv(&dir, "rare_regions", &csv, |s| dot_rows(s, &fig), caption)?;
    let part = ReportPart {
        kind: "rare-regions".into(),
        title: "Rare regions: single-task fine-tunes by start".into(),
        notes: tests,
        tables: vec![],
        figures: vec![figure],
    };
    write_part(&dir, &part)
}
