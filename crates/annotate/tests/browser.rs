//! End to end: the real page in headless Chromium (driven over WebDriver by chromedriver),
//! labelled with the keyboard only; the server is killed and restarted mid-session. Every
//! change the page makes passes the server's cross-site request checks (own origin, the session
//! token embedded in the page, JSON).
//!
//! Needs Debian's chromium and chromium-driver (scripts/setup.d/30-chromium.sh installs them).
//! `UPTAKE_CHROMEDRIVER` / `UPTAKE_CHROMIUM` override their paths.

mod common;

use common::{Running, span};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use uptake_core::{LabelledSentence, LabelledSpan};

fn find(env: &str, default: &str) -> PathBuf {
    let path = std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| default.into());
    assert!(
        path.exists(),
        "{} not found (set {env} or run scripts/setup, which installs Debian's chromium and \
         chromium-driver through scripts/setup.d/30-chromium.sh)",
        path.display()
    );
    path
}

/// A minimal WebDriver client: one chromedriver process, one headless Chromium session.
struct Browser {
    driver: Child,
    base: String,
}

impl Browser {
    fn start() -> Browser {
        let chromedriver = find("UPTAKE_CHROMEDRIVER", "/usr/bin/chromedriver");
        let chromium = find("UPTAKE_CHROMIUM", "/usr/bin/chromium");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let mut browser = Browser {
            driver,
            base: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        while ureq::get(&format!("{}/status", browser.base))
            .call()
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not come up on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1360,900", "--force-device-scale-factor=1", "--no-first-run"]
            }
        }}});
        let session = browser.post("/session", caps);
        let id = session["sessionId"]
            .as_str()
            .expect("a session id")
            .to_string();
        browser.base = format!("{}/session/{id}", browser.base);
        browser
    }

    fn post(&self, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base);
        match ureq::post(&url).send_json(body) {
            Ok(r) => r.into_json::<Value>().unwrap()["value"].clone(),
            Err(ureq::Error::Status(code, r)) => {
                panic!(
                    "WebDriver {path}: {code} {}",
                    r.into_string().unwrap_or_default()
                )
            }
            Err(e) => panic!("WebDriver {path}: {e}"),
        }
    }

    fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url }));
    }

    fn js(&self, script: &str) -> Value {
        self.post("/execute/sync", json!({ "script": script, "args": [] }))
    }

    /// Real key events (keyDown/keyUp) sent to the focused document.
    fn keys(&self, text: &str) {
        let mut actions = Vec::new();
        for c in text.chars() {
            actions.push(json!({"type": "keyDown", "value": c.to_string()}));
            actions.push(json!({"type": "keyUp", "value": c.to_string()}));
        }
        self.post(
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        );
    }

    fn wait_for(&self, what: &str, script: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.js(script) != Value::Bool(true) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Waits until every queued action of the page has been answered by the server.
    fn settle(&self) {
        self.wait_for(
            "the page to settle",
            "return document.body.dataset.busy === 'false';",
        );
    }

    /// Presses keys one at a time, letting the page settle after each.
    fn press(&self, keys: &str) {
        for c in keys.chars() {
            self.keys(&c.to_string());
            self.settle();
        }
    }

    fn screenshot(&self, path: &Path) {
        use base64::Engine;
        let url = format!("{}/screenshot", self.base);
        let value = ureq::get(&url)
            .call()
            .unwrap()
            .into_json::<Value>()
            .unwrap()["value"]
            .clone();
        let png = base64::engine::general_purpose::STANDARD
            .decode(value.as_str().unwrap())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        std::fs::write(path, png).unwrap();
    }

    /// (sentence id, current mention index) shown by the page.
    fn at(&self) -> (String, u64) {
        let v = self.js(
            "const row = document.querySelector('#mentions tbody tr.cur');
             return [document.getElementById('pos').textContent, row ? Number(row.dataset.m) : -1];",
        );
        let pos: usize = v[0].as_str().unwrap().parse().unwrap();
        (common::pool()[pos - 1].id.clone(), v[1].as_u64().unwrap())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = ureq::delete(&self.base).call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("annotate-e2e");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn labelled(id: &str, mentions: &[(&str, &str, u8)]) -> LabelledSentence {
    let c = common::pool().into_iter().find(|c| c.id == id).unwrap();
    LabelledSentence {
        id: Some(c.id.clone()),
        exam_id: c.exam_id.clone(),
        section: c.section.clone(),
        mentions: mentions
            .iter()
            .map(|(needle, region, label)| {
                let (start, end) = span(&c.text, needle);
                LabelledSpan {
                    start,
                    end,
                    region: region.to_string(),
                    label: *label,
                }
            })
            .collect(),
        text: c.text,
    }
}

#[test]
fn keyboard_labelling_survives_a_killed_server() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mentions.jsonl");
    let shots = screenshot_dir();
    let server = Running::start(&out, true);
    let browser = Browser::start();
    browser.goto(&server.url);
    browser.wait_for(
        "the page to load",
        "return document.body.dataset.ready === 'true';",
    );
    assert_eq!(browser.at(), ("s1".into(), 0));
    let tag = browser.js("return document.querySelector('.tag').textContent;");
    assert_eq!(
        tag, "Adrenal gland",
        "the mention is tagged with its region's display name"
    );

    // s1: abnormal. s2: neutral, neutral. s3: abnormal, then a wrong neutral, undone, abnormal.
    browser.press("1");
    assert_eq!(
        browser.at(),
        ("s2".into(), 0),
        "labelling the last mention moves on"
    );
    browser.press("00");
    browser.press("10");
    assert_eq!(browser.at().0, "s4");
    browser.press("u");
    assert_eq!(
        browser.at(),
        ("s3".into(), 1),
        "undo goes back to the undone mention"
    );
    browser.press("1");

    // s4: the tagger said liver for "the left renal": fix the region with the picker, trim
    // "the " off the span with the shrink-left key, then label it.
    assert_eq!(browser.at(), ("s4".into(), 0));
    browser.keys("r"); // the action stays open while the picker is up
    browser.wait_for(
        "the region picker",
        "return !document.getElementById('picker').hidden;",
    );
    browser.keys("kidn");
    browser.wait_for(
        "the filter",
        "return document.querySelectorAll('#pick-list li').length === 1;",
    );
    browser.screenshot(&shots.join("region-picker.png"));
    browser.press("\u{E007}"); // Enter
    browser.wait_for(
        "the region change",
        "return document.querySelector('.tag').textContent === 'Kidney';",
    );
    browser.press("{{{{");
    let mention = browser
        .js("return document.querySelector('#mentions tbody tr.cur td:nth-child(2)').textContent;");
    assert_eq!(mention, "left renal");
    browser.press("1");

    // s5: not a real mention. s6: label the first mention only, then the server dies.
    assert_eq!(browser.at(), ("s5".into(), 0));
    browser.press("n");
    browser.press("1");
    assert_eq!(browser.at(), ("s6".into(), 1));
    let done = browser.js("return document.getElementById('done').textContent;");
    assert_eq!(done, "5");
    browser.screenshot(&shots.join("labelling.png"));
    server.kill();

    // Everything acknowledged is already on disk.
    let expected = vec![
        labelled("s1", &[("right adrenal gland", "adrenal", 1)]),
        labelled("s2", &[("brain", "head", 0), ("bladder", "pelvis", 0)]),
        labelled(
            "s3",
            &[
                ("para-aortic nodes", "retroperitoneal_lymph_node", 1),
                ("L2", "spine", 1),
            ],
        ),
        labelled("s4", &[("left renal", "kidney", 1)]),
        labelled("s5", &[]),
    ];
    assert_eq!(
        uptake_core::mentions::read_mentions(&out).unwrap(),
        expected
    );

    // Restart on plain loopback (a new session token, only embedded in the page this time,
    // not in the address): the page resumes at s6's open mention, and its changes carry the
    // token the server put in the page.
    let server = Running::start(&out, false);
    assert!(!server.url.contains("token"), "{}", server.url);
    browser.goto(&server.url);
    browser.wait_for(
        "the page to reload",
        "return document.body.dataset.ready === 'true';",
    );
    assert_eq!(
        browser.at(),
        ("s6".into(), 1),
        "resumes where the person stopped"
    );
    let first = browser
        .js("return document.querySelector('#mentions tbody tr td:nth-child(4)').textContent;");
    assert_eq!(
        first, "abnormal",
        "the label made before the kill is still there"
    );
    browser.press("0");
    let done = browser.js("return document.getElementById('done').textContent;");
    assert_eq!(done, "6");
    browser.screenshot(&shots.join("resumed.png"));
    server.kill();

    let mut expected = expected;
    expected.push(labelled(
        "s6",
        &[
            ("left axillary node", "axillary_lymph_node", 1),
            ("right hilar node", "hilar_lymph_node", 0),
        ],
    ));
    assert_eq!(
        uptake_core::mentions::read_mentions(&out).unwrap(),
        expected
    );
    eprintln!("screenshots in {}", shots.display());
}
