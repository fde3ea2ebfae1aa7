//! Turning a target name into a connected provider: the embedded sandbox (started in-process on
//! an ephemeral loopback port, reached through the same HTTP client as a real org) or Webex.

use crate::config::{Config, TargetConfig};
use crate::providers::Provider;
use crate::providers::webex::{
    WebexProvider,
    client::{DEFAULT_BASE_URL, WebexClient},
};
use crate::transport::{Gate, Limits};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Flags shared by every command that talks to a target.
#[derive(Debug, Clone, clap::Args)]
pub struct TargetArgs {
    /// Target name from switchboard.yaml (default: the embedded sandbox).
    #[arg(long, short = 't')]
    pub target: Option<String>,
    /// Webex access token (else WEBEX_ACCESS_TOKEN, else a .env file).
    #[arg(long, hide_env_values = true)]
    pub token: Option<String>,
    /// Per-request timeout, in seconds (default: the target's `limits`, else 30).
    #[arg(long)]
    pub request_timeout: Option<u64>,
    /// Steady requests per second to the target (overrides its `limits.requestsPerSecond`).
    #[arg(long)]
    pub rate_limit: Option<f64>,
    /// Attempts per request, the first included (overrides `limits.maxAttempts`).
    #[arg(long)]
    pub max_attempts: Option<u32>,
}

impl TargetArgs {
    /// The target's configured limits with this command's overrides.
    pub fn limits(&self, configured: Limits) -> Limits {
        let mut limits = configured;
        if let Some(t) = self.request_timeout {
            limits.request_timeout_secs = t.max(1);
        }
        if let Some(rate) = self.rate_limit {
            // 0 = no fixed rate, read as such by the pacer, as in switchboard.yaml.
            limits.requests_per_second = Some(rate);
        }
        if let Some(n) = self.max_attempts {
            limits.max_attempts = n.max(1);
        }
        limits
    }
}

pub struct Connected {
    pub name: String,
    pub provider: Arc<dyn Provider>,
    /// Every request to the target goes through it; its stats are the run's wire cost.
    pub gate: Arc<Gate>,
    sandbox: Option<switchboard_sandbox::RunningSandbox>,
}

impl Connected {
    /// Stop an embedded sandbox (flushing its state).
    pub async fn close(self) -> anyhow::Result<()> {
        if let Some(s) = self.sandbox {
            s.shutdown().await?;
        }
        Ok(())
    }
}

pub async fn connect(
    args: &TargetArgs,
    config: &Config,
    state_dir: &Path,
) -> anyhow::Result<Connected> {
    let (name, target) = config.target(args.target.as_deref())?;
    let gate = Arc::new(Gate::new(args.limits(target.limits())));
    match target {
        TargetConfig::Sandbox { state_dir: dir, .. } => {
            let dir = dir.unwrap_or_else(|| state_dir.join("sandbox"));
            let sandbox = start_sandbox(Some(dir), 0).await?;
            let client = WebexClient::new(&sandbox.base_url(), "sandbox-token", gate.clone())?;
            Ok(Connected {
                name,
                provider: Arc::new(WebexProvider::new(client)),
                gate,
                sandbox: Some(sandbox),
            })
        }
        TargetConfig::Webex { base_url, .. } => {
            let token = args
                .token
                .clone()
                .or_else(|| std::env::var("WEBEX_ACCESS_TOKEN").ok())
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| anyhow::anyhow!(
                    "target `{name}` needs a Webex token: pass --token, set WEBEX_ACCESS_TOKEN, or put it in a .env file"
                ))?;
            let client = WebexClient::new(
                base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
                token.trim(),
                gate.clone(),
            )?;
            Ok(Connected {
                name,
                provider: Arc::new(WebexProvider::new(client)),
                gate,
                sandbox: None,
            })
        }
    }
}

pub async fn start_sandbox(
    state_dir: Option<PathBuf>,
    port: u16,
) -> anyhow::Result<switchboard_sandbox::RunningSandbox> {
    let options = switchboard_sandbox::SandboxOptions {
        state_dir,
        bind: ([127, 0, 0, 1], port).into(),
        faults: Default::default(),
    };
    switchboard_sandbox::start(options).await
}
