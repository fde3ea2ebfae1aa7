//! Switchboard sandbox: a local HTTP server that speaks the Webex Calling admin REST API wire
//! contract (paths under `/v1`, camelCase JSON, wrapper keys, Link paging, Webex error bodies),
//! written from the offline Webex reference. It is both the CLI's default target and a test double.
//!
//! State lives in memory; with a `state_dir` it is loaded from / persisted to `<dir>/org.json`.
//! One sandbox (one process) owns a state dir at a time: a second one is refused with
//! [`OrgInUse`] naming the owner and its URL (or waits `SandboxOptions::lock_timeout` for it);
//! [`org_owner`] tells a client where to send requests instead.
//!
//! Sandbox choices where the reference is silent or real Webex needs machinery the sandbox lacks:
//! * every location is Webex Calling-enabled on creation; enabling again answers 200 `{"id"}`;
//! * deleting a location is refused (400/6675) while people, numbers, trunks or schedules use it;
//! * duplicate names answer 409 (27601 for locations and premises PSTN objects, 25030 for
//!   schedules and events); deleting a referenced trunk or route group answers 400/6675 (also as
//!   the top-level `errorCode`, as Webex answers a delete of a still-referenced object);
//! * trunk `status` is always `offline` (nothing registers), `trunkTypes` values are invented;
//! * the seeded org has no trunks, route groups, dial plans or schedules (`write_seeded_org` writes
//!   a large generated org for scale runs; [`generated_person`] says what it holds); Madrid
//!   Branch is on Cisco PSTN, the other seeded locations have no PSTN connection, so numbers can
//!   be added only after a local gateway or non-integrated CCP connection is set up;
//! * person call settings exist for calling users only (404 otherwise); `Webex Calling - Basic`
//!   has no call recording (400/4410);
//! * `SandboxOptions::faults` injects production-like faults on `/v1` (the kit's `faults.rs`), and
//!   `GET /_sandbox/stats` (no auth) counts the `/v1` requests (by method, route and status) and
//!   the faults met.
//!
//! The server loop, faults, stats, store and indexed tables come from `switchboard-sandbox-kit`;
//! this crate is the Webex wire contract only (routes, model, seed, error bodies, ids).

mod errors;
mod extract;
mod fields;
mod http;
mod ids;
mod large_org;
mod model;
mod pagination;
mod records;
mod routes;
mod seed;

pub use large_org::{GeneratedPerson, SeedSpec, generated_person, site_name, write_seeded_org};
pub use switchboard_sandbox_kit::{FailRequest, FaultConfig, LockHolder, OrgInUse, StatsSnapshot};

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use switchboard_sandbox_kit::{FaultLayer, Server, Stats, Store};

use crate::model::Org;

pub struct SandboxOptions {
    /// `None` = purely in memory; `Some(dir)` = load `dir/org.json` if present, else seed and create
    /// it; changes are persisted there.
    pub state_dir: Option<PathBuf>,
    /// Usually `127.0.0.1:0` (ephemeral port).
    pub bind: SocketAddr,
    /// Injected faults on `/v1` (default: none). See [`FaultConfig`].
    pub faults: FaultConfig,
    /// How long to wait for another process (or sandbox) that owns `state_dir` to let go before
    /// failing with [`OrgInUse`]; `Duration::ZERO` (the default) fails at once.
    pub lock_timeout: Duration,
}

impl Default for SandboxOptions {
    /// In memory, on an ephemeral loopback port, no faults, no waiting.
    fn default() -> Self {
        Self {
            state_dir: None,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            faults: FaultConfig::default(),
            lock_timeout: Duration::ZERO,
        }
    }
}

/// Who owns the org in `state_dir` right now (`None`: nobody; a sandbox may open it). Its `url`
/// (`http://ip:port`, add `/v1`) is where requests for that org must go while it runs.
pub fn org_owner(state_dir: &Path) -> anyhow::Result<Option<LockHolder>> {
    switchboard_sandbox_kit::lockfile::probe(state_dir)
}

/// A started sandbox. Call [`RunningSandbox::shutdown`] to stop it and be sure the state is on disk;
/// merely dropping it also stops the server and flushes in the background, but only while the
/// tokio runtime keeps running.
pub struct RunningSandbox {
    server: Server<Org>,
    stats: Arc<Stats>,
}

impl RunningSandbox {
    /// e.g. `http://127.0.0.1:43123/v1` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.server.origin())
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The `/v1` request counters (also served at `GET /_sandbox/stats`).
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// Graceful stop, then a final flush of the state to disk.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        self.server.shutdown().await
    }
}

pub async fn start(options: SandboxOptions) -> anyhow::Result<RunningSandbox> {
    options
        .faults
        .validate()
        .map_err(|e| anyhow::anyhow!("invalid fault configuration: {e}"))?;
    let (state_dir, lock_timeout) = (options.state_dir, options.lock_timeout);
    // Waiting for the dir's lock blocks.
    let store = tokio::task::spawn_blocking(move || {
        Store::open_waiting(state_dir.as_deref(), seed::seed_org, lock_timeout)
    })
    .await??;
    let store = Arc::new(store);
    let org_id: Arc<str> = store.read(|org| org.id.as_str().into());
    let stats = Arc::new(Stats::default());
    let faults = FaultLayer::new(
        "/v1",
        &options.faults,
        stats.clone(),
        errors::render_kit_error,
    );
    let app = routes::router(store.clone(), org_id, faults)
        .merge(switchboard_sandbox_kit::stats::routes(stats.clone()));
    let server = Server::launch(options.bind, app, store).await?;
    Ok(RunningSandbox { server, stats })
}
