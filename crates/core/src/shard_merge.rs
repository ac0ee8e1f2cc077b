//! Joining the outputs of a sharded step (`--shard i/n` job arrays: labels, predictions) back
//! into one region table. Every exam must come from exactly one shard, every shard must have
//! the same columns, and with the exams expected given, none may be missing; otherwise the
//! merge is an error naming the files and exams, and nothing is written.
//!
//! ```
//! use uptake_core::shard_merge::merge_tables;
//! use uptake_core::{ExamId, RegionTable};
//!
//! let dir = tempfile::tempdir()?;
//! let mut parts = Vec::new();
//! for (i, exam) in ["E1", "E2"].iter().enumerate() {
//!     let mut table = RegionTable::new(vec!["liver".into()]);
//!     table.insert(ExamId::new(*exam).unwrap(), vec![Some(0.5)]);
//!     let path = dir.path().join(format!("shard-{i}.csv"));
//!     table.write_csv(&path)?;
//!     parts.push(path);
//! }
//! let merged = merge_tables(&parts, None)?;
//! assert_eq!(merged.table.len(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::exam::ExamId;
use crate::table::{RegionTable, TableError};

/// Why shard outputs cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// No shard output given.
    #[error("no shard outputs to merge")]
    NoParts,
    /// A shard output cannot be read.
    #[error(transparent)]
    Table(#[from] TableError),
    /// The same file given twice.
    #[error("{path} is given twice")]
    GivenTwice {
        /// The file.
        path: PathBuf,
    },
    /// Shards with other columns: outputs of different runs.
    #[error(
        "{path} has the columns {found:?}, but {first} has {expected:?}: outputs of different runs?"
    )]
    OtherColumns {
        /// The shard that differs.
        path: PathBuf,
        /// Its columns.
        found: Vec<String>,
        /// The first shard.
        first: PathBuf,
        /// The first shard's columns.
        expected: Vec<String>,
    },
    /// An exam in two shards (the shards overlap).
    #[error(
        "exam `{exam}` is in both {first} and {second}: the shards overlap (the same shard twice, or shards of different counts?)"
    )]
    Overlap {
        /// The exam.
        exam: ExamId,
        /// The first shard holding it.
        first: PathBuf,
        /// The second.
        second: PathBuf,
    },
    /// Exams expected but in no shard (a shard missing or unfinished).
    #[error("{} expected exam(s) are in no shard ({}{}): is a shard missing or unfinished?", missing.len(), first_ids(missing), if missing.len() > 5 { ", ..." } else { "" })]
    Missing {
        /// The exams missing, in the order expected.
        missing: Vec<ExamId>,
    },
}

fn first_ids(exams: &[ExamId]) -> String {
    let ids: Vec<&str> = exams.iter().take(5).map(ExamId::as_str).collect();
    ids.join(", ")
}

/// The merged table and where its rows came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The shards' rows, in the order expected (when given), else shard by shard.
    pub table: RegionTable,
    /// Rows per shard, in the order given.
    pub rows_per_part: Vec<(PathBuf, usize)>,
}

/// `N exams x R regions from K shards (a: n, b: m)`.
impl std::fmt::Display for Merged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = (self.rows_per_part.iter())
            .map(|(path, n)| format!("{}: {n}", path.display()))
            .collect();
        write!(
            f,
            "{} exams x {} regions from {} shards ({})",
            self.table.len(),
            self.table.regions().len(),
            self.rows_per_part.len(),
            parts.join(", ")
        )
    }
}

/// Reads the shard outputs `parts` and joins their rows; with `expected`, checks that every
/// expected exam is there and orders the rows as expected (exams not expected follow, shard by
/// shard).
pub fn merge_tables(parts: &[PathBuf], expected: Option<&[ExamId]>) -> Result<Merged, MergeError> {
    let first_path = parts.first().ok_or(MergeError::NoParts)?;
    let tables = read_parts(parts)?;
    let columns = tables[0].regions().to_vec();
    let mut origin: BTreeMap<ExamId, usize> = BTreeMap::new();
    for (i, (table, path)) in tables.iter().zip(parts).enumerate() {
        if table.regions() != columns.as_slice() {
            return Err(MergeError::OtherColumns {
                path: path.clone(),
                found: table.regions().to_vec(),
                first: first_path.clone(),
                expected: columns,
            });
        }
        for exam in table.exams() {
            if let Some(&j) = origin.get(exam) {
                let (first, second) = (parts[j].clone(), path.clone());
                return Err(MergeError::Overlap {
                    exam: exam.clone(),
                    first,
                    second,
                });
            }
            origin.insert(exam.clone(), i);
        }
    }
    let order = row_order(&tables, expected)?;
    let mut table = RegionTable::new(columns);
    for exam in order {
        let row = tables[origin[&exam]]
            .row(&exam)
            .unwrap_or_default()
            .to_vec();
        table.insert(exam, row);
    }
    let rows_per_part = parts
        .iter()
        .cloned()
        .zip(tables.iter().map(RegionTable::len))
        .collect();
    Ok(Merged {
        table,
        rows_per_part,
    })
}

/// The tables, refusing a file given twice.
fn read_parts(parts: &[PathBuf]) -> Result<Vec<RegionTable>, MergeError> {
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    for (i, path) in parts.iter().enumerate() {
        if parts[..i].iter().any(|q| canonical(q) == canonical(path)) {
            return Err(MergeError::GivenTwice { path: path.clone() });
        }
    }
    Ok(parts
        .iter()
        .map(|p| RegionTable::read_csv(p))
        .collect::<Result<_, _>>()?)
}

/// The expected exams first (all must be present), then the others shard by shard.
fn row_order(
    tables: &[RegionTable],
    expected: Option<&[ExamId]>,
) -> Result<Vec<ExamId>, MergeError> {
    let present = |e: &ExamId| tables.iter().any(|t| t.row(e).is_some());
    let Some(expected) = expected else {
        return Ok(tables
            .iter()
            .flat_map(|t| t.exams().iter().cloned())
            .collect());
    };
    let missing: Vec<ExamId> = expected.iter().filter(|e| !present(e)).cloned().collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing { missing });
    }
    let mut order = expected.to_vec();
    let others = tables.iter().flat_map(|t| t.exams().iter());
    order.extend(others.filter(|e| !expected.contains(e)).cloned());
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(exams: &[&str], regions: &[&str]) -> RegionTable {
        let mut t = RegionTable::new(regions.iter().map(|r| r.to_string()).collect());
        for (i, e) in exams.iter().enumerate() {
            let row = (0..regions.len())
                .map(|j| Some((i + j) as f64 / 10.0))
                .collect();
            t.insert(ExamId::new(*e).unwrap(), row);
        }
        t
    }

    fn write(dir: &Path, name: &str, t: &RegionTable) -> PathBuf {
        let path = dir.join(name);
        t.write_csv(&path).unwrap();
        path
    }

    fn ids(names: &[&str]) -> Vec<ExamId> {
        names.iter().map(|n| ExamId::new(*n).unwrap()).collect()
    }

    #[test]
    fn shards_merge_into_the_rows_of_every_shard_in_the_order_expected() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(
            dir.path(),
            "a.csv",
            &table(&["E3", "E1"], &["liver", "lungs"]),
        );
        let b = write(dir.path(), "b.csv", &table(&["E2"], &["liver", "lungs"]));
        let merged = merge_tables(&[a.clone(), b], Some(&ids(&["E1", "E2", "E3"]))).unwrap();
        assert_eq!(merged.table.exams(), ids(&["E1", "E2", "E3"]).as_slice());
        let e1 = ExamId::new("E1").unwrap();
        assert_eq!(merged.table.row(&e1).unwrap(), &[Some(0.1), Some(0.2)]);
        assert_eq!(merged.rows_per_part[0], (a, 2));
    }

    #[test]
    fn overlapping_shards_a_file_given_twice_and_other_columns_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(dir.path(), "a.csv", &table(&["E1", "E2"], &["liver"]));
        let b = write(dir.path(), "b.csv", &table(&["E2"], &["liver"]));
        let c = write(dir.path(), "c.csv", &table(&["E3"], &["lungs"]));
        let overlap = merge_tables(&[a.clone(), b], None).unwrap_err().to_string();
        assert!(overlap.starts_with("exam `E2` is in both"), "{overlap}");
        let twice = merge_tables(&[a.clone(), a.clone()], None).unwrap_err();
        assert!(matches!(twice, MergeError::GivenTwice { .. }), "{twice}");
        let other = merge_tables(&[a, c], None).unwrap_err().to_string();
        assert!(other.contains("outputs of different runs"), "{other}");
    }

    #[test]
    fn exams_expected_in_no_shard_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(dir.path(), "a.csv", &table(&["E1"], &["liver"]));
        let err = merge_tables(&[a], Some(&ids(&["E1", "E2", "E9"]))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "2 expected exam(s) are in no shard (E2, E9): is a shard missing or unfinished?"
        );
    }
}
