//! Figures (plotters), each written as SVG and PNG: ROC curves per region, AUROC per region with
//! CI whiskers and per-seed dots (the study's Fig. 2a), worklist sensitivity curves,
//! Kaplan-Meier curves, reliability diagrams (calibration); and two general kinds: dots and
//! labelled lines on axes ranged to the data ([`xy_figure`]: a learning curve with its
//! baseline, a scatter with its fitted line), and rows of seed dots with their means, one
//! colour per series ([`dot_rows`]: several models' AUROC per region, or AUROC differences per
//! region).

use crate::survival::KmGroup;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// A figure that cannot be drawn or written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// Drawing failed.
    #[error("cannot draw {path}: {message}")]
    Draw {
        /// The figure file.
        path: PathBuf,
        /// What the drawing backend said.
        message: String,
    },
    /// The SVG file cannot be written.
    #[error(transparent)]
    Write(#[from] uptake_core::AtomicWriteError),
    /// The PNG file cannot be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The figure file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

type Draw = Result<(), String>;

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// The font ships with the crate so figures look the same on every machine (DejaVu Sans,
/// Bitstream Vera licence, see assets/README.md).
static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for style in [
            FontStyle::Normal,
            FontStyle::Bold,
            FontStyle::Italic,
            FontStyle::Oblique,
        ] {
            // The bytes are a valid TTF compiled in; failure would be a build problem.
            plotters::style::register_font("sans-serif", style, FONT).ok();
        }
    });
}

/// Renders `draw` to `<stem>.svg` and `<stem>.png` (both written atomically) and returns the
/// two paths.
macro_rules! render_both {
    ($stem:expr, $size:expr, $draw:expr) => {{
        register_font();
        let stem: &Path = $stem;
        let size: (u32, u32) = $size;
        let svg_path = stem.with_extension("svg");
        let png_path = stem.with_extension("png");
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
            $draw(&root).map_err(|message| PlotError::Draw {
                path: svg_path.clone(),
                message,
            })?;
            root.present().map_err(|e| PlotError::Draw {
                path: svg_path.clone(),
                message: e.to_string(),
            })?;
        }
        uptake_core::write_atomic(&svg_path, |w| std::io::Write::write_all(w, svg.as_bytes()))?;
        let dir = match png_path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(|source| PlotError::Io {
            path: png_path.clone(),
            source,
        })?;
        // The bitmap backend writes to a path; draw into a temporary file beside the target
        // and rename it, so a crash never leaves a half-written PNG.
        let mut builder = tempfile::Builder::new();
        builder.prefix(".uptake-tmp-").suffix(".png");
        // The same mode as every other output (tempfile makes files private).
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
        let tmp = builder.tempfile_in(&dir).map_err(|source| PlotError::Io {
            path: png_path.clone(),
            source,
        })?;
        let _pending = uptake_core::interrupt::Pending::register(tmp.path());
        {
            let root = BitMapBackend::new(tmp.path(), size).into_drawing_area();
            $draw(&root).map_err(|message| PlotError::Draw {
                path: png_path.clone(),
                message,
            })?;
            root.present().map_err(|e| PlotError::Draw {
                path: png_path.clone(),
                message: e.to_string(),
            })?;
        }
        tmp.persist(&png_path).map_err(|e| PlotError::Io {
            path: png_path.clone(),
            source: e.error,
        })?;
        Ok(vec![svg_path, png_path])
    }};
}

const SEED_COLOURS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

// After the macro and the colours, which it uses.
pub mod difference;

/// ROC curves of one region: one curve per seed (or a single one).
#[derive(Debug, Clone)]
pub struct RocPanel {
    /// The region (panel title).
    pub region: String,
    /// Per seed: the curve points (fpr, tpr); empty when undefined.
    pub curves: Vec<Vec<(f64, f64)>>,
    /// Mean AUROC over seeds, for the panel title.
    pub auroc: Option<f64>,
}

/// A grid of ROC panels, one per region.
pub fn roc_grid(stem: &Path, panels: &[RocPanel]) -> Result<Vec<PathBuf>, PlotError> {
    let cols = panels.len().clamp(1, 5);
    let rows = panels.len().div_ceil(cols).max(1);
    let size = (cols as u32 * 240, rows as u32 * 240);
    render_both!(stem, size, |root: &DrawingArea<_, Shift>| -> Draw {
        root.fill(&WHITE).map_err(err)?;
        let areas = root.split_evenly((rows, cols));
        for (panel, area) in panels.iter().zip(areas) {
            let title = match panel.auroc {
                Some(a) => format!("{} ({:.3})", panel.region, a),
                None => format!("{} (AUROC n/a)", panel.region),
            };
            let mut chart = ChartBuilder::on(&area)
                .caption(title, ("sans-serif", 13))
                .margin(6)
                .x_label_area_size(22)
                .y_label_area_size(28)
                .build_cartesian_2d(0f64..1f64, 0f64..1f64)
                .map_err(err)?;
            chart
                .configure_mesh()
                .x_labels(3)
                .y_labels(3)
                .label_style(("sans-serif", 10))
                .disable_mesh()
                .draw()
                .map_err(err)?;
            chart
                .draw_series(LineSeries::new(
                    vec![(0.0, 0.0), (1.0, 1.0)],
                    BLACK.mix(0.3),
                ))
                .map_err(err)?;
            for (k, curve) in panel.curves.iter().enumerate() {
                let colour = SEED_COLOURS[k % SEED_COLOURS.len()];
                chart
                    .draw_series(LineSeries::new(
                        curve.iter().copied(),
                        colour.stroke_width(1),
                    ))
                    .map_err(err)?;
            }
        }
        Ok(())
    })
}

/// One region's AUROC over seeds.
#[derive(Debug, Clone)]
pub struct AurocRow {
    /// The region.
    pub region: String,
    /// Mean AUROC over seeds.
    pub mean: f64,
    /// Its CI.
    pub ci: Option<(f64, f64)>,
    /// Each seed's AUROC.
    pub per_seed: Vec<f64>,
}

/// AUROC per region: mean (diamond), 95 % CI whisker, per-seed dots (the study's Fig. 2a).
pub fn auroc_by_region(
    stem: &Path,
    title: &str,
    rows: &[AurocRow],
) -> Result<Vec<PathBuf>, PlotError> {
    let n = rows.len().max(1);
    let size = (760u32, 80 + 22 * n as u32);
    let lo = rows
        .iter()
        .flat_map(|r| {
            r.per_seed
                .iter()
                .copied()
                .chain(r.ci.map(|c| c.0))
                .chain([r.mean])
        })
        .fold(1.0f64, f64::min);
    let x_min = ((lo - 0.05) * 10.0).floor() / 10.0;
    let x_min = x_min.clamp(0.0, 0.9);
    render_both!(stem, size, |root: &DrawingArea<_, Shift>| -> Draw {
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(34)
            .y_label_area_size(200)
            .build_cartesian_2d(x_min..1f64, (0..n as i32).into_segmented())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("AUROC")
            .y_labels(n)
            // Row i is drawn at n-1-i so that the first region is at the top.
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if (*i as usize) < n => rows
                    .get(n - 1 - *i as usize)
                    .map(|r| r.region.clone())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(err)?;
        for (i, r) in rows.iter().enumerate() {
            let y = SegmentValue::CenterOf((n - 1 - i) as i32);
            if let Some((a, b)) = r.ci {
                chart
                    .draw_series(LineSeries::new(
                        vec![(a, y.clone()), (b, y.clone())],
                        BLACK.stroke_width(2),
                    ))
                    .map_err(err)?;
            }
            chart
                .draw_series(
                    r.per_seed.iter().map(|&s| {
                        Circle::new((s, y.clone()), 3, SEED_COLOURS[0].mix(0.6).filled())
                    }),
                )
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(TriangleMarker::new(
                    (r.mean, y.clone()),
                    6,
                    RED.filled(),
                )))
                .map_err(err)?;
        }
        Ok(())
    })
}

/// The x axis (from 0) of a chart whose y axis runs from 0 to 1.
struct Axes<'a> {
    x_max: f64,
    x_desc: &'a str,
    y_desc: &'a str,
}

type UnitChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A white 640 x 480 chart with a title and labelled axes, y from 0 to 1.
fn unit_chart<'a, DB: DrawingBackend + 'a>(
    root: &'a DrawingArea<DB, Shift>,
    title: &str,
    axes: &Axes,
) -> Result<UnitChart<'a, DB>, String> {
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(44)
        .build_cartesian_2d(0f64..axes.x_max, 0f64..1f64)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(axes.x_desc)
        .y_desc(axes.y_desc)
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// The legend of the labelled series, framed, at `position`.
fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut UnitChart<'a, DB>,
    position: SeriesLabelPosition,
) -> Draw {
    chart
        .configure_series_labels()
        .position(position)
        .label_font(("sans-serif", 12))
        .border_style(BLACK)
        .background_style(WHITE.mix(0.9))
        .draw()
        .map_err(err)
}

/// A worklist sensitivity figure.
#[derive(Debug, Clone)]
pub struct WorklistFigure {
    /// The region sorting the list.
    pub region: String,
    /// Fractions read.
    pub grid: Vec<f64>,
    /// Mean sensitivity at each.
    pub mean: Vec<f64>,
    /// Per grid point CI over seeds, when there are several seeds.
    pub ci: Option<Vec<(f64, f64)>>,
    /// Each seed's curve (drawn faintly).
    pub per_seed: Vec<Vec<f64>>,
    /// The perfect order's curve.
    pub perfect: Vec<f64>,
}

/// Sensitivity against the fraction of the worklist read, with the random and perfect orders.
pub fn worklist_curve(stem: &Path, fig: &WorklistFigure) -> Result<Vec<PathBuf>, PlotError> {
    render_both!(stem, (640, 480), |root: &DrawingArea<_, Shift>| -> Draw {
        let title = format!("Worklist sensitivity: {}", fig.region);
        let axes = Axes {
            x_max: 100.0,
            x_desc: "% of worklist read",
            y_desc: "sensitivity",
        };
        let mut chart = unit_chart(root, &title, &axes)?;
        let xs: Vec<f64> = fig.grid.iter().map(|x| x * 100.0).collect();
        if let Some(ci) = &fig.ci {
            let mut band: Vec<(f64, f64)> = xs.iter().zip(ci).map(|(&x, c)| (x, c.1)).collect();
            band.extend(xs.iter().zip(ci).rev().map(|(&x, c)| (x, c.0)));
            chart
                .draw_series(std::iter::once(Polygon::new(
                    band,
                    SEED_COLOURS[0].mix(0.2).filled(),
                )))
                .map_err(err)?;
        }
        for s in &fig.per_seed {
            chart
                .draw_series(LineSeries::new(
                    xs.iter().copied().zip(s.iter().copied()),
                    SEED_COLOURS[0].mix(0.3),
                ))
                .map_err(err)?;
        }
        let zip = |ys: &[f64]| -> Vec<(f64, f64)> {
            xs.iter().copied().zip(ys.iter().copied()).collect()
        };
        let lines = [
            (zip(&fig.mean), SEED_COLOURS[0].stroke_width(2), "model"),
            (
                zip(&fig.perfect),
                SEED_COLOURS[2].stroke_width(2),
                "perfect order",
            ),
            (
                xs.iter().map(|&x| (x, x / 100.0)).collect(),
                ShapeStyle::from(BLACK.mix(0.5)),
                "random order",
            ),
        ];
        for (points, style, label) in lines {
            chart
                .draw_series(LineSeries::new(points, style))
                .map_err(err)?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        Ok(())
    })
}

/// One labeller's line in a reliability diagram.
#[derive(Debug, Clone)]
pub struct ReliabilityLine {
    /// The labeller (legend).
    pub name: String,
    /// Its binned probabilities against the outcomes.
    pub table: uptake_core::calibration::Reliability,
    /// Its expected calibration error, for the legend.
    pub ece: Option<f64>,
}

/// The share of positives against the mean probability in each non-empty bin, one line per
/// labeller, with the diagonal of perfect calibration.
pub fn reliability_diagram(
    stem: &Path,
    title: &str,
    lines: &[ReliabilityLine],
) -> Result<Vec<PathBuf>, PlotError> {
    render_both!(stem, (640, 480), |root: &DrawingArea<_, Shift>| -> Draw {
        let axes = Axes {
            x_max: 1.0,
            x_desc: "mean predicted probability",
            y_desc: "share abnormal",
        };
        let mut chart = unit_chart(root, title, &axes)?;
        let diagonal = ShapeStyle::from(BLACK.mix(0.5));
        chart
            .draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], diagonal))
            .map_err(err)?
            .label("perfect calibration")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], diagonal));
        for (k, line) in lines.iter().enumerate() {
            let colour = SEED_COLOURS[k % SEED_COLOURS.len()];
            let points: Vec<(f64, f64)> = (line.table.bins.iter())
                .filter_map(|b| Some((b.mean_probability?, b.positive_rate?)))
                .collect();
            let style = colour.stroke_width(2);
            chart
                .draw_series(LineSeries::new(points.clone(), style))
                .map_err(err)?
                .label(match line.ece {
                    Some(e) => format!("{} (ECE {e:.3})", line.name),
                    None => line.name.clone(),
                })
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))
                .map_err(err)?;
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)
    })
}

/// Kaplan-Meier curves (step functions with CI bands), one per group.
pub fn kaplan_meier_curves(
    stem: &Path,
    title: &str,
    groups: &[KmGroup],
) -> Result<Vec<PathBuf>, PlotError> {
    let t_max = groups
        .iter()
        .flat_map(|g| g.steps.iter().map(|k| k.time))
        .fold(1.0f64, f64::max);
    render_both!(stem, (640, 480), |root: &DrawingArea<_, Shift>| -> Draw {
        let axes = Axes {
            x_max: t_max,
            x_desc: "days",
            y_desc: "survival probability",
        };
        let mut chart = unit_chart(root, title, &axes)?;
        for (g, KmGroup { label, steps }) in groups.iter().enumerate() {
            let colour = SEED_COLOURS[g % SEED_COLOURS.len()];
            let mut line = vec![(0.0, 1.0)];
            let mut upper = vec![(0.0, 1.0)];
            let mut lower = vec![(0.0, 1.0)];
            let (mut s_prev, mut ci_prev) = (1.0, (1.0, 1.0));
            for k in steps {
                line.push((k.time, s_prev));
                line.push((k.time, k.survival));
                let ci = k.ci.unwrap_or((k.survival, k.survival));
                upper.push((k.time, ci_prev.1));
                upper.push((k.time, ci.1));
                lower.push((k.time, ci_prev.0));
                lower.push((k.time, ci.0));
                s_prev = k.survival;
                ci_prev = ci;
            }
            line.push((t_max, s_prev));
            upper.push((t_max, ci_prev.1));
            lower.push((t_max, ci_prev.0));
            let mut band = upper.clone();
            band.extend(lower.iter().rev().copied());
            chart
                .draw_series(std::iter::once(Polygon::new(
                    band,
                    colour.mix(0.15).filled(),
                )))
                .map_err(err)?;
            chart
                .draw_series(LineSeries::new(line, colour.stroke_width(2)))
                .map_err(err)?
                .label(label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerLeft)?;
        Ok(())
    })
}

/// A line of an [`XyFigure`].
#[derive(Debug, Clone)]
pub struct XyLine {
    /// Its legend entry.
    pub label: String,
    /// Its points, in drawing order.
    pub points: Vec<(f64, f64)>,
}

/// Dots and lines on two numeric axes, both ranged to the data.
#[derive(Debug, Clone)]
pub struct XyFigure {
    /// The title.
    pub title: String,
    /// The x axis.
    pub x_desc: String,
    /// The y axis.
    pub y_desc: String,
    /// The dots (per seed, per region).
    pub dots: Vec<(f64, f64)>,
    /// The lines (a mean, a fit, a baseline), each with its own colour.
    pub lines: Vec<XyLine>,
}

/// The range of `values` with 5 % of its width (at least 0.05) as margin on each side.
fn padded(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if lo > hi {
        return 0.0..1.0;
    }
    let pad = ((hi - lo) * 0.05).max(0.05);
    (lo - pad)..(hi + pad)
}

/// Dots (faint) and labelled lines on axes ranged to the data: a learning curve with its
/// baseline, a scatter with its least squares line.
pub fn xy_figure(stem: &Path, fig: &XyFigure) -> Result<Vec<PathBuf>, PlotError> {
    let all = || (fig.dots.iter()).chain(fig.lines.iter().flat_map(|l| l.points.iter()));
    let xs = padded(all().map(|p| p.0));
    let ys = padded(all().map(|p| p.1));
    render_both!(stem, (640, 480), |root: &DrawingArea<_, Shift>| -> Draw {
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(root)
            .caption(&fig.title, ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(52)
            .build_cartesian_2d(xs.clone(), ys.clone())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(fig.x_desc.as_str())
            .y_desc(fig.y_desc.as_str())
            .light_line_style(WHITE)
            // No "-0.0" where a rounding error crosses zero.
            .y_label_formatter(&|v| format!("{:.2}", if v.abs() < 1e-9 { 0.0 } else { *v }))
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(err)?;
        let dot = SEED_COLOURS[0].mix(0.5).filled();
        (chart.draw_series(fig.dots.iter().map(|&p| Circle::new(p, 3, dot)))).map_err(err)?;
        for (k, line) in fig.lines.iter().enumerate() {
            let style = SEED_COLOURS[(k + 1) % SEED_COLOURS.len()].stroke_width(2);
            chart
                .draw_series(LineSeries::new(line.points.iter().copied(), style))
                .map_err(err)?
                .label(line.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
        }
        if !fig.lines.is_empty() {
            draw_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        }
        Ok(())
    })
}

/// One series of a [`DotRowsFigure`]: per row, its values (one per seed).
#[derive(Debug, Clone)]
pub struct DotSeries {
    /// Its legend entry.
    pub label: String,
    /// Per row (in the figure's row order), the values; empty where it has none.
    pub values: Vec<Vec<f64>>,
}

/// Rows (regions) of dots: each series' values as dots with their mean as a bar, side by
/// side within a row, on one numeric axis.
#[derive(Debug, Clone)]
pub struct DotRowsFigure {
    /// The title.
    pub title: String,
    /// The numeric axis.
    pub x_desc: String,
    /// The rows, top to bottom.
    pub rows: Vec<String>,
    /// The series.
    pub series: Vec<DotSeries>,
    /// A vertical reference line (0 for differences).
    pub reference: Option<f64>,
}

/// Per row, each series' seed dots and their mean (a vertical bar), with a legend: AUROC of
/// several models per region, or AUROC differences per region with 0 as reference.
pub fn dot_rows(stem: &Path, fig: &DotRowsFigure) -> Result<Vec<PathBuf>, PlotError> {
    let n = fig.rows.len().max(1);
    let m = fig.series.len().max(1);
    // Empty rows on top hold the legend.
    let top = m.div_ceil(2);
    let size = (760u32, 90 + (20 + 10 * m as u32) * (n + top) as u32);
    let values = (fig.series.iter()).flat_map(|s| s.values.iter().flatten().copied());
    let xs = padded(values.chain(fig.reference));
    render_both!(stem, size, |root: &DrawingArea<_, Shift>| -> Draw {
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(root)
            .caption(&fig.title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(34)
            .y_label_area_size(200)
            .build_cartesian_2d(xs.clone(), (0..(n + top) as i32).into_segmented())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(fig.x_desc.as_str())
            .light_line_style(WHITE)
            .y_labels(n + top)
            // Row i is drawn at n-1-i so that the first row is at the top.
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if (*i as usize) < n => {
                    (fig.rows.get(n - 1 - *i as usize).cloned()).unwrap_or_default()
                }
                _ => String::new(),
            })
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(err)?;
        if let Some(x) = fig.reference {
            let ends = [SegmentValue::Exact(0), SegmentValue::Exact(n as i32)];
            let line = ends.map(|y| (x, y));
            (chart.draw_series(LineSeries::new(line, BLACK.mix(0.4)))).map_err(err)?;
        }
        for (k, series) in fig.series.iter().enumerate() {
            let colour = SEED_COLOURS[k % SEED_COLOURS.len()];
            let dy = (k as i32 * 2 + 1 - m as i32) * 5;
            let (mut dots, mut bars) = (Vec::new(), Vec::new());
            for (i, values) in series.values.iter().enumerate().take(n) {
                let y = SegmentValue::CenterOf((n - 1 - i) as i32);
                let dot = || Circle::new((0, dy), 3, colour.mix(0.6).filled());
                dots.extend(
                    values
                        .iter()
                        .map(|&v| EmptyElement::at((v, y.clone())) + dot()),
                );
                if !values.is_empty() {
                    let mean = values.iter().sum::<f64>() / values.len() as f64;
                    let bar = vec![(0, dy - 5), (0, dy + 5)];
                    bars.push(
                        EmptyElement::at((mean, y)) + PathElement::new(bar, colour.stroke_width(2)),
                    );
                }
            }
            chart.draw_series(bars).map_err(err)?;
            chart
                .draw_series(dots)
                .map_err(err)?
                .label(series.label.clone())
                .legend(move |(x, y)| Circle::new((x + 8, y), 4, colour.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(("sans-serif", 12))
            .border_style(BLACK)
            .background_style(WHITE.mix(0.9))
            .draw()
            .map_err(err)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auroc_figure_is_written_as_svg_and_png() {
        let dir = tempfile::tempdir().unwrap();
        let rows = vec![
            AurocRow {
                region: "chest".into(),
                mean: 0.85,
                ci: Some((0.83, 0.87)),
                per_seed: vec![0.84, 0.86],
            },
            AurocRow {
                region: "liver".into(),
                mean: 0.9,
                ci: None,
                per_seed: vec![0.9],
            },
        ];
        let files = auroc_by_region(&dir.path().join("auroc"), "AUROC", &rows).unwrap();
        let svg = std::fs::read_to_string(&files[0]).unwrap();
        assert!(svg.contains("<svg") && svg.contains("chest") && svg.contains("liver"));
        let png = std::fs::read(&files[1]).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }

    #[cfg(unix)]
    #[test]
    fn the_png_gets_the_mode_of_the_svg() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let panel = RocPanel {
            region: "chest".into(),
            curves: vec![vec![(0.0, 0.0), (0.0, 1.0), (1.0, 1.0)]],
            auroc: Some(1.0),
        };
        let files = roc_grid(&dir.path().join("roc"), &[panel]).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        // Before, the PNG was 0600 (tempfile's private mode) and the SVG 0644.
        assert_eq!(mode(&files[1]), mode(&files[0]));
        assert_eq!(mode(&files[1]) & 0o044, 0o044);
    }
    #[test]
    fn an_xy_figure_names_its_lines_and_a_dot_rows_figure_its_rows_and_series() {
        let dir = tempfile::tempdir().unwrap();
        let fig = XyFigure {
            title: "Learning curve".into(),
            x_desc: "share".into(),
            y_desc: "AUROC".into(),
            dots: vec![(0.5, 0.6), (1.0, 0.8)],
            lines: vec![XyLine {
                label: "baseline".into(),
                points: vec![(0.5, 0.7), (1.0, 0.7)],
            }],
        };
        let files = xy_figure(&dir.path().join("curve"), &fig).unwrap();
        let svg = std::fs::read_to_string(&files[0]).unwrap();
        assert!(svg.contains("Learning curve") && svg.contains("baseline"));
        assert_eq!(&std::fs::read(&files[1]).unwrap()[1..4], b"PNG");
        let fig = DotRowsFigure {
            title: "Differences".into(),
            x_desc: "AUROC A - B".into(),
            rows: vec!["pancreas".into(), "adrenal".into()],
            series: vec![DotSeries {
                label: "from kinetics".into(),
                values: vec![vec![-0.1, 0.2], vec![]],
            }],
            reference: Some(0.0),
        };
        let files = dot_rows(&dir.path().join("rows"), &fig).unwrap();
        let svg = std::fs::read_to_string(&files[0]).unwrap();
        for text in ["pancreas", "adrenal", "from kinetics"] {
            assert!(svg.contains(text), "{text}");
        }
        // Two seed dots and the legend's.
        assert_eq!(svg.matches("<circle").count(), 3);
    }
}
