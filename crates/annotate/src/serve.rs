//! Serving a session until Ctrl-C or SIGTERM, for a program without an async runtime of its
//! own (`uptake annotate`).

use crate::server::{ServeOptions, Server, ServerError};
use crate::session::Session;
use crate::signals::stop_signal;

/// Binds the server of `session`, hands it to `ready` (to show its address) and serves until
/// SIGINT or SIGTERM; requests in flight finish first, so every answered label is saved.
pub fn serve(
    session: Session,
    options: &ServeOptions,
    ready: impl FnOnce(&Server),
) -> Result<(), ServerError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(ServerError::Runtime)?;
    runtime.block_on(async move {
        let server = Server::bind(session.journal, session.catalog, options).await?;
        let stop = stop_signal().map_err(ServerError::Signals)?;
        ready(&server);
        server.run_until(stop).await
    })
}
