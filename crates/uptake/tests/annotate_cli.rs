//! `uptake annotate` as a real process: reports are read and tagged, labels go over HTTP, the
//! process is killed with SIGKILL or stopped with SIGTERM, and a second run resumes with every
//! label; bad inputs and outputs are refused with a clear message.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const REPORTS: &str = r#"{"exam_id": "EX1", "text": "FINDINGS: Intense uptake in the right adrenal gland, SUVmax 9.1. Innumerable FDG-avid lesions throughout the liver.\nIMPRESSION: Metastatic disease."}
{"exam_id": "EX2", "text": "FINDINGS: Hypermetabolic para-aortic lymph nodes. Physiologic uptake in the brain, tonsils and bladder.\nIMPRESSION: Nodal disease."}
"#;

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("uptake-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Starts `uptake annotate` on a free port; returns the process and its address (host:port).
fn start(reports: &Path, out: &Path, extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args([
            "annotate",
            "--sample",
            "10",
            "--seed",
            "3",
            "--port",
            "0",
            "--reports",
        ])
        .arg(reports)
        .args(extra)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("the server printed its address")
            .unwrap();
        if let Some(at) = line.find("http://") {
            break line[at + "http://".len()..]
                .trim_end_matches('/')
                .to_string();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

/// One HTTP/1.1 request as the page sends it (changes carry the page's session token);
/// returns (status, body).
fn request(
    addr: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> std::io::Result<(u16, String)> {
    let token = if method == "GET" {
        String::new()
    } else {
        let (_, page) = request(addr, "GET", "/", None)?;
        let marker = "<meta name=\"uptake-token\" content=\"";
        let at = page.find(marker).expect("the page embeds its token") + marker.len();
        format!("X-Uptake-Token: {}\r\n", &page[at..at + 32])
    };
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut stream = TcpStream::connect(addr)?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\n{token}Connection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    let (_, payload) = response.split_once("\r\n\r\n").unwrap_or_default();
    Ok((status, payload.to_string()))
}

/// [`request`] with a JSON answer.
fn http(addr: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let (status, payload) = request(addr, method, path, body).unwrap();
    (
        status,
        serde_json::from_str(&payload).unwrap_or(Value::Null),
    )
}

fn label(addr: &str, id: &str, mention: usize, decision: &str) {
    let edit = json!({"id": id, "edit": {"op": "label", "mention": mention, "decision": decision}});
    let (status, body) = http(addr, "POST", "/api/edit", Some(edit));
    assert_eq!(status, 200, "{body}");
}

/// Runs `uptake` to its end; one that is still running after 20 s (a server that started
/// although it should have refused) is killed and reported as such.
fn run_to_end(args: &[&std::ffi::OsStr]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after 20 s (it should have refused); stdout: {}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Files of a folder whose name starts with `.uptake-tmp-`.
fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".uptake-tmp-"))
        .collect()
}

#[test]
fn a_sigkilled_annotate_server_resumes_with_every_label() {
    let scratch = Scratch::new("annotate-cli");
    let reports = scratch.0.join("reports.jsonl");
    std::fs::write(&reports, REPORTS).unwrap();
    let out = scratch.0.join("mentions.jsonl");

    let (mut server, addr) = start(&reports, &out, &[]);
    let (_, state) = http(&addr, "GET", "/api/state", None);
    let total = state["progress"]["total"].as_u64().unwrap();
    assert!(
        total >= 3,
        "the tagger found mentions in several sentences: {total}"
    );
    let sentences: Vec<Value> = (0..total)
        .map(|p| http(&addr, "GET", &format!("/api/sentence/{p}"), None).1)
        .collect();
    let mention_count = |s: &Value| s["mentions"].as_array().unwrap().len();
    // One sentence with several mentions to leave half done, and another one to finish.
    let (second_pos, second) = sentences
        .iter()
        .enumerate()
        .find(|(_, s)| mention_count(s) >= 2)
        .expect("a sampled sentence with two mentions");
    let first = &sentences[if second_pos == 0 { 1 } else { 0 }];
    let first_id = first["id"].as_str().unwrap().to_string();
    let second_id = second["id"].as_str().unwrap().to_string();
    let first_mentions = mention_count(first);
    for k in 0..first_mentions {
        label(&addr, &first_id, k, "abnormal");
    }
    label(&addr, &second_id, 0, "neutral");
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();

    let written = uptake_core::mentions::read_mentions(&out).unwrap();
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].id.as_deref(), Some(first_id.as_str()));
    assert_eq!(written[0].mentions.len(), first_mentions);
    assert!(written[0].mentions.iter().all(|m| m.label == 1));

    let (mut server, addr) = start(&reports, &out, &[]);
    let (_, state) = http(&addr, "GET", "/api/state", None);
    assert_eq!(
        state["progress"]["total"].as_u64().unwrap(),
        total,
        "the same sample"
    );
    assert_eq!(state["progress"]["finished"], 1);
    let (_, second_again) = http(&addr, "GET", &format!("/api/sentence/{second_pos}"), None);
    assert_eq!(second_again["id"], second_id.as_str());
    assert_eq!(second_again["mentions"][0]["decision"], "neutral");
    server.kill().unwrap();
    server.wait().unwrap();
}

const VOCAB: &[&str] = &[
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "[MASK]",
    "intense",
    "uptake",
    "in",
    "the",
    "right",
    "left",
    "adrenal",
    "gland",
    "liver",
    "lymph",
    "nodes",
    "brain",
    "tonsils",
    "and",
    "bladder",
    "physiologic",
    "para",
    "-",
    "aortic",
    ",",
    ".",
];

/// A tiny random report model in `dir`/model.
fn tiny_model(dir: &Path) -> PathBuf {
    use uptake_textmodel::{BertConfig, Head, init_random_model};
    let model_dir = dir.join("model");
    let config = BertConfig::tiny(VOCAB.len(), 16, 1, 2, 64);
    init_random_model(&model_dir, &config, VOCAB, 11, Head::With).unwrap();
    model_dir
}

/// The sentences of a new session's sample, in order, with `extra` options (`--active ...`).
fn sample_of(reports: &Path, out: &Path, extra: &[&str]) -> Vec<Value> {
    let (mut server, addr) = start(reports, out, extra);
    let (_, state) = http(&addr, "GET", "/api/state", None);
    let total = state["progress"]["total"].as_u64().unwrap();
    let sentences = (0..total)
        .map(|p| http(&addr, "GET", &format!("/api/sentence/{p}"), None).1)
        .collect();
    server.kill().unwrap();
    server.wait().unwrap();
    sentences
}

#[test]
fn active_sampling_puts_the_report_models_least_certain_sentences_first() {
    use uptake_core::CharSpan;
    use uptake_textmodel::{CharMentions, ReportModel};
    let scratch = Scratch::new("annotate-active");
    let reports = scratch.0.join("reports.jsonl");
    std::fs::write(&reports, REPORTS).unwrap();
    let model_dir = tiny_model(&scratch.0);
    let out = scratch.0.join("mentions.jsonl");
    let sentences = sample_of(&reports, &out, &["--active", model_dir.to_str().unwrap()]);
    let total = sentences.len();

    let model = ReportModel::load_trained(&model_dir).unwrap();
    let batch: Vec<CharMentions<'_>> = sentences
        .iter()
        .map(|s| CharMentions {
            text: s["text"].as_str().unwrap(),
            spans: s["mentions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    CharSpan::new(
                        m["start"].as_u64().unwrap() as usize,
                        m["end"].as_u64().unwrap() as usize,
                    )
                })
                .collect(),
        })
        .collect();
    let probs = model.score(&batch).unwrap();
    let uncertainty: Vec<f64> = probs
        .iter()
        .map(|p| {
            p.iter()
                .map(|p| 1.0 - (2.0 * p - 1.0).abs())
                .fold(0.0, f64::max)
        })
        .collect();
    assert!(total >= 3);
    assert!(
        uncertainty.windows(2).all(|w| w[0] >= w[1]),
        "most uncertain first: {uncertainty:?}"
    );
}

#[test]
fn active_sampling_on_the_cpu_device_gives_the_sample_of_the_default_device() {
    let scratch = Scratch::new("annotate-active-cpu");
    let reports = scratch.0.join("reports.jsonl");
    std::fs::write(&reports, REPORTS).unwrap();
    let model = tiny_model(&scratch.0);
    let active = ["--active", model.to_str().unwrap()];
    let default = sample_of(&reports, &scratch.0.join("default.jsonl"), &active);
    let with_cpu = [&active[..], &["--device", "cpu"]].concat();
    let on_cpu = sample_of(&reports, &scratch.0.join("cpu.jsonl"), &with_cpu);
    assert!(default.len() >= 3);
    assert_eq!(on_cpu, default);
}

#[cfg(not(feature = "gpu"))]
#[test]
fn active_sampling_on_a_gpu_is_refused_by_a_cpu_build_saying_how_to_build() {
    let scratch = Scratch::new("annotate-active-gpu");
    let reports = scratch.0.join("reports.jsonl");
    std::fs::write(&reports, REPORTS).unwrap();
    let model = tiny_model(&scratch.0);
    let out = scratch.0.join("mentions.jsonl");
    let extra = ["--active", model.to_str().unwrap(), "--device", "cuda"];
    let run = run_to_end(&annotate_args(&reports, &out, &extra));
    assert!(!run.status.success());
    let stderr = stderr_of(&run);
    assert!(
        stderr.contains(
            "cuda:0: this uptake was built without GPU support; build it with \
             `cargo build --release -p uptake --features gpu`"
        ),
        "{stderr}"
    );
    assert!(!uptake_annotate::journal_path(&out).exists());
}

#[test]
fn agreement_prints_cohens_kappa_per_region_and_writes_it_as_json() {
    let scratch = Scratch::new("agreement");
    // 10 liver units: both abnormal 4, both neutral 3, A abnormal / B neutral 2, the reverse 1:
    // observed 0.7, chance 0.5, kappa 0.4. One more sentence only A finished.
    let line = |i: usize, label: u8| {
        format!(
            "{{\"id\": \"s{i}\", \"text\": \"Uptake in the liver.\", \"mentions\": [{{\"start\": 14, \"end\": 19, \"region\": \"liver\", \"label\": {label}}}]}}\n"
        )
    };
    let (a_labels, b_labels) = (
        [1, 1, 1, 1, 0, 0, 0, 1, 1, 0],
        [1, 1, 1, 1, 0, 0, 0, 0, 0, 1],
    );
    let mut a: String = (0..10).map(|i| line(i, a_labels[i])).collect();
    a.push_str(&line(10, 1));
    let b: String = (0..10).map(|i| line(i, b_labels[i])).collect();
    let (pa, pb, json) = (
        scratch.0.join("a.jsonl"),
        scratch.0.join("b.jsonl"),
        scratch.0.join("kappa.json"),
    );
    std::fs::write(&pa, a).unwrap();
    std::fs::write(&pb, b).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(["annotate", "agreement"])
        .arg(&pa)
        .arg(&pb)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8(run.stdout).unwrap();
    let lines: Vec<Vec<&str>> = stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert!(
        stdout.starts_with("10 sentences labelled by both (1 only in "),
        "{stdout}"
    );
    assert_eq!(lines[2], ["liver", "10", "70.0%", "0.400"]);
    assert_eq!(lines[3], ["all", "10", "70.0%", "0.400"]);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["only_a"], 1);
    assert!((report["regions"][0]["kappa"].as_f64().unwrap() - 0.4).abs() < 1e-12);
}

#[test]
fn bench_annotate_saves_every_label_of_its_session() {
    let run = Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args([
            "-q",
            "bench",
            "annotate",
            "--sentences",
            "5",
            "--labels",
            "4",
        ])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let out = String::from_utf8(run.stdout).unwrap();
    assert!(
        out.starts_with("annotate: 4 labels on a 5-sentence session in "),
        "{out}"
    );
}

/// Waits for the process to exit (at most 10 s).
fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the server did not stop within 10 s of the signal");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn sigterm_stops_the_server_with_every_answered_label_saved_and_no_temporary_file() {
    let scratch = Scratch::new("annotate-sigterm");
    let reports = scratch.0.join("reports.jsonl");
    std::fs::write(&reports, REPORTS).unwrap();
    let out = scratch.0.join("mentions.jsonl");
    let (mut server, addr) = start(&reports, &out, &[]);
    let (_, first) = http(&addr, "GET", "/api/sentence/0", None);
    let id = first["id"].as_str().unwrap().to_string();

    // Label without pause from another thread while the signal arrives.
    let hammer = std::thread::spawn(move || {
        let mut last_answered = None;
        for decision in ["abnormal", "neutral"].iter().cycle() {
            let edit =
                json!({"id": id, "edit": {"op": "label", "mention": 0, "decision": decision}});
            match request(&addr, "POST", "/api/edit", Some(edit)) {
                Ok((200, _)) => last_answered = Some(*decision),
                _ => break, // the server stopped listening
            }
        }
        last_answered
    });
    std::thread::sleep(Duration::from_millis(300));
    // SAFETY: kill(2) on the pid of a child this test started and has not yet reaped.
    assert_eq!(unsafe { libc::kill(server.id() as i32, libc::SIGTERM) }, 0);
    let status = wait_exit(&mut server);
    assert!(
        status.success(),
        "a graceful stop, not death by signal: {status:?}"
    );
    let last = hammer
        .join()
        .unwrap()
        .expect("labels were saved before the signal");

    assert_eq!(temp_files(&scratch.0), Vec::<String>::new());
    let journal = std::fs::read_to_string(uptake_annotate::journal_path(&out)).unwrap();
    assert!(journal.ends_with('\n'), "the last record is whole");
    for line in journal.lines() {
        serde_json::from_str::<Value>(line).expect("every record parses");
    }
    let saved = std::fs::read(&out).unwrap();
    let (mut server, addr) = start(&reports, &out, &[]);
    let (_, again) = http(&addr, "GET", "/api/sentence/0", None);
    assert_eq!(
        again["mentions"][0]["decision"], last,
        "the last answered label"
    );
    assert_eq!(
        std::fs::read(&out).unwrap(),
        saved,
        "the mention file matched its journal"
    );
    server.kill().unwrap();
    server.wait().unwrap();
}

#[test]
fn a_journal_with_an_empty_sample_is_started_afresh_instead_of_resumed() {
    let scratch = Scratch::new("annotate-empty-sample");
    let reports = scratch.0.join("reports.jsonl");
    std::fs::write(&reports, REPORTS).unwrap();
    let out = scratch.0.join("mentions.jsonl");
    // What an earlier version left after a run whose sample came out empty.
    std::fs::write(
        uptake_annotate::journal_path(&out),
        "{\"event\":\"session\",\"version\":1,\"ids\":[]}\n",
    )
    .unwrap();
    std::fs::write(&out, "").unwrap();
    let (mut server, addr) = start(&reports, &out, &[]);
    let (_, state) = http(&addr, "GET", "/api/state", None);
    server.kill().unwrap();
    server.wait().unwrap();
    let total = state["progress"]["total"].as_u64().unwrap();
    assert!(
        total >= 3,
        "a fresh sample of the reports' sentences: {total}"
    );
}

/// `uptake annotate --reports <reports> --out <out> --port 0` plus `extra`.
fn annotate_args<'a>(
    reports: &'a Path,
    out: &'a Path,
    extra: &[&'a str],
) -> Vec<&'a std::ffi::OsStr> {
    let mut args: Vec<&std::ffi::OsStr> = ["annotate", "--port", "0", "--reports"]
        .iter()
        .map(|s| s.as_ref())
        .collect();
    args.push(reports.as_os_str());
    args.push("--out".as_ref());
    args.push(out.as_os_str());
    args.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
    args
}

#[test]
fn reports_without_any_mention_are_refused_and_leave_no_session() {
    let scratch = Scratch::new("annotate-no-mentions");
    let reports = scratch.0.join("reports.jsonl");
    std::fs::write(
        &reports,
        "{\"exam_id\": \"EX1\", \"text\": \"FINDINGS: Nothing to report.\"}\n\
         {\"exam_id\": \"EX2\", \"text\": \"FINDINGS: Unremarkable study.\"}\n",
    )
    .unwrap();
    let out = scratch.0.join("mentions.jsonl");
    let run = run_to_end(&annotate_args(&reports, &out, &[]));
    assert!(!run.status.success());
    let stderr = stderr_of(&run);
    assert!(
        stderr.contains("none of the 2 reports has a tagged mention"),
        "{stderr}"
    );
    assert!(
        !uptake_annotate::journal_path(&out).exists(),
        "no session to stick"
    );
    assert!(!out.exists());
}

#[test]
fn an_empty_reports_file_is_refused() {
    let scratch = Scratch::new("annotate-no-reports");
    let reports = scratch.0.join("r.jsonl");
    std::fs::write(&reports, "").unwrap();
    let out = scratch.0.join("mentions.jsonl");
    let run = run_to_end(&annotate_args(&reports, &out, &[]));
    assert!(!run.status.success());
    let stderr = stderr_of(&run);
    assert!(stderr.contains("r.jsonl"), "names the file: {stderr}");
    assert!(
        stderr.contains("holds no report records"),
        "says why: {stderr}"
    );
    assert!(!uptake_annotate::journal_path(&out).exists());
}

#[test]
fn a_sample_of_zero_is_refused_by_the_argument_parser() {
    let scratch = Scratch::new("annotate-sample-zero");
    let reports = scratch.0.join("reports.jsonl");
    std::fs::write(&reports, REPORTS).unwrap();
    let out = scratch.0.join("mentions.jsonl");
    let run = run_to_end(&annotate_args(&reports, &out, &["--sample", "0"]));
    assert_eq!(run.status.code(), Some(2));
    let stderr = stderr_of(&run);
    assert!(
        stderr.contains("invalid value '0' for '--sample"),
        "{stderr}"
    );
    assert!(!uptake_annotate::journal_path(&out).exists());
}

/// Two mention files of one liver sentence each, with these ids.
fn agreement_files(scratch: &Scratch, a_id: &str, b_id: &str) -> (PathBuf, PathBuf) {
    let line = |id: &str| {
        format!(
            "{{\"id\": \"{id}\", \"text\": \"Uptake in the liver.\", \"mentions\": [{{\"start\": 14, \"end\": 19, \"region\": \"liver\", \"label\": 1}}]}}\n"
        )
    };
    let (a, b) = (scratch.0.join("a.jsonl"), scratch.0.join("b.jsonl"));
    std::fs::write(&a, line(a_id)).unwrap();
    std::fs::write(&b, line(b_id)).unwrap();
    (a, b)
}

fn agreement_run(a: &Path, b: &Path, json: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_uptake"))
        .args(["annotate", "agreement"])
        .arg(a)
        .arg(b)
        .arg("--json")
        .arg(json)
        .output()
        .unwrap()
}

#[test]
fn agreement_without_a_shared_sentence_says_so_instead_of_nan() {
    let scratch = Scratch::new("agreement-disjoint");
    let (a, b) = agreement_files(&scratch, "s1", "s2");
    let json = scratch.0.join("kappa.json");
    let run = agreement_run(&a, &b, &json);
    assert!(!run.status.success());
    let stderr = stderr_of(&run);
    assert!(
        stderr.contains(
            "no sentence is labelled in both files (1 only in the first, 1 only in the second)"
        ),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&run.stdout).contains("NaN"));
    assert!(!json.exists());
}

#[test]
fn agreement_never_writes_its_json_over_an_input() {
    let scratch = Scratch::new("agreement-over-input");
    let (a, b) = agreement_files(&scratch, "s1", "s1");
    let before = std::fs::read(&a).unwrap();
    let run = agreement_run(&a, &b, &scratch.0.join(".").join("a.jsonl"));
    assert!(!run.status.success());
    let stderr = stderr_of(&run);
    assert!(
        stderr.contains("refusing to overwrite an input"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(&a).unwrap(),
        before,
        "the hand labels are intact"
    );
}

#[cfg(unix)]
#[test]
fn agreement_never_replaces_a_symbolic_link() {
    let scratch = Scratch::new("agreement-symlink");
    let (a, b) = agreement_files(&scratch, "s1", "s1");
    let link = scratch.0.join("kappa.json");
    std::os::unix::fs::symlink(&b, &link).unwrap();
    let before = std::fs::read(&b).unwrap();
    let run = agreement_run(&a, &b, &link);
    assert!(!run.status.success());
    assert!(
        stderr_of(&run).contains("is a symbolic link"),
        "{}",
        stderr_of(&run)
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read(&b).unwrap(), before);
}
