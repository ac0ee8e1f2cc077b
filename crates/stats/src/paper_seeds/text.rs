//! The comparisons as a printed table.

use super::PaperSeedTests;
use std::fmt;

impl fmt::Display for PaperSeedTests {
    /// One row per comparison: mean AUROCs, both p-values, whether the seeds separate.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: AUROC mean over seeds; H1 mean(A) > mean(B), {} rounds per test",
            self.dir.display(),
            self.iterations
        )?;
        writeln!(
            f,
            "p paired: sign flips within seed pairs (floor 1/32 with 5 seeds); p study: seeds \
             pooled and reshuffled as the study's mlxtend call (1/252 when separated: every \
             seed of A above every seed of B)"
        )?;
        writeln!(
            f,
            "{:<18} {:<21} {:<21} {:>7} {:>7} {:>8} {:>8} {:>9}",
            "task", "A", "B", "AUROC A", "AUROC B", "p paired", "p study", "separated"
        )?;
        for c in &self.comparisons {
            let (a, b) = c.means();
            writeln!(
                f,
                "{:<18} {:<21} {:<21} {:>7.3} {:>7.3} {:>8.4} {:>8.4} {:>9}",
                c.task,
                c.names.0,
                c.names.1,
                a,
                b,
                c.paired.p_value,
                c.study.p_value,
                if c.separated() { "yes" } else { "no" }
            )?;
        }
        Ok(())
    }
}
