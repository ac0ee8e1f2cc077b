//! Multi- minus single-task AUROC against class balance: per region, the difference of the
//! mean AUROCs over seeds against the region's share of positive weak labels, with the least
//! squares line, its r^2 and the Wald test of its slope (t distribution, n - 2 degrees of
//! freedom), as the study's figure.

use statrs::distribution::{ContinuousCDF, StudentsT};
use uptake_core::RegionTable;
use uptake_stats::Comparison;
use uptake_stats::report::{ReportPart, ReportTable};

/// A least squares line `y = intercept + slope x`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineFit {
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
pub fn fit_line(points: &[(f64, f64)]) -> Option<LineFit> {
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

/// The report part of a multi-task (A) vs single-task (B) comparison against class balance.
pub fn balance_part(comparison: &Comparison, labels: &RegionTable) -> ReportPart {
    let mut points = Vec::new();
    let mut rows = Vec::new();
    for r in &comparison.regions {
        let (Some(a), Some(b), Some(p)) = (&r.a, &r.b, prevalence(labels, &r.region)) else {
            continue;
        };
        let diff = a.mean - b.mean;
        points.push((p, diff));
        rows.push(vec![
            r.region.clone(),
            format!("{p:.3}"),
            format!("{diff:+.3}"),
        ]);
    }
    let fit = fit_line(&points);
    let note = match fit {
        Some(f) => format!(
            "Least squares line: difference = {:.3} {:+.3} x balance; r^2 = {:.3}; Wald test of \
             the slope (t, {} degrees of freedom): p = {}",
            f.intercept,
            f.slope,
            f.r_squared,
            points.len() - 2,
            f.p_slope.map_or("n/a".into(), |p| format!("{p:.4}"))
        ),
        None => format!(
            "{} regions with both AUROCs: no line (at least 3 are needed)",
            points.len()
        ),
    };
    let names = &comparison.names;
    ReportPart {
        kind: "balance".into(),
        title: format!("{} minus {} AUROC against class balance", names.a, names.b),
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
        figures: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::fit_line;

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
