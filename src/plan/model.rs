//! The plan is a plain value: an ordered list of actions, counted, checksummed and saved as JSON.
//! It records what each action was computed against, so a stale plan is refused at apply.

use crate::diff::FieldChange;
use crate::model::SourcePos;
use crate::providers::Step;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Bumped on any incompatible change of the JSON below (documented in README.md, "Plan JSON").
pub const PLAN_FORMAT: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionType {
    Create,
    Update,
    Delete,
    Noop,
    Pending,
}

impl ActionType {
    pub fn symbol(self) -> &'static str {
        match self {
            ActionType::Create => "+",
            ActionType::Update => "~",
            ActionType::Delete => "-",
            ActionType::Noop => "=",
            ActionType::Pending => "!",
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            ActionType::Create => "create",
            ActionType::Update => "update",
            ActionType::Delete => "delete",
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

/// The registry's codes, as kinds give them too.
pub use crate::providers::reason;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// The target the action goes to.
    pub target: String,
    pub kind: String,
    /// The manifest name; for a delete (no manifest), the live key.
    pub name: String,
    /// The natural key the object is looked up by on the target.
    pub key: String,
    pub action: ActionType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<Pending>,
    /// What apply runs, in order: one request or transaction each, with its inputs.
    pub steps: Vec<Step>,
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
    /// For a delete: the Ownership document that owns the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<String>,
}

impl Action {
    /// `Kind/name` for a manifest's object; `Kind[key]@target` for a delete (no manifest).
    pub fn object(&self) -> String {
        if self.action == ActionType::Delete {
            format!("{}[{}]@{}", self.kind, self.key, self.target)
        } else {
            format!("{}/{}", self.kind, self.name)
        }
    }
    pub fn changes_anything(&self) -> bool {
        matches!(
            self.action,
            ActionType::Create | ActionType::Update | ActionType::Delete
        )
    }
}

/// A safety threshold a plan exceeds: it is refused unless `--force` is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThresholdTrip {
    pub target: String,
    pub kind: String,
    /// `delete` or `update`.
    pub action: String,
    pub count: usize,
    /// Existing objects of the kind the manifests manage or own on the target.
    pub existing: usize,
    pub limit_percent: f64,
}

impl ThresholdTrip {
    pub fn percent(&self) -> f64 {
        100.0 * self.count as f64 / self.existing.max(1) as f64
    }
    pub fn message(&self) -> String {
        format!(
            "{} {}s of {} existing {} on target `{}` is {:.0}%, over the {:.0}% threshold by {:.0} points",
            self.count,
            self.action,
            self.existing,
            self.kind,
            self.target,
            self.percent(),
            self.limit_percent,
            self.percent() - self.limit_percent
        )
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    #[serde(default)]
    pub delete: usize,
    pub noop: usize,
    pub pending: usize,
}

/// What a partial plan (`plan --changed-since REV`) covers: the objects whose documents changed
/// since a revision, and their dependents. Nothing else was read, and nothing is deleted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Partial {
    pub since: Since,
    /// Objects planned: the changed ones and the managed objects that depend on them.
    pub selected: usize,
    /// Objects the manifests declare.
    pub total: usize,
    /// `Kind/name` of documents at the revision that are gone now: deleting what they managed
    /// needs a full plan.
    pub deleted_documents: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Since {
    /// The revision as given (`origin/main`).
    pub revision: String,
    /// The commit it named.
    pub commit: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub format_version: u32,
    pub switchboard_version: String,
    pub environment: String,
    /// The targets the plan reads and writes.
    pub targets: Vec<String>,
    pub generated_at: String,
    /// When the live inventory the plan was computed against was observed.
    pub observed_at: String,
    pub summary: Summary,
    /// In dependency order; deletes last, in reverse dependency order.
    pub actions: Vec<Action>,
    /// Safety thresholds exceeded: apply refuses the plan unless forced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<ThresholdTrip>,
    /// Per target, a digest of what it points at (provider and settings: base URL, org…):
    /// apply refuses the plan if a target was re-pointed since.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub target_identities: std::collections::BTreeMap<String, String>,
    /// Set when the plan covers only what changed since a revision (`--changed-since`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial: Option<Partial>,
    /// SHA-256 over everything above: an edited plan is refused.
    pub checksum: String,
    /// HMAC-SHA-256 of the checksum with `SWITCHBOARD_PLAN_KEY`, when the key was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl Plan {
    pub fn new(
        environment: &str,
        targets: Vec<String>,
        observed_at: &str,
        actions: Vec<Action>,
        thresholds: Vec<ThresholdTrip>,
    ) -> Self {
        let summary = Plan::count(&actions);
        let mut plan = Plan {
            format_version: PLAN_FORMAT,
            switchboard_version: env!("CARGO_PKG_VERSION").to_string(),
            environment: environment.to_string(),
            targets,
            generated_at: crate::inventory::now_rfc3339(),
            observed_at: observed_at.to_string(),
            summary,
            actions,
            thresholds,
            target_identities: Default::default(),
            partial: None,
            checksum: String::new(),
            signature: None,
        };
        plan.seal();
        plan
    }

    /// Record what each target points at, and seal the plan again.
    pub fn with_target_identities(
        mut self,
        identities: std::collections::BTreeMap<String, String>,
    ) -> Self {
        self.target_identities = identities;
        self.seal();
        self
    }

    /// Mark the plan partial, with the thresholds counted for it, and seal it again.
    pub fn with_partial(
        mut self,
        partial: Option<Partial>,
        thresholds: Vec<ThresholdTrip>,
    ) -> Self {
        self.partial = partial;
        self.thresholds = thresholds;
        self.seal();
        self
    }

    /// The checksum, and the signature when a key is set.
    fn seal(&mut self) {
        self.checksum = self.compute_checksum();
        self.signature =
            super::signing::key().map(|key| super::signing::sign(&self.checksum, &key));
    }

    /// The summary of these actions.
    pub fn count(actions: &[Action]) -> Summary {
        let mut summary = Summary::default();
        for a in actions {
            match a.action {
                ActionType::Create => summary.create += 1,
                ActionType::Update => summary.update += 1,
                ActionType::Delete => summary.delete += 1,
                ActionType::Noop => summary.noop += 1,
                ActionType::Pending => summary.pending += 1,
            }
        }
        summary
    }

    /// SHA-256 over the whole plan but its checksum and signature: every field a person or
    /// apply reads is covered. Streamed into the hash: a large plan is not copied to do it.
    pub fn compute_checksum(&self) -> String {
        use sha2::{Digest, Sha256};
        struct Hashing(Sha256);
        impl std::io::Write for Hashing {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.update(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut hashing = Hashing(Sha256::new());
        let _ = serde_json::to_writer(&mut hashing, &ChecksummedPart::of(self));
        hashing
            .0
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// True when anything would change or wait (what `--detailed-exitcode` and `drift` report).
    pub fn has_changes(&self) -> bool {
        self.summary.create + self.summary.update + self.summary.delete + self.summary.pending > 0
    }

    /// A copy with only the actions `keep` accepts (dependencies on dropped ones forgotten).
    pub fn narrowed(&self, keep: impl Fn(&Action) -> bool) -> Plan {
        let actions: Vec<Action> = self.actions.iter().filter(|a| keep(a)).cloned().collect();
        let kept: std::collections::HashSet<String> = actions.iter().map(Action::object).collect();
        let actions: Vec<Action> = actions
            .into_iter()
            .map(|mut a| {
                a.depends_on.retain(|d| kept.contains(d));
                a
            })
            .collect();
        // A threshold still applies while the narrowed plan makes that kind of change.
        let thresholds: Vec<ThresholdTrip> = self
            .thresholds
            .iter()
            .filter(|t| {
                actions.iter().any(|a| {
                    a.target == t.target && a.kind == t.kind && a.action.name() == t.action
                })
            })
            .cloned()
            .collect();
        Plan::new(
            &self.environment,
            self.targets.clone(),
            &self.observed_at,
            actions,
            thresholds.clone(),
        )
        .with_target_identities(self.target_identities.clone())
        .with_partial(self.partial.clone(), thresholds)
    }
}

/// Every field of a `Plan` but its checksum and signature, in the same order and with the same
/// names: what the checksum covers. (A test keeps it in step with `Plan`.)
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChecksummedPart<'a> {
    format_version: u32,
    switchboard_version: &'a str,
    environment: &'a str,
    targets: &'a [String],
    generated_at: &'a str,
    observed_at: &'a str,
    summary: &'a Summary,
    actions: &'a [Action],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    thresholds: &'a [ThresholdTrip],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    target_identities: &'a std::collections::BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    partial: &'a Option<Partial>,
}

impl<'a> ChecksummedPart<'a> {
    fn of(plan: &'a Plan) -> Self {
        Self {
            format_version: plan.format_version,
            switchboard_version: &plan.switchboard_version,
            environment: &plan.environment,
            targets: &plan.targets,
            generated_at: &plan.generated_at,
            observed_at: &plan.observed_at,
            summary: &plan.summary,
            actions: &plan.actions,
            thresholds: &plan.thresholds,
            target_identities: &plan.target_identities,
            partial: &plan.partial,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksummed_part_is_the_plan_without_its_checksum_and_signature() {
        let mut plan = Plan::new("e", vec!["t".into()], "now", Vec::new(), Vec::new());
        plan.thresholds.push(ThresholdTrip {
            target: "t".into(),
            kind: "Trunk".into(),
            action: "delete".into(),
            count: 3,
            existing: 10,
            limit_percent: 30.0,
        });
        plan.signature = Some("sig".into());
        plan.target_identities.insert("t".into(), "abc".into());
        plan.partial = Some(Partial {
            since: Since {
                revision: "origin/main".into(),
                commit: "abc1234".into(),
            },
            selected: 1,
            total: 2,
            deleted_documents: vec!["Trunk/old".into()],
        });
        let mut whole = serde_json::to_value(&plan).expect("value");
        let fields = whole.as_object_mut().expect("object");
        fields.remove("checksum");
        fields.remove("signature");
        let part = serde_json::to_string(&ChecksummedPart::of(&plan)).expect("part");
        assert_eq!(part, whole.to_string());
    }
}
