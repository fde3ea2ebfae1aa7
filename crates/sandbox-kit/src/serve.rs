//! The sandbox's own accept loop (instead of `axum::serve`), so that a request can close its
//! connection without any response: each connection gets a [`ConnectionKill`] handle in the
//! request extensions, and its task stops (dropping the socket) when the handle fires.
//! HTTP/1.1 and HTTP/2 via hyper-util's auto builder; graceful stop waits for open connections.
//! [`Server`] ties the loop to a [`Store`]'s background flusher and final flush, advertises its
//! URL in the store's lock file, and releases the store's dir when it stops.
//! Idle and slow connections are timed out and the number of connections is capped
//! ([`ServerLimits`], see `conn.rs`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::task::JoinHandle;

use crate::conn::{Connections, ServerLimits, Timed, Tracked};
use crate::store::{StateFile, Store};

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tower_service::Service as _;

/// How long `Server::shutdown` waits for in-flight requests before dropping them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running server and its store's flusher.
pub struct Server<O> {
    addr: SocketAddr,
    store: Arc<Store<O>>,
    stop: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
    flusher: JoinHandle<()>,
}

impl<O: StateFile> Server<O> {
    /// Bind `bind`, serve `app` with the default [`ServerLimits`], and flush `store` in the
    /// background.
    pub async fn launch(
        bind: SocketAddr,
        app: Router,
        store: Arc<Store<O>>,
    ) -> anyhow::Result<Self> {
        Self::launch_with(bind, app, store, ServerLimits::default()).await
    }

    /// [`Server::launch`] with explicit timeouts and connection cap.
    pub async fn launch_with(
        bind: SocketAddr,
        app: Router,
        store: Arc<Store<O>>,
        limits: ServerLimits,
    ) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(bind)
            .await
            .with_context(|| format!("binding sandbox to {bind}"))?;
        let addr = listener.local_addr()?;
        let (stop, stop_rx) = watch::channel(false);
        let server = tokio::spawn(serve_with(listener, app, stop_rx.clone(), limits));
        let flusher = tokio::spawn(store.clone().run_flusher(stop_rx));
        tracing::debug!(%addr, "sandbox listening");
        let server = Self {
            addr,
            store,
            stop,
            server,
            flusher,
        };
        server.store.advertise(&server.origin())?;
        Ok(server)
    }

    /// The bound address (the real port when bound to port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ip:port` a client can connect to (a wildcard bind becomes loopback).
    pub fn origin(&self) -> String {
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}", SocketAddr::new(ip, self.addr.port()))
    }

    /// Graceful stop, then a final flush of the state to disk.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        let mut server = self.server;
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut server).await {
            Ok(joined) => joined
                .context("sandbox server task failed")?
                .context("sandbox server error")?,
            Err(_) => server.abort(),
        }
        let _ = self.flusher.await;
        // Requests that finished during the graceful stop may have changed state after the
        // flusher's last write.
        // Then hand the dir over: connections cut off by the grace period may still hold the
        // store, but nothing of it is written any more.
        let store = self.store;
        tokio::task::spawn_blocking(move || store.release())
            .await
            .context("final flush task failed")??;
        Ok(())
    }
}

/// Closes the connection that carried the request (see `middleware::drop_connection`).
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
/// to finish their in-flight requests. Default [`ServerLimits`].
pub async fn serve(
    listener: TcpListener,
    app: Router,
    stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    serve_with(listener, app, stop, ServerLimits::default()).await
}

/// [`serve`] with explicit timeouts and connection cap.
pub async fn serve_with(
    listener: TcpListener,
    app: Router,
    mut stop: watch::Receiver<bool>,
    limits: ServerLimits,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let connections = Connections::new(limits);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    builder.http2().timer(TokioTimer::new());
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
        let slot = tokio::select! {
            slot = connections.admit() => slot,
            () = &mut stopping => break,
        };
        // At the cap with every connection busy: close this one (the client may retry).
        let Some(slot) = slot else { continue };
        let _ = stream.set_nodelay(true);
        let kill = ConnectionKill::default();
        let service = {
            let app = app.clone();
            let kill = kill.clone();
            let activity = slot.state();
            let body_timeout = connections.limits().body_timeout;
            hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                let guard = activity.begin();
                req.extensions_mut().insert(kill.clone());
                let mut app = app.clone();
                let req = req.map(|body| Body::new(Timed::new(body, body_timeout)));
                async move {
                    let response = app.call(req).await?;
                    Ok::<_, std::convert::Infallible>(response.map(|inner| Tracked {
                        inner,
                        _guard: guard,
                    }))
                }
            })
        };
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        let idle_timeout = connections.limits().idle_timeout;
        tokio::spawn(async move {
            tokio::select! {
                result = connection => {
                    if let Err(e) = result {
                        tracing::trace!(error = %e, "sandbox connection ended with an error");
                    }
                }
                () = kill.killed() => tracing::trace!("sandbox dropped a connection (fault injection)"),
                () = slot.expired(idle_timeout) => {}
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
