//! Outputs that never destroy anything they were not asked to create.
//!
//! [`check_output`] is called before a command writes an output file. It refuses an output
//! path that
//! - is one of the command's inputs: the same file after resolving symbolic links, `..` and
//!   hard links (same device and inode), so `--out` never overwrites what the command reads;
//! - is a symbolic link: an atomic write renames a new file over the path, which would replace
//!   the link itself rather than write through it (and, as root, `--out /dev/stdout` would
//!   replace the system's link);
//! - is anything but a regular file (a directory, device, pipe or socket).
//!
//! A path that does not exist yet is always fine: writing it destroys nothing.
//!
//! ```
//! use uptake_core::output_guard::{OutputGuardError, check_output};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let input = dir.path().join("a.jsonl");
//! std::fs::write(&input, "{}\n").unwrap();
//! assert!(check_output(&dir.path().join("kappa.json"), &[&input]).is_ok());
//! assert!(matches!(
//!     check_output(&input, &[&input]),
//!     Err(OutputGuardError::IsInput { .. })
//! ));
//! ```

use std::fs::Metadata;
use std::path::{Path, PathBuf};

/// Why an output path is refused. Each names the path and what it is.
#[derive(Debug, thiserror::Error)]
pub enum OutputGuardError {
    /// The output is one of the inputs.
    #[error(
        "{out} is the input {input}: refusing to overwrite an input (choose another output file)"
    )]
    IsInput {
        /// The output path given.
        out: PathBuf,
        /// The input it resolves to.
        input: PathBuf,
    },
    /// The output is a symbolic link.
    #[error(
        "{out} is a symbolic link: refusing to replace it (give the path of a regular file instead)"
    )]
    Symlink {
        /// The output path given.
        out: PathBuf,
    },
    /// The output exists and is not a regular file.
    #[error("{out} is a {kind}, not a regular file: refusing to replace it")]
    NotRegularFile {
        /// The output path given.
        out: PathBuf,
        /// What it is (directory, device, pipe, socket).
        kind: &'static str,
    },
    /// The output's metadata cannot be read.
    #[error("cannot inspect the output path {out}: {source}")]
    Io {
        /// The output path given.
        out: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Refuses `out` when writing it would destroy an input, a symbolic link or a special file
/// (see the module docs). Inputs that cannot be read are ignored here: their reader reports
/// them.
pub fn check_output(out: &Path, inputs: &[&Path]) -> Result<(), OutputGuardError> {
    let meta = match std::fs::symlink_metadata(out) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(OutputGuardError::Io {
                out: out.to_path_buf(),
                source,
            });
        }
    };
    let file_type = meta.file_type();
    if file_type.is_symlink() {
        return Err(OutputGuardError::Symlink {
            out: out.to_path_buf(),
        });
    }
    if !file_type.is_file() {
        return Err(OutputGuardError::NotRegularFile {
            out: out.to_path_buf(),
            kind: kind_of(&meta),
        });
    }
    for input in inputs {
        if std::fs::metadata(input).is_ok_and(|m| same_file(&meta, &m, out, input)) {
            return Err(OutputGuardError::IsInput {
                out: out.to_path_buf(),
                input: input.to_path_buf(),
            });
        }
    }
    Ok(())
}

#[cfg(unix)]
fn same_file(a: &Metadata, b: &Metadata, _: &Path, _: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &Metadata, _: &Metadata, a: &Path, b: &Path) -> bool {
    matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
}

fn kind_of(meta: &Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_char_device() || t.is_block_device() {
            return "device";
        }
        if t.is_fifo() {
            return "named pipe";
        }
        if t.is_socket() {
            return "socket";
        }
    }
    if meta.is_dir() {
        "directory"
    } else {
        "special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("a.jsonl");
        std::fs::write(&input, "hand labels\n").unwrap();
        (dir, input)
    }

    #[test]
    fn a_new_path_or_another_regular_file_is_accepted() {
        let (dir, input) = scratch();
        let other = dir.path().join("old.json");
        std::fs::write(&other, "{}").unwrap();
        assert!(check_output(&dir.path().join("new.json"), &[&input]).is_ok());
        assert!(check_output(&other, &[&input]).is_ok());
    }

    #[test]
    fn the_input_itself_is_refused_by_any_spelling() {
        let (dir, input) = scratch();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let dotted = dir.path().join("sub/../a.jsonl");
        let err = check_output(&dotted, &[Path::new("x.csv"), &input]).unwrap_err();
        assert!(matches!(err, OutputGuardError::IsInput { .. }), "{err}");
        assert!(err.to_string().contains("refusing to overwrite an input"));
    }

    #[cfg(unix)]
    #[test]
    fn a_hard_link_to_an_input_is_refused() {
        let (dir, input) = scratch();
        let link = dir.path().join("hard.jsonl");
        std::fs::hard_link(&input, &link).unwrap();
        let err = check_output(&link, &[&input]).unwrap_err();
        assert!(matches!(err, OutputGuardError::IsInput { .. }), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_never_replaced() {
        let (dir, input) = scratch();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(dir.path().join("elsewhere.json"), &link).unwrap();
        let err = check_output(&link, &[&input]).unwrap_err();
        assert!(matches!(err, OutputGuardError::Symlink { .. }), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_folders_are_refused() {
        let (dir, _) = scratch();
        let err = check_output(Path::new("/dev/null"), &[]).unwrap_err();
        assert!(err.to_string().contains("is a device"), "{err}");
        let err = check_output(dir.path(), &[]).unwrap_err();
        assert!(err.to_string().contains("is a directory"), "{err}");
    }
}
