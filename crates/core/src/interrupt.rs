//! Temporary files and folders in flight, removed when the program is stopped by Ctrl-C or
//! SIGTERM, so an interrupted run leaves no `.uptake-tmp-*` behind (what was already written
//! stays whole: every output appears by rename).
//!
//! [`crate::write_atomic`] and [`crate::output::StagedDir`] register their temporary paths
//! with [`Pending`]; a program calls [`clean_up_on_signals`] first thing in `main`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

static PENDING: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

fn pending() -> MutexGuard<'static, BTreeSet<PathBuf>> {
    // A panic while holding the lock leaves a set that is still a valid set.
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// One temporary path in flight; dropping it (the path was renamed into place or removed)
/// takes it off the list.
#[derive(Debug)]
pub struct Pending(PathBuf);

impl Pending {
    /// Puts `path` on the list of paths to remove on a stopping signal.
    pub fn register(path: &Path) -> Pending {
        pending().insert(path.to_path_buf());
        Pending(path.to_path_buf())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        pending().remove(&self.0);
    }
}

/// Removes every registered temporary file and folder; returns how many existed.
pub fn remove_pending() -> usize {
    remove_paths(std::mem::take(&mut *pending()))
}

fn remove_paths(paths: BTreeSet<PathBuf>) -> usize {
    paths
        .iter()
        .filter(|p| {
            if p.is_dir() {
                std::fs::remove_dir_all(p).is_ok()
            } else {
                std::fs::remove_file(p).is_ok()
            }
        })
        .count()
}

/// From now on SIGINT and SIGTERM remove the registered temporary paths and end the program
/// with status 128 + the signal (130, 143), as a shell reports a signal's death. Call it in
/// `main` before any thread is started: the signals are blocked in the calling thread and so
/// in every thread started after it, and one watcher thread waits for them.
#[cfg(unix)]
pub fn clean_up_on_signals() -> std::io::Result<()> {
    // SAFETY: plain libc signal-set calls on a local set; the mask only changes which thread
    // receives the two signals.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        let rc = libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        if rc != 0 {
            return Err(std::io::Error::from_raw_os_error(rc));
        }
        set
    };
    std::thread::Builder::new()
        .name("uptake-signals".into())
        .spawn(move || {
            let mut signal = 0;
            // SAFETY: waits on the set built above, which lives in this closure.
            while unsafe { libc::sigwait(&set, &mut signal) } != 0 {}
            remove_pending();
            std::process::exit(128 + signal);
        })?;
    Ok(())
}

/// Elsewhere signals keep their default action.
#[cfg(not(unix))]
pub fn clean_up_on_signals() -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Tests run in parallel with others that write files, so none removes the global list.
    #[test]
    fn a_registered_path_is_pending_until_dropped() {
        let path = PathBuf::from("/nonexistent/.uptake-tmp-test-pending");
        let registration = Pending::register(&path);
        assert!(pending().contains(&path));
        drop(registration);
        assert!(!pending().contains(&path));
    }

    #[test]
    fn removal_takes_files_and_folders_and_counts_what_existed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(".uptake-tmp-x");
        let folder = dir.path().join(".uptake-tmp-folder");
        std::fs::write(&file, "half").unwrap();
        std::fs::create_dir_all(folder.join("inner")).unwrap();
        let gone = dir.path().join("never-written");
        let removed = remove_paths(BTreeSet::from([file.clone(), folder.clone(), gone]));
        assert_eq!(removed, 2);
        assert!(!file.exists() && !folder.exists());
        assert!(dir.path().exists());
    }
}
