//! Agreement between two people's mention files as one call: read, compare, write the JSON;
//! the result prints as the table of `uptake annotate agreement`.

use crate::agreement::{AgreementError, AgreementReport, agreement};
use std::fmt;
use std::path::{Path, PathBuf};
use uptake_core::MentionFileError;
use uptake_core::json::{JsonFileError, write_json};
use uptake_core::mentions::read_mentions;
use uptake_core::output_guard::{OutputGuardError, check_output};

/// The agreement of two mention files; prints as a table with a line per region and `all`.
#[derive(Debug, Clone, PartialEq)]
pub struct FileAgreement {
    /// The first person's file.
    pub a: PathBuf,
    /// The second person's file.
    pub b: PathBuf,
    /// The figures.
    pub report: AgreementReport,
}

/// Why two files cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum FileAgreementError {
    /// The JSON output would replace an input, a symbolic link or a special file.
    #[error(transparent)]
    Output(#[from] OutputGuardError),
    /// A mention file cannot be read.
    #[error(transparent)]
    Read(#[from] MentionFileError),
    /// The files have nothing to compare.
    #[error("cannot compare {a} with {b}")]
    Compare {
        /// The first file.
        a: PathBuf,
        /// The second file.
        b: PathBuf,
        /// Why.
        source: AgreementError,
    },
    /// The JSON cannot be written.
    #[error(transparent)]
    Write(#[from] JsonFileError),
}

/// Cohen's kappa per region between the mention files `a` and `b`; with `json`, the figures
/// are also written there (never over either input, a symbolic link or a special file).
pub fn agreement_of_files(
    a: &Path,
    b: &Path,
    json: Option<&Path>,
) -> Result<FileAgreement, FileAgreementError> {
    if let Some(json) = json {
        check_output(json, &[a, b])?;
    }
    let report = agreement(&read_mentions(a)?, &read_mentions(b)?).map_err(|source| {
        FileAgreementError::Compare {
            a: a.to_path_buf(),
            b: b.to_path_buf(),
            source,
        }
    })?;
    if let Some(json) = json {
        write_json(json, &report)?;
    }
    Ok(FileAgreement {
        a: a.to_path_buf(),
        b: b.to_path_buf(),
        report,
    })
}

impl fmt::Display for FileAgreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.report;
        writeln!(
            f,
            "{} sentences labelled by both ({} only in {}, {} only in {})",
            r.shared_sentences,
            r.only_a,
            self.a.display(),
            r.only_b,
            self.b.display()
        )?;
        writeln!(
            f,
            "{:<32} {:>6} {:>9} {:>7}",
            "region", "spans", "agree", "kappa"
        )?;
        for region in r.regions.iter().chain(std::iter::once(&r.overall)) {
            let kappa = region
                .kappa
                .map_or("n/a".to_string(), |k| format!("{k:.3}"));
            let observed =
                (region.observed).map_or("n/a".to_string(), |o| format!("{:.1}%", 100.0 * o));
            writeln!(
                f,
                "{:<32} {:>6} {:>9} {:>7}",
                region.region, region.units, observed, kappa
            )?;
        }
        Ok(())
    }
}
