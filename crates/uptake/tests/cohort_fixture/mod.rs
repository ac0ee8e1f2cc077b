//! A small synthetic cohort, its exam store and the `uptake` binary, shared by the CLI tests of
//! the imaging and scan-model commands. Each test binary builds the cohort and the store once.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// Exams in the cohort.
pub const EXAMS: usize = 4;

/// The model grid the store is built on: 32 x 32 pixels over 400 mm, 8 mm slices.
pub const GRID: [&str; 6] = ["--size", "32", "--fov-mm", "400", "--slice-mm", "8"];

/// Runs `uptake` with `args`.
pub fn uptake(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(args)
        .output()
        .expect("the uptake binary runs")
}

/// Runs `uptake` with `args`, asserts it succeeded, and returns (stdout, stderr).
pub fn ok(args: &[&str]) -> (String, String) {
    let out = uptake(args);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    );
    assert!(
        out.status.success(),
        "uptake {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        args.join(" ")
    );
    (stdout, stderr)
}

/// Runs `uptake` with `args`, asserts it failed, and returns its stderr.
pub fn fails(args: &[&str]) -> String {
    let out = uptake(args);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "uptake {} succeeded", args.join(" "));
    stderr
}

/// An empty folder of this name under cargo's scratch folder for integration tests.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A path as an argument.
pub fn s(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// The cohort of this test binary (`uptake synth cohort --n 4 --small`), written once.
pub fn cohort(binary: &str) -> &'static Path {
    static COHORT: OnceLock<PathBuf> = OnceLock::new();
    COHORT.get_or_init(|| {
        let dir = scratch(&format!("{binary}/cohort"));
        ok(&[
            "-q",
            "synth",
            "cohort",
            "--n",
            &EXAMS.to_string(),
            "--small",
            "--seed",
            "3",
            "--lesion-scale",
            "2",
            "--out",
            s(&dir),
        ]);
        dir
    })
}

/// The cohort's manifest.
pub fn manifest(binary: &str) -> PathBuf {
    cohort(binary).join("manifest.csv")
}

/// The cohort ingested onto [`GRID`], once.
pub fn store(binary: &str) -> &'static Path {
    static STORE: OnceLock<PathBuf> = OnceLock::new();
    STORE.get_or_init(|| {
        let dir = scratch(&format!("{binary}/store"));
        let manifest = manifest(binary);
        let mut args = vec!["-q", "ingest", "--manifest", s(&manifest), "--out", s(&dir)];
        args.extend(GRID);
        ok(&args);
        dir
    })
}

/// The exam ids of the cohort, in manifest order.
pub fn exam_ids(binary: &str) -> Vec<String> {
    let text = std::fs::read_to_string(manifest(binary)).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

/// A two-exam cohort in the autoPET NIfTI layout (`synth cohort --layout autopet`) under
/// `dir/nifti`, ingested onto [`GRID`] into `dir/store` with `extra` ingest options: the
/// ingest's stdout.
#[allow(dead_code)] // not every test binary uses it
pub fn autopet_store(dir: &Path, extra: &[&str]) -> String {
    let nifti = dir.join("nifti");
    ok(&[
        "-q",
        "synth",
        "cohort",
        "--layout",
        "autopet",
        "--n",
        "2",
        "--small",
        "--seed",
        "3",
        "--no-noise",
        "--lesion-scale",
        "2",
        "--out",
        s(&nifti),
    ]);
    let store = dir.join("store");
    let mut args = vec!["ingest", "--nifti-dir", s(&nifti), "--out", s(&store)];
    args.extend(GRID);
    args.extend(extra);
    ok(&args).0
}
