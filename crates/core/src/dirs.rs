//! Where uptake finds what set-up downloaded and the project's shared data.

use std::path::PathBuf;

/// Where `scripts/setup` put downloaded weights and reference files: `$UPTAKE_CACHE`, else
/// `~/.cache/uptake`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("UPTAKE_CACHE") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".cache/uptake")
}

/// The folder of shared project data (`shared/`, beside the repository), where the starter
/// mention set and the original study's predictions live. `UPTAKE_SHARED_DIR` overrides it.
pub fn shared_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("UPTAKE_SHARED_DIR") {
        return Some(dir.into());
    }
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let candidate = workspace.join("../shared");
    candidate
        .join("data")
        .is_dir()
        .then(|| candidate.canonicalize().unwrap_or(candidate))
}
