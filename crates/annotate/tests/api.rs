//! The HTTP API over a real socket: access control (no other web page can drive the app),
//! validation, saving and resuming.

mod common;

use common::{Running, span};
use serde_json::{Value, json};

/// (status, JSON body) of a request; `token` goes in the header when given.
fn call(method: &str, url: &str, token: Option<&str>, body: Option<&str>) -> (u16, Value) {
    let mut req = ureq::request(method, url);
    if let Some(t) = token {
        req = req.set("X-Uptake-Token", t);
    }
    let result = match body {
        Some(b) => req.set("Content-Type", "application/json").send_string(b),
        None => req.call(),
    };
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {url}: {e}"),
    };
    let status = response.status();
    let text = response.into_string().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Status of a POST that announces a body of `len` bytes. The server answers 413 from the
/// headers alone and may close the socket before a body is sent, so this sends none: a client
/// that wrote the body first would race the server's close (a broken pipe instead of a status).
fn oversized_post_status(url: &str, token: &str, len: usize) -> u16 {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("http url");
    let (host, path) = rest.split_at(rest.find('/').expect("a path"));
    let mut stream = std::net::TcpStream::connect(host).expect("connect");
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nX-Uptake-Token: {token}\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n"
    )
    .expect("send headers");
    let mut response = Vec::new();
    let mut buf = [0u8; 512];
    while !response.windows(2).any(|w| w == b"\r\n") {
        let n = stream.read(&mut buf).expect("read the status line");
        assert!(n > 0, "connection closed without a response");
        response.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&response);
    line.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code")
}

/// One request exactly as given (no header added but Host, Content-Length and Connection):
/// what a browser sends for another site's page. Returns (status, body).
fn raw(
    server: &Running,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    use std::io::{Read, Write};
    let host = server.base.strip_prefix("http://").expect("http base");
    let mut stream = std::net::TcpStream::connect(host).expect("connect");
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response[9..12].parse().expect("a status code");
    let (_, payload) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (status, payload.to_string())
}

fn journal_of(dir: &tempfile::TempDir) -> Vec<u8> {
    std::fs::read(dir.path().join("m.jsonl.log")).unwrap()
}

fn edit(server: &Running, id: &str, edit: Value) -> (u16, Value) {
    let body = json!({ "id": id, "edit": edit }).to_string();
    call(
        "POST",
        &format!("{}/api/edit", server.base),
        Some(&server.token),
        Some(&body),
    )
}

fn undo(server: &Running) -> (u16, Value) {
    call(
        "POST",
        &format!("{}/api/undo", server.base),
        Some(&server.token),
        Some("{}"),
    )
}

fn label(server: &Running, id: &str, mention: usize, decision: &str) -> (u16, Value) {
    edit(
        server,
        id,
        json!({ "op": "label", "mention": mention, "decision": decision }),
    )
}

fn error_of(body: &Value) -> &str {
    body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error message in {body}"))
}

#[test]
fn the_page_is_self_contained_and_forbids_external_resources() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(&dir.path().join("m.jsonl"), false);
    let response = ureq::get(&format!("{}/", server.base)).call().unwrap();
    let csp = response
        .header("content-security-policy")
        .unwrap()
        .to_string();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let html = response.into_string().unwrap();
    assert!(html.contains("function render()"), "the script is inlined");
    for external in [
        "src=\"http",
        "href=\"http",
        "src='http",
        "href='http",
        "@import",
        "url(http",
        "<link",
    ] {
        assert!(!html.contains(external), "the page references {external}");
    }
}

#[test]
fn with_a_token_every_request_must_carry_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(&dir.path().join("m.jsonl"), true);
    let token = server.access_token.clone().expect("a token was required");
    assert_eq!(token, server.token, "one secret per session");
    assert!(
        server.url.ends_with(&format!("/?token={token}")),
        "{}",
        server.url
    );

    let state = format!("{}/api/state", server.base);
    let (status, body) = call("GET", &state, None, None);
    assert_eq!(status, 401);
    assert!(error_of(&body).contains("token"));
    assert_eq!(
        call(
            "GET",
            &state,
            Some("0123456789abcdef0123456789abcdef"),
            None
        )
        .0,
        401
    );
    assert_eq!(
        call("GET", &format!("{}/", server.base), None, None).0,
        401,
        "the page too"
    );
    assert_eq!(call("GET", &state, Some(&token), None).0, 200);
    assert_eq!(
        call("GET", &format!("{state}?token={token}"), None, None).0,
        200
    );
    let (status, _) = label(&server, "s1", 0, "abnormal");
    assert_eq!(status, 200, "edits with the token are accepted");
}

#[test]
fn without_a_token_only_loopback_host_names_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(&dir.path().join("m.jsonl"), false);
    assert!(server.access_token.is_none());
    assert!(!server.url.contains("token"), "{}", server.url);
    let state = format!("{}/api/state", server.base);
    assert_eq!(call("GET", &state, None, None).0, 200);
    let response = ureq::get(&state).set("Host", "attacker.example").call();
    match response {
        Err(ureq::Error::Status(403, _)) => {}
        other => panic!("a rebinding Host header must be refused, got {other:?}"),
    }
}

#[test]
fn bad_requests_get_a_clear_4xx_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.jsonl");
    let server = Running::start(&out, false);
    let journal = dir.path().join("m.jsonl.log");
    let before = std::fs::read(&journal).unwrap();
    let edit_url = format!("{}/api/edit", server.base);

    let (status, body) = label(&server, "nope", 0, "abnormal");
    assert_eq!(status, 404);
    assert!(
        error_of(&body).contains("unknown sentence id nope"),
        "{body}"
    );

    let (status, body) = label(&server, "s1", 5, "abnormal");
    assert_eq!(status, 404);
    assert!(
        error_of(&body).contains("unknown mention 5 (the sentence has 1)"),
        "{body}"
    );

    let (status, body) = edit(
        &server,
        "s1",
        json!({"op": "span", "mention": 0, "start": 50, "end": 500}),
    );
    assert_eq!(status, 422);
    assert!(error_of(&body).contains("outside the sentence"), "{body}");

    let (status, body) = edit(
        &server,
        "s2",
        json!({"op": "span", "mention": 0, "start": 24, "end": 40}),
    );
    assert_eq!(status, 422, "brain..bladder overlaps the bladder mention");
    assert!(error_of(&body).contains("overlaps"), "{body}");

    let (status, body) = edit(
        &server,
        "s1",
        json!({"op": "region", "mention": 0, "region": "moon"}),
    );
    assert_eq!(status, 422);
    assert!(error_of(&body).contains("unknown region"), "{body}");

    let (status, _) = label(&server, "s1", 0, "maybe");
    assert_eq!(status, 422, "an unknown decision");
    let token = Some(server.token.as_str());
    let (status, _) = call("POST", &edit_url, token, Some("{not json"));
    assert_eq!(status, 400);
    let (status, _) = call(
        "POST",
        &edit_url,
        token,
        Some(r#"{"id":"s1","edit":{"op":"label","mention":0,"decision":"abnormal"},"extra":1}"#),
    );
    assert_eq!(status, 422, "unknown fields are refused");

    assert_eq!(
        oversized_post_status(&edit_url, &server.token, 100_000),
        413
    );

    let (status, body) = call(
        "GET",
        &format!("{}/api/sentence/99", server.base),
        None,
        None,
    );
    assert_eq!(status, 404);
    assert!(error_of(&body).contains("the sample has 6"), "{body}");
    assert_eq!(
        call(
            "GET",
            &format!("{}/api/sentence/-1", server.base),
            None,
            None
        )
        .0,
        400
    );
    assert_eq!(undo(&server).0, 409);
    assert_eq!(
        call("GET", &format!("{}/etc/passwd", server.base), None, None).0,
        404
    );

    assert_eq!(
        std::fs::read(&journal).unwrap(),
        before,
        "nothing was journaled"
    );
    // And the server still works.
    assert_eq!(label(&server, "s1", 0, "abnormal").0, 200);
}

#[test]
fn a_killed_server_resumes_with_every_label_and_the_undo_history() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.jsonl");
    let server = Running::start(&out, false);
    assert_eq!(label(&server, "s1", 0, "abnormal").0, 200);
    assert_eq!(label(&server, "s2", 0, "neutral").0, 200);
    let (status, change) = label(&server, "s2", 1, "skip");
    assert_eq!(status, 200);
    assert_eq!(change["progress"]["finished"], 2);
    assert_eq!(change["progress"]["first_open"], 2);
    let (status, _) = edit(
        &server,
        "s3",
        json!({"op": "region", "mention": 1, "region": "pelvis"}),
    );
    assert_eq!(status, 200);
    server.kill();

    let server = Running::start(&out, false);
    let (_, state) = call("GET", &format!("{}/api/state", server.base), None, None);
    assert_eq!(state["annotator"], "tester");
    assert_eq!(state["progress"]["finished"], 2);
    assert_eq!(state["progress"]["first_open"], 2);
    let (_, s3) = call(
        "GET",
        &format!("{}/api/sentence/2", server.base),
        None,
        None,
    );
    assert_eq!(s3["mentions"][1]["region"], "pelvis");
    assert_eq!(s3["mentions"][1]["display_name"], "Pelvis");
    // The undo history survived the restart: the region change is undone first.
    let (status, change) = undo(&server);
    assert_eq!(status, 200);
    assert_eq!(change["sentence"]["id"], "s3");
    assert_eq!(change["sentence"]["mentions"][1]["region"], "spine");
    let (_, change) = undo(&server);
    assert_eq!(change["sentence"]["id"], "s2");
    assert_eq!(change["progress"]["finished"], 1);

    let written = uptake_core::mentions::read_mentions(&out).unwrap();
    assert_eq!(written.len(), 1, "s2 is unfinished again");
    let text = &common::pool()[0].text;
    let (start, end) = span(text, "right adrenal gland");
    assert_eq!(written[0].mentions[0].start, start);
    assert_eq!(written[0].mentions[0].end, end);
    assert_eq!(written[0].mentions[0].label, 1);
}

#[test]
fn per_region_counts_follow_the_labels() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(&dir.path().join("m.jsonl"), false);
    label(&server, "s2", 0, "neutral");
    let (_, change) = label(&server, "s3", 1, "not_mention");
    let counts = change["progress"]["counts"].as_array().unwrap();
    let of = |region: &str| {
        counts
            .iter()
            .find(|c| c["region"] == region)
            .unwrap()
            .clone()
    };
    assert_eq!(of("head")["neutral"], 1);
    assert_eq!(of("spine")["not_mention"], 1);
    assert_eq!(of("adrenal")["open"], 1);
    assert_eq!(of("adrenal")["display_name"], "Adrenal gland");
}

#[test]
fn a_cross_origin_form_post_to_undo_is_refused_and_not_journalled() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(&dir.path().join("m.jsonl"), false);
    assert_eq!(label(&server, "s1", 0, "abnormal").0, 200);
    let before = journal_of(&dir);
    // What a form on another site submits to the app when the annotator visits that site.
    let (status, body) = raw(
        &server,
        "POST",
        "/api/undo",
        &[
            ("Origin", "http://evil.example"),
            ("Referer", "http://evil.example/page.html"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        "x=1",
    );
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("cross-origin request refused"), "{body}");
    assert_eq!(journal_of(&dir), before, "nothing was journalled");
    let (_, state) = call("GET", &format!("{}/api/state", server.base), None, None);
    assert_eq!(state["progress"]["finished"], 1, "the label stands");
}

#[test]
fn a_foreign_origin_or_referer_is_refused_even_with_the_token_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(&dir.path().join("m.jsonl"), false);
    assert_eq!(label(&server, "s1", 0, "abnormal").0, 200);
    let before = journal_of(&dir);
    let port = server.base.rsplit(':').next().unwrap().to_string();
    let https_self = format!("https://127.0.0.1:{port}");
    let foreign: [(&str, &str); 5] = [
        ("Origin", "http://evil.example"),
        ("Origin", "null"),
        ("Origin", "http://127.0.0.1:1"),
        ("Origin", &https_self),
        ("Referer", "http://evil.example/"),
    ];
    for (name, value) in foreign {
        let headers = [
            (name, value),
            ("X-Uptake-Token", server.token.as_str()),
            ("Content-Type", "application/json"),
        ];
        let (status, body) = raw(&server, "POST", "/api/undo", &headers, "{}");
        assert_eq!(status, 403, "{name}: {value}: {body}");
    }
    assert_eq!(journal_of(&dir), before, "nothing was journalled");
}

#[test]
fn a_change_without_the_session_token_in_its_header_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(&dir.path().join("m.jsonl"), false);
    assert_eq!(label(&server, "s1", 0, "abnormal").0, 200);
    let before = journal_of(&dir);
    let own = server.base.clone();
    let query_path = format!("/api/undo?token={}", server.token);
    let attempts: [(&str, Option<&str>); 3] = [
        ("/api/undo", None),
        ("/api/undo", Some("0123456789abcdef0123456789abcdef")),
        (&query_path, None), // a form can put it in the URL, never in a header
    ];
    for (path, token) in attempts {
        let mut headers = vec![
            ("Origin", own.as_str()),
            ("Content-Type", "application/json"),
        ];
        headers.extend(token.map(|t| ("X-Uptake-Token", t)));
        let (status, body) = raw(&server, "POST", path, &headers, "{}");
        assert_eq!(status, 403, "{path} {token:?}: {body}");
        assert!(body.contains("session token"), "{body}");
    }
    assert_eq!(journal_of(&dir), before, "nothing was journalled");
}

#[test]
fn a_change_not_declared_as_json_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(&dir.path().join("m.jsonl"), false);
    assert_eq!(label(&server, "s1", 0, "abnormal").0, 200);
    let before = journal_of(&dir);
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut headers = vec![
            ("Origin", server.base.as_str()),
            ("X-Uptake-Token", server.token.as_str()),
        ];
        headers.extend(content_type.map(|t| ("Content-Type", t)));
        let (status, body) = raw(&server, "POST", "/api/undo", &headers, "{}");
        assert_eq!(status, 415, "{content_type:?}: {body}");
    }
    assert_eq!(journal_of(&dir), before, "nothing was journalled");
}

#[test]
fn the_page_embeds_the_session_token_and_a_same_origin_json_change_with_it_is_saved() {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(&dir.path().join("m.jsonl"), false);
    let (status, page) = raw(&server, "GET", "/", &[], "");
    assert_eq!(status, 200);
    let marker = "<meta name=\"uptake-token\" content=\"";
    let at = page.find(marker).expect("the token in the page") + marker.len();
    let token = &page[at..at + 32];
    assert_eq!(token, server.token);
    let body = json!({"id": "s1", "edit": {"op": "label", "mention": 0, "decision": "abnormal"}});
    let headers = [
        ("Origin", server.base.as_str()),
        ("X-Uptake-Token", token),
        ("Content-Type", "application/json; charset=utf-8"),
    ];
    let (status, answer) = raw(&server, "POST", "/api/edit", &headers, &body.to_string());
    assert_eq!(status, 200, "{answer}");
    let journal = String::from_utf8(journal_of(&dir)).unwrap();
    let last: Value = serde_json::from_str(journal.lines().last().unwrap()).unwrap();
    assert_eq!(last["event"], "set");
    assert_eq!(last["id"], "s1");
    assert_eq!(last["mentions"][0]["decision"], "abnormal");
}
