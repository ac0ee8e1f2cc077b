//! The evaluation as a printed table.

use super::Evaluation;
use crate::format::{f3, mean_ci};
use crate::metrics::{Metric, macro_mean};
use crate::resample::MeanCi;
use std::fmt;

impl fmt::Display for Evaluation {
    /// Matching, then per region: n, positives, AUROC (mean [CI] over seeds) and the threshold
    /// metrics; the macro mean; the ensemble; the notes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for m in &self.matching {
            writeln!(
                f,
                "{}: {} exams matched the truth ({} predicted exams without truth, {} labelled exams without prediction)",
                m.pred_file, m.matched, m.pred_only, m.truth_only
            )?;
        }
        let seeds = self.per_seed.len();
        let over = if seeds > 1 {
            "seeds: mean over seeds [95 % bootstrap CI]"
        } else {
            "seed"
        };
        writeln!(f, "threshold {} ; {seeds} {over}", self.threshold)?;
        writeln!(
            f,
            "{:<28} {:>5} {:>5} {:>22} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "region", "n", "pos", "auroc", "precision", "recall", "f1", "sens", "spec"
        )?;
        for r in &self.over_seeds {
            let summary = |m| r.summary(m);
            let (n, pos) = (r.n.to_string(), r.positives.to_string());
            summary_row(f, &r.region, &n, &pos, summary)?;
        }
        summary_row(f, "macro mean", "", "", |m| self.macro_summary(m))?;
        if let Some(ens) = &self.ensemble {
            writeln!(f, "ensemble (mean of the {seeds} seeds' probabilities):")?;
            for m in ens {
                let (n, pos) = (m.n.to_string(), m.positives.to_string());
                metrics_row(f, &m.region, &n, &pos, |k| m.get(k))?;
            }
            let mac = |k| macro_mean(ens, k).mean;
            metrics_row(f, "ensemble macro mean", "", "", mac)?;
        }
        for n in &self.notes {
            writeln!(f, "note: {n}")?;
        }
        Ok(())
    }
}

/// A row of means over seeds: AUROC with its CI, the other metrics as means.
fn summary_row<'a>(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    n: &str,
    pos: &str,
    summary: impl Fn(Metric) -> Option<&'a MeanCi>,
) -> fmt::Result {
    let auroc = mean_ci(summary(Metric::Auroc));
    row(f, [name, n, pos, &auroc], |m| summary(m).map(|s| s.mean))
}

/// A row of single values (the ensemble).
fn metrics_row(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    n: &str,
    pos: &str,
    value: impl Fn(Metric) -> Option<f64>,
) -> fmt::Result {
    row(f, [name, n, pos, &f3(value(Metric::Auroc))], value)
}

/// Name, n, positives, AUROC as given, then the other metrics to three decimals.
fn row(
    f: &mut fmt::Formatter<'_>,
    [name, n, pos, auroc]: [&str; 4],
    value: impl Fn(Metric) -> Option<f64>,
) -> fmt::Result {
    write!(f, "{name:<28} {n:>5} {pos:>5} {auroc:>22}")?;
    for m in &Metric::ALL[1..] {
        write!(f, " {:>9}", f3(value(*m)))?;
    }
    writeln!(f)
}

#[cfg(test)]
mod tests {
    use crate::evaluate::{Evaluation, EvaluationSettings};
    use crate::inputs::inline::{file, truth};

    #[test]
    fn the_table_has_a_row_per_region_and_the_macro_mean() {
        let pred = file("p.csv", "exam_id,chest\na,0.9\nb,0.1\n");
        let truth = truth("exam_id,chest\na,1\nb,0\n");
        let ev = Evaluation::compute(&[pred], &truth, &EvaluationSettings::default()).unwrap();
        let text = ev.to_string();
        let chest = text.lines().find(|l| l.starts_with("chest")).unwrap();
        assert_eq!(
            chest,
            "chest                            2     1                  1.000     1.000     1.000     1.000     1.000     1.000"
        );
        assert!(text.contains("macro mean"), "{text}");
    }
}
