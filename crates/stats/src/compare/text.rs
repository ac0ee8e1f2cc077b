//! The comparison as a printed table.

use super::Comparison;
use std::fmt;

impl fmt::Display for Comparison {
    /// The test's description, one row per region and one over all regions, then the notes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} vs {}: AUROC, {} seed pair(s), {:?} {}, {} iterations, Bonferroni over {} regions",
            self.names.a,
            self.names.b,
            self.seed_pairs,
            self.alternative,
            self.test,
            self.iterations,
            self.comparisons
        )?;
        let (columns, rows) = self.table();
        for r in std::iter::once(&columns).chain(&rows) {
            writeln!(
                f,
                "{:<28} {:>22} {:>22} {:>8} {:>8} {:>8}",
                r[0], r[1], r[2], r[3], r[4], r[5]
            )?;
        }
        for n in &self.notes {
            writeln!(f, "note: {n}")?;
        }
        Ok(())
    }
}
