//! The wide region table: `exam_id` then one column per region, one row per exam.
//!
//! It is the one format for weak labels, hand labels and scan-model predictions. Values are
//! probabilities in [0, 1]; hand labels use 0/1; an empty cell means unknown.

use crate::atomic::{AtomicWriteError, write_atomic};
use crate::exam::ExamId;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A region table that cannot be read or written; messages name the file, line, exam and column.
#[derive(Debug, thiserror::Error)]
#[allow(missing_docs)] // fields: the file, its 1-based line, the exam, the column, the cell
pub enum TableError {
    /// The file cannot be read.
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Not CSV.
    #[error("{path}: not a valid CSV file")]
    Csv { path: PathBuf, source: csv::Error },
    /// No `exam_id` column.
    #[error("{path}: the header has no `exam_id` column (found: {found})")]
    NoExamIdColumn { path: PathBuf, found: String },
    /// A column named twice.
    #[error("{path}: column `{column}` appears twice in the header")]
    DuplicateColumn { path: PathBuf, column: String },
    /// A row without an exam id.
    #[error("{path}, line {line}: empty exam_id")]
    EmptyExamId { path: PathBuf, line: u64 },
    /// An exam on two rows.
    #[error("{path}, line {line}: exam `{exam}` appears twice (first on line {first_line})")]
    DuplicateExam {
        path: PathBuf,
        line: u64,
        exam: ExamId,
        first_line: u64,
    },
    /// A row of another length than the header.
    #[error("{path}, line {line}, exam `{exam}`: {found} cells, but the header has {expected}")]
    RowLength {
        path: PathBuf,
        line: u64,
        exam: ExamId,
        found: usize,
        expected: usize,
    },
    /// A cell that is not a number in [0, 1].
    #[error(
        "{path}, line {line}, exam `{exam}`, column `{column}`: `{value}` is not a number in [0, 1]"
    )]
    BadValue {
        path: PathBuf,
        line: u64,
        exam: ExamId,
        column: String,
        value: String,
    },
    /// Writing failed; the old file is intact.
    #[error(transparent)]
    Write(#[from] AtomicWriteError),
}

/// One probability (or 0/1 label) per region per exam; `None` is unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionTable {
    regions: Vec<String>,
    exams: Vec<ExamId>,
    values: Vec<Vec<Option<f64>>>,
    index: HashMap<ExamId, usize>,
}

impl RegionTable {
    /// An empty table with these region columns, in this order.
    pub fn new(regions: Vec<String>) -> Self {
        Self {
            regions,
            exams: Vec::new(),
            values: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// The region columns, in order.
    pub fn regions(&self) -> &[String] {
        &self.regions
    }

    /// The exams, in row order.
    pub fn exams(&self) -> &[ExamId] {
        &self.exams
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.exams.len()
    }

    /// True when the table has no row.
    pub fn is_empty(&self) -> bool {
        self.exams.is_empty()
    }

    /// Column position of a region, if the table has it.
    pub fn region_index(&self, region: &str) -> Option<usize> {
        self.regions.iter().position(|r| r == region)
    }

    /// Row of an exam, in column order.
    pub fn row(&self, exam: &ExamId) -> Option<&[Option<f64>]> {
        self.index.get(exam).map(|&i| self.values[i].as_slice())
    }

    /// The value of one cell; `None` when the exam or region is absent or the cell is empty.
    pub fn get(&self, exam: &ExamId, region: &str) -> Option<f64> {
        let col = self.region_index(region)?;
        self.row(exam)?.get(col).copied().flatten()
    }

    /// All values of one region column, in row order.
    pub fn column(&self, region: &str) -> Option<Vec<Option<f64>>> {
        let col = self.region_index(region)?;
        Some(self.values.iter().map(|row| row[col]).collect())
    }

    /// Iterates over (exam, row) in insertion order.
    pub fn rows(&self) -> impl Iterator<Item = (&ExamId, &[Option<f64>])> {
        self.exams
            .iter()
            .zip(self.values.iter().map(|r| r.as_slice()))
    }

    /// Adds or replaces the row of an exam. The row must have one value per region.
    ///
    /// # Panics
    /// If `values.len()` differs from the number of regions (a programming error, not bad data).
    pub fn insert(&mut self, exam: ExamId, values: Vec<Option<f64>>) {
        assert_eq!(
            values.len(),
            self.regions.len(),
            "row length must match the region columns"
        );
        match self.index.get(&exam) {
            Some(&i) => self.values[i] = values,
            None => {
                self.index.insert(exam.clone(), self.exams.len());
                self.exams.push(exam);
                self.values.push(values);
            }
        }
    }

    /// A table restricted to these regions (in this order); regions it lacks are skipped.
    pub fn select(&self, regions: &[String]) -> RegionTable {
        let cols: Vec<(String, usize)> = regions
            .iter()
            .filter_map(|r| self.region_index(r).map(|c| (r.clone(), c)))
            .collect();
        let mut out = RegionTable::new(cols.iter().map(|(r, _)| r.clone()).collect());
        for (exam, row) in self.rows() {
            out.insert(exam.clone(), cols.iter().map(|&(_, c)| row[c]).collect());
        }
        out
    }

    /// Reads a wide CSV. Cells may be empty (unknown); anything else must parse as a number
    /// in [0, 1]. Errors name the file, the line and the exam.
    pub fn read_csv(path: &Path) -> Result<Self, TableError> {
        let file = std::fs::File::open(path).map_err(|source| TableError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_reader(file, path)
    }

    /// As [`RegionTable::read_csv`], from any reader; `path` is only used in messages.
    pub fn from_reader<R: std::io::Read>(reader: R, path: &Path) -> Result<Self, TableError> {
        let p = || path.to_path_buf();
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
        let header = rdr
            .headers()
            .map_err(|source| TableError::Csv { path: p(), source })?
            .clone();
        let cols: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
        let id_col =
            cols.iter()
                .position(|c| c == "exam_id")
                .ok_or_else(|| TableError::NoExamIdColumn {
                    path: p(),
                    found: cols.join(","),
                })?;
        let mut seen = std::collections::HashSet::new();
        for c in &cols {
            if !seen.insert(c) {
                return Err(TableError::DuplicateColumn {
                    path: p(),
                    column: c.clone(),
                });
            }
        }
        let regions: Vec<String> = cols
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != id_col)
            .map(|(_, c)| c.clone())
            .collect();
        let mut table = RegionTable::new(regions);
        let mut first_line: HashMap<ExamId, u64> = HashMap::new();
        for record in rdr.records() {
            let record = record.map_err(|source| TableError::Csv { path: p(), source })?;
            let line = record.position().map(|pos| pos.line()).unwrap_or(0);
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let exam = ExamId::new(record.get(id_col).unwrap_or(""))
                .ok_or(TableError::EmptyExamId { path: p(), line })?;
            if record.len() != cols.len() {
                return Err(TableError::RowLength {
                    path: p(),
                    line,
                    exam,
                    found: record.len(),
                    expected: cols.len(),
                });
            }
            if let Some(&first) = first_line.get(&exam) {
                return Err(TableError::DuplicateExam {
                    path: p(),
                    line,
                    exam,
                    first_line: first,
                });
            }
            first_line.insert(exam.clone(), line);
            let mut values = Vec::with_capacity(cols.len() - 1);
            for (i, cell) in record.iter().enumerate() {
                if i == id_col {
                    continue;
                }
                let cell = cell.trim();
                if cell.is_empty() {
                    values.push(None);
                    continue;
                }
                match cell.parse::<f64>() {
                    Ok(v) if (0.0..=1.0).contains(&v) => values.push(Some(v)),
                    _ => {
                        return Err(TableError::BadValue {
                            path: p(),
                            line,
                            exam,
                            column: cols[i].clone(),
                            value: cell.to_string(),
                        });
                    }
                }
            }
            table.insert(exam, values);
        }
        Ok(table)
    }

    /// Writes the table as wide CSV, atomically (temporary file, then rename).
    pub fn write_csv(&self, path: &Path) -> Result<(), TableError> {
        write_atomic(path, |w| self.write_to(w))?;
        Ok(())
    }

    /// Writes the CSV text to any writer. Values keep 6 decimals; unknowns are empty cells.
    pub fn write_to<W: Write>(&self, w: &mut W) -> std::io::Result<()> {
        let mut out = csv::Writer::from_writer(w);
        let mut header = vec!["exam_id".to_string()];
        header.extend(self.regions.iter().cloned());
        out.write_record(&header)?;
        for (exam, row) in self.rows() {
            let mut rec = vec![exam.to_string()];
            rec.extend(row.iter().map(|v| match v {
                Some(v) => format_probability(*v),
                None => String::new(),
            }));
            out.write_record(&rec)?;
        }
        out.flush()
    }
}

fn format_probability(v: f64) -> String {
    if v == 0.0 || v == 1.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.6}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RegionTable, TableError> {
        RegionTable::from_reader(text.as_bytes(), Path::new("t.csv"))
    }

    #[test]
    fn reads_values_and_empty_cells_as_unknown() {
        let t = parse("exam_id,chest,liver\ne1,0.25,\ne2,1,0\n").unwrap();
        let e1 = ExamId::new("e1").unwrap();
        assert_eq!(t.get(&e1, "chest"), Some(0.25));
        assert_eq!(t.get(&e1, "liver"), None);
        assert_eq!(t.column("liver").unwrap(), vec![None, Some(0.0)]);
    }

    #[test]
    fn exam_id_column_may_be_anywhere() {
        let t = parse("chest,exam_id\n0.5,e1\n").unwrap();
        assert_eq!(t.regions(), ["chest"]);
        assert_eq!(t.get(&ExamId::new("e1").unwrap(), "chest"), Some(0.5));
    }

    #[test]
    fn duplicate_exam_is_an_error_naming_both_lines() {
        let err = parse("exam_id,chest\ne1,0\ne1,1\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 3") && err.contains("e1") && err.contains("line 2"),
            "{err}"
        );
    }

    #[test]
    fn out_of_range_value_is_an_error_naming_exam_and_column() {
        let err = parse("exam_id,chest\ne1,1.5\n").unwrap_err().to_string();
        assert!(
            err.contains("e1") && err.contains("chest") && err.contains("1.5"),
            "{err}"
        );
    }

    #[test]
    fn nan_is_rejected() {
        assert!(matches!(
            parse("exam_id,chest\ne1,NaN\n"),
            Err(TableError::BadValue { .. })
        ));
    }

    #[test]
    fn missing_exam_id_column_is_an_error() {
        assert!(matches!(
            parse("id,chest\ne1,1\n"),
            Err(TableError::NoExamIdColumn { .. })
        ));
    }

    #[test]
    fn short_row_is_an_error() {
        assert!(matches!(
            parse("exam_id,chest,liver\ne1,1\n"),
            Err(TableError::RowLength { .. })
        ));
    }

    #[test]
    fn write_then_read_round_trips() {
        let mut t = RegionTable::new(vec!["chest".into(), "liver".into()]);
        t.insert(ExamId::new("a").unwrap(), vec![Some(0.123456), None]);
        t.insert(ExamId::new("b").unwrap(), vec![Some(1.0), Some(0.0)]);
        let mut buf = Vec::new();
        t.write_to(&mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert_eq!(text, "exam_id,chest,liver\na,0.123456,\nb,1,0\n");
        assert_eq!(parse(&text).unwrap(), t);
    }

    #[test]
    fn select_keeps_requested_columns_in_order() {
        let t = parse("exam_id,a,b,c\ne,0.1,0.2,0.3\n").unwrap();
        let s = t.select(&["c".into(), "a".into(), "zz".into()]);
        assert_eq!(s.regions(), ["c", "a"]);
        assert_eq!(
            s.row(&ExamId::new("e").unwrap()).unwrap(),
            [Some(0.3), Some(0.1)]
        );
    }
}
