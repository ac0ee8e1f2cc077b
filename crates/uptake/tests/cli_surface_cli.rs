//! The command-line surface as a whole: every subcommand answers `--help`, and output into a
//! closed pipe ends the program quietly as other Unix tools do, never with a panic.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn uptake() -> Command {
    Command::new(env!("CARGO_BIN_EXE_uptake"))
}

/// The subcommand names listed under "Commands:" in a `--help` page (without `help` itself).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter(|line| !line.starts_with("   ")) // continuation lines of a long description
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

fn help_of(path: &[String]) -> String {
    let out = uptake().args(path).arg("--help").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "`uptake {path:?} --help` failed: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_subcommand_answers_help_with_its_usage() {
    let mut pending = vec![Vec::<String>::new()];
    let mut seen = 0;
    while let Some(path) = pending.pop() {
        let help = help_of(&path);
        assert!(help.contains("Usage: uptake"), "{path:?}: {help}");
        seen += 1;
        for name in subcommands(&help) {
            let mut child = path.clone();
            child.push(name);
            pending.push(child);
        }
    }
    // The top level, its commands and the subcommands of synth, bench, report-model,
    // ontology and annotate: far more than twenty pages.
    assert!(seen > 30, "only {seen} help pages found");
}

#[test]
fn the_help_lister_reads_commands_and_skips_help() {
    let page = "Usage: uptake [OPTIONS] <COMMAND>\n\nCommands:\n  demo   Run it\n  \
                bench  Measure\n          speed\n  help   Print this\n\nOptions:\n  -q\n";
    assert_eq!(subcommands(page), vec!["demo", "bench"]);
}

/// The built-in ontology with 10,000 more regions under `full`: a tree of over 100 kB, more
/// than a pipe holds, so the writer meets the closed pipe.
fn big_ontology(dir: &std::path::Path) -> std::path::PathBuf {
    let base = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/ontology.toml");
    let mut text = std::fs::read_to_string(base).unwrap();
    for i in 0..10_000 {
        text.push_str(&format!(
            "\n[[region]]\nname = \"part_{i}\"\ndisplay = \"Part {i}\"\nparents = [\"full\"]\n"
        ));
    }
    let path = dir.join("big-ontology.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    // `uptake ontology tree | head -1`: the reader goes away after one line.
    let dir = tempfile::tempdir().unwrap();
    let ontology = big_ontology(dir.path());
    let mut child = uptake()
        .args(["ontology", "tree", "--ontology"])
        .arg(&ontology)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(!first.trim().is_empty());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        let quiet = out.status.code() == Some(0) || out.status.signal() == Some(13);
        assert!(quiet, "ended with {:?}: {stderr}", out.status);
    }
}

/// Options whose number sizes work or memory, with the other arguments their command needs to
/// get that far: 2^64 - 1 must be refused by the argument parser, never reach an allocation
/// (capacity overflow, abort) or a loop that never ends.
const SIZING_OPTIONS: &[(&[&str], &str)] = &[
    (&["synth", "reports", "--out", "x"], "--n"),
    (&["synth", "cohort", "--out", "x"], "--n"),
    (&["synth", "cohort", "--out", "x"], "--threads"),
    (&["bench", "tagging"], "--n"),
    (&["bench", "annotate"], "--sentences"),
    (&["bench", "annotate"], "--labels"),
    (&["bench", "ingest"], "--repeat"),
    (&["bench", "ingest"], "--size"),
    (&["bench", "scan-model"], "--slices"),
    (&["bench", "scan-model"], "--steps"),
    (&["bench", "scan-model"], "--batch-size"),
    (&["bench", "scan-model"], "--tasks"),
    (&["bench", "scan-model"], "--slice-step"),
    (&["bench", "loader", "--store", "s"], "--batch-size"),
    (&["bench", "loader", "--store", "s"], "--loader-workers"),
    (
        &["train", "--store", "s", "--labels", "l.csv", "--out", "o"],
        "--epochs",
    ),
    (
        &["train", "--store", "s", "--labels", "l.csv", "--out", "o"],
        "--exams-per-epoch",
    ),
    (
        &["train", "--store", "s", "--labels", "l.csv", "--out", "o"],
        "--batch-size",
    ),
    (
        &["train", "--store", "s", "--labels", "l.csv", "--out", "o"],
        "--halve-every",
    ),
    (
        &["train", "--store", "s", "--labels", "l.csv", "--out", "o"],
        "--slice-step",
    ),
    (
        &["predict", "--model", "m", "--store", "s", "--out", "p.csv"],
        "--test-views",
    ),
    (
        &["evaluate", "--pred", "p.csv", "--truth", "t.csv"],
        "--bootstrap",
    ),
    (
        &[
            "compare", "--a", "a.csv", "--b", "b.csv", "--truth", "t.csv",
        ],
        "--iterations",
    ),
];

#[test]
fn numbers_that_size_work_are_bounded_by_the_argument_parser() {
    let dir = tempfile::tempdir().unwrap();
    for (command, option) in SIZING_OPTIONS {
        let out = uptake()
            .current_dir(dir.path())
            .args(*command)
            .args([*option, "18446744073709551615"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command:?} {option}: {stderr}");
        assert!(
            stderr.contains("invalid value") && stderr.contains(option),
            "{command:?} {option} was not refused by the parser: {stderr}"
        );
    }
}

#[test]
fn an_error_says_its_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = uptake()
        .current_dir(dir.path())
        .args([
            "label",
            "--method",
            "rules",
            "--reports",
            "missing.csv",
            "--out",
            "o.csv",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("missing.csv"), "{stderr}");
    assert_eq!(
        stderr.matches("No such file or directory").count(),
        1,
        "{stderr}"
    );
}

/// The `[default: ...]` that `help` shows for `flag` (its text runs to the next option).
fn default_of(help: &str, flag: &str) -> Option<String> {
    let start = help.find(&format!("      {flag} "))?;
    let mut lines = help[start..].lines();
    let first = lines.next()?;
    let rest = lines.take_while(|line| !line.trim_start().starts_with('-'));
    let block = std::iter::once(first).chain(rest).map(str::trim);
    let block = block.collect::<Vec<_>>().join(" ");
    let value = block.split("[default: ").nth(1)?;
    Some(value[..value.find(']')?].to_string())
}

/// A command (its words after `uptake`) and the defaults of some of its flags.
type CommandDefaults = (
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

/// Flags declared on the libraries' settings structs (the `cli` feature), as users know them.
const DEFAULTS: &[CommandDefaults] = &[
    (
        &["train"],
        &[
            ("--label-source", "weak"),
            ("--regions", "prevalent"),
            ("--size", "small"),
            ("--head", "attention"),
            ("--epochs", "15"),
            ("--exams-per-epoch", "0"),
            ("--batch-size", "2"),
            ("--lr", "0.000137"),
            ("--halve-every", "16"),
            ("--seed", "0"),
            ("--validation-fraction", "0.2"),
        ],
    ),
    (&["finetune"], &[("--target", "regions"), ("--epochs", "5")]),
    (&["predict"], &[("--test-views", "0"), ("--device", "cpu")]),
    (
        &["bench", "scan-model"],
        &[
            ("--slices", "64"),
            ("--steps", "3"),
            ("--batch-size", "1 2"),
        ],
    ),
    (
        &["report-model", "train"],
        &[
            ("--val-split", "0.1"),
            ("--epochs", "85"),
            ("--mentions-per-epoch", "100"),
            ("--batch-size", "16"),
            ("--lr", "0.000137"),
            ("--halve-every", "20"),
            ("--patience", "10"),
            ("--frozen-layers", "0"),
            ("--swap-mentions", "0"),
            ("--join-sentences", "0"),
        ],
    ),
    (
        &["report-model", "cv"],
        &[("--folds", "5"), ("--threshold", "0.5"), ("--epochs", "85")],
    ),
    (&["report-model", "evaluate"], &[("--threshold", "0.5")]),
    (
        &["report-model", "pretrain"],
        &[
            ("--epochs", "1"),
            ("--batch-size", "16"),
            ("--max-len", "128"),
            ("--lr", "0.00005"),
        ],
    ),
    (&["report-model", "vocab"], &[("--size", "3000")]),
    (&["bench", "report-model"], &[("--repeats", "2")]),
    (&["study", "plan"], &[("--preset", "small")]),
    (&["study", "run"], &[("--jobs", "1"), ("--device", "cpu")]),
    (&["label"], &[("--regions", "all")]),
];

#[test]
fn flags_declared_on_library_settings_keep_their_defaults() {
    for (command, defaults) in DEFAULTS {
        let path: Vec<String> = command.iter().map(|s| s.to_string()).collect();
        let help = help_of(&path);
        for (flag, default) in *defaults {
            assert_eq!(
                default_of(&help, flag).as_deref(),
                Some(*default),
                "`uptake {} --help`, {flag}",
                command.join(" ")
            );
        }
    }
}
