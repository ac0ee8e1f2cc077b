//! What the analysis command tests share: running the binary and writing small inputs.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs `uptake` with `args`.
pub fn uptake(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(args)
        .output()
        .unwrap()
}

/// Writes `text` to `dir/name` and returns the path as a string.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// stdout then stderr.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs `uptake` and checks that it succeeded; returns stdout.
pub fn ok(args: &[&str]) -> String {
    let o = uptake(args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Ten exams of one region `chest`: 4 abnormal ones (a..d) ranked above 6 normal ones by
/// `perfect`, every call right at 0.5, and a truth file.
pub fn perfect_chest(dir: &Path) -> (String, String) {
    let mut pred = String::from("exam_id,chest\n");
    let mut truth = String::from("exam_id,chest\n");
    let probs = [0.95, 0.85, 0.75, 0.65, 0.45, 0.35, 0.25, 0.15, 0.1, 0.05];
    for (i, (exam, p)) in "abcdefghij".chars().zip(probs).enumerate() {
        pred.push_str(&format!("{exam},{p}\n"));
        truth.push_str(&format!("{exam},{}\n", u8::from(i < 4)));
    }
    (
        write(dir, "perfect.csv", &pred),
        write(dir, "truth.csv", &truth),
    )
}

/// `uptake worklist` on the `chest` column of `pred` against `truth`, with `extra` arguments;
/// checks that it succeeded and returns stdout.
pub fn chest_worklist(pred: &str, truth: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "worklist", "--pred", pred, "--truth", truth, "--region", "chest",
    ];
    args.extend_from_slice(extra);
    ok(&args)
}
