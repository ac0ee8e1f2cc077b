//! Differences against a baseline per region, one dot per seed and one colour per method (the
//! study's labelling figure: each method's F1 minus the regex baseline's).

use super::{Draw, PlotError, SEED_COLOURS, err, register_font};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// One method's differences in one region, one per seed.
#[derive(Debug, Clone, PartialEq)]
pub struct DifferenceRow {
    /// The region.
    pub region: String,
    /// The method.
    pub method: String,
    /// Each seed's difference.
    pub per_seed: Vec<f64>,
}

/// Differences per region (rows, in first-seen order) against a baseline at zero: a dot per
/// seed, a colour per method (in first-seen order), methods side by side within a row.
pub fn difference_by_region(
    stem: &Path,
    title: &str,
    x_desc: &str,
    rows: &[DifferenceRow],
) -> Result<Vec<PathBuf>, PlotError> {
    let mut regions: Vec<&str> = Vec::new();
    let mut methods: Vec<&str> = Vec::new();
    for r in rows {
        if !regions.contains(&r.region.as_str()) {
            regions.push(&r.region);
        }
        if !methods.contains(&r.method.as_str()) {
            methods.push(&r.method);
        }
    }
    let n = regions.len().max(1);
    let reach = (rows.iter().flat_map(|r| r.per_seed.iter()))
        .fold(0.1f64, |m, v| m.max(v.abs()))
        .min(1.0);
    let x_max = ((reach + 0.05) * 10.0).ceil() / 10.0;
    let size = (760u32, 100 + 26 * n as u32);
    render_both!(stem, size, |root: &DrawingArea<_, Shift>| -> Draw {
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(34)
            .y_label_area_size(200)
            .build_cartesian_2d(-x_max..x_max, (0..n as i32).into_segmented())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_labels(n)
            // Row i is drawn at n-1-i so that the first region is at the top.
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if (*i as usize) < n => (regions
                    .get(n - 1 - *i as usize))
                .map(|r| r.to_string())
                .unwrap_or_default(),
                _ => String::new(),
            })
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(err)?;
        let zero = [0, n as i32].map(|i| (0.0, SegmentValue::Exact(i)));
        (chart.draw_series(LineSeries::new(zero, BLACK.mix(0.5)))).map_err(err)?;
        for (j, method) in methods.iter().enumerate() {
            let colour = SEED_COLOURS[(j + 1) % SEED_COLOURS.len()];
            let offset = (j as i32 * 2 - (methods.len() as i32 - 1)) * 3;
            let dots = (rows.iter().filter(|r| r.method == *method)).flat_map(|r| {
                let i = regions.iter().position(|g| *g == r.region).unwrap_or(0);
                let y = SegmentValue::CenterOf((n - 1 - i) as i32);
                (r.per_seed.iter()).map(move |&d| {
                    EmptyElement::at((d, y.clone())) + Circle::new((0, offset), 3, colour.filled())
                })
            });
            chart
                .draw_series(dots)
                .map_err(err)?
                .label(*method)
                .legend(move |(x, y)| Circle::new((x + 6, y), 3, colour.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font(("sans-serif", 12))
            .border_style(BLACK)
            .background_style(WHITE.mix(0.9))
            .draw()
            .map_err(err)
    })
}
