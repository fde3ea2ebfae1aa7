//! The providers Switchboard knows, one line each, and the catalog of their kinds.

use super::kind::{Blocked, Change, ConnectedTarget, Step};
use super::{KindInfo, webex};
use crate::transport::{Gate, Limits};
use futures::future::BoxFuture;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// Every provider, one line each.
pub static PROVIDERS: &[&ProviderInfo] = &[&webex::PROVIDER];

/// What the engine needs of a provider, without a connection.
pub struct ProviderInfo {
    /// The `provider:` value of a target in `switchboard.yaml`.
    pub name: &'static str,
    pub kinds: fn() -> Vec<&'static KindInfo>,
    /// The pure steps of a change of one of its kinds.
    pub steps: fn(&Change<'_>) -> Result<Vec<Step>, Blocked>,
    /// A target's limits from its configured `limits` block (None: not configured).
    pub limits: fn(&TargetSettings, Option<Limits>) -> Limits,
    /// Check the provider's own settings of a target (the keys besides `provider` and `limits`).
    pub check_settings: fn(&Map<String, Value>) -> Result<(), String>,
    pub connect: fn(TargetSettings, Arc<Gate>) -> BoxFuture<'static, anyhow::Result<Connection>>,
    /// The settings of the target used when there is no configuration (an embedded sandbox),
    /// if the provider has one.
    pub embedded_default: Option<fn() -> Map<String, Value>>,
    /// The vendor's names are unique regardless of case (Webex: `Austin HQ` and `austin hq`
    /// cannot both exist), so natural keys compare without case.
    pub keys_ignore_case: bool,
    /// The environment variables a target's credentials come from (a token): never readable
    /// from a manifest, and their values are scrubbed from all output.
    pub credential_variables: fn(&Map<String, Value>) -> Vec<String>,
}

/// One configured target, handed to its provider to connect.
#[derive(Debug, Clone)]
pub struct TargetSettings {
    pub environment: String,
    pub name: String,
    /// The provider's own keys of the target's config (`baseUrl`, `orgId`, `tokenEnv`…).
    pub settings: Map<String, Value>,
    /// Provider-specific command-line flags that were given (`token` for Webex).
    pub flags: BTreeMap<String, String>,
    /// The state folder of the whole project (an embedded sandbox keeps its org there).
    pub state_root: PathBuf,
}

/// A live connection, and how to close it (an embedded sandbox flushes its org).
pub struct Connection {
    pub target: Arc<dyn ConnectedTarget>,
    pub close: Option<BoxFuture<'static, anyhow::Result<()>>>,
}

pub fn provider(name: &str) -> Option<&'static ProviderInfo> {
    PROVIDERS.iter().copied().find(|p| p.name == name)
}

/// Every kind Switchboard knows, across providers, plus the engine's own documents.
pub fn catalog() -> &'static [&'static KindInfo] {
    static CATALOG: OnceLock<Vec<&'static KindInfo>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut all: Vec<&'static KindInfo> = PROVIDERS.iter().flat_map(|p| (p.kinds)()).collect();
        all.push(&crate::ownership::INFO);
        all.push(&crate::policy::INFO);
        all
    })
}

/// The kind a document names, by its name or one of its aliases.
pub fn kind_info(kind: &str) -> Option<&'static KindInfo> {
    catalog()
        .iter()
        .copied()
        .find(|k| k.kind == kind || k.aliases.contains(&kind))
}

/// The steps of a change, from the provider of its kind.
pub fn steps(change: &Change<'_>) -> Result<Vec<Step>, Blocked> {
    let info = kind_info(change.kind).ok_or_else(|| format!("unknown kind {}", change.kind))?;
    let provider =
        provider(info.provider).ok_or_else(|| format!("kind {} has no provider", info.kind))?;
    (provider.steps)(change)
}

/// True when `kind`'s natural keys compare without case (its provider's uniqueness rule).
pub fn keys_ignore_case(kind: &str) -> bool {
    static RULES: OnceLock<std::collections::HashMap<&'static str, bool>> = OnceLock::new();
    RULES
        .get_or_init(|| {
            PROVIDERS
                .iter()
                .flat_map(|p| {
                    (p.kinds)()
                        .into_iter()
                        .map(move |k| (k.kind, p.keys_ignore_case))
                })
                .collect()
        })
        .get(kind)
        .copied()
        .unwrap_or(false)
}
