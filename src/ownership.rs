//! `Ownership` documents: which live objects the manifests own, so that an owned object absent
//! from the manifests is deleted. Declared in Git next to the manifests and reviewed like them;
//! whatever no rule owns is unmanaged and never touched. Provider-neutral: a rule names a kind,
//! optionally a target, a name glob and a location.

use crate::manifest::{Diagnostic, Diagnostics, ManifestSet};
use crate::model::{DesiredObject, LiveObject, TargetKey};
use crate::providers::{DiffRules, KindInfo, Shape, kind_info};
use globset::{Glob, GlobMatcher};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Ownership of live objects: the ones that match are deleted when no manifest declares them.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OwnershipSpec {
    /// The kind owned, e.g. `Trunk`.
    pub kind: String,
    /// The target, when the environment has several targets of the kind's provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// All optional; none = every object of the kind on the target.
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub matches: Option<OwnershipMatch>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OwnershipMatch {
    /// A glob on the object's name (`Madrid *`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub name_pattern: Option<String>,
    /// Only objects in this location (a Location manifest name, or a live location's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub location_ref: Option<String>,
}

pub static INFO: KindInfo = KindInfo {
    kind: "Ownership",
    provider: "",
    description: "Which live objects the manifests own: owned objects no manifest declares are deleted.",
    aliases: &[],
    spec_schema: || schemars::schema_for!(OwnershipSpec),
    ref_fields: &[],
    natural_key: |_| String::new(),
    shape: Shape::Declaration,
    lookup_step: "",
    diff_rules: DiffRules::NONE,
    provides: None,
};

/// One rule, ready to match live objects.
#[derive(Debug, Clone)]
pub struct Rule {
    /// `Ownership/<name>`, for messages.
    pub origin: String,
    pub kind: String,
    pub target: Option<String>,
    name: Option<GlobMatcher>,
    /// The location's natural key (references resolved).
    location: Option<String>,
}

impl Rule {
    /// True when this rule owns `live`, an object of `target`.
    pub fn owns(&self, target: &str, live: &LiveObject) -> bool {
        if live.kind != self.kind || self.target.as_deref().is_some_and(|t| t != target) {
            return false;
        }
        let name = live.state["name"].as_str().unwrap_or(&live.key);
        if self.name.as_ref().is_some_and(|g| !g.is_match(name)) {
            return false;
        }
        match &self.location {
            None => true,
            Some(location) => {
                let at = if live.kind == "Location" {
                    live.key.as_str()
                } else {
                    live.state["locationRef"].as_str().unwrap_or_default()
                };
                TargetKey::new("Location", at) == TargetKey::new("Location", location)
            }
        }
    }
}

/// Take the Ownership documents out of the set and turn them into rules. `location_key` maps a
/// Location manifest name to its natural key.
pub fn split(
    set: ManifestSet,
    location_key: impl Fn(&str) -> Option<String>,
) -> Result<(ManifestSet, Vec<Rule>), Diagnostics> {
    let (declarations, objects): (Vec<DesiredObject>, Vec<DesiredObject>) = set
        .objects
        .into_iter()
        .partition(|o| o.id.kind == INFO.kind);
    let mut rules = Vec::new();
    let mut problems = Diagnostics::default();
    for doc in declarations {
        match rule(&doc, &location_key) {
            Ok(rule) => rules.push(rule),
            Err(message) => problems.push(
                Diagnostic::new(doc.source.clone(), message)
                    .object(doc.id.to_string())
                    .path("/spec")
                    .hint("an Ownership names a writable kind, and its namePattern is a glob such as `Madrid *`"),
            ),
        }
    }
    problems.into_result((ManifestSet { objects }, rules))
}

fn rule(
    doc: &DesiredObject,
    location_key: &impl Fn(&str) -> Option<String>,
) -> Result<Rule, String> {
    let spec: OwnershipSpec = serde_json::from_value(doc.spec.clone())
        .map_err(|e| format!("not an Ownership spec: {e}"))?;
    let info = kind_info(&spec.kind).ok_or_else(|| format!("unknown kind `{}`", spec.kind))?;
    // A singleton is never absent (it exists with its parent), so owning one would reset it
    // on every run: only objects can be owned.
    if info.shape != Shape::Object {
        return Err(format!(
            "{} is not an object kind Switchboard creates and deletes, so it cannot be owned",
            info.kind
        ));
    }
    let matches = spec.matches.unwrap_or_default();
    let name = matches
        .name_pattern
        .map(|p| {
            Glob::new(&p)
                .map(|g| g.compile_matcher())
                .map_err(|e| format!("namePattern `{p}` is not a glob: {e}"))
        })
        .transpose()?;
    Ok(Rule {
        origin: doc.id.to_string(),
        kind: info.kind.to_string(),
        target: spec.target,
        name,
        location: matches.location_ref.map(|l| location_key(&l).unwrap_or(l)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(pattern: Option<&str>, location: Option<&str>, target: Option<&str>) -> Rule {
        Rule {
            origin: "Ownership/x".into(),
            kind: "Trunk".into(),
            target: target.map(str::to_string),
            name: pattern.map(|p| Glob::new(p).expect("glob").compile_matcher()),
            location: location.map(str::to_string),
        }
    }

    #[test]
    fn a_rule_owns_by_kind_target_name_and_location() {
        let trunk = LiveObject::new(
            "Trunk",
            "Madrid SBC 1",
            "id",
            json!({"name": "Madrid SBC 1", "locationRef": "Madrid HQ"}),
        );
        assert!(rule(None, None, None).owns("east", &trunk));
        assert!(rule(Some("Madrid *"), None, None).owns("east", &trunk));
        assert!(!rule(Some("Austin *"), None, None).owns("east", &trunk));
        assert!(rule(None, Some("Madrid HQ"), Some("east")).owns("east", &trunk));
        assert!(!rule(None, Some("Austin HQ"), None).owns("east", &trunk));
        assert!(!rule(None, None, Some("west")).owns("east", &trunk));
        let location = LiveObject::new("Location", "Madrid HQ", "l", json!({"name": "Madrid HQ"}));
        assert!(
            !rule(None, None, None).owns("east", &location),
            "another kind"
        );
    }
}
