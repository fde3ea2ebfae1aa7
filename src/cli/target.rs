//! From flags and `switchboard.yaml` to connected targets: the environment, the targets a run
//! needs in it, each with its own gate (rate budget, retries) and its own state folder.

use crate::config::{Config, Selected};
use crate::providers::registry::{Connection, ProviderInfo, TargetSettings, provider};
use crate::providers::{ConnectedTarget, webex};
use crate::transport::{Gate, Limits};
use futures::future::BoxFuture;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Flags shared by every command that talks to targets. Provider-specific flags live with
/// their provider and are flattened in here.
#[derive(Debug, Clone, clap::Args)]
pub struct TargetArgs {
    /// Environment from switchboard.yaml (default: its defaultEnvironment; with no file, the
    /// embedded sandbox).
    #[arg(long = "env")]
    pub environment: Option<String>,
    /// Only this target of the environment (with the older `targets:` file: the target to use).
    #[arg(long, short = 't')]
    pub target: Option<String>,
    /// Per-request timeout, in seconds (default: the target's `limits`, else 30).
    #[arg(long)]
    pub request_timeout: Option<u64>,
    /// Steady requests per second to each target (overrides `limits.requestsPerSecond`).
    #[arg(long)]
    pub rate_limit: Option<f64>,
    /// Attempts per request, the first included (overrides `limits.maxAttempts`).
    #[arg(long)]
    pub max_attempts: Option<u32>,
    #[command(flatten)]
    pub webex: webex::Flags,
}

impl TargetArgs {
    /// A target's limits with this command's overrides.
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

    pub fn select(&self, config: &Config) -> anyhow::Result<Selected> {
        config.select(self.environment.as_deref(), self.target.as_deref())
    }
}

/// One connected target.
pub struct Connected {
    pub provider: &'static ProviderInfo,
    pub target: Arc<dyn ConnectedTarget>,
    /// Every request to the target goes through it; its stats are the run's wire cost.
    pub gate: Arc<Gate>,
    /// Runs, dead letter, snapshots of this target.
    pub state_dir: PathBuf,
    close: Option<BoxFuture<'static, anyhow::Result<()>>>,
}

/// The connected targets of one run, by name.
pub struct Connections {
    pub environment: String,
    pub targets: BTreeMap<String, Connected>,
}

impl Connections {
    /// Stop embedded sandboxes (flushing their state).
    pub async fn close(self) -> anyhow::Result<()> {
        for (_, c) in self.targets {
            if let Some(close) = c.close {
                close.await?;
            }
        }
        Ok(())
    }

    pub fn gates(&self) -> Vec<Arc<Gate>> {
        self.targets.values().map(|c| c.gate.clone()).collect()
    }
}

/// The state folder of one target: `state/<environment>/<target>/`.
pub fn target_state_dir(state_root: &Path, environment: &str, target: &str) -> PathBuf {
    state_root.join(environment).join(target)
}

/// Connect the `wanted` targets of the selected environment, concurrently.
pub async fn connect(
    args: &TargetArgs,
    selected: &Selected,
    wanted: &BTreeSet<String>,
    state_root: &Path,
) -> anyhow::Result<Connections> {
    crate::cli::pipeline::register_credentials(selected);
    for flag in args.webex.flags().values() {
        crate::redact::register(flag);
    }
    let mut pending = Vec::new();
    for name in wanted {
        let Some(config) = selected.targets.get(name) else {
            anyhow::bail!(
                "environment `{}` has no target `{name}`",
                selected.environment
            );
        };
        let provider = provider(&config.provider)
            .ok_or_else(|| anyhow::anyhow!("unknown provider `{}`", config.provider))?;
        let settings = TargetSettings {
            environment: selected.environment.clone(),
            name: name.clone(),
            settings: config.settings.clone(),
            flags: args.webex.flags(),
            state_root: state_root.to_path_buf(),
        };
        let limits = args.limits((provider.limits)(&settings, config.limits.clone()));
        limits
            .validate()
            .map_err(|e| anyhow::anyhow!("target `{name}`: {e}"))?;
        let gate = Arc::new(Gate::new(limits));
        let connecting = (provider.connect)(settings, gate.clone());
        pending.push(async move {
            let connection: Connection = connecting.await?;
            Ok::<_, anyhow::Error>((name.clone(), provider, gate, connection))
        });
    }
    let mut targets = BTreeMap::new();
    let mut first_error = None;
    for result in futures::future::join_all(pending).await {
        match result {
            Ok((name, provider, gate, connection)) => {
                let state_dir = target_state_dir(state_root, &selected.environment, &name);
                targets.insert(
                    name,
                    Connected {
                        provider,
                        target: connection.target,
                        gate,
                        state_dir,
                        close: connection.close,
                    },
                );
            }
            Err(e) => first_error = first_error.or(Some(e)),
        }
    }
    let connections = Connections {
        environment: selected.environment.clone(),
        targets,
    };
    if let Some(e) = first_error {
        connections.close().await?;
        return Err(e);
    }
    Ok(connections)
}
