//! The web app: the embedded page and its JSON API (axum).
//!
//! - `GET /` the page (HTML with its CSS and JS inlined: no other request, nothing external;
//!   a Content-Security-Policy forbids the browser to load anything from elsewhere).
//! - `GET /api/state` the session: regions to pick from, progress, where to resume.
//! - `GET /api/sentence/{pos}` one sentence (0-based sample position) with context and mentions.
//! - `POST /api/edit` `{"id": "<sentence id>", "edit": {"op": "label", "mention": 0,
//!   "decision": "abnormal"}}` (ops: label, clear, region, span, add; see [`Edit`]).
//! - `POST /api/undo` reverts the most recent change.
//!
//! Errors are JSON `{"error": "..."}` with a 4xx for bad requests (400 malformed, 401 missing
//! or wrong token, 403 foreign Host header, 404 unknown sentence/mention, 409 nothing to undo,
//! 413 body too large, 422 bad span/region) and 500 only when saving fails. Nothing is logged
//! of report text: logs name positions and ids at most.

use crate::candidate::{RegionCatalog, RegionInfo};
use crate::journal::{ApplyError, Decision, Edit, EditError, Journal};
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};

/// Request bodies are a few hundred bytes; anything far larger is refused with 413.
pub(crate) const MAX_BODY_BYTES: usize = 16 * 1024;

const PAGE_HTML: &str = include_str!("../assets/index.html");
const PAGE_CSS: &str = include_str!("../assets/app.css");
const PAGE_JS: &str = include_str!("../assets/app.js");

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; \
connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Where the server listens and whether it asks for a token.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to listen on; anything but loopback requires the access token.
    pub host: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Require an access token even on loopback (tests use it); off-loopback always requires one.
    pub require_token: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 8765,
            require_token: false,
        }
    }
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The server failed while running.
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
}

struct AppState {
    journal: Mutex<Journal>,
    catalog: RegionCatalog,
    token: Option<String>,
    page: String,
}

impl AppState {
    fn journal(&self) -> MutexGuard<'_, Journal> {
        // No handler panics while holding the lock; if one ever did, the journal on disk is
        // still consistent (each record is whole), so carry on with the in-memory state.
        self.journal.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A bound server, ready to run.
pub struct Server {
    listener: tokio::net::TcpListener,
    app: Router,
    token: Option<String>,
    addr: SocketAddr,
}

impl Server {
    /// Binds the listening socket. Off-loopback (or with `require_token`) a fresh random access
    /// token is made; [`Server::url`] carries it.
    pub async fn bind(
        journal: Journal,
        catalog: RegionCatalog,
        options: &ServeOptions,
    ) -> Result<Self, ServerError> {
        let addr = SocketAddr::new(options.host, options.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServerError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| ServerError::Bind { addr, source })?;
        let token = (options.require_token || !options.host.is_loopback()).then(new_token);
        let app = router(journal, catalog, token.clone());
        Ok(Self {
            listener,
            app,
            token,
            addr,
        })
    }

    /// The address bound (with the port picked when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The access token, when one is required.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The address to open, with the token when one is required.
    pub fn url(&self) -> String {
        let host = if self.addr.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            match self.addr.ip() {
                IpAddr::V6(ip) => format!("[{ip}]"),
                IpAddr::V4(ip) => ip.to_string(),
            }
        };
        match &self.token {
            Some(t) => format!("http://{host}:{}/?token={t}", self.addr.port()),
            None => format!("http://{host}:{}/", self.addr.port()),
        }
    }

    /// Serves until `shutdown` completes. Every change is on disk before it is answered, so
    /// stopping at any moment (even by SIGKILL) loses nothing.
    pub async fn run_until<F>(self, shutdown: F) -> Result<(), ServerError>
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        axum::serve(self.listener, self.app)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(ServerError::Serve)
    }
}

/// 128 random bits from the operating system's generator. Deliberately not seeded: a token must
/// not be predictable.
fn new_token() -> String {
    use rand::Rng;
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The app, for serving or for driving in tests.
pub(crate) fn router(journal: Journal, catalog: RegionCatalog, token: Option<String>) -> Router {
    let page_html = PAGE_HTML
        .replace("/*{{CSS}}*/", PAGE_CSS)
        .replace("/*{{JS}}*/", PAGE_JS);
    let state = Arc::new(AppState {
        journal: Mutex::new(journal),
        catalog,
        token,
        page: page_html,
    });
    Router::new()
        .route("/", get(page))
        .route("/api/state", get(session))
        .route("/api/sentence/{pos}", get(sentence))
        .route("/api/edit", post(edit))
        .route("/api/undo", post(undo))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no such page") })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response()
    }
}

impl From<ApplyError> for ApiError {
    fn from(err: ApplyError) -> Self {
        match err {
            ApplyError::Edit(e) => {
                let status = match e {
                    EditError::UnknownSentence(_) | EditError::UnknownMention { .. } => {
                        StatusCode::NOT_FOUND
                    }
                    EditError::NothingToUndo => StatusCode::CONFLICT,
                    EditError::SpanOutOfRange { .. }
                    | EditError::Overlap { .. }
                    | EditError::UnknownRegion(_) => StatusCode::UNPROCESSABLE_ENTITY,
                };
                ApiError::new(status, e.to_string())
            }
            ApplyError::Journal(e) => {
                tracing::error!("saving a label failed: {e}");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("the label was NOT saved: {e}"),
                )
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::new(rejection.status(), rejection.body_text())
    }
}

/// Constant-time comparison, so the token cannot be guessed byte by byte from timings.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn query_token(query: Option<&str>) -> Option<&str> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
}

/// Access control and security headers for every request.
async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    match &state.token {
        Some(token) => {
            let offered = request
                .headers()
                .get("x-uptake-token")
                .and_then(|v| v.to_str().ok())
                .or_else(|| query_token(request.uri().query()));
            if !offered.is_some_and(|t| same_secret(t.as_bytes(), token.as_bytes())) {
                return ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "missing or wrong access token (open the address the server printed)",
                )
                .into_response();
            }
        }
        None => {
            // Without a token the server is loopback-only; refusing foreign Host headers stops a
            // web page elsewhere from reaching it through DNS rebinding.
            if !host_is_loopback(request.headers()) {
                return ApiError::new(StatusCode::FORBIDDEN, "only local requests are served")
                    .into_response();
            }
        }
    }
    // A declared length over the limit is refused from the headers, before any body is read:
    // the client gets its 413 at once instead of a connection closed under a half-sent body.
    let declared_len = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let mut response = if declared_len.is_some_and(|n| n > MAX_BODY_BYTES) {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body too large (at most 16 KiB)",
        )
        .into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn host_is_loopback(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
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

async fn page(State(state): State<Arc<AppState>>) -> Html<String> {
    Html(state.page.clone())
}

#[derive(Serialize)]
struct MentionView {
    index: usize,
    start: usize,
    end: usize,
    region: String,
    display_name: String,
    decision: Option<Decision>,
    added: bool,
}

#[derive(Serialize)]
struct SentenceView {
    pos: usize,
    id: String,
    exam_id: Option<String>,
    section: Option<String>,
    text: String,
    context_before: String,
    context_after: String,
    mentions: Vec<MentionView>,
    finished: bool,
}

#[derive(Serialize)]
struct RegionCountView {
    region: String,
    display_name: String,
    #[serde(flatten)]
    counts: crate::journal::RegionCounts,
}

#[derive(Serialize)]
struct ProgressView {
    total: usize,
    finished: usize,
    first_open: Option<usize>,
    can_undo: bool,
    counts: Vec<RegionCountView>,
}

#[derive(Serialize)]
struct SessionView {
    annotator: Option<String>,
    regions: Vec<RegionInfo>,
    progress: ProgressView,
}

#[derive(Serialize)]
struct ChangeView {
    sentence: SentenceView,
    progress: ProgressView,
}

fn sentence_view(journal: &Journal, catalog: &RegionCatalog, pos: usize) -> Option<SentenceView> {
    let c = journal.candidate(pos)?;
    let state = journal.state(pos)?;
    Some(SentenceView {
        pos,
        id: c.id.clone(),
        exam_id: c.exam_id.clone(),
        section: c.section.clone(),
        text: c.text.clone(),
        context_before: c.context_before.clone(),
        context_after: c.context_after.clone(),
        mentions: state
            .iter()
            .enumerate()
            .map(|(index, m)| MentionView {
                index,
                start: m.start,
                end: m.end,
                region: m.region.clone(),
                display_name: catalog.display_name(&m.region).to_string(),
                decision: m.decision,
                added: m.added,
            })
            .collect(),
        finished: journal.is_finished(pos),
    })
}

fn progress_view(journal: &Journal, catalog: &RegionCatalog) -> ProgressView {
    ProgressView {
        total: journal.len(),
        finished: journal.finished_count(),
        first_open: journal.first_open(),
        can_undo: journal.can_undo(),
        counts: journal
            .region_counts()
            .into_iter()
            .map(|(region, counts)| RegionCountView {
                display_name: catalog.display_name(&region).to_string(),
                region,
                counts,
            })
            .collect(),
    }
}

async fn session(State(state): State<Arc<AppState>>) -> Json<SessionView> {
    let journal = state.journal();
    Json(SessionView {
        annotator: journal.annotator().map(str::to_string),
        regions: state.catalog.regions().to_vec(),
        progress: progress_view(&journal, &state.catalog),
    })
}

async fn sentence(
    State(state): State<Arc<AppState>>,
    Path(pos): Path<String>,
) -> Result<Json<SentenceView>, ApiError> {
    let pos: usize = pos
        .parse()
        .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "the position must be a number"))?;
    let journal = state.journal();
    sentence_view(&journal, &state.catalog, pos)
        .map(Json)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!(
                    "no sentence at position {pos} (the sample has {})",
                    journal.len()
                ),
            )
        })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EditRequest {
    id: String,
    edit: Edit,
}

async fn edit(
    State(state): State<Arc<AppState>>,
    body: Result<Json<EditRequest>, JsonRejection>,
) -> Result<Json<ChangeView>, ApiError> {
    let Json(request) = body?;
    let mut journal = state.journal();
    let pos = journal.apply(&request.id, &request.edit, &state.catalog)?;
    tracing::debug!(pos, "sentence changed");
    Ok(Json(change_view(&journal, &state.catalog, pos)))
}

async fn undo(State(state): State<Arc<AppState>>) -> Result<Json<ChangeView>, ApiError> {
    let mut journal = state.journal();
    let pos = journal.undo()?;
    tracing::debug!(pos, "change undone");
    Ok(Json(change_view(&journal, &state.catalog, pos)))
}

fn change_view(journal: &Journal, catalog: &RegionCatalog, pos: usize) -> ChangeView {
    ChangeView {
        sentence: sentence_view(journal, catalog, pos).expect("a position the journal returned"),
        progress: progress_view(journal, catalog),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_host_headers_are_recognised() {
        let host = |h: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::HOST, HeaderValue::from_str(h).unwrap());
            host_is_loopback(&m)
        };
        assert!(host("127.0.0.1:8765"));
        assert!(host("localhost:1"));
        assert!(host("[::1]:8765"));
        assert!(!host("evil.example:8765"));
        assert!(!host("10.0.0.2"));
    }

    #[test]
    fn tokens_are_fresh_and_compared_exactly() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(same_secret(a.as_bytes(), a.clone().as_bytes()));
        assert!(!same_secret(a.as_bytes(), b.as_bytes()));
        assert!(!same_secret(a.as_bytes(), &a.as_bytes()[..31]));
        assert_eq!(query_token(Some("x=1&token=abc")), Some("abc"));
    }
}
