//! `switchboard.yaml`: environments (lab, dev, prod…), each with named targets of any provider,
//! their limits, and the safety thresholds of its plans. With no file, the environment `local`
//! has one target per provider that has an embedded sandbox.
//!
//! The earlier shape (`targets:` with `type: sandbox|webex`) still loads: each of its targets
//! becomes an environment of that name holding that one target, so `--target prod` means what
//! it meant.

use crate::providers::registry::{PROVIDERS, provider};
use crate::transport::Limits;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const CONFIG_FILE: &str = "switchboard.yaml";
/// The environment used when there is no configuration file.
pub const LOCAL_ENVIRONMENT: &str = "local";
/// The name of an embedded sandbox target (and of the legacy default target).
pub const SANDBOX_TARGET: &str = "sandbox";

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TargetConfig {
    /// `webex` now; `radius`, `genesys`, `asterisk` later.
    pub provider: String,
    #[serde(default)]
    pub limits: Option<Limits>,
    /// The provider's own settings (`baseUrl`, `orgId`, `tokenEnv`, `sandbox`…), checked by it.
    #[serde(flatten)]
    pub settings: Map<String, Value>,
}

/// When a plan is refused for changing too much of what exists (octoDNS's thresholds).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Safety {
    /// Most deletes, as a percentage of a kind's existing owned objects.
    pub max_delete_percent: f64,
    /// Most updates, as a percentage of a kind's existing managed or owned objects.
    pub max_update_percent: f64,
    /// Thresholds apply once a kind has at least this many existing objects.
    pub min_existing: usize,
    /// Per kind: any of the three above.
    pub kinds: BTreeMap<String, KindSafety>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KindSafety {
    pub max_delete_percent: Option<f64>,
    pub max_update_percent: Option<f64>,
    pub min_existing: Option<usize>,
}

impl Default for Safety {
    fn default() -> Self {
        Self {
            max_delete_percent: 30.0,
            max_update_percent: 30.0,
            min_existing: 10,
            kinds: BTreeMap::new(),
        }
    }
}

impl Safety {
    /// (max delete %, max update %, min existing) for one kind.
    pub fn for_kind(&self, kind: &str) -> (f64, f64, usize) {
        let k = self.kinds.get(kind).cloned().unwrap_or_default();
        (
            k.max_delete_percent.unwrap_or(self.max_delete_percent),
            k.max_update_percent.unwrap_or(self.max_update_percent),
            k.min_existing.unwrap_or(self.min_existing),
        )
    }

    fn check(&self) -> Result<(), String> {
        let percent = |name: &str, p: f64| {
            if p.is_finite() && (0.0..=100.0).contains(&p) {
                Ok(())
            } else {
                Err(format!(
                    "safety.{name} must be a percentage from 0 to 100, not {p}"
                ))
            }
        };
        percent("maxDeletePercent", self.max_delete_percent)?;
        percent("maxUpdatePercent", self.max_update_percent)?;
        for (kind, k) in &self.kinds {
            if let Some(p) = k.max_delete_percent {
                percent(&format!("kinds.{kind}.maxDeletePercent"), p)?;
            }
            if let Some(p) = k.max_update_percent {
                percent(&format!("kinds.{kind}.maxUpdatePercent"), p)?;
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Environment {
    #[serde(default)]
    pub targets: BTreeMap<String, TargetConfig>,
    #[serde(default)]
    pub safety: Safety,
}

/// The shape of the file before environments, still accepted.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
enum LegacyTarget {
    Sandbox {
        #[serde(default, rename = "stateDir")]
        state_dir: Option<PathBuf>,
        #[serde(default)]
        limits: Option<Limits>,
    },
    Webex {
        #[serde(default, rename = "baseUrl")]
        base_url: Option<String>,
        #[serde(default)]
        limits: Option<Limits>,
    },
}

impl LegacyTarget {
    fn into_target(self) -> TargetConfig {
        let (limits, settings) = match self {
            LegacyTarget::Sandbox { state_dir, limits } => {
                let mut sandbox = Map::new();
                if let Some(dir) = state_dir {
                    sandbox.insert("stateDir".into(), Value::String(dir.display().to_string()));
                }
                let mut settings = Map::new();
                settings.insert("sandbox".into(), Value::Object(sandbox));
                (limits, settings)
            }
            LegacyTarget::Webex { base_url, limits } => {
                let mut settings = Map::new();
                if let Some(url) = base_url {
                    settings.insert("baseUrl".into(), Value::String(url));
                }
                (limits, settings)
            }
        };
        TargetConfig {
            provider: "webex".into(),
            limits,
            settings,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    default_environment: Option<String>,
    #[serde(default)]
    environments: BTreeMap<String, Environment>,
    #[serde(default)]
    targets: BTreeMap<String, LegacyTarget>,
    #[serde(default)]
    default_target: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub environments: BTreeMap<String, Environment>,
    pub default_environment: Option<String>,
    /// Loaded from the old `targets:` shape: `--target` names an environment.
    legacy: bool,
}

/// The environment a command runs in, narrowed to the targets it may touch.
#[derive(Debug, Clone)]
pub struct Selected {
    pub environment: String,
    /// The targets the run may touch (all of the environment's, or the one `--target` names).
    pub targets: BTreeMap<String, TargetConfig>,
    /// Every target of the environment: documents are placed among these, then those placed
    /// on a target the run does not touch are left out.
    pub all_targets: BTreeMap<String, TargetConfig>,
    pub safety: Safety,
}

impl Config {
    pub fn load(path: Option<&Path>) -> anyhow::Result<Config> {
        let path = match path {
            Some(p) => p.to_path_buf(),
            None if Path::new(CONFIG_FILE).exists() => PathBuf::from(CONFIG_FILE),
            None => return Ok(Config::default()),
        };
        let text = crate::files::read_bounded(&path, MAX_CONFIG_BYTES, "configuration file")?;
        Self::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> anyhow::Result<Config> {
        let file: ConfigFile = serde_saphyr::from_str(text)?;
        if !file.targets.is_empty() && !file.environments.is_empty() {
            anyhow::bail!(
                "`targets:` is the old shape and `environments:` the new one; move each target under an environment (environments: {{NAME: {{targets: {{…}}}}}}) and remove `targets:`"
            );
        }
        let legacy = !file.targets.is_empty();
        let (environments, default_environment) = if legacy {
            let environments = file
                .targets
                .into_iter()
                .map(|(name, target)| {
                    let mut env = Environment::default();
                    env.targets.insert(name.clone(), target.into_target());
                    (legacy_environment(&name), env)
                })
                .collect();
            (environments, file.default_target)
        } else {
            (file.environments, file.default_environment)
        };
        for (env_name, env) in &environments {
            env.safety
                .check()
                .map_err(|e| anyhow::anyhow!("environment `{env_name}`: {e}"))?;
            for (name, target) in &env.targets {
                let Some(p) = provider(&target.provider) else {
                    let known: Vec<&str> = PROVIDERS.iter().map(|p| p.name).collect();
                    anyhow::bail!(
                        "environment `{env_name}`, target `{name}`: unknown provider `{}` (known: {})",
                        target.provider,
                        known.join(", ")
                    );
                };
                (p.check_settings)(&target.settings).map_err(|e| {
                    anyhow::anyhow!("environment `{env_name}`, target `{name}`: {e}")
                })?;
                if let Some(limits) = &target.limits {
                    limits.validate().map_err(|e| {
                        anyhow::anyhow!("environment `{env_name}`, target `{name}`: {e}")
                    })?;
                }
            }
        }
        Ok(Config {
            environments,
            default_environment,
            legacy,
        })
    }

    /// The environment to run in (`--env`, else the default, else the only one, else `local`
    /// with the embedded sandboxes), narrowed to `--target` when given.
    pub fn select(&self, env: Option<&str>, target: Option<&str>) -> anyhow::Result<Selected> {
        if self.environments.is_empty() {
            return select_target(local_environment(), LOCAL_ENVIRONMENT, target);
        }
        let name = match (env, target) {
            (Some(e), _) => e.to_string(),
            // The old shape: a target is an environment of its own.
            (None, Some(t)) if self.legacy => legacy_environment(t),
            (None, _) => match &self.default_environment {
                Some(d) if self.legacy => legacy_environment(d),
                Some(d) => d.clone(),
                None if self.environments.len() == 1 => {
                    self.environments.keys().next().cloned().unwrap_or_default()
                }
                None if self.legacy => LOCAL_ENVIRONMENT.to_string(),
                None => anyhow::bail!(
                    "{CONFIG_FILE} has several environments ({}) and no defaultEnvironment; pass --env NAME",
                    self.environment_names()
                ),
            },
        };
        let environment = match self.environments.get(&name) {
            Some(e) => e.clone(),
            // The legacy default target `sandbox` need not be written down.
            None if self.legacy && name == LOCAL_ENVIRONMENT => local_environment(),
            None => {
                let what = if self.legacy { "target" } else { "environment" };
                anyhow::bail!(
                    "unknown {what} `{name}` (known: {}); define it in {CONFIG_FILE}",
                    self.environment_names()
                )
            }
        };
        select_target(environment, &name, target)
    }

    fn environment_names(&self) -> String {
        self.environments
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The most of a configuration file that is read: far more than any real one needs.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// The environment an old-shape target becomes: its own name, except the embedded `sandbox`,
/// which is the `local` environment (so its state never lands inside the sandbox's org folder).
fn legacy_environment(target: &str) -> String {
    if target == SANDBOX_TARGET {
        LOCAL_ENVIRONMENT.to_string()
    } else {
        target.to_string()
    }
}

fn select_target(env: Environment, name: &str, target: Option<&str>) -> anyhow::Result<Selected> {
    let all_targets = env.targets.clone();
    let targets = match target {
        None => env.targets,
        Some(t) => match env.targets.get(t) {
            Some(config) => [(t.to_string(), config.clone())].into(),
            None => anyhow::bail!(
                "environment `{name}` has no target `{t}` (it has: {})",
                env.targets.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        },
    };
    Ok(Selected {
        environment: name.to_string(),
        targets,
        all_targets,
        safety: env.safety,
    })
}

/// With no configuration: one embedded-sandbox target per provider that has one.
fn local_environment() -> Environment {
    let targets = PROVIDERS
        .iter()
        .filter_map(|p| {
            let settings = (p.embedded_default?)();
            let name = if PROVIDERS
                .iter()
                .filter(|q| q.embedded_default.is_some())
                .count()
                == 1
            {
                SANDBOX_TARGET.to_string()
            } else {
                format!("{}-{SANDBOX_TARGET}", p.name)
            };
            Some((
                name,
                TargetConfig {
                    provider: p.name.into(),
                    limits: None,
                    settings,
                },
            ))
        })
        .collect();
    Environment {
        targets,
        safety: Safety::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_hold_targets_of_a_provider() {
        let config = Config::parse(
            "defaultEnvironment: lab\nenvironments:\n  lab:\n    targets:\n      east: {provider: webex, baseUrl: \"http://127.0.0.1:8101/v1\"}\n      west: {provider: webex, baseUrl: \"http://127.0.0.1:8102/v1\", orgId: \"o\", limits: {requestsPerSecond: 20}}\n",
        )
        .expect("config");
        let lab = config.select(None, None).expect("lab");
        assert_eq!(lab.environment, "lab");
        assert_eq!(lab.targets.len(), 2);
        assert_eq!(
            lab.targets["west"]
                .limits
                .as_ref()
                .and_then(|l| l.requests_per_second),
            Some(20.0)
        );
        assert_eq!(
            config
                .select(None, Some("east"))
                .expect("east")
                .targets
                .len(),
            1
        );
        assert!(config.select(None, Some("north")).is_err());
        assert!(config.select(Some("prod"), None).is_err());
    }

    #[test]
    fn the_old_targets_shape_still_loads_as_one_environment_per_target() {
        let config = Config::parse(
            "defaultTarget: prod\ntargets:\n  prod: {type: webex, baseUrl: \"https://x/v1\"}\n  lab: {type: sandbox}\n",
        )
        .expect("config");
        let prod = config.select(None, None).expect("default");
        assert_eq!(prod.environment, "prod");
        assert_eq!(prod.targets["prod"].settings["baseUrl"], "https://x/v1");
        let lab = config.select(None, Some("lab")).expect("lab");
        assert!(lab.targets["lab"].settings.contains_key("sandbox"));
    }

    #[test]
    fn bad_settings_and_mixed_shapes_are_refused() {
        for text in [
            "environments:\n  e:\n    targets:\n      t: {provider: nope}\n",
            "environments:\n  e:\n    targets:\n      t: {provider: webex, colour: red}\n",
            "environments:\n  e:\n    targets:\n      t: {provider: webex, limits: {rps: 1}}\n",
            "environments:\n  e:\n    safety: {maxDeletePercent: 300}\n",
            "targets:\n  a: {type: sandbox}\nenvironments:\n  e: {}\n",
        ] {
            assert!(Config::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn nonsense_values_are_refused_naming_the_key() {
        let target = |body: &str| {
            format!("environments:\n  e:\n    targets:\n      t: {{provider: webex, {body}}}\n")
        };
        for (body, says) in [
            ("limits: {requestsPerSecond: 1e-30}", "requestsPerSecond"),
            ("limits: {requestsPerSecond: -1}", "requestsPerSecond"),
            ("limits: {requestsPerSecond: .nan}", "requestsPerSecond"),
            ("limits: {requestsPerSecond: .inf}", "requestsPerSecond"),
            (
                "limits: {requestsPerSecond: 0.01, burst: 4000000000}",
                "burst",
            ),
            ("limits: {burst: 0}", "burst"),
            (
                "limits: {maxConcurrency: 18446744073709551615}",
                "maxConcurrency",
            ),
            ("limits: {maxConcurrency: 0}", "maxConcurrency"),
            ("limits: {maxAttempts: 0}", "maxAttempts"),
            (
                "limits: {maxBackoffMs: 18446744073709551615}",
                "maxBackoffMs",
            ),
            (
                "limits: {requestTimeoutSecs: 18446744073709551615}",
                "requestTimeoutSecs",
            ),
            ("limits: {requestTimeoutSecs: 0}", "requestTimeoutSecs"),
            ("sandbox: {stateDir: \"\"}", "stateDir"),
            ("baseUrl: \"http://webexapis.com/v1\"", "plain http"),
            ("baseUrl: \"not a url\"", "not a URL"),
        ] {
            let error = Config::parse(&target(body)).expect_err(body).to_string();
            assert!(
                error.contains(says) && error.contains("target `t`"),
                "{body}: {error}"
            );
        }
        // The legacy shape goes through the same checks.
        let legacy = "targets:\n  prod: {type: webex, baseUrl: \"http://x/v1\"}\n";
        assert!(Config::parse(legacy).is_err());
        let legacy = "targets:\n  lab: {type: sandbox, stateDir: \"\"}\n";
        assert!(Config::parse(legacy).is_err());
    }

    #[test]
    fn a_config_file_is_a_small_regular_file() {
        let dir = tempfile::tempdir().expect("dir");
        let error = Config::load(Some(dir.path()))
            .expect_err("a folder")
            .to_string();
        assert!(error.contains("not a regular file"), "{error}");
        #[cfg(unix)]
        {
            let error = Config::load(Some(Path::new("/dev/zero")))
                .expect_err("a device")
                .to_string();
            assert!(error.contains("not a regular file"), "{error}");
        }
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, vec![b'#'; (MAX_CONFIG_BYTES + 1) as usize]).expect("write");
        let error = Config::load(Some(&big)).expect_err("too big").to_string();
        assert!(error.contains("larger than"), "{error}");
        let fine = dir.path().join("ok.yaml");
        std::fs::write(&fine, "environments: {}\n").expect("write");
        assert!(Config::load(Some(&fine)).is_ok());
    }

    #[test]
    fn no_configuration_means_the_embedded_sandbox() {
        let local = Config::default().select(None, None).expect("local");
        assert_eq!(local.environment, LOCAL_ENVIRONMENT);
        assert!(
            local.targets[SANDBOX_TARGET]
                .settings
                .contains_key("sandbox")
        );
    }
}
