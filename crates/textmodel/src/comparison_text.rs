//! The comparison of a report model with the rule labellers as a text table (what
//! `uptake report-model evaluate` and `cv` print).

use crate::evaluate::Comparison;
use std::fmt;
use uptake_labels::evaluate::MentionEvaluation;
use uptake_labels::paired::{MentionMeasure, difference_text};

fn fmt3(v: Option<f64>) -> String {
    v.map_or("   -  ".into(), |v| format!("{v:6.3}"))
}

fn overall(f: &mut fmt::Formatter<'_>, evals: &[MentionEvaluation]) -> fmt::Result {
    let head = ["method", "n", "AUROC", "F1", "sens", "spec"];
    let [a, b, c, d, e, g] = head;
    writeln!(f, "{a:<12} {b:>6} {c:>6} {d:>6} {e:>6} {g:>6}")?;
    for e in evals {
        let m = &e.overall;
        let [au, f1, se, sp] = [m.auroc, m.f1, m.sensitivity, m.specificity].map(fmt3);
        writeln!(f, "{:<12} {:>6} {au} {f1} {se} {sp}", e.scorer, m.n)?;
    }
    Ok(())
}

fn per_region(f: &mut fmt::Formatter<'_>, evals: &[MentionEvaluation]) -> fmt::Result {
    writeln!(f, "\nper region (AUROC / F1):")?;
    write!(f, "{:<30} {:>5}", "region", "n")?;
    for e in evals {
        write!(f, " {:>15}", e.scorer)?;
    }
    writeln!(f)?;
    let Some(first) = evals.first() else {
        return Ok(());
    };
    for (region, m) in &first.per_region {
        write!(f, "{region:<30} {:>5}", m.n)?;
        for e in evals {
            let m = &e.per_region[region];
            write!(f, "   {} {}", fmt3(m.auroc), fmt3(m.f1))?;
        }
        writeln!(f)?;
    }
    Ok(())
}

impl fmt::Display for Comparison {
    /// Each labeller's figures, per region, then each model's difference from the rules.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        overall(f, &self.evaluations)?;
        per_region(f, &self.evaluations)?;
        let s = &self.settings;
        let level = s.level * 100.0;
        writeln!(
            f,
            "\nminus the rules, {level:.0} % CI over {} resamples of sentences:",
            s.resamples
        )?;
        write!(f, "{:<12}", "method")?;
        for m in MentionMeasure::ALL {
            write!(f, " {:>24}", m.name())?;
        }
        writeln!(f)?;
        for (name, d) in self.names.iter().zip(&self.against_rules) {
            write!(f, "{name:<12}")?;
            for m in MentionMeasure::ALL {
                write!(f, " {:>24}", difference_text(d.of(m)))?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}
