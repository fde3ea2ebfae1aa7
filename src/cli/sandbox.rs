//! `switchboard sandbox …`: run the embedded Webex-compatible sandbox on a port (optionally with
//! injected faults), send it a raw request (to change things out of band, e.g. to create drift),
//! seed a large org, or reset its org.
//!
//! One process owns a sandbox org at a time (the sandbox locks its dir): a second `serve` on the
//! same dir fails naming the owner, and `request` goes through the server that owns the org when
//! there is one (so its change is neither lost nor overwritten), opening the org itself otherwise.

use super::Context;
use anyhow::Context as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use switchboard_sandbox::{FaultConfig, OrgInUse};

mod seed;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Serve the sandbox until interrupted (Ctrl-C).
    Serve {
        /// 0 picks a free port; the URL is printed on the first line.
        #[arg(long, default_value_t = 8765)]
        port: u16,
        /// Where its org is kept (default: <state-dir>/sandbox).
        #[arg(long)]
        sandbox_dir: Option<PathBuf>,
        #[command(flatten)]
        faults: FaultArgs,
    },
    /// Write a large generated org (`Site 0001`…) and, with --manifests, matching manifests.
    Seed(seed::Args),
    /// Send one raw HTTP request to the sandbox's org, e.g. `request PUT /locations/ID --body '{…}'`.
    /// While a sandbox serves that org (e.g. `sandbox serve`), the request is sent to it.
    Request {
        method: String,
        /// Path under /v1, e.g. /telephony/config/premisePstn/trunks
        path: String,
        #[arg(long)]
        body: Option<String>,
        #[arg(long)]
        sandbox_dir: Option<PathBuf>,
    },
    /// Forget the sandbox's org; the next start seeds a fresh one.
    Reset {
        #[arg(long)]
        sandbox_dir: Option<PathBuf>,
    },
}

/// Fault injection for `serve`: a file, then individual overrides.
#[derive(Debug, clap::Args)]
pub struct FaultArgs {
    /// YAML or JSON fault configuration (camelCase keys: seed, rateLimit, burst, latencyMs,
    /// jitterMs, errorRate, dropRate, slowRate, slowMs, appliedButFailRate, and failRequests:
    /// `[{method, pathContains, nth, status}]` fails the nth matching request unapplied).
    #[arg(long, value_name = "FILE")]
    faults: Option<PathBuf>,
    /// Seed of the fault dice (same seed, same fault sequence).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Requests per second over all /v1 requests; beyond it, 429 with Retry-After.
    #[arg(long, value_name = "RPS")]
    rate_limit: Option<f64>,
    /// Token-bucket size (default: ceil(rate limit)).
    #[arg(long, value_name = "N")]
    burst: Option<u32>,
    /// Delay added to every /v1 request.
    #[arg(long, value_name = "MS")]
    latency_ms: Option<u64>,
    /// Extra uniform random delay in [0, MS].
    #[arg(long, value_name = "MS")]
    jitter_ms: Option<u64>,
    /// Probability of a 500/502/503 before the request is processed.
    #[arg(long, value_name = "P")]
    error_rate: Option<f64>,
    /// Probability that the connection is closed without a response.
    #[arg(long, value_name = "P")]
    drop_rate: Option<f64>,
    /// Probability that a response is delayed by --slow-ms (the request is still applied).
    #[arg(long, value_name = "P")]
    slow_rate: Option<f64>,
    /// Delay of a slow response.
    #[arg(long, value_name = "MS")]
    slow_ms: Option<u64>,
    /// Probability that a POST is applied but answers 500/502/503.
    #[arg(long, value_name = "P")]
    applied_but_fail_rate: Option<f64>,
}

impl FaultArgs {
    /// The file (if any) with the flags on top, validated.
    fn resolve(self) -> anyhow::Result<FaultConfig> {
        let mut config = match &self.faults {
            Some(file) => read_fault_file(file)?,
            None => FaultConfig::default(),
        };
        fn set<T>(slot: &mut T, value: Option<T>) {
            if let Some(v) = value {
                *slot = v;
            }
        }
        set(&mut config.seed, self.seed);
        if self.rate_limit.is_some() {
            config.rate_limit = self.rate_limit;
        }
        if self.burst.is_some() {
            config.burst = self.burst;
        }
        set(&mut config.latency_ms, self.latency_ms);
        set(&mut config.jitter_ms, self.jitter_ms);
        set(&mut config.error_rate, self.error_rate);
        set(&mut config.drop_rate, self.drop_rate);
        set(&mut config.slow_rate, self.slow_rate);
        set(&mut config.slow_ms, self.slow_ms);
        set(
            &mut config.applied_but_fail_rate,
            self.applied_but_fail_rate,
        );
        config.validate().map_err(|e| {
            anyhow::anyhow!(
                "invalid fault configuration: {e} (check --faults FILE and the --*-rate flags)"
            )
        })?;
        Ok(config)
    }
}

fn read_fault_file(file: &Path) -> anyhow::Result<FaultConfig> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("reading fault configuration {}", file.display()))?;
    // JSON is read as YAML too (flow style), so one parser serves both.
    serde_saphyr::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: not a valid fault configuration: {e}", file.display()))
}

/// Start the sandbox on loopback with the given faults (`target::start_sandbox` = no faults).
pub async fn start_sandbox_with(
    state_dir: Option<PathBuf>,
    port: u16,
    faults: FaultConfig,
) -> anyhow::Result<switchboard_sandbox::RunningSandbox> {
    switchboard_sandbox::start(switchboard_sandbox::SandboxOptions {
        state_dir,
        bind: ([127, 0, 0, 1], port).into(),
        faults,
        lock_timeout: Duration::ZERO,
    })
    .await
}

/// How long `request` waits for the owner of a busy org to advertise its URL.
const OWNER_URL_WAIT: Duration = Duration::from_secs(5);

/// Send one request to the org in `dir`: through the sandbox that owns it if one runs, else
/// through an embedded sandbox over the dir (which owns it for the duration).
async fn request_org(
    dir: &Path,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> anyhow::Result<(u16, String)> {
    let deadline = Instant::now() + OWNER_URL_WAIT;
    loop {
        let err = match start_sandbox_with(Some(dir.to_path_buf()), 0, FaultConfig::default()).await
        {
            Ok(sandbox) => {
                let result = send(&sandbox.base_url(), method, path, body).await;
                sandbox.shutdown().await?;
                return result;
            }
            Err(e) => e,
        };
        let Some(busy) = err.downcast_ref::<OrgInUse>() else {
            return Err(err);
        };
        if let Some(url) = busy.holder.as_ref().and_then(|h| h.url.as_deref()) {
            eprintln!("Sending to the sandbox that serves this org at {url}.");
            return send(&format!("{url}/v1"), method, path, body).await;
        }
        // Owned, but its server is not listening yet (or it is a `sandbox seed`): wait a little.
        if Instant::now() >= deadline {
            return Err(err);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn run(ctx: &Context, command: Command) -> anyhow::Result<i32> {
    let default_dir = || ctx.state_dir.join("sandbox");
    match command {
        Command::Serve {
            port,
            sandbox_dir,
            faults,
        } => {
            let faults = faults.resolve()?;
            let active = faults.is_active();
            // Listen for SIGTERM before announcing the port: a supervisor that reads the banner
            // and stops us at once must get the clean, flushing exit, not the default kill.
            let stop = stop_signal()?;
            let sandbox =
                start_sandbox_with(Some(sandbox_dir.unwrap_or_else(default_dir)), port, faults)
                    .await?;
            let mut banner = format!(
                "Sandbox listening on {}\nAny bearer token is accepted, e.g. WEBEX_ACCESS_TOKEN=sandbox. Ctrl-C stops it.\n",
                sandbox.base_url()
            );
            if active {
                banner.push_str(&format!(
                    "Fault injection is on; counters at {}\n",
                    sandbox.base_url().replace("/v1", "/_sandbox/stats")
                ));
            }
            // Whoever started us may stop reading stdout; the server must keep serving then.
            {
                use std::io::Write;
                let mut out = std::io::stdout();
                let _ = out.write_all(banner.as_bytes());
                let _ = out.flush();
            }
            stop.await?;
            sandbox.shutdown().await?;
            Ok(super::EXIT_OK)
        }
        Command::Seed(args) => seed::run(args, default_dir()),
        Command::Request {
            method,
            path,
            body,
            sandbox_dir,
        } => {
            let dir = sandbox_dir.unwrap_or_else(default_dir);
            let (status, text) = request_org(&dir, &method, &path, body.as_deref()).await?;
            println!("{text}");
            Ok(if (200..300).contains(&status) {
                super::EXIT_OK
            } else {
                super::EXIT_ERROR
            })
        }
        Command::Reset { sandbox_dir } => {
            let dir = sandbox_dir.unwrap_or_else(default_dir);
            if let Some(holder) = switchboard_sandbox::org_owner(&dir)? {
                let busy = OrgInUse {
                    dir: dir.clone(),
                    holder: Some(holder),
                    waited: Duration::ZERO,
                };
                anyhow::bail!("not resetting: {busy}");
            }
            if dir.exists() {
                std::fs::remove_dir_all(&dir)?;
            }
            println!(
                "Sandbox org at {} reset; the next start seeds a new one.",
                dir.display()
            );
            Ok(super::EXIT_OK)
        }
    }
}

/// Ctrl-C, or SIGTERM from a supervisor: either way the org is flushed before exiting. The
/// handlers are installed when this is called, not when the future is first polled.
#[cfg(unix)]
fn stop_signal() -> anyhow::Result<impl std::future::Future<Output = anyhow::Result<()>>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = term.recv() => {}
        }
        Ok(())
    })
}

#[cfg(not(unix))]
fn stop_signal() -> anyhow::Result<impl std::future::Future<Output = anyhow::Result<()>>> {
    Ok(async { Ok(tokio::signal::ctrl_c().await?) })
}

async fn send(
    base: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> anyhow::Result<(u16, String)> {
    let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes())?;
    let mut request = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth("sandbox-token");
    if let Some(body) = body {
        let json: serde_json::Value =
            serde_json::from_str(body).map_err(|e| anyhow::anyhow!("--body is not JSON: {e}"))?;
        request = request.json(&json);
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let text = response.text().await?;
    let pretty = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or(text);
    Ok((status, pretty))
}
