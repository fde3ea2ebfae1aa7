//! `switchboard.yaml`: named targets (`sandbox`, `dev`, `prod`, …). With no file, the only
//! target is the embedded sandbox.

use crate::transport::Limits;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const CONFIG_FILE: &str = "switchboard.yaml";
pub const DEFAULT_TARGET: &str = "sandbox";

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum TargetConfig {
    /// The embedded Webex-compatible sandbox, persisted under `stateDir` (default `state/sandbox`).
    Sandbox {
        #[serde(default, rename = "stateDir")]
        state_dir: Option<PathBuf>,
        #[serde(default)]
        limits: Option<Limits>,
    },
    /// A Webex org; the token comes from --token, WEBEX_ACCESS_TOKEN or a .env file.
    Webex {
        #[serde(default, rename = "baseUrl")]
        base_url: Option<String>,
        #[serde(default)]
        limits: Option<Limits>,
    },
}

impl TargetConfig {
    /// The target's limits: as configured, else the defaults for its type. Webex publishes no
    /// fixed limit, so the default is a conservative steady rate that its 429s then tune; the
    /// sandbox has no limit unless one is configured.
    pub fn limits(&self) -> Limits {
        match self {
            TargetConfig::Sandbox { limits, .. } => limits.clone().unwrap_or_default(),
            // A `limits` block that leaves the rate out still gets the default rate;
            // `requestsPerSecond: 0` turns the fixed rate off.
            TargetConfig::Webex { limits, .. } => match limits.clone() {
                None => Limits {
                    requests_per_second: Some(WEBEX_DEFAULT_RATE),
                    burst: WEBEX_DEFAULT_BURST,
                    ..Limits::default()
                },
                Some(mut l) => {
                    if l.requests_per_second.is_none() {
                        l.requests_per_second = Some(WEBEX_DEFAULT_RATE);
                        l.burst = l.burst.max(WEBEX_DEFAULT_BURST);
                    }
                    l
                }
            },
        }
    }
}

/// Requests per second to a Webex org when `limits` does not say.
pub const WEBEX_DEFAULT_RATE: f64 = 10.0;
pub const WEBEX_DEFAULT_BURST: u32 = 5;

#[cfg(test)]
mod tests {
    use super::*;

    fn webex(limits: &str) -> Limits {
        let text = format!("targets:\n  prod:\n    type: webex\n    limits: {limits}\n");
        let config: Config = serde_saphyr::from_str(&text).expect("config");
        config.target(Some("prod")).expect("target").1.limits()
    }

    #[test]
    fn a_partial_limits_block_keeps_the_default_rate_unless_it_is_turned_off() {
        let partial = webex("{maxAttempts: 3}");
        assert_eq!(partial.requests_per_second, Some(WEBEX_DEFAULT_RATE));
        assert_eq!(partial.max_attempts, 3);
        assert_eq!(
            webex("{requestsPerSecond: 50}").requests_per_second,
            Some(50.0)
        );
        // 0 is kept; the pacer reads it as "no fixed rate".
        assert_eq!(
            webex("{requestsPerSecond: 0}").requests_per_second,
            Some(0.0)
        );
        let unknown: Result<Config, _> =
            serde_saphyr::from_str("targets:\n  p:\n    type: webex\n    limits: {rps: 1}\n");
        assert!(unknown.is_err(), "unknown limit keys are refused");
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub targets: BTreeMap<String, TargetConfig>,
    #[serde(default, rename = "defaultTarget")]
    pub default_target: Option<String>,
}

impl Config {
    pub fn load(path: Option<&Path>) -> anyhow::Result<Config> {
        let path = match path {
            Some(p) => p.to_path_buf(),
            None if Path::new(CONFIG_FILE).exists() => PathBuf::from(CONFIG_FILE),
            None => return Ok(Config::default()),
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        serde_saphyr::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// The named target, or the default one.
    pub fn target(&self, name: Option<&str>) -> anyhow::Result<(String, TargetConfig)> {
        let name = name
            .map(str::to_string)
            .or_else(|| self.default_target.clone())
            .unwrap_or_else(|| DEFAULT_TARGET.into());
        match self.targets.get(&name) {
            Some(t) => Ok((name, t.clone())),
            None if name == DEFAULT_TARGET => Ok((
                name,
                TargetConfig::Sandbox {
                    state_dir: None,
                    limits: None,
                },
            )),
            None => {
                let known: Vec<&str> = self.targets.keys().map(String::as_str).collect();
                anyhow::bail!(
                    "unknown target `{name}` (known: {}); define it in {CONFIG_FILE}",
                    if known.is_empty() {
                        "sandbox".to_string()
                    } else {
                        known.join(", ")
                    }
                )
            }
        }
    }
}
