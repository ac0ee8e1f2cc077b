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
//! Every request passes the access rules first (see `access.rs`: loopback `Host` or the token,
//! and for changes the own origin, the session token in `X-Uptake-Token`, and JSON); a refused
//! request reaches no handler, so it is never journalled.
//!
//! Errors are JSON `{"error": "..."}` with a 4xx for bad requests (400 malformed, 401 missing
//! or wrong access token, 403 foreign Host header, foreign origin or missing session token,
//! 404 unknown sentence/mention, 409 nothing to undo, 413 body too large, 415 not JSON, 422
//! bad span/region) and 500 only when saving fails. Nothing is logged of report text: logs
//! name positions and ids at most.

use crate::access::{Reach, RequestHead};
use crate::candidate::{RegionCatalog, RegionInfo};
use crate::journal::{ApplyError, Decision, Edit, EditError, Journal};
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Request bodies are a few hundred bytes; anything far larger is refused with 413.
pub(crate) const MAX_BODY_BYTES: usize = 16 * 1024;

/// After the stop signal, how long requests in flight may take to finish. Saving a label takes
/// milliseconds; this only bounds a client that stalls mid-request.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

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
    /// No session token could be drawn.
    #[error("the operating system's random number generator failed: {0}")]
    Randomness(String),
    /// The async runtime cannot start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// The stop signals cannot be listened for.
    #[error("cannot listen for SIGINT/SIGTERM: {0}")]
    Signals(std::io::Error),
}

struct AppState {
    journal: Mutex<Journal>,
    catalog: RegionCatalog,
    token: String,
    reach: Reach,
    page: String,
}

impl AppState {
    fn journal(&self) -> MutexGuard<'_, Journal> {
        // No handler panics while holding the lock; if one ever did, the journal on disk is
        // still consistent (each record is whole), so carry on with the in-memory state.
        self.journal.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A bound server, ready to run. It prints as what a person needs to know: where the labels
/// go, the address to open, how to stop and resume.
pub struct Server {
    listener: tokio::net::TcpListener,
    app: Router,
    token: String,
    reach: Reach,
    addr: SocketAddr,
    out_path: PathBuf,
    log_path: PathBuf,
}

impl Server {
    /// Binds the listening socket and draws a fresh session token (OS randomness). Off
    /// loopback (or with `require_token`) every request must carry it and [`Server::url`] does.
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
        let token =
            crate::access::new_token().map_err(|e| ServerError::Randomness(e.to_string()))?;
        let reach = if options.require_token || !options.host.is_loopback() {
            Reach::TokenEverywhere
        } else {
            Reach::Loopback
        };
        let (out_path, log_path) = (
            journal.out_path().to_path_buf(),
            journal.log_path().to_path_buf(),
        );
        let app = router(journal, catalog, token.clone(), reach);
        Ok(Self {
            listener,
            app,
            token,
            reach,
            addr,
            out_path,
            log_path,
        })
    }

    /// The address bound (with the port picked when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The access token, when every request must carry it (off loopback).
    pub fn token(&self) -> Option<&str> {
        (self.reach == Reach::TokenEverywhere).then_some(self.token.as_str())
    }

    /// The session's secret: the page embeds it, and every state-changing request must carry
    /// it in the `X-Uptake-Token` header.
    pub fn session_token(&self) -> &str {
        &self.token
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
        match self.token() {
            Some(t) => format!("http://{host}:{}/?token={t}", self.addr.port()),
            None => format!("http://{host}:{}/", self.addr.port()),
        }
    }

    /// Serves until `shutdown` completes (e.g. [`stop_signal`](crate::stop_signal)), then
    /// stops taking requests and lets those in flight finish (for at most a few seconds), so
    /// every change answered is saved and no temporary file is left. Every change is on disk
    /// before it is answered, so stopping at any moment (even by SIGKILL) loses nothing.
    pub async fn run_until<F>(self, shutdown: F) -> Result<(), ServerError>
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let (stopping, stopped) = tokio::sync::oneshot::channel::<()>();
        let serve = axum::serve(self.listener, self.app).with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stopping.send(());
        });
        let grace_over = async move {
            if stopped.await.is_ok() {
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            served = serve.into_future() => served.map_err(ServerError::Serve),
            () = grace_over => {
                tracing::warn!("requests still open {SHUTDOWN_GRACE:?} after the stop signal were dropped");
                Ok(())
            }
        }
    }
}

impl std::fmt::Display for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "Labels go to {} (journal {}); every label is on disk before the page shows it saved.",
            self.out_path.display(),
            self.log_path.display()
        )?;
        match self.token() {
            Some(_) => writeln!(
                f,
                "Listening on {} with a one-time access token; open exactly this address:",
                self.addr
            )?,
            None => writeln!(f, "Open:")?,
        }
        writeln!(f, "  {}", self.url())?;
        if self.addr.ip().is_unspecified() {
            writeln!(
                f,
                "  (from another machine, put this machine's name in place of 127.0.0.1)"
            )?;
        }
        writeln!(
            f,
            "Ctrl-C (or SIGTERM) stops the server; run the same command again to resume."
        )
    }
}

/// The app, for serving or for driving in tests.
fn router(journal: Journal, catalog: RegionCatalog, token: String, reach: Reach) -> Router {
    let page_html = PAGE_HTML
        .replace("/*{{CSS}}*/", PAGE_CSS)
        .replace("/*{{JS}}*/", PAGE_JS)
        .replace("{{TOKEN}}", &token);
    let state = Arc::new(AppState {
        journal: Mutex::new(journal),
        catalog,
        token,
        reach,
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

/// Access control and security headers for every request.
async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let head = RequestHead {
        method: request.method(),
        headers: request.headers(),
        query: request.uri().query(),
    };
    if let Err(refusal) = crate::access::check(&head, &state.token, state.reach) {
        tracing::debug!(status = %refusal.status, "request refused");
        return with_security_headers(
            ApiError::new(refusal.status, refusal.message).into_response(),
        );
    }
    // A declared length over the limit is refused from the headers, before any body is read:
    // the client gets its 413 at once instead of a connection closed under a half-sent body.
    let declared_len = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let response = if declared_len.is_some_and(|n| n > MAX_BODY_BYTES) {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body too large (at most 16 KiB)",
        )
        .into_response()
    } else {
        next.run(request).await
    };
    with_security_headers(response)
}

fn with_security_headers(mut response: Response) -> Response {
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
