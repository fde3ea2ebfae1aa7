//! `CallingPolicy` documents: settings shared by every manifest of one kind whose labels match a
//! selector ("everyone in sales records their calls"). Applied right after loading, before
//! placement and resolve: each matched document gets the policy's settings wherever its own spec
//! sets nothing, field by field, and remembers which fields came from which policy so the plan
//! can say so. A policy selects manifests only, never live objects: a live object no manifest
//! declares is never touched by one.

use crate::diff::FieldChange;
use crate::manifest::validate::{references, spec_problems};
use crate::manifest::{Diagnostic, Diagnostics, ManifestSet};
use crate::model::{DesiredObject, SourcePos};
use crate::providers::{DiffRules, KindInfo, Shape, catalog, kind_info};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};

pub const KIND: &str = "CallingPolicy";

/// Settings applied to every document of `appliesTo` whose labels match `selector`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallingPolicySpec {
    /// The kind whose documents get the settings, e.g. `UserCalling`.
    #[schemars(length(min = 1))]
    pub applies_to: String,
    /// Which documents of that kind, by their `metadata.labels`; `{}` selects all of them.
    pub selector: LabelSelector,
    /// Spec fields of that kind. A document's own value of a field wins over the policy's.
    pub settings: Map<String, Value>,
}

/// A Kubernetes-style label selector: every condition must hold.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabelSelector {
    /// Labels the document must have, with these values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<LabelExpression>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabelExpression {
    #[schemars(length(min = 1))]
    pub key: String,
    pub operator: LabelOperator,
    /// For `In` and `NotIn` (at least one); none for `Exists` and `DoesNotExist`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum LabelOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

pub static INFO: KindInfo = KindInfo {
    kind: KIND,
    provider: "",
    description: "Settings applied to every manifest of one kind whose labels match a selector; a manifest's own fields win.",
    aliases: &[],
    spec_schema: || schemars::schema_for!(CallingPolicySpec),
    ref_fields: &[],
    natural_key: |_| String::new(),
    shape: Shape::Declaration,
    lookup_step: "",
    diff_rules: DiffRules::NONE,
    provides: None,
};

impl LabelSelector {
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|e| e.matches(labels))
    }
}

impl LabelExpression {
    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.key);
        match self.operator {
            LabelOperator::In => value.is_some_and(|v| self.values.contains(v)),
            // As in Kubernetes: a document without the label is not in the excluded values.
            LabelOperator::NotIn => value.is_none_or(|v| !self.values.contains(v)),
            LabelOperator::Exists => value.is_some(),
            LabelOperator::DoesNotExist => value.is_none(),
        }
    }
}

/// The manifests with every policy merged in, and a warning per policy that matched nothing.
#[derive(Debug)]
pub struct Applied {
    pub set: ManifestSet,
    pub warnings: Vec<String>,
}

/// One policy, checked and ready to merge.
struct Policy {
    /// `CallingPolicy/<name>`.
    origin: String,
    applies_to: &'static str,
    selector: LabelSelector,
    /// `settings` as written (`${env:…}` kept) and filled: the same shape.
    template: Value,
    settings: Value,
    source: SourcePos,
    positions: BTreeMap<String, SourcePos>,
}

impl Policy {
    /// Where the setting at `pointer` (inside `settings`) is written, or its nearest ancestor.
    fn position(&self, pointer: &str) -> SourcePos {
        let mut at = format!("/settings{pointer}");
        loop {
            if let Some(pos) = self.positions.get(&at) {
                return pos.clone();
            }
            match at.rfind('/') {
                Some(i) => at.truncate(i),
                None => return self.source.clone(),
            }
        }
    }
}

/// Take the CallingPolicy documents out of `set` and merge each into the documents it selects.
pub fn apply(set: ManifestSet) -> Result<Applied, Diagnostics> {
    let (declarations, mut objects): (Vec<DesiredObject>, Vec<DesiredObject>) =
        set.objects.into_iter().partition(|o| o.id.kind == KIND);
    let mut problems = Diagnostics::default();
    let mut policies: Vec<Policy> = Vec::new();
    for doc in declarations {
        match policy(doc) {
            Ok(p) => policies.push(p),
            Err(d) => problems.push(*d),
        }
    }
    // Merged in name order, so a problem is always reported the same way.
    policies.sort_by(|a, b| a.origin.cmp(&b.origin));
    let mut matched = vec![false; policies.len()];
    let mut reported: HashSet<(String, String)> = HashSet::new();
    for o in &mut objects {
        let mine: Vec<&Policy> = policies
            .iter()
            .enumerate()
            .filter(|(_, p)| p.applies_to == o.id.kind && p.selector.matches(&o.labels))
            .map(|(i, p)| {
                matched[i] = true;
                p
            })
            .collect();
        if !mine.is_empty() {
            for d in merge_into(o, &mine) {
                // A policy wrong for its kind is wrong for every document it selects: say it once.
                if reported.insert((d.pos.to_string(), d.message.clone())) {
                    problems.push(d);
                }
            }
        }
    }
    let warnings = policies
        .iter()
        .zip(&matched)
        .filter(|(_, matched)| !**matched)
        .map(|(p, _)| {
            format!(
                "warning: {}: {} selects no {} manifest; it changes nothing",
                p.source, p.origin, p.applies_to
            )
        })
        .collect();
    problems.into_result(Applied {
        set: ManifestSet { objects },
        warnings,
    })
}

fn policy(doc: DesiredObject) -> Result<Policy, Box<Diagnostic>> {
    let origin = doc.id.to_string();
    let at = |pointer: &str| {
        doc.positions
            .get(pointer)
            .cloned()
            .unwrap_or_else(|| doc.source.clone())
    };
    let fail = |pointer: &str, message: String, hint: String| {
        Box::new(
            Diagnostic::new(at(pointer), message)
                .object(&origin)
                .path(format!("/spec{pointer}"))
                .hint(hint),
        )
    };
    let spec: CallingPolicySpec = serde_json::from_value(doc.spec.clone()).map_err(|e| {
        fail(
            "",
            format!("not a CallingPolicy spec: {e}"),
            "see schemas/CallingPolicy.schema.json".into(),
        )
    })?;
    let settings_kinds = || {
        catalog()
            .iter()
            .filter(|k| bears_settings(k))
            .map(|k| k.kind)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let info = kind_info(&spec.applies_to).ok_or_else(|| {
        fail(
            "/appliesTo",
            format!("unknown kind `{}`", spec.applies_to),
            format!("a policy applies to one of: {}", settings_kinds()),
        )
    })?;
    if !bears_settings(info) {
        return Err(fail(
            "/appliesTo",
            format!(
                "{} has no settings a policy could fill: Switchboard does not write it",
                info.kind
            ),
            format!("a policy applies to one of: {}", settings_kinds()),
        ));
    }
    // Settings, not identity: a policy that set a reference (a license, a location, a number)
    // or a key field would give the same one to every document it selects.
    let settings = &doc.spec["settings"];
    let identity: Vec<&str> = settings
        .as_object()
        .into_iter()
        .flat_map(|m| m.keys())
        .map(String::as_str)
        .filter(|k| info.ref_fields.iter().any(|(field, _)| field == k))
        .collect();
    if let Some(first) = identity.first() {
        return Err(fail(
            &format!("/settings/{first}"),
            format!(
                "a policy cannot set {} of a {}: it is a reference, the same for every document selected",
                identity.join(", "),
                info.kind
            ),
            "set references in each document; a policy fills settings".into(),
        ));
    }
    if (info.natural_key)(settings) != (info.natural_key)(&serde_json::json!({})) {
        return Err(fail(
            "/settings",
            format!("a policy cannot set the fields a {} is found by", info.kind),
            "set key fields in each document; a policy fills settings".into(),
        ));
    }
    for (i, e) in spec.selector.match_expressions.iter().enumerate() {
        let wants_values = matches!(e.operator, LabelOperator::In | LabelOperator::NotIn);
        if wants_values == e.values.is_empty() {
            return Err(fail(
                &format!("/selector/matchExpressions/{i}"),
                format!(
                    "operator {:?} {} values",
                    e.operator,
                    if wants_values { "needs" } else { "takes no" }
                ),
                "In and NotIn list values; Exists and DoesNotExist list none".into(),
            ));
        }
    }
    Ok(Policy {
        applies_to: info.kind,
        selector: spec.selector,
        template: doc.spec_template["settings"].clone(),
        settings: doc.spec["settings"].clone(),
        source: doc.source.clone(),
        positions: doc.positions.clone(),
        origin,
    })
}

/// Kinds whose documents carry settings Switchboard writes.
fn bears_settings(info: &KindInfo) -> bool {
    matches!(info.shape, Shape::Object | Shape::Singleton)
}

/// Merge `policies` into `o`: its spec and template, provenance, sensitivity and references.
/// Returns the problems: two policies setting one field, or a merged spec its schema refuses.
fn merge_into(o: &mut DesiredObject, policies: &[&Policy]) -> Vec<Diagnostic> {
    let Some(info) = kind_info(&o.id.kind) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for p in policies {
        let mut merge = Merge {
            policy: p,
            object: o.id.to_string(),
            from: &mut o.from_policy,
            problems: &mut problems,
        };
        merge.fill(
            &mut o.spec_template,
            &mut o.spec,
            &p.template,
            &p.settings,
            "",
        );
    }
    for problem in spec_problems(info, &o.spec_template) {
        let d = match owner(&o.from_policy, &problem.pointer)
            .and_then(|origin| policies.iter().find(|p| p.origin == origin))
        {
            Some(p) => Diagnostic::new(
                p.position(&problem.pointer),
                format!(
                    "{} (a setting for {}, applied to {})",
                    problem.message, info.kind, o.id
                ),
            )
            .object(&p.origin)
            .path(format!("/spec/settings{}", problem.pointer))
            .hint(format!(
                "settings are fields of {0}: see schemas/{0}.schema.json",
                info.kind
            )),
            None => Diagnostic::new(
                o.source.clone(),
                format!(
                    "{} (once CallingPolicy settings are merged in)",
                    problem.message
                ),
            )
            .object(o.id.to_string())
            .path(format!("/spec{}", problem.pointer))
            .hint(format!(
                "the fields of a {0} are in schemas/{0}.schema.json",
                info.kind
            )),
        };
        problems.push(d);
    }
    // Sensitivity follows the templates, wherever they came from, plus the kind's write-only
    // fields: the same rule `validate_document` applies to a document alone.
    let mut sensitive = Vec::new();
    template_pointers(&o.spec_template, "", &mut sensitive);
    for write_only in info.diff_rules.write_only {
        if o.spec.pointer(write_only).is_some() && !sensitive.iter().any(|s| s == write_only) {
            sensitive.push((*write_only).to_string());
        }
    }
    o.sensitive = sensitive;
    o.references = references(info, &o.spec, "");
    problems
}

/// One policy merged into one document.
struct Merge<'a> {
    policy: &'a Policy,
    object: String,
    from: &'a mut BTreeMap<String, String>,
    problems: &'a mut Vec<Diagnostic>,
}

impl Merge<'_> {
    /// Fill what `template`/`spec` (one document, before and after interpolation: the same
    /// shape) leave unset with the policy's values. Objects merge key by key; anything else is
    /// a leaf, and a leaf the document sets is its own.
    fn fill(
        &mut self,
        template: &mut Value,
        spec: &mut Value,
        policy_template: &Value,
        policy_spec: &Value,
        pointer: &str,
    ) {
        if let (true, Value::Object(add)) = (template.is_object(), policy_template) {
            for (key, value) in add {
                let child = format!(
                    "{pointer}/{}",
                    crate::manifest::yaml::escape_pointer_segment(key)
                );
                let filled = policy_spec.get(key).cloned().unwrap_or(Value::Null);
                match (template.get_mut(key), spec.get_mut(key)) {
                    (Some(t), Some(s)) => self.fill(t, s, value, &filled, &child),
                    _ => {
                        if let Some(fields) = template.as_object_mut() {
                            fields.insert(key.clone(), value.clone());
                        }
                        if let Some(fields) = spec.as_object_mut() {
                            fields.insert(key.clone(), filled);
                        }
                        self.from.insert(child, self.policy.origin.clone());
                    }
                }
            }
            return;
        }
        // A leaf both set: the document's value wins, unless another policy put it there.
        if let Some(other) = owner(self.from, pointer)
            && other != self.policy.origin
        {
            self.problems.push(
                Diagnostic::new(
                    self.policy.position(pointer),
                    format!(
                        "{other} and {} both set {pointer} of {}; a field comes from one policy only",
                        self.policy.origin, self.object
                    ),
                )
                .object(&self.policy.origin)
                .path(format!("/spec/settings{pointer}"))
                .hint(format!(
                    "set {pointer} in {}'s own spec (it wins over policies), or narrow one selector",
                    self.object
                )),
            );
        }
    }
}

/// The policy that filled `pointer` or the subtree it is in (the deepest one).
fn owner<'a>(from: &'a BTreeMap<String, String>, pointer: &str) -> Option<&'a str> {
    let mut at = pointer;
    loop {
        if let Some(origin) = from.get(at) {
            return Some(origin);
        }
        at = &at[..at.rfind('/')?];
    }
}

/// Pointers of the strings holding a `${env:…}` template (what interpolation marks sensitive).
fn template_pointers(value: &Value, pointer: &str, out: &mut Vec<String>) {
    match value {
        Value::String(s) if s.contains("${env:") => out.push(pointer.to_string()),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                template_pointers(v, &format!("{pointer}/{i}"), out);
            }
        }
        Value::Object(fields) => {
            for (k, v) in fields {
                let child = format!(
                    "{pointer}/{}",
                    crate::manifest::yaml::escape_pointer_segment(k)
                );
                template_pointers(v, &child, out);
            }
        }
        _ => {}
    }
}

/// Name the policies each change's desired value came from: the change's path is at or under
/// a field a policy filled, or (a change reported whole, e.g. a section absent live) above
/// fields policies filled.
pub fn attribute(
    changes: Vec<FieldChange>,
    from_policy: &BTreeMap<String, String>,
) -> Vec<FieldChange> {
    if from_policy.is_empty() {
        return changes;
    }
    changes
        .into_iter()
        .map(|mut c| {
            c.from = owner(from_policy, &c.path).map(str::to_string).or_else(|| {
                let prefix = format!("{}/", c.path);
                let mut below: Vec<&str> = from_policy
                    .range(prefix.clone()..)
                    .take_while(|(p, _)| p.starts_with(&prefix))
                    .map(|(_, origin)| origin.as_str())
                    .collect();
                below.sort_unstable();
                below.dedup();
                (!below.is_empty()).then(|| below.join(", "))
            });
            c
        })
        .collect()
}

#[cfg(test)]
mod tests;
