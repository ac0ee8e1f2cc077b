//! Multi- minus single-task AUROC against class balance: per region, the difference of the
//! mean AUROCs over seeds against the region's share of positive weak labels, with the least
//! squares line, its r^2 and the Wald test of its slope (t distribution, n - 2 degrees of
//! freedom), as the study's figure.

use crate::figure_files::{CsvTable, figure_with_csv, write_part};
use statrs::distribution::{ContinuousCDF, StudentsT};
use std::path::Path;
use uptake_core::RegionTable;
use uptake_stats::Comparison;
use uptake_stats::plots::{XyFigure, XyLine, xy_figure};
use uptake_stats::report::{ReportPart, ReportTable};

/// A least squares line `y = intercept + slope x`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LineFit {
    /// The intercept.
    pub intercept: f64,
    /// The slope.
    pub slope: f64,
    /// Share of the variance of y the line explains.
    pub r_squared: f64,
    /// Two-sided Wald p-value of slope = 0.
    pub p_slope: Option<f64>,
}

/// The least squares line through the points (at least three, x not all equal).
pub(crate) fn fit_line(points: &[(f64, f64)]) -> Option<LineFit> {
    let n = points.len() as f64;
    let mean = |f: fn(&(f64, f64)) -> f64| points.iter().map(f).sum::<f64>() / n;
    let (mx, my) = (mean(|p| p.0), mean(|p| p.1));
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let syy: f64 = points.iter().map(|p| (p.1 - my).powi(2)).sum();
    if points.len() < 3 || sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let residual = (syy - slope * sxy).max(0.0);
    let r_squared = if syy > 0.0 { 1.0 - residual / syy } else { 1.0 };
    let se = (residual / (n - 2.0) / sxx).sqrt();
    let p_slope = StudentsT::new(0.0, 1.0, n - 2.0)
        .ok()
        .filter(|_| se > 0.0)
        .map(|t| 2.0 * (1.0 - t.cdf((slope / se).abs())));
    Some(LineFit {
        intercept,
        slope,
        r_squared,
        p_slope,
    })
}

/// Share of known labels >= 0.5 of a region.
fn prevalence(labels: &RegionTable, region: &str) -> Option<f64> {
    let known: Vec<f64> = labels.column(region)?.into_iter().flatten().collect();
    let positive = known.iter().filter(|v| **v >= 0.5).count();
    (!known.is_empty()).then(|| positive as f64 / known.len() as f64)
}

/// Per region with both AUROCs and a prevalence: (region, class balance, mean AUROC
/// difference A - B over seeds).
fn balance_points(comparison: &Comparison, labels: &RegionTable) -> Vec<(String, f64, f64)> {
    (comparison.regions.iter())
        .filter_map(|r| {
            let (a, b) = (r.a.as_ref()?, r.b.as_ref()?);
            Some((
                r.region.clone(),
                prevalence(labels, &r.region)?,
                a.mean - b.mean,
            ))
        })
        .collect()
}

/// The fit as a sentence: the line, r^2 and the Wald test of its slope.
fn fit_note(fit: Option<LineFit>, n: usize) -> String {
    match fit {
        Some(f) => format!(
            "Least squares line: difference = {:.3} {:+.3} x balance; r^2 = {:.3}; Wald test of \
             the slope (t, {} degrees of freedom): p = {}",
            f.intercept,
            f.slope,
            f.r_squared,
            n - 2,
            f.p_slope.map_or("n/a".into(), |p| format!("{p:.4}"))
        ),
        None => format!("{n} regions with both AUROCs: no line (at least 3 are needed)"),
    }
}

/// Writes the report part of a multi-task (A) vs single-task (B) comparison against class
/// balance into `dir`: its table, `balance.csv` and the scatter with its least squares line
/// (`balance.svg`, `.png`).
pub(crate) fn write_balance(
    comparison: &Comparison,
    labels: &RegionTable,
    dir: &Path,
) -> Result<(), String> {
    let points = balance_points(comparison, labels);
    let xy: Vec<(f64, f64)> = points.iter().map(|p| (p.1, p.2)).collect();
    let fit = fit_line(&xy);
    let note = fit_note(fit, points.len());
    let rows: Vec<Vec<String>> = (points.iter())
        .map(|(r, p, d)| vec![r.clone(), format!("{p:.3}"), format!("{d:+.3}")])
        .collect();
    let csv = CsvTable {
        columns: vec!["region", "class_balance", "auroc_difference"],
        rows: (points.iter())
            .map(|(r, p, d)| vec![r.clone(), format!("{p:.6}"), format!("{d:.6}")])
            .collect(),
    };
    let names = &comparison.names;
    let (lo, hi) = xy
        .iter()
        .fold((1.0f64, 0.0f64), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let lines = fit.map_or(Vec::new(), |f| {
        let points = [lo, hi].map(|x| (x, f.intercept + f.slope * x)).to_vec();
        vec![XyLine {
            label: "least squares line".into(),
            points,
        }]
    });
    let fig = XyFigure {
        title: format!("{} minus {} AUROC against class balance", names.a, names.b),
        x_desc: "share of positive weak labels".into(),
        y_desc: format!("AUROC {} - {}", names.a, names.b),
        dots: xy,
        lines,
    };
    let caption = format!("One dot per region (mean AUROC difference over seeds). {note}.");
    let figure = figure_with_csv(dir, "balance", &csv, |s| xy_figure(s, &fig), caption)?;
    let part = ReportPart {
        kind: "balance".into(),
        title: fig.title.clone(),
        notes: vec![note],
        tables: vec![ReportTable {
            caption: "Per region: share of positive weak labels, mean AUROC difference over seeds"
                .into(),
            columns: vec![
                "region".into(),
                "class balance".into(),
                "AUROC difference".into(),
            ],
            rows,
        }],
        figures: vec![figure],
    };
    write_part(dir, &part)
}

#[cfg(test)]
mod tests {
    use super::{fit_line, write_balance};
    use std::path::Path;
    use uptake_core::RegionTable;
    use uptake_stats::{CompareSettings, Comparison, PredictionFile, TruthTable};

    fn table(csv: &str) -> RegionTable {
        RegionTable::from_reader(csv.as_bytes(), Path::new("inline")).unwrap()
    }

    #[test]
    fn the_balance_part_draws_its_scatter_beside_one_csv_row_per_region() {
        let truth = TruthTable {
            source: "truth.csv".into(),
            table: table("exam_id,liver,lungs,bone\nE1,1,1,0\nE2,0,0,1\nE3,1,0,1\nE4,0,1,0\n"),
        };
        let file = |path: &str, csv: &str| PredictionFile {
            path: path.into(),
            table: table(csv),
        };
        // The multi-task model ranks every region perfectly, the single-task ones not at all.
        let multi =
            "exam_id,liver,lungs,bone\nE1,.9,.9,.1\nE2,.1,.1,.9\nE3,.9,.1,.9\nE4,.1,.9,.1\n";
        let single =
            "exam_id,liver,lungs,bone\nE1,.5,.5,.5\nE2,.5,.5,.5\nE3,.5,.5,.5\nE4,.5,.5,.5\n";
        let (a, b) = (file("multi.csv", multi), file("single.csv", single));
        let c = Comparison::compute(&[a], &[b], &truth, &CompareSettings::default()).unwrap();
        // Weak labels positive in 1, 2 and 3 of 4 exams.
        let labels = table("exam_id,liver,lungs,bone\nE1,1,1,1\nE2,0,1,1\nE3,0,0,1\nE4,0,0,0\n");
        let dir = tempfile::tempdir().unwrap();
        write_balance(&c, &labels, dir.path()).unwrap();
        let csv = std::fs::read_to_string(dir.path().join("balance.csv")).unwrap();
        assert_eq!(
            csv,
            "region,class_balance,auroc_difference\n\
             liver,0.250000,0.500000\n\
             lungs,0.500000,0.500000\n\
             bone,0.750000,0.500000\n"
        );
        for figure in ["balance.svg", "balance.png"] {
            assert!(dir.path().join(figure).is_file(), "{figure}");
        }
        let summary = std::fs::read_to_string(dir.path().join("summary.json")).unwrap();
        assert!(summary.contains("\"file\": \"balance.svg\""), "{summary}");
        assert!(
            summary.contains("r^2 = 1.000; Wald test of the slope"),
            "{summary}"
        );
    }

    #[test]
    fn a_line_through_exact_points_has_r_squared_one_and_its_slope() {
        let fit = fit_line(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]).unwrap();
        assert!((fit.slope - 2.0).abs() < 1e-12);
        assert!((fit.intercept - 1.0).abs() < 1e-12);
        assert!((fit.r_squared - 1.0).abs() < 1e-12);
    }

    #[test]
    fn the_wald_p_of_a_noisy_slope_matches_scipy() {
        // By hand: slope 4 / 5, r^2 1 - 1.8 / 5; with 2 degrees of freedom the two-sided p
        // of t is 1 - t / sqrt(t^2 + 2) = 0.2 (as scipy.stats.linregress gives).
        let fit = fit_line(&[(0.0, 0.0), (1.0, 2.0), (2.0, 1.0), (3.0, 3.0)]).unwrap();
        assert!((fit.slope - 0.8).abs() < 1e-12);
        assert!((fit.r_squared - 0.64).abs() < 1e-12);
        assert!(
            (fit.p_slope.unwrap() - 0.2).abs() < 1e-9,
            "{:?}",
            fit.p_slope
        );
    }
}
