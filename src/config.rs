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
            TargetConfig::Webex { limits, .. } => limits.clone().unwrap_or(Limits {
                requests_per_second: Some(WEBEX_DEFAULT_RATE),
                burst: 5,
                ..Limits::default()
            }),
        }
    }
}

/// Requests per second to a Webex org when `limits` does not say.
pub const WEBEX_DEFAULT_RATE: f64 = 10.0;

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
