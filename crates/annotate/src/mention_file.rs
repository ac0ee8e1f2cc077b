//! Writing the consolidated mention file atomically, through a temporary file whose name is
//! fixed per output (`.uptake-tmp-annotate-<name>` beside it). Only the server holding the
//! journal's lock writes it, so a temporary file left by a server killed mid-save (SIGKILL,
//! power loss) is known to be stale and is removed at the next start.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use uptake_core::LabelledSentence;

/// The temporary file the mention file `out` is written through.
pub(crate) fn temp_path(out: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".uptake-tmp-annotate-");
    name.push(out.file_name().unwrap_or_default());
    out.with_file_name(name)
}

/// Removes the temporary file a killed server left, if any. Call only while holding the
/// journal's lock.
pub(crate) fn remove_stale_temp(out: &Path) -> std::io::Result<()> {
    remove_if_present(&temp_path(out))
}

fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Writes `sentences` (JSONL, one `LabelledSentence` per line) to the temporary file, syncs
/// it, and renames it over `out`; on failure the temporary file is removed and `out` is intact.
pub(crate) fn write(out: &Path, sentences: &[LabelledSentence]) -> std::io::Result<()> {
    let tmp = temp_path(out);
    let result = fill(&tmp, sentences).and_then(|()| std::fs::rename(&tmp, out));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn fill(tmp: &Path, sentences: &[LabelledSentence]) -> std::io::Result<()> {
    // Never write through whatever sits at the name: make the file afresh (O_EXCL).
    remove_if_present(tmp)?;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    // Readable by colleagues like every other output (see `uptake_core::write_atomic`).
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o644);
    let mut w = BufWriter::new(options.open(tmp)?);
    for s in sentences {
        serde_json::to_writer(&mut w, s)?;
        w.write_all(b"\n")?;
    }
    let file: File = w.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()
}
