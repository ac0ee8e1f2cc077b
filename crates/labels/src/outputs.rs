//! Where a labelled report set goes: the wide label table and, beside it, the ids of the
//! reports that fell back or yielded no mention; checked before the (possibly long) labelling,
//! written after it.

use std::path::{Path, PathBuf};

use uptake_core::output_guard::{OutputGuardError, check_output};
use uptake_core::{AtomicWriteError, TableError};

use crate::weak::WeakLabels;

/// The files of a labelled report set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelOutputs {
    /// The label table (wide CSV).
    pub table: PathBuf,
    /// The exam ids of the reports that fell back or yielded no mention (CSV).
    pub no_mention_ids: PathBuf,
}

/// Why labels cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum LabelWriteError {
    /// An output would destroy an input, or is a link or a special file.
    #[error(transparent)]
    Guard(#[from] OutputGuardError),
    /// The table cannot be written.
    #[error(transparent)]
    Table(#[from] TableError),
    /// The ids cannot be written.
    #[error("writing {path}")]
    Ids {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: AtomicWriteError,
    },
}

impl LabelOutputs {
    /// `table`, and the ids at `no_mention_ids`, by default `<table>.no-mention.csv` beside it.
    pub fn new(table: &Path, no_mention_ids: Option<&Path>) -> Self {
        let ids = no_mention_ids
            .map_or_else(|| table.with_extension("no-mention.csv"), Path::to_path_buf);
        Self {
            table: table.to_path_buf(),
            no_mention_ids: ids,
        }
    }

    /// Refuses outputs that would replace `reports` or each other, links and special files.
    pub fn check(&self, reports: &Path) -> Result<(), LabelWriteError> {
        check_output(&self.table, &[reports])?;
        Ok(check_output(&self.no_mention_ids, &[reports, &self.table])?)
    }

    /// Writes the table and the ids of `labels` (each atomically).
    pub fn write(&self, labels: &WeakLabels) -> Result<(), LabelWriteError> {
        labels.table.write_csv(&self.table)?;
        (labels.write_flagged(&self.no_mention_ids)).map_err(|source| LabelWriteError::Ids {
            path: self.no_mention_ids.clone(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ids_go_beside_the_table_unless_given_and_never_over_the_reports() {
        let outputs = LabelOutputs::new(Path::new("out/labels.csv"), None);
        assert_eq!(
            outputs.no_mention_ids,
            Path::new("out/labels.no-mention.csv")
        );
        let given = LabelOutputs::new(Path::new("labels.csv"), Some(Path::new("ids.csv")));
        assert_eq!(given.no_mention_ids, Path::new("ids.csv"));
        let dir = tempfile::tempdir().unwrap();
        let reports = dir.path().join("reports.jsonl");
        std::fs::write(&reports, "{}\n").unwrap();
        let over = LabelOutputs::new(&reports, None).check(&reports);
        assert!(matches!(over, Err(LabelWriteError::Guard(_))), "{over:?}");
    }
}
