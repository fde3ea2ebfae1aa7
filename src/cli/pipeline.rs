//! The shared front half of plan, apply and drift: load → validate → resolve → observe → plan.

use super::target::Connected;
use crate::inventory::{self, Inventory};
use crate::manifest::{self, Diagnostics};
use crate::model::TargetKey;
use crate::plan::{self, Plan};
use crate::providers::{ObserveRequest, catalog};
use crate::resolve::{self, Resolved};
use std::collections::HashSet;
use std::path::PathBuf;

/// Read the process environment (which includes a loaded .env file).
pub fn env_lookup(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

pub fn load_and_resolve(paths: &[PathBuf]) -> Result<Resolved, Diagnostics> {
    let set = manifest::load(paths, &env_lookup)?;
    resolve::resolve(set)
}

/// What to observe for a set of manifests: every kind, with detail for the managed keys and
/// the unmanaged objects they reference.
pub fn observe_request(resolved: &Resolved) -> ObserveRequest {
    let mut detail: HashSet<TargetKey> = resolved.objects.iter().map(|o| o.target_key()).collect();
    detail.extend(
        resolved
            .objects
            .iter()
            .flat_map(|o| o.external.iter().map(|(_, t)| t.clone())),
    );
    ObserveRequest {
        kinds: catalog().iter().map(|k| k.kind.to_string()).collect(),
        detail: Some(detail),
    }
}

pub async fn observe(connected: &Connected, request: &ObserveRequest) -> anyhow::Result<Inventory> {
    let inventory = inventory::observe(connected.provider.as_ref(), &connected.name, request)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot read the live inventory of target `{}`: {e}",
                connected.name
            )
        });
    let stats = connected.gate.stats();
    tracing::info!(
        requests = stats.requests,
        retries = stats.retries,
        "inventory read"
    );
    // Quiet when the target behaved; say what it cost when it did not.
    if stats.retries > 0 || stats.throttled > 0 {
        eprintln!("Inventory read. {}", super::wire_cost(&stats));
    }
    inventory
}

pub fn make_plan(resolved: &Resolved, inventory: &Inventory) -> Plan {
    plan::build(resolved, inventory)
}
