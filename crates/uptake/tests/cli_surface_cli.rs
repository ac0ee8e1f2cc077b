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
