//! How the analyses write figures into text and files: cell formats shared by the printed
//! tables, the CSV files and the report, and the error of every `write` call.

use crate::plots::PlotError;
use crate::report::ReportError;
use crate::resample::MeanCi;
use serde::Serialize;
use std::path::{Path, PathBuf};
use uptake_core::output::{OutputError, StagedDir};
use uptake_core::output_guard::OutputGuardError;

/// An analysis result that cannot be written into its folder.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// A table or JSON file cannot be written.
    #[error("cannot write {path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A figure cannot be drawn or written.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// The report summary cannot be written.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// The output folder cannot be put in place (it is a file, or would replace an input, a
    /// link or a special file).
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A single output file would replace an input, a link or a special file.
    #[error(transparent)]
    Refused(#[from] OutputGuardError),
}

/// Writes one analysis's files as one unit: `fill` writes them into a staging folder, which
/// then becomes `dir` (or whose files move into an existing `dir`, none of them onto one of
/// `inputs`, a link or a special file). On any error `dir` is as it was.
pub(crate) fn write_folder(
    dir: &Path,
    inputs: &[PathBuf],
    fill: impl FnOnce(&Path) -> Result<(), WriteError>,
) -> Result<(), WriteError> {
    let stage = StagedDir::new(dir)?;
    fill(stage.path())?;
    let inputs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    stage.commit(&inputs)?;
    Ok(())
}

/// Writes a CSV file (header, then rows) atomically.
pub(crate) fn write_csv(
    path: &Path,
    header: &[String],
    rows: &[Vec<String>],
) -> Result<(), WriteError> {
    uptake_core::write_atomic(path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(header)?;
        for row in rows {
            csv.write_record(row)?;
        }
        csv.flush()
    })
    .map_err(|e| WriteError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Writes a value as indented JSON atomically.
pub(crate) fn write_json<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<(), WriteError> {
    uptake_core::json::write_json(path, value).map_err(|e| WriteError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Three decimals, or `n/a`.
pub(crate) fn f3(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.3}")).unwrap_or_else(|| "n/a".into())
}

/// Four decimals, or `n/a` (p-values).
pub(crate) fn f4(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.4}")).unwrap_or_else(|| "n/a".into())
}

/// Six decimals, or an empty cell (CSV files).
pub(crate) fn opt_num(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.6}")).unwrap_or_default()
}

/// `mean [low, high]` to three decimals, `mean` without a CI, `n/a` without a value.
pub(crate) fn mean_ci(m: Option<&MeanCi>) -> String {
    match m {
        None => "n/a".into(),
        Some(MeanCi {
            mean,
            ci: Some((lo, hi)),
            ..
        }) => format!("{mean:.3} [{lo:.3}, {hi:.3}]"),
        Some(MeanCi { mean, ci: None, .. }) => format!("{mean:.3}"),
    }
}

/// Column names from static strings.
pub(crate) fn columns(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}
