//! The worklist summary as printed text.

use super::Worklist;
use std::fmt;

impl fmt::Display for Worklist {
    /// The notes, then the fraction unread per target and the sensitivity per fraction read.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for n in &self.notes {
            writeln!(f, "{n}")?;
        }
        for r in self.rows() {
            writeln!(f, "{:<60} {}", r[0], r[1])?;
        }
        Ok(())
    }
}
