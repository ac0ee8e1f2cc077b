//! A comparison of two models as per-region AUROC differences, seed by seed (A's seed i
//! minus B's seed i, the pairs the paired test exchanges), with the mean and each region's
//! p-value, in `differences/<a>-vs-<b>/`.

use crate::figure_files::{CsvTable, figure_with_csv, write_part};
use std::path::Path;
use uptake_stats::Comparison;
use uptake_stats::plots::{DotRowsFigure, DotSeries, dot_rows};
use uptake_stats::report::ReportPart;

/// The per-seed differences of every region, and the CSV rows (region, seed, A, B, A - B, p).
fn seed_differences(c: &Comparison) -> (Vec<Vec<f64>>, CsvTable) {
    let mut csv = CsvTable {
        columns: vec!["region", "seed", "auroc_a", "auroc_b", "difference", "p"],
        rows: Vec::new(),
    };
    let values = (c.regions.iter())
        .map(|r| {
            let p = r
                .test
                .as_ref()
                .map_or(String::new(), |t| format!("{:.6}", t.p_value));
            let pairs = r.a_per_seed.iter().zip(&r.b_per_seed).enumerate();
            let both = pairs.filter_map(|(i, (a, b))| Some((i, (*a)?, (*b)?)));
            both.map(|(i, a, b)| {
                let cells = [i.to_string(), format!("{a:.6}"), format!("{b:.6}")];
                let mut row = vec![r.region.clone()];
                row.extend(cells);
                row.extend([format!("{:.6}", a - b), p.clone()]);
                csv.rows.push(row);
                a - b
            })
            .collect()
        })
        .collect();
    (values, csv)
}

/// Writes the difference figure of comparison `name`, its CSV and its part; `test` is the
/// comparison's test as the report states it.
pub(crate) fn write_differences(
    name: &str,
    c: &Comparison,
    test: &str,
    parts: &Path,
) -> Result<(), String> {
    let (values, csv) = seed_differences(c);
    let rows = (c.regions.iter())
        .map(|r| match &r.test {
            Some(t) => format!("{} (p = {:.3})", r.region, t.p_value),
            None => r.region.clone(),
        })
        .collect();
    let (a, b) = (&c.names.a, &c.names.b);
    let fig = DotRowsFigure {
        title: format!("{a} minus {b}: AUROC difference per region"),
        x_desc: format!("AUROC {a} - {b} (test exams)"),
        rows,
        series: vec![DotSeries {
            label: "seed i of A - seed i of B".into(),
            values,
        }],
        reference: Some(0.0),
    };
    let caption = format!(
        "Per region: one dot per seed pair (A's seed i minus B's seed i), the bar at the mean, \
         0 marked; the p of each region's one-sided test (A > B) beside its name. {test}"
    );
    let dir = parts.join("differences").join(name);
    let figure = figure_with_csv(&dir, "differences", &csv, |s| dot_rows(s, &fig), caption)?;
    let part = ReportPart {
        kind: "differences".into(),
        title: fig.title.clone(),
        notes: vec![],
        tables: vec![],
        figures: vec![figure],
    };
    write_part(&dir, &part)
}
