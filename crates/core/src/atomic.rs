use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// How every temporary file and staging folder of uptake begins: a folder holding only such
/// files besides its own is, to uptake, as good as empty (a write killed before its rename).
pub const TEMP_PREFIX: &str = ".uptake-tmp-";

#[derive(Debug, thiserror::Error)]
/// Why an atomic write failed; the target file is then untouched.
pub enum AtomicWriteError {
    /// No temporary file could be made beside the target.
    #[error("cannot create a temporary file next to {path}")]
    Create {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Writing the temporary file failed.
    #[error("cannot write {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The target is a symbolic link, a folder or a special file, which a rename would
    /// replace rather than write through (see [`crate::output_guard`]).
    #[error(transparent)]
    Refused(#[from] crate::output_guard::OutputGuardError),
    /// The finished file could not be renamed over the target.
    #[error("cannot move the finished file into place at {path}")]
    Persist {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Writes a file so that readers only ever see the old content or the complete new content.
///
/// The content goes to a temporary file in the same directory (same file system, so the final
/// rename is atomic), is flushed and synced, then renamed over `path`. If `fill` fails the
/// temporary file is removed and `path` is untouched. A `path` that is a symbolic link, folder,
/// device or other special file is refused before anything is written: renaming over it would
/// replace the link or device itself.
pub fn write_atomic<F>(path: &Path, fill: F) -> Result<(), AtomicWriteError>
where
    F: FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
{
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let create = |source| AtomicWriteError::Create {
        path: path.to_path_buf(),
        source,
    };
    crate::output_guard::check_output(path, &[])?;
    std::fs::create_dir_all(&dir).map_err(create)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX);
    // tempfile creates files readable by the owner only; outputs are ordinary files that
    // colleagues and viewers must be able to open.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let tmp = builder.tempfile_in(&dir).map_err(create)?;
    let write = |source| AtomicWriteError::Write {
        path: path.to_path_buf(),
        source,
    };
    let (file, tmp_path) = tmp.into_parts();
    let _pending = crate::interrupt::Pending::register(&tmp_path);
    let mut writer = BufWriter::new(file);
    fill(&mut writer).map_err(write)?;
    writer.flush().map_err(write)?;
    let file = writer.into_inner().map_err(|e| write(e.into_error()))?;
    file.sync_all().map_err(write)?;
    tmp_path
        .persist(path)
        .map_err(|e| AtomicWriteError::Persist {
            path: path.to_path_buf(),
            source: e.error,
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_old_file_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "old").unwrap();
        let result = write_atomic(&path, |w| {
            w.write_all(b"partial")?;
            Err(std::io::Error::other("boom"))
        });
        assert!(result.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "the temporary file must be removed");
    }

    #[cfg(unix)]
    #[test]
    fn written_files_are_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        write_atomic(&path, |w| w.write_all(b"x")).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o044, 0o044, "mode {mode:o}");
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_refused_and_left_pointing_where_it_did() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.csv");
        std::fs::write(&target, "kept").unwrap();
        let link = dir.path().join("out.csv");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = write_atomic(&link, |w| w.write_all(b"new")).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(std::fs::read_link(&link).unwrap(), target);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "kept");
    }

    #[test]
    fn a_folder_in_the_place_of_the_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomic(dir.path(), |w| w.write_all(b"new")).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }

    #[test]
    fn a_successful_write_replaces_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/out.csv");
        write_atomic(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }
}
