//! `uptake annotate` as a real process: reports are read and tagged, labels go over HTTP, the
//! process is killed with SIGKILL, and a second run resumes with every label.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

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

/// One HTTP/1.1 request; returns (status, JSON body).
fn http(addr: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let (_, payload) = response.split_once("\r\n\r\n").unwrap();
    (status, serde_json::from_str(payload).unwrap_or(Value::Null))
}

fn label(addr: &str, id: &str, mention: usize, decision: &str) {
    let edit = json!({"id": id, "edit": {"op": "label", "mention": mention, "decision": decision}});
    let (status, body) = http(addr, "POST", "/api/edit", Some(edit));
    assert_eq!(status, 200, "{body}");
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

#[test]
fn active_sampling_puts_the_report_models_least_certain_sentences_first() {
    use uptake_core::CharSpan;
    use uptake_textmodel::{BertConfig, CharMentions, Head, ReportModel, init_random_model};
    let scratch = Scratch::new("annotate-active");
    let reports = scratch.0.join("reports.jsonl");
    std::fs::write(&reports, REPORTS).unwrap();
    let model_dir = scratch.0.join("model");
    let config = BertConfig::tiny(VOCAB.len(), 16, 1, 2, 64);
    init_random_model(&model_dir, &config, VOCAB, 11, Head::With).unwrap();

    let out = scratch.0.join("mentions.jsonl");
    let (mut server, addr) = start(&reports, &out, &["--active", model_dir.to_str().unwrap()]);
    let (_, state) = http(&addr, "GET", "/api/state", None);
    let total = state["progress"]["total"].as_u64().unwrap();
    let sentences: Vec<Value> = (0..total)
        .map(|p| http(&addr, "GET", &format!("/api/sentence/{p}"), None).1)
        .collect();
    server.kill().unwrap();
    server.wait().unwrap();

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
