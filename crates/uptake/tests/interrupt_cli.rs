//! A command stopped by SIGTERM or Ctrl-C mid-write leaves no temporary file, and no half
//! output: it ends with status 128 + the signal, as a shell reports a signal's death.

#![cfg(all(target_os = "linux", target_env = "gnu"))]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const REPORT: &str = "FINDINGS: Intense FDG uptake in an enlarged left axillary lymph node. \
Hypermetabolic lesion in the right hepatic lobe. No abnormal uptake in the lungs. \
IMPRESSION: Nodal and hepatic disease.";

fn big_reports(dir: &Path, n: usize) -> std::path::PathBuf {
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            "{{\"exam_id\": \"E{i}\", \"text\": \"{REPORT}\"}}\n"
        ));
    }
    let path = dir.join("reports.jsonl");
    std::fs::write(&path, text).unwrap();
    path
}

fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".uptake-tmp-"))
        .collect()
}

fn stop_mid_write(signal: i32, status: i32) {
    let dir = tempfile::tempdir().unwrap();
    let reports = big_reports(dir.path(), 50_000);
    let out = dir.path().join("mentions.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(["-q", "tag", "--reports"])
        .arg(&reports)
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while temporaries(dir.path()).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no temporary file appeared"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "tag ended before it was stopped"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: sends a signal to our own child process.
    unsafe { libc::kill(child.id() as i32, signal) };
    let ended = child.wait().unwrap();
    assert_eq!(ended.code(), Some(status), "{ended:?}");
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
    assert!(!out.exists(), "no half-written output");
}

#[test]
fn sigterm_mid_write_leaves_no_temporary_file() {
    stop_mid_write(libc::SIGTERM, 143);
}

#[test]
fn ctrl_c_mid_write_leaves_no_temporary_file() {
    stop_mid_write(libc::SIGINT, 130);
}
