//! Who may use the app: the rules every request passes before any handler runs.
//!
//! - Every request: on loopback, the `Host` header must be a loopback name (a page elsewhere
//!   cannot reach the server through DNS rebinding); off loopback (or when asked), the session
//!   token must come with it (`X-Uptake-Token` header or `?token=`).
//! - Every state-changing request (any method but GET and HEAD), so that no other web page the
//!   annotator visits can drive the app (cross-site request forgery):
//!   1. its `Origin` (or, without one, its `Referer`) must be the app's own origin, `http://`
//!      and the `Host` it was sent to; a request with neither comes from no browser page;
//!   2. it must carry the session token in the `X-Uptake-Token` header: the page embeds it and
//!      no other page can read it, and an HTML form cannot set a header;
//!   3. its body must be declared `application/json`, a type no form can send and which makes a
//!      browser ask first (CORS preflight), which this server never grants.
//!
//! Tokens are 128 bits from the operating system's random number generator, deliberately not
//! seeded, and compared in constant time.

use axum::http::{HeaderMap, Method, StatusCode, header};
use std::net::IpAddr;

/// The header that carries the session token.
pub(crate) const TOKEN_HEADER: &str = "x-uptake-token";

/// A refused request: its status and a message for the client.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) message: &'static str,
}

impl Refusal {
    fn new(status: StatusCode, message: &'static str) -> Self {
        Self { status, message }
    }
}

/// Whether every request, or only state-changing ones, must carry the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Loopback only: reads need a loopback `Host`, changes need the token.
    Loopback,
    /// Every request needs the token (off loopback, or asked for).
    TokenEverywhere,
}

/// The request, as far as the rules look at it.
pub(crate) struct RequestHead<'a> {
    pub(crate) method: &'a Method,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) query: Option<&'a str>,
}

/// 128 random bits from the operating system, as 32 hex digits.
pub(crate) fn new_token() -> Result<String, rand::rand_core::OsError> {
    use rand::TryRngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.try_fill_bytes(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Checks a request against every rule (see the module docs).
pub(crate) fn check(head: &RequestHead<'_>, token: &str, reach: Reach) -> Result<(), Refusal> {
    match reach {
        Reach::TokenEverywhere => {
            let offered = header_token(head.headers).or_else(|| query_token(head.query));
            if !offered.is_some_and(|t| same_secret(t.as_bytes(), token.as_bytes())) {
                return Err(Refusal::new(
                    StatusCode::UNAUTHORIZED,
                    "missing or wrong access token (open the address the server printed)",
                ));
            }
        }
        Reach::Loopback if !host_is_loopback(head.headers) => {
            return Err(Refusal::new(
                StatusCode::FORBIDDEN,
                "only local requests are served",
            ));
        }
        Reach::Loopback => {}
    }
    if matches!(*head.method, Method::GET | Method::HEAD) {
        return Ok(());
    }
    check_change(head.headers, token)
}

/// The rules for state-changing requests: own origin, token in the header, JSON.
fn check_change(headers: &HeaderMap, token: &str) -> Result<(), Refusal> {
    if !from_own_origin(headers) {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "cross-origin request refused: changes are accepted only from the labelling page itself",
        ));
    }
    if !header_token(headers).is_some_and(|t| same_secret(t.as_bytes(), token.as_bytes())) {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "missing or wrong session token in the X-Uptake-Token header (reload the page)",
        ));
    }
    if !declares_json(headers) {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "changes must be sent as Content-Type: application/json",
        ));
    }
    Ok(())
}

fn text(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn header_token(headers: &HeaderMap) -> Option<&str> {
    text(headers, TOKEN_HEADER)
}

fn query_token(query: Option<&str>) -> Option<&str> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
}

/// Constant-time comparison, so the token cannot be guessed byte by byte from timings.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `Origin` (else the `Referer`'s origin) is `http://<Host>`; true when neither is sent
/// (no browser page made the request). `Origin: null` (sandboxed frames, files) is foreign.
fn from_own_origin(headers: &HeaderMap) -> bool {
    let claimed = match (
        text(headers, header::ORIGIN),
        text(headers, header::REFERER),
    ) {
        (Some(origin), _) => origin,
        (None, Some(referer)) => origin_of(referer),
        (None, None) => return true,
    };
    let Some(host) = text(headers, header::HOST) else {
        return false;
    };
    claimed
        .strip_prefix("http://")
        .is_some_and(|authority| authority.eq_ignore_ascii_case(host))
}

/// `scheme://authority` of a URL (the part before its path, query or fragment).
fn origin_of(url: &str) -> &str {
    let Some(scheme_end) = url.find("://") else {
        return url;
    };
    let rest = &url[scheme_end + 3..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    &url[..scheme_end + 3 + end]
}

/// `Content-Type: application/json`, parameters (`; charset=utf-8`) allowed.
fn declares_json(headers: &HeaderMap) -> bool {
    text(headers, header::CONTENT_TYPE).is_some_and(|v| {
        v.split(';')
            .next()
            .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
    })
}

fn host_is_loopback(headers: &HeaderMap) -> bool {
    let Some(host) = text(headers, header::HOST) else {
        return false;
    };
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.split(':').next().unwrap_or("")
    };
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        m
    }

    #[test]
    fn loopback_host_headers_are_recognised() {
        let host = |h: &str| host_is_loopback(&headers(&[("host", h)]));
        assert!(host("127.0.0.1:8765"));
        assert!(host("localhost:1"));
        assert!(host("[::1]:8765"));
        assert!(!host("evil.example:8765"));
        assert!(!host("10.0.0.2"));
    }

    #[test]
    fn tokens_are_fresh_and_compared_exactly() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(same_secret(a.as_bytes(), a.clone().as_bytes()));
        assert!(!same_secret(a.as_bytes(), b.as_bytes()));
        assert!(!same_secret(a.as_bytes(), &a.as_bytes()[..31]));
        assert_eq!(query_token(Some("x=1&token=abc")), Some("abc"));
    }

    #[test]
    fn the_own_origin_is_http_and_the_host_the_request_was_sent_to() {
        let own = |pairs: &[(&'static str, &str)]| {
            let mut all = vec![("host", "127.0.0.1:8765")];
            all.extend_from_slice(pairs);
            from_own_origin(&headers(&all))
        };
        assert!(own(&[("origin", "http://127.0.0.1:8765")]));
        assert!(own(&[("referer", "http://127.0.0.1:8765/?token=x")]));
        assert!(own(&[]), "no browser page: no origin to check");
        assert!(!own(&[("origin", "http://127.0.0.1:8766")]));
        assert!(!own(&[("origin", "https://127.0.0.1:8765")]));
        assert!(!own(&[("origin", "null")]));
        assert!(!own(&[("referer", "http://127.0.0.1:8765.evil.example/")]));
        assert!(
            !own(&[
                ("origin", "http://evil.example"),
                ("referer", "http://127.0.0.1:8765/")
            ]),
            "the Origin decides when both are sent"
        );
    }

    #[test]
    fn json_is_recognised_with_parameters_and_in_any_case() {
        let json = |v: &str| declares_json(&headers(&[("content-type", v)]));
        assert!(json("application/json"));
        assert!(json("Application/JSON; charset=utf-8"));
        assert!(!json("application/x-www-form-urlencoded"));
        assert!(!json("text/plain"));
        assert!(!json("application/jsonp"));
    }
}
