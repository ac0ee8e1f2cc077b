//! A list of exams given on a command line: ids separated by commas (`E1,E2,E3`), or `@FILE`,
//! a file of ids, one per line.
//!
//! The two are told apart by the `@` alone, never by looking at the disk: `held-out.txt` is
//! the one exam id `held-out.txt`. Because such an id is almost always a file meant with a
//! forgotten `@`, a bare word that names an existing file is refused with a hint rather than
//! taken as an id.
//!
//! ```
//! use uptake_core::ExamList;
//!
//! let list: ExamList = "E1, E2,,E3".parse().unwrap();
//! let ids = list.read().unwrap();
//! assert_eq!(ids.iter().map(|e| e.as_str()).collect::<Vec<_>>(), ["E1", "E2", "E3"]);
//!
//! let dir = tempfile::tempdir().unwrap();
//! let file = dir.path().join("held-out.txt");
//! std::fs::write(&file, "E7\n\nE9\n").unwrap();
//! let list: ExamList = format!("@{}", file.display()).parse().unwrap();
//! assert_eq!(list.read().unwrap().len(), 2);
//! ```

use crate::exam::ExamId;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// An exam list that cannot be parsed or read.
#[derive(Debug, thiserror::Error)]
pub enum ExamListError {
    /// Nothing but commas and spaces.
    #[error("the exam list `{text}` names no exam")]
    Empty {
        /// The list as given.
        text: String,
    },
    /// `@` with no file name after it.
    #[error("`@` must be followed by a file of exam ids (one per line)")]
    NoFile,
    /// A bare word that is an existing file: almost surely a forgotten `@`.
    #[error(
        "`{text}` is a file; write `@{text}` to read exam ids from it (a bare list is ids \
         separated by commas)"
    )]
    BareFile {
        /// The word as given.
        text: String,
    },
    /// The file cannot be read.
    #[error("cannot read the exam list {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file holds no id.
    #[error("the exam list {path} holds no exam id")]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },
}

/// Exams named on a command line: inline ids, or a file of ids (see the [module](self) page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExamList {
    /// Ids given inline, in the order given.
    Ids(Vec<ExamId>),
    /// A file of ids, one per line (blank lines ignored, ids trimmed).
    File(PathBuf),
}

impl FromStr for ExamList {
    type Err = ExamListError;

    fn from_str(text: &str) -> Result<Self, ExamListError> {
        if let Some(path) = text.strip_prefix('@') {
            if path.trim().is_empty() {
                return Err(ExamListError::NoFile);
            }
            return Ok(Self::File(PathBuf::from(path)));
        }
        if !text.contains(',') && Path::new(text.trim()).is_file() {
            return Err(ExamListError::BareFile {
                text: text.trim().to_string(),
            });
        }
        let ids: Vec<ExamId> = text.split(',').filter_map(ExamId::new).collect();
        if ids.is_empty() {
            return Err(ExamListError::Empty {
                text: text.to_string(),
            });
        }
        Ok(Self::Ids(ids))
    }
}

impl ExamList {
    /// The ids: those given inline, or the lines of the file.
    pub fn read(&self) -> Result<Vec<ExamId>, ExamListError> {
        match self {
            Self::Ids(ids) => Ok(ids.clone()),
            Self::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ExamListError::Io {
                    path: path.clone(),
                    source,
                })?;
                let ids: Vec<ExamId> = text.lines().filter_map(ExamId::new).collect();
                if ids.is_empty() {
                    return Err(ExamListError::EmptyFile { path: path.clone() });
                }
                Ok(ids)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &ExamList) -> Vec<String> {
        list.read().unwrap().iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn commas_separate_inline_ids_and_blanks_are_dropped() {
        let list: ExamList = " E1 ,E2,, E3".parse().unwrap();
        assert_eq!(ids(&list), ["E1", "E2", "E3"]);
    }

    #[test]
    fn an_at_sign_reads_one_id_per_line_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ids.txt");
        std::fs::write(&file, " E1\r\n\nE2\n").unwrap();
        let list: ExamList = format!("@{}", file.display()).parse().unwrap();
        assert_eq!(list, ExamList::File(file));
        assert_eq!(ids(&list), ["E1", "E2"]);
    }

    #[test]
    fn a_bare_word_that_is_a_file_is_refused_with_the_at_hint() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("held-out.txt");
        std::fs::write(&file, "E1\n").unwrap();
        let err = file
            .display()
            .to_string()
            .parse::<ExamList>()
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("@{}", file.display())), "{err}");
    }

    #[test]
    fn a_bare_word_that_is_no_file_is_one_id() {
        let list: ExamList = "no-such-file.txt".parse().unwrap();
        assert_eq!(ids(&list), ["no-such-file.txt"]);
    }

    #[test]
    fn empty_lists_and_files_are_errors_naming_the_file() {
        assert!(matches!(
            " , ".parse::<ExamList>(),
            Err(ExamListError::Empty { .. })
        ));
        assert!(matches!(
            "@".parse::<ExamList>(),
            Err(ExamListError::NoFile)
        ));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("empty.txt");
        std::fs::write(&file, "\n \n").unwrap();
        let err = ExamList::File(file).read().unwrap_err().to_string();
        assert!(err.contains("empty.txt"), "{err}");
        let missing = ExamList::File(dir.path().join("missing.txt"));
        assert!(
            missing
                .read()
                .unwrap_err()
                .to_string()
                .contains("missing.txt")
        );
    }
}
