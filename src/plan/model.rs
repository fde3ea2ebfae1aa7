//! The plan is a plain value: an ordered list of actions, counted, checksummed and saved as JSON.
//! It records what each action was computed against, so a stale plan is refused at apply.

use crate::diff::FieldChange;
use crate::model::SourcePos;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Bumped on any incompatible change of the JSON below (documented in docs/plan-format.md).
pub const PLAN_FORMAT: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionType {
    Create,
    Update,
    Noop,
    Pending,
}

impl ActionType {
    pub fn symbol(self) -> &'static str {
        match self {
            ActionType::Create => "+",
            ActionType::Update => "~",
            ActionType::Noop => "=",
            ActionType::Pending => "!",
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            ActionType::Create => "create",
            ActionType::Update => "update",
            ActionType::Noop => "noop",
            ActionType::Pending => "pending",
        }
    }
}

/// Why an object cannot be done yet (codes from the actions registry, seeds/002).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub code: String,
    pub message: String,
}

pub mod reason {
    pub const DEPENDENCY_MISSING: &str = "resource_dependency_missing";
    pub const REQUIRES_REPLACEMENT: &str = "requires_replacement";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    pub kind: String,
    pub name: String,
    /// The natural key the object is looked up by on the target.
    pub key: String,
    pub action: ActionType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<Pending>,
    /// Step names, as in the actions registry (e.g. `location_lookup`, `location_create`).
    pub steps: Vec<String>,
    /// Field changes; sensitive values are already replaced by `(sensitive)`.
    pub changes: Vec<FieldChange>,
    /// `Kind/name` of the managed objects this one needs first.
    pub depends_on: Vec<String>,
    /// Vendor id and state digest observed when planning (None: absent live).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_fingerprint: Option<String>,
    /// The desired spec with references as target keys and secret templates left in place.
    pub desired: Value,
    pub sensitive: Vec<String>,
    pub source: SourcePos,
}

impl Action {
    pub fn object(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }
    pub fn changes_anything(&self) -> bool {
        matches!(self.action, ActionType::Create | ActionType::Update)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub noop: usize,
    pub pending: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub format_version: u32,
    pub switchboard_version: String,
    pub target: String,
    pub generated_at: String,
    /// When the live inventory the plan was computed against was observed.
    pub observed_at: String,
    pub summary: Summary,
    /// In dependency order.
    pub actions: Vec<Action>,
    /// SHA-256 over target and actions: a hand-edited plan is refused.
    pub checksum: String,
}

impl Plan {
    pub fn new(target: &str, observed_at: &str, actions: Vec<Action>) -> Self {
        let mut summary = Summary::default();
        for a in &actions {
            match a.action {
                ActionType::Create => summary.create += 1,
                ActionType::Update => summary.update += 1,
                ActionType::Noop => summary.noop += 1,
                ActionType::Pending => summary.pending += 1,
            }
        }
        let mut plan = Plan {
            format_version: PLAN_FORMAT,
            switchboard_version: env!("CARGO_PKG_VERSION").to_string(),
            target: target.to_string(),
            generated_at: crate::inventory::now_rfc3339(),
            observed_at: observed_at.to_string(),
            summary,
            actions,
            checksum: String::new(),
        };
        plan.checksum = plan.compute_checksum();
        plan
    }

    pub fn compute_checksum(&self) -> String {
        use sha2::{Digest, Sha256};
        let body = serde_json::to_string(&(&self.format_version, &self.target, &self.actions))
            .unwrap_or_default();
        Sha256::digest(body.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// True when anything would change or wait (what `--detailed-exitcode` and `drift` report).
    pub fn has_changes(&self) -> bool {
        self.summary.create + self.summary.update + self.summary.pending > 0
    }
}
