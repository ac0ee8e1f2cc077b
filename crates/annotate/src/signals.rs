//! Stopping on SIGINT (Ctrl-C) and SIGTERM (`kill`, service managers) instead of dying mid-save.

use std::future::Future;

/// Listens for SIGINT and SIGTERM from this call on and returns a future that completes at the
/// first of them; give it to [`Server::run_until`](crate::Server::run_until) for a graceful stop
/// (requests in flight finish, their files are complete, no temporary file is left). Must be
/// called inside a Tokio runtime with its I/O driver enabled.
pub fn stop_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => tracing::info!("SIGINT: stopping"),
                _ = terminate.recv() => tracing::info!("SIGTERM: stopping"),
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
