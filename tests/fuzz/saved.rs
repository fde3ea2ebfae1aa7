//! Seeds and structured mutations for the other files Switchboard reads: `switchboard.yaml`
//! and saved plans (JSON). Each seed is a real file; the mutations are the manifest ones
//! (replace, add or remove nodes) applied to its tree.

use super::{apply_tree_edit, to_block_yaml, tree_edit};
use proptest::prelude::*;
use serde_json::Value;
use switchboard::manifest::yaml::parse_documents;

/// Config files in every shape the README documents, old and new.
#[rustfmt::skip]
pub const CONFIGS: &[&str] = &[
    "defaultEnvironment: lab\nenvironments:\n  lab:\n    targets:\n      east: {provider: webex, baseUrl: \"http://127.0.0.1:8101/v1\"}\n      west: {provider: webex, baseUrl: \"http://127.0.0.1:8102/v1\", orgId: \"o\", limits: {requestsPerSecond: 20}}\n  prod:\n    targets:\n      org: {provider: webex, tokenEnv: PROD_WEBEX_TOKEN}\n    safety: {maxDeletePercent: 10}\n  dev:\n    targets:\n      sandbox: {provider: webex, sandbox: {}}\n",
    "environments:\n  prod:\n    targets:\n      org:\n        provider: webex\n        limits:\n          requestsPerSecond: 10\n          burst: 5\n          maxConcurrency: 8\n          maxAttempts: 6\n          backoffMs: 250\n          maxBackoffMs: 60000\n          requestTimeoutSecs: 30\n",
    "defaultTarget: prod\ntargets:\n  prod: {type: webex}\n  sandbox: {type: sandbox}\n",
    "",
];

/// A saved plan as `plan --format json` writes it: the reviewed snapshot, its header removed.
pub fn plan_seed() -> String {
    let snap = include_str!("../snapshots/schemas_and_rendering__json_plan_snapshot.snap");
    snap.splitn(3, "---\n").nth(2).unwrap_or(snap).to_string()
}

fn mutated(seed: Value, yaml: bool) -> impl Strategy<Value = String> {
    (proptest::collection::vec(tree_edit(), 0..6), any::<bool>()).prop_map(move |(edits, block)| {
        let mut tree = seed.clone();
        for e in &edits {
            apply_tree_edit(&mut tree, e);
        }
        if yaml && block {
            let mut out = String::new();
            to_block_yaml(&tree, 0, &mut out);
            out
        } else {
            tree.to_string()
        }
    })
}

/// A config file's tree, mutated, written back as block YAML or as JSON (YAML's flow style).
pub fn mutated_config() -> impl Strategy<Value = String> {
    let seeds: Vec<Value> = CONFIGS
        .iter()
        .filter_map(|t| parse_documents("c.yaml", t).ok())
        .filter_map(|docs| docs.into_iter().next().map(|d| d.value))
        .collect();
    proptest::sample::select(seeds).prop_flat_map(|seed| mutated(seed, true))
}

/// A saved plan's tree, mutated.
pub fn mutated_plan() -> impl Strategy<Value = String> {
    let seed: Value = serde_json::from_str(&plan_seed()).expect("the plan snapshot is JSON");
    mutated(seed, false)
}
