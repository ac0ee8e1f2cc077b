//! Output folders written as one unit: a command's files appear together, or not at all.
//!
//! [`StagedDir`]: a command writes all files of one output folder into a hidden staging folder
//! (`.uptake-tmp-*`, beside the target when it does not exist yet, inside it when it does, so
//! that both lie on one file system); [`StagedDir::commit`] then moves them into place. A new
//! folder is renamed into place at once; into an existing folder each file is renamed, after
//! every target file has passed [`check_output`] (not one of the command's inputs, not a link,
//! a folder or a special file), so on a refusal nothing moves. Until the commit, and when it
//! refuses, the target is as it was; the staging folder is removed when the stage is dropped.
//!
//! ```
//! use uptake_core::output::StagedDir;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let input = dir.path().join("pred.csv");
//! std::fs::write(&input, "exam_id,full\n").unwrap();
//! let out = dir.path().join("analysis");
//! let stage = StagedDir::new(&out).unwrap();
//! std::fs::write(stage.path().join("metrics.csv"), "region\n").unwrap();
//! assert!(!out.exists(), "nothing appears before the commit");
//! stage.commit(&[&input]).unwrap();
//! assert!(out.join("metrics.csv").is_file());
//! ```

use crate::output_guard::{OutputGuardError, check_output};
use std::path::{Path, PathBuf};

/// An output folder that cannot be staged or moved into place.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file of the folder would replace an input, a link or a special file.
    #[error(transparent)]
    Refused(#[from] OutputGuardError),
    /// The output folder exists and is not a folder.
    #[error("{path} exists and is not a folder")]
    NotAFolder {
        /// The output folder.
        path: PathBuf,
    },
    /// The file system refused.
    #[error("cannot {action} {path}")]
    Io {
        /// What was tried: `inspect`, `create`, `move into place`, ...
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> OutputError {
    let path = path.to_path_buf();
    move |source| OutputError::Io {
        action,
        path,
        source,
    }
}

/// An output folder being written: files go into [`StagedDir::path`], and appear in the target
/// folder only on [`StagedDir::commit`].
#[derive(Debug)]
pub struct StagedDir {
    target: PathBuf,
    stage: tempfile::TempDir,
    /// Whether the target folder existed when the stage was made.
    existed: bool,
    /// Removes the stage on Ctrl-C or SIGTERM.
    _pending: crate::interrupt::Pending,
}

impl StagedDir {
    /// Makes a staging folder for the output folder `target`, which must not exist yet or be a
    /// folder (a link to a folder is written into, not replaced).
    pub fn new(target: &Path) -> Result<Self, OutputError> {
        let existed = match std::fs::metadata(target) {
            Ok(meta) if meta.is_dir() => true,
            Ok(_) => {
                return Err(OutputError::NotAFolder {
                    path: target.to_path_buf(),
                });
            }
            // A dangling link is something we were not asked to replace.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if std::fs::symlink_metadata(target).is_ok() {
                    return Err(OutputError::NotAFolder {
                        path: target.to_path_buf(),
                    });
                }
                false
            }
            Err(source) => return Err(io("inspect", target)(source)),
        };
        let home = if existed {
            target.to_path_buf()
        } else {
            match target.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            }
        };
        std::fs::create_dir_all(&home).map_err(io("create", &home))?;
        let stage = tempfile::Builder::new()
            .prefix(crate::atomic::TEMP_PREFIX)
            .tempdir_in(&home)
            .map_err(io("create a staging folder in", &home))?;
        // tempfile makes the folder private; once renamed into place it is an ordinary output
        // folder like any other.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::Permissions::from_mode(0o755);
            std::fs::set_permissions(stage.path(), mode).map_err(io("create", stage.path()))?;
        }
        Ok(Self {
            target: target.to_path_buf(),
            _pending: crate::interrupt::Pending::register(stage.path()),
            stage,
            existed,
        })
    }

    /// Where to write the files.
    pub fn path(&self) -> &Path {
        self.stage.path()
    }

    /// The output folder.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the staged files into the target folder and returns their final paths. Into an
    /// existing folder, every file is first checked with [`check_output`] against `inputs`;
    /// on a refusal nothing is moved.
    pub fn commit(self, inputs: &[&Path]) -> Result<Vec<PathBuf>, OutputError> {
        let mut names: Vec<std::ffi::OsString> = std::fs::read_dir(self.stage.path())
            .map_err(io("read", self.stage.path()))?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<_, _>>()
            .map_err(io("read", self.stage.path()))?;
        names.sort();
        let finals: Vec<PathBuf> = names.iter().map(|n| self.target.join(n)).collect();
        if !self.existed && std::fs::symlink_metadata(&self.target).is_err() {
            let stage = self.stage.keep();
            if let Err(source) = std::fs::rename(&stage, &self.target) {
                let _ = std::fs::remove_dir_all(&stage);
                return Err(io("move into place", &self.target)(source));
            }
            return Ok(finals);
        }
        if !std::fs::metadata(&self.target).is_ok_and(|m| m.is_dir()) {
            return Err(OutputError::NotAFolder { path: self.target });
        }
        for out in &finals {
            check_output(out, inputs)?;
        }
        for (name, out) in names.iter().zip(&finals) {
            std::fs::rename(self.stage.path().join(name), out)
                .map_err(io("move into place", out))?;
        }
        Ok(finals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn a_dropped_stage_leaves_no_folder_and_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        {
            let stage = StagedDir::new(&out).unwrap();
            write(&stage.path().join("a.csv"), "half");
        }
        assert!(!out.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn a_new_folder_appears_whole_with_the_usual_modes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("sub/out");
        let stage = StagedDir::new(&out).unwrap();
        write(&stage.path().join("a.csv"), "1");
        write(&stage.path().join("b.csv"), "2");
        let files = stage.commit(&[]).unwrap();
        assert_eq!(files, [out.join("a.csv"), out.join("b.csv")]);
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755, "{mode:o}");
    }

    #[test]
    fn into_an_existing_folder_nothing_moves_when_one_target_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir_all(out.join("b.csv")).unwrap();
        write(&out.join("keep.txt"), "mine");
        let stage = StagedDir::new(&out).unwrap();
        write(&stage.path().join("a.csv"), "1");
        write(&stage.path().join("b.csv"), "2");
        let err = stage.commit(&[]).unwrap_err().to_string();
        assert!(err.contains("b.csv is a directory"), "{err}");
        let mut left: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["b.csv", "keep.txt"], "no a.csv, no staging folder");
    }

    #[test]
    fn into_an_existing_folder_an_input_of_the_same_name_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("metrics.csv");
        write(&input, "input");
        let stage = StagedDir::new(dir.path()).unwrap();
        write(&stage.path().join("metrics.csv"), "output");
        assert!(matches!(
            stage.commit(&[&input]),
            Err(OutputError::Refused(OutputGuardError::IsInput { .. }))
        ));
        assert_eq!(std::fs::read_to_string(&input).unwrap(), "input");
    }

    #[test]
    fn a_file_where_a_folder_should_be_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        write(&out, "x");
        assert!(matches!(
            StagedDir::new(&out),
            Err(OutputError::NotAFolder { .. })
        ));
    }
}
