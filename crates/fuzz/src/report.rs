//! The run's table: cases, accepted, refused and panics per target, then each panic.

use crate::run::FuzzReport;
use std::fmt;

impl fmt::Display for FuzzReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "fuzzing, seed {}", self.seed)?;
        writeln!(
            f,
            "{:<18} {:>9} {:>9} {:>9} {:>7} {:>9}",
            "target", "cases", "accepted", "refused", "panics", "cases/s"
        )?;
        for t in &self.targets {
            let rate = t.cases as f64 / t.elapsed.as_secs_f64().max(1e-9);
            writeln!(
                f,
                "{:<18} {:>9} {:>9} {:>9} {:>7} {:>9.0}",
                t.target.name(),
                t.cases,
                t.accepted,
                t.refused,
                t.panics.len(),
                rate
            )?;
        }
        writeln!(f, "{} cases, {} panics", self.cases(), self.panics())?;
        for t in &self.targets {
            for p in &t.panics {
                let saved = p
                    .saved
                    .as_ref()
                    .map(|s| format!(" (input: {})", s.display()));
                writeln!(
                    f,
                    "PANIC {} case {}: {}{}",
                    t.target,
                    p.case,
                    p.message,
                    saved.unwrap_or_default()
                )?;
            }
        }
        Ok(())
    }
}
