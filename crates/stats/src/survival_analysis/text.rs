//! The survival analysis as printed text.

use super::{SurvivalAnalysis, coefficient_columns, coefficient_rows};
use std::fmt;

impl fmt::Display for SurvivalAnalysis {
    /// The notes, the full model's coefficients, the fit statistics and tests, the importance.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for n in &self.notes {
            writeln!(f, "{n}")?;
        }
        let columns = coefficient_columns();
        for r in std::iter::once(columns).chain(coefficient_rows(&self.full_model)) {
            writeln!(
                f,
                "{:<40} {:>9} {:>8} {:>8} {:>18} {:>8}",
                r[0], r[1], r[2], r[3], r[4], r[5]
            )?;
        }
        for r in self.stats_rows() {
            writeln!(f, "{:<40} {}", r[0], r[1])?;
        }
        writeln!(f, "importance (Wald chi2 - df):")?;
        for r in self.importance_rows() {
            writeln!(f, "  {:<38} {}", r[0], r[1])?;
        }
        Ok(())
    }
}
