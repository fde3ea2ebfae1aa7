//! Provider-neutral data that flows between the stages: what the manifests ask for
//! (`DesiredObject`), what the target has (`LiveObject`), and how they are named.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// The identity of a manifest document: its kind and `metadata.name`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectRef {
    pub kind: String,
    pub name: String,
}

impl ObjectRef {
    pub fn new(kind: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)
    }
}

/// The identity of an object on the target: its kind and natural key (e.g. a location's name,
/// a schedule's `location/type/name`). Live objects are matched to manifests by this key, and
/// keys compare the way the vendor's uniqueness rule does: where the vendor ignores case
/// (`Austin HQ` and `austin hq` are one location), so do they.
#[derive(Debug, Clone)]
pub struct TargetKey {
    pub kind: String,
    pub key: String,
    /// The key as the vendor's uniqueness rule sees it (lowercased where it ignores case).
    canon: String,
}

impl TargetKey {
    pub fn new(kind: impl Into<String>, key: impl Into<String>) -> Self {
        let (kind, key) = (kind.into(), key.into());
        let canon = if crate::providers::registry::keys_ignore_case(&kind) {
            key.to_lowercase()
        } else {
            key.clone()
        };
        Self { kind, key, canon }
    }
}

impl PartialEq for TargetKey {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.canon == other.canon
    }
}

impl Eq for TargetKey {}

impl std::hash::Hash for TargetKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
        self.canon.hash(state);
    }
}

impl PartialOrd for TargetKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TargetKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (&self.kind, &self.canon).cmp(&(&other.kind, &other.canon))
    }
}

impl fmt::Display for TargetKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.kind, self.key)
    }
}

/// Where a value came from: `file:line:col` (line and column 1-based).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
pub struct SourcePos {
    pub file: String,
    pub line: usize,
    pub col: usize,
}

impl fmt::Display for SourcePos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// One reference from a manifest field (`locationRef`, `trunkRef`, …) to another object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// JSON pointer of the field inside `spec`, e.g. `/localGateways/0/trunkRef`.
    pub pointer: String,
    pub target_kind: String,
    /// The manifest name of a managed object, or the natural key of an unmanaged live one.
    pub target_name: String,
}

/// One validated manifest document, ready to be resolved.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DesiredObject {
    pub id: ObjectRef,
    #[serde(default)]
    pub labels: std::collections::BTreeMap<String, String>,
    /// `metadata.target`: the target this object goes to when the environment has several
    /// targets of its provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The spec as written, with `${env:NAME}` templates left in place (safe to persist).
    pub spec_template: Value,
    /// The spec with templates replaced; never persisted or printed.
    #[serde(skip)]
    pub spec: Value,
    /// JSON pointers (inside `spec`) whose value came from a secret template.
    pub sensitive: Vec<String>,
    pub references: Vec<Reference>,
    pub source: SourcePos,
    /// Which spec fields a `CallingPolicy` filled in: the JSON pointer of each leaf or subtree
    /// taken from a policy → `CallingPolicy/<name>`. Shown with the plan's changes.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub from_policy: std::collections::BTreeMap<String, String>,
    /// Positions of the spec's values by JSON pointer inside `spec`, kept only for declarations
    /// (policies): their values end up in other documents, and a problem they cause there is
    /// reported where they are written.
    #[serde(skip)]
    pub positions: std::collections::BTreeMap<String, SourcePos>,
}

/// One object as observed on the target, in manifest shape: fields use the vendor's names,
/// and references hold the natural key of the object they point at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveObject {
    pub kind: String,
    pub key: String,
    /// The vendor's id for the object.
    pub id: String,
    pub state: Value,
    /// What steps need that is not desired state: live sub-item ids (schedule event ids), a
    /// wire type segment. Never compared.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub meta: Value,
}

impl LiveObject {
    pub fn new(kind: &str, key: impl Into<String>, id: impl Into<String>, state: Value) -> Self {
        Self {
            kind: kind.to_string(),
            key: key.into(),
            id: id.into(),
            state,
            meta: Value::Null,
        }
    }

    pub fn target_key(&self) -> TargetKey {
        TargetKey::new(&self.kind, &self.key)
    }

    /// A short stable digest of the observed state, used to refuse a stale saved plan.
    pub fn fingerprint(&self) -> String {
        self.fingerprint_of(&Value::Null)
    }

    /// The digest of what a manifest owns: with `desired` an object, only the top-level state
    /// fields it sets count. Settings a manifest does not set are read or not depending on
    /// the scope (an owned kind's are all read); a saved plan's re-read reads the owned ones,
    /// and those are what its steps depend on.
    pub fn fingerprint_of(&self, desired: &Value) -> String {
        use sha2::{Digest, Sha256};
        let state = match (desired, &self.state) {
            (Value::Object(owned), Value::Object(state)) => Value::Object(
                state
                    .iter()
                    .filter(|(k, _)| owned.contains_key(*k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            _ => self.state.clone(),
        };
        let canonical = serde_json::to_string(&(&self.id, &state, &self.meta)).unwrap_or_default();
        let digest = Sha256::digest(canonical.as_bytes());
        digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }
}
