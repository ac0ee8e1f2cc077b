//! One row per exam in a file: where each exam was first seen, so a second row of it is an
//! error that names both lines.

use crate::exam::ExamId;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// An exam on two rows of one file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}, line {line}: exam `{exam}` appears twice (first on line {first_line})")]
pub struct DuplicateExam {
    /// The file.
    pub path: PathBuf,
    /// 1-based line of the second row.
    pub line: u64,
    /// The exam.
    pub exam: ExamId,
    /// 1-based line of the first row.
    pub first_line: u64,
}

/// The first line of each exam read so far from one file.
#[derive(Debug, Clone, Default)]
pub struct ExamLines {
    first: HashMap<ExamId, u64>,
}

impl ExamLines {
    /// Records that `exam` is on `line` of `path`; an error when an earlier line had it.
    pub fn record(&mut self, path: &Path, exam: &ExamId, line: u64) -> Result<(), DuplicateExam> {
        if let Some(&first_line) = self.first.get(exam) {
            return Err(DuplicateExam {
                path: path.to_path_buf(),
                line,
                exam: exam.clone(),
                first_line,
            });
        }
        self.first.insert(exam.clone(), line);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_row_of_an_exam_names_both_lines() {
        let mut lines = ExamLines::default();
        let (a, b) = (ExamId::new("a").unwrap(), ExamId::new("b").unwrap());
        lines.record(Path::new("r.csv"), &a, 2).unwrap();
        lines.record(Path::new("r.csv"), &b, 3).unwrap();
        let err = lines.record(Path::new("r.csv"), &a, 7).unwrap_err();
        assert_eq!(err.first_line, 2);
        assert_eq!(
            err.to_string(),
            "r.csv, line 7: exam `a` appears twice (first on line 2)"
        );
    }
}
