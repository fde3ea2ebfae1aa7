//! The sandbox's own accept loop (instead of `axum::serve`), so that a request can close its
//! connection without any response: each connection gets a [`ConnectionKill`] handle in the
//! request extensions, and its task stops (dropping the socket) when the handle fires.
//! HTTP/1.1 and HTTP/2 via hyper-util's auto builder; graceful stop waits for open connections.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tower_service::Service as _;

/// Closes the connection that carried the request (see `faults::drop_connection`).
#[derive(Clone, Default)]
pub struct ConnectionKill(Arc<Notify>);

impl ConnectionKill {
    pub fn kill(&self) {
        // `notify_one` keeps a permit if the connection task is not waiting at this instant.
        self.0.notify_one();
    }

    async fn killed(&self) {
        self.0.notified().await;
    }
}

/// Serve `app` until `stop` turns true (or its sender is dropped), then wait for open connections
/// to finish their in-flight requests.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let builder = auto::Builder::new(TokioExecutor::new());
    // Owns the receiver, so no watch guard is held across the accept loop's awaits.
    let mut stopping = std::pin::pin!(async move {
        let _ = stop.wait_for(|s| *s).await;
    });
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                // e.g. EMFILE: back off instead of spinning, as axum::serve does.
                Err(e) => {
                    tracing::debug!(error = %e, "sandbox accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stopping => break,
        };
        let _ = stream.set_nodelay(true);
        let kill = ConnectionKill::default();
        let service = {
            let app = app.clone();
            let kill = kill.clone();
            hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(kill.clone());
                let mut app = app.clone();
                async move { app.call(req.map(Body::new)).await }
            })
        };
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            tokio::select! {
                result = connection => {
                    if let Err(e) = result {
                        tracing::trace!(error = %e, "sandbox connection ended with an error");
                    }
                }
                () = kill.killed() => tracing::trace!("sandbox dropped a connection (fault injection)"),
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
