//! Switchboard sandbox: a local HTTP server that speaks the Webex Calling admin REST API wire
//! contract (paths under `/v1`, camelCase JSON, wrapper keys, Link paging, Webex error bodies),
//! written from the offline Webex reference. It is both the CLI's default target and a test double.
//!
//! State lives in memory; with a `state_dir` it is loaded from / persisted to `<dir>/org.json`.
//!
//! Sandbox choices where the reference is silent or real Webex needs machinery the sandbox lacks:
//! * every location is Webex Calling-enabled on creation; enabling again answers 200 `{"id"}`;
//! * deleting a location is refused (400/6675) while people, numbers, trunks or schedules use it;
//! * duplicate names answer 409 (27601 for locations and premises PSTN objects, 25030 for
//!   schedules and events); deleting a referenced trunk or route group answers 400/6675;
//! * trunk `status` is always `offline` (nothing registers), `trunkTypes` values are invented;
//! * the seeded org has no trunks, route groups, dial plans or schedules (`write_seeded_org` writes
//!   a large generated org for scale runs);
//! * `SandboxOptions::faults` injects production-like faults on `/v1` (see `faults.rs`), and
//!   `GET /_sandbox/stats` (no auth) counts the `/v1` requests and the faults met.

mod errors;
mod extract;
mod faults;
mod fields;
mod http;
mod ids;
mod large_org;
mod model;
mod pagination;
mod routes;
mod seed;
mod serve;
mod stats;
mod store;

pub use faults::FaultConfig;
pub use large_org::{SeedSpec, write_seeded_org};
pub use stats::StatsSnapshot;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::faults::{FaultLayer, Faults};
use crate::stats::Stats;
use crate::store::Store;

/// How long `shutdown` waits for in-flight requests before dropping them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

pub struct SandboxOptions {
    /// `None` = purely in memory; `Some(dir)` = load `dir/org.json` if present, else seed and create
    /// it; changes are persisted there.
    pub state_dir: Option<PathBuf>,
    /// Usually `127.0.0.1:0` (ephemeral port).
    pub bind: SocketAddr,
    /// Injected faults on `/v1` (default: none). See [`FaultConfig`].
    pub faults: FaultConfig,
}

/// A started sandbox. Call [`RunningSandbox::shutdown`] to stop it and be sure the state is on disk;
/// merely dropping it also stops the server and flushes in the background, but only while the
/// tokio runtime keeps running.
pub struct RunningSandbox {
    addr: SocketAddr,
    store: Arc<Store>,
    stats: Arc<Stats>,
    stop: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
    flusher: JoinHandle<()>,
}

impl RunningSandbox {
    /// e.g. `http://127.0.0.1:43123/v1` (no trailing slash).
    pub fn base_url(&self) -> String {
        // A wildcard bind is not a connectable address; point clients at loopback instead.
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}/v1", SocketAddr::new(ip, self.addr.port()))
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The `/v1` request counters (also served at `GET /_sandbox/stats`).
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
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
        let store = self.store;
        tokio::task::spawn_blocking(move || store.flush())
            .await
            .context("final flush task failed")??;
        Ok(())
    }
}

pub async fn start(options: SandboxOptions) -> anyhow::Result<RunningSandbox> {
    options
        .faults
        .validate()
        .map_err(|e| anyhow::anyhow!("invalid fault configuration: {e}"))?;
    let store = Arc::new(Store::open(options.state_dir.as_deref())?);
    let listener = tokio::net::TcpListener::bind(options.bind)
        .await
        .with_context(|| format!("binding sandbox to {}", options.bind))?;
    let addr = listener.local_addr()?;
    let (stop, stop_rx) = watch::channel(false);

    let stats = Arc::new(Stats::default());
    let fault_layer = FaultLayer {
        faults: options
            .faults
            .is_active()
            .then(|| Arc::new(Faults::new(options.faults.clone()))),
        stats: stats.clone(),
    };
    let app = routes::router(store.clone(), fault_layer).merge(stats::routes(stats.clone()));
    let server = tokio::spawn(serve::serve(listener, app, stop_rx.clone()));
    let flusher = tokio::spawn(store.clone().run_flusher(stop_rx));
    tracing::debug!(%addr, "sandbox listening");
    Ok(RunningSandbox {
        addr,
        store,
        stats,
        stop,
        server,
        flusher,
    })
}
