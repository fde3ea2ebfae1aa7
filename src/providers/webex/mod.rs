//! The Webex Calling provider: the only place that knows Webex paths and JSON names. Its
//! kinds are one file each under `kinds/`, registered in `kinds::KINDS`.

pub mod client;
pub mod kinds;

use crate::providers::kind::{KindSet, steps_from};
use crate::providers::registry::{Connection, ProviderInfo, TargetSettings};
use crate::providers::{KindInfo, ProviderError};
use crate::transport::http::check_base_url;
use crate::transport::{Gate, Limits};
use client::{DEFAULT_BASE_URL, WebexClient};
use futures::future::BoxFuture;
use kinds::KINDS;
use serde_json::{Map, Value};
use std::sync::Arc;

pub static PROVIDER: ProviderInfo = ProviderInfo {
    name: "webex",
    kinds: || {
        KINDS
            .iter()
            .map(|k| k.info())
            .collect::<Vec<&'static KindInfo>>()
    },
    steps: |change| steps_from(KINDS, change),
    limits: complete_limits,
    check_settings,
    connect,
    embedded_default: Some(|| {
        let mut settings = Map::new();
        settings.insert("sandbox".into(), Value::Object(Map::new()));
        settings
    }),
    keys_ignore_case: true,
    credential_variables: |settings| {
        vec![
            str_setting(settings, "tokenEnv")
                .unwrap_or(DEFAULT_TOKEN_ENV)
                .to_string(),
        ]
    },
};

/// The keys a webex target may set besides `provider` and `limits`.
const SETTINGS: &[&str] = &["baseUrl", "orgId", "tokenEnv", "sandbox"];
/// Where the token comes from when the target does not name a variable.
pub const DEFAULT_TOKEN_ENV: &str = "WEBEX_ACCESS_TOKEN";
/// Requests per second to a Webex org when `limits` does not say.
pub const WEBEX_DEFAULT_RATE: f64 = 10.0;
pub const WEBEX_DEFAULT_BURST: u32 = 5;

fn check_settings(settings: &Map<String, Value>) -> Result<(), String> {
    for key in settings.keys() {
        if !SETTINGS.contains(&key.as_str()) {
            return Err(format!(
                "unknown webex target setting `{key}` (known: provider, limits, {})",
                SETTINGS.join(", ")
            ));
        }
    }
    for key in ["baseUrl", "orgId", "tokenEnv"] {
        if settings.get(key).is_some_and(|v| !v.is_string()) {
            return Err(format!("`{key}` must be a string"));
        }
    }
    if let Some(base) = str_setting(settings, "baseUrl") {
        check_base_url("baseUrl", base)?;
    }
    if let Some(sandbox) = settings.get("sandbox") {
        let ok = sandbox
            .as_object()
            .is_some_and(|o| o.keys().all(|k| k == "stateDir"));
        if !ok {
            return Err("`sandbox` takes only `stateDir`".into());
        }
        match sandbox.get("stateDir") {
            None => {}
            Some(Value::String(dir)) if !dir.trim().is_empty() => {}
            // An empty folder would put the sandbox's org in the current folder.
            Some(Value::String(_)) => {
                return Err(
                    "`sandbox.stateDir` is empty; name a folder, or leave it out for the default"
                        .into(),
                );
            }
            Some(_) => return Err("`sandbox.stateDir` must be a string (a folder)".into()),
        }
        if settings.contains_key("baseUrl") {
            return Err(
                "a target is either the embedded `sandbox` or a `baseUrl`, not both".into(),
            );
        }
    }
    Ok(())
}

fn str_setting<'a>(settings: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    settings.get(key).and_then(Value::as_str)
}

/// Webex publishes no fixed limit, so a real org gets a conservative steady rate that its 429s
/// then tune; the embedded sandbox has none.
fn default_limits(target: &TargetSettings) -> Limits {
    if target.settings.contains_key("sandbox") {
        Limits::default()
    } else {
        Limits {
            requests_per_second: Some(WEBEX_DEFAULT_RATE),
            burst: WEBEX_DEFAULT_BURST,
            ..Limits::default()
        }
    }
}

/// A configured `limits` block that leaves the rate out keeps the Webex default rate.
pub fn complete_limits(target: &TargetSettings, configured: Option<Limits>) -> Limits {
    match configured {
        None => default_limits(target),
        Some(mut l) => {
            if l.requests_per_second.is_none() && !target.settings.contains_key("sandbox") {
                l.requests_per_second = Some(WEBEX_DEFAULT_RATE);
                l.burst = l.burst.max(WEBEX_DEFAULT_BURST);
            }
            l
        }
    }
}

fn connect(
    target: TargetSettings,
    gate: Arc<Gate>,
) -> BoxFuture<'static, anyhow::Result<Connection>> {
    Box::pin(async move {
        // The final limits (configuration and command-line flags together) of this target.
        gate.limits()
            .validate()
            .map_err(|e| anyhow::anyhow!("target `{}`: {e}", target.name))?;
        check_settings(&target.settings)
            .map_err(|e| anyhow::anyhow!("target `{}`: {e}", target.name))?;
        let org_id = str_setting(&target.settings, "orgId").map(str::to_string);
        if let Some(sandbox) = target.settings.get("sandbox") {
            let dir = sandbox
                .get("stateDir")
                .and_then(Value::as_str)
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| {
                    // Each embedded target its own org; the default one keeps `state/sandbox`.
                    if target.name == crate::config::SANDBOX_TARGET {
                        target.state_root.join("sandbox")
                    } else {
                        target.state_root.join(format!("sandbox-{}", target.name))
                    }
                });
            let running = start_sandbox(Some(dir), 0).await?;
            let client = WebexClient::new(&running.base_url(), "sandbox-token", org_id, gate)?;
            return Ok(Connection {
                target: Arc::new(KindSet {
                    conn: client,
                    kinds: KINDS,
                }),
                close: Some(Box::pin(async move { running.shutdown().await })),
            });
        }
        let token_env = str_setting(&target.settings, "tokenEnv").unwrap_or(DEFAULT_TOKEN_ENV);
        let token = target
            .flags
            .get("token")
            .cloned()
            .or_else(|| std::env::var(token_env).ok())
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "target `{}` needs a Webex token: set {token_env} (or put it in a .env file), or pass --token",
                    target.name
                )
            })?;
        let base = str_setting(&target.settings, "baseUrl").unwrap_or(DEFAULT_BASE_URL);
        let client = WebexClient::new(base, token.trim(), org_id, gate)
            .map_err(|e: ProviderError| anyhow::anyhow!("{e}"))?;
        Ok(Connection {
            target: Arc::new(KindSet {
                conn: client,
                kinds: KINDS,
            }),
            close: None,
        })
    })
}

/// The embedded sandbox: a Webex-compatible server in this process, on a loopback port,
/// reached through the same HTTP client as a real org.
pub async fn start_sandbox(
    state_dir: Option<std::path::PathBuf>,
    port: u16,
) -> anyhow::Result<switchboard_sandbox::RunningSandbox> {
    let options = switchboard_sandbox::SandboxOptions {
        state_dir,
        bind: ([127, 0, 0, 1], port).into(),
        faults: Default::default(),
        // Another process using the same embedded org (a plan beside an apply) is waited for.
        lock_timeout: std::time::Duration::from_secs(30),
    };
    switchboard_sandbox::start(options).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(sandbox: bool) -> TargetSettings {
        let mut map = Map::new();
        if sandbox {
            map.insert("sandbox".into(), Value::Object(Map::new()));
        }
        TargetSettings {
            environment: "e".into(),
            name: "t".into(),
            settings: map,
            flags: Default::default(),
            state_root: "state".into(),
        }
    }

    #[test]
    fn settings_refuse_an_empty_state_dir_and_a_base_url_that_is_not_safe() {
        let check = |json: Value| check_settings(json.as_object().expect("object"));
        assert!(check(serde_json::json!({"baseUrl": "https://webexapis.com/v1"})).is_ok());
        assert!(check(serde_json::json!({"baseUrl": "http://127.0.0.1:9/v1"})).is_ok());
        assert!(check(serde_json::json!({"sandbox": {"stateDir": "org"}})).is_ok());
        for (bad, says) in [
            (serde_json::json!({"sandbox": {"stateDir": ""}}), "empty"),
            (serde_json::json!({"sandbox": {"stateDir": "  "}}), "empty"),
            (serde_json::json!({"sandbox": {"stateDir": 3}}), "string"),
            (
                serde_json::json!({"baseUrl": "http://webexapis.com/v1"}),
                "plain http",
            ),
            (serde_json::json!({"baseUrl": "webexapis"}), "not a URL"),
        ] {
            let error = check(bad.clone()).expect_err("refused");
            assert!(error.contains(says), "{bad}: {error}");
        }
    }

    #[test]
    fn a_partial_limits_block_keeps_the_default_rate_unless_it_is_turned_off() {
        let org = settings(false);
        let partial = complete_limits(
            &org,
            Some(Limits {
                max_attempts: 3,
                ..Limits::default()
            }),
        );
        assert_eq!(partial.requests_per_second, Some(WEBEX_DEFAULT_RATE));
        assert_eq!(partial.max_attempts, 3);
        let off = Limits {
            requests_per_second: Some(0.0),
            ..Limits::default()
        };
        assert_eq!(
            complete_limits(&org, Some(off)).requests_per_second,
            Some(0.0)
        );
        assert_eq!(
            complete_limits(&org, None).requests_per_second,
            Some(WEBEX_DEFAULT_RATE)
        );
        assert_eq!(
            complete_limits(&settings(true), None).requests_per_second,
            None
        );
    }
}

/// Webex's own command-line flags (flattened into every command that talks to targets).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Flags {
    /// Webex access token for the run's webex targets (else the variable the target's
    /// `tokenEnv` names, WEBEX_ACCESS_TOKEN by default, else a .env file).
    #[arg(long, hide_env_values = true)]
    pub token: Option<String>,
}

impl Flags {
    pub fn flags(&self) -> std::collections::BTreeMap<String, String> {
        self.token
            .iter()
            .map(|t| ("token".to_string(), t.clone()))
            .collect()
    }
}
#[cfg(test)]
mod wire_tests;
