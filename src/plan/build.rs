//! Stage 8: resolved desired state + live inventories → an ordered plan of actions, each with
//! the steps apply will run. Nothing here does I/O; the same inputs always give the same plan.

use super::deletes;
use super::model::{Action, ActionType, Pending, Plan, reason};
use crate::config::Safety;
use crate::diff::{self, FieldChange};
use crate::inventory::Inventories;
use crate::model::{LiveObject, TargetKey};
use crate::ownership::Rule;
use crate::providers::kind::Operation;
use crate::providers::{Blocked, Change, KindInfo, Step, kind_info, registry};
use crate::redact::{SENSITIVE, is_sensitive};
use crate::resolve::{Resolved, ResolvedObject};
use serde_json::Value;
use std::collections::HashSet;

/// Everything a plan is computed from.
pub struct PlanInput<'a> {
    pub environment: &'a str,
    pub resolved: &'a Resolved,
    pub inventories: &'a Inventories,
    pub ownership: &'a [Rule],
    pub safety: &'a Safety,
}

pub fn build(input: &PlanInput<'_>) -> Plan {
    let resolved = input.resolved;
    let managed: HashSet<(String, TargetKey)> = resolved
        .objects
        .iter()
        .flat_map(|o| {
            std::iter::once(o.target_key())
                .chain(crate::resolve::provided_keys(o))
                .map(|k| (o.target().to_string(), k))
        })
        .collect();
    let live_of = |target: &str, key: &TargetKey| -> Option<&LiveObject> {
        input.inventories.get(target).and_then(|i| i.get(key))
    };
    let mut actions: Vec<Option<Action>> = vec![None; resolved.objects.len()];
    for &i in &resolved.order {
        let o = &resolved.objects[i];
        let Some(info) = kind_info(&o.desired.id.kind) else {
            continue;
        };
        let live = live_of(o.target(), &o.target_key());
        // A reference to what is neither managed nor live: pending with the referenced kind's
        // own reason (a person → user_not_found, a license → license_or_feature_missing).
        let missing: Vec<(&str, String)> = o
            .external
            .iter()
            .filter(|e| {
                !managed.contains(&(e.target.clone(), e.key.clone()))
                    && live_of(&e.target, &e.key).is_none()
            })
            .map(|e| {
                let reason = kind_info(&e.key.kind)
                    .map_or(reason::DEPENDENCY_MISSING, KindInfo::missing_reason);
                let message = format!(
                    "{} '{}' (at spec{}) is neither in the manifests nor live",
                    e.key.kind, e.key.key, e.pointer
                );
                (reason, message)
            })
            .collect();
        let waiting: Vec<String> = o
            .depends_on
            .iter()
            .filter_map(|&j| {
                let a = actions[j].as_ref()?;
                let p = a
                    .pending
                    .as_ref()
                    .filter(|_| a.action == ActionType::Pending)?;
                Some(format!("{} ({})", resolved.objects[j].desired.id, p.code))
            })
            .collect();
        let (action, pending, mut changes) = if let Some((reason, _)) = missing.first() {
            let messages: Vec<&str> = missing.iter().map(|(_, m)| m.as_str()).collect();
            let p = pending(reason, messages.join("; "));
            (ActionType::Pending, Some(p), Vec::new())
        } else if !waiting.is_empty() {
            let message = format!("waits for pending {}", waiting.join(", "));
            let p = pending(reason::DEPENDENCY_MISSING, message);
            (ActionType::Pending, Some(p), Vec::new())
        } else {
            compare(info, o, live)
        };
        let mut steps = Vec::new();
        let mut pending = pending;
        let mut action = action;
        if matches!(action, ActionType::Create | ActionType::Update) {
            let referenced = referenced_live(o, &live_of);
            match steps_of(info, o, live, &referenced, action, &changes) {
                // The kind found nothing to send for these differences (a summary field such
                // as a number inventory's `state` that only unlisted numbers make differ):
                // apply would run no step, so the plan shows no change.
                Ok(s) if s.is_empty() && action == ActionType::Update => {
                    action = ActionType::Noop;
                    changes.clear();
                }
                Ok(s) => steps = s,
                Err(blocked) => {
                    action = ActionType::Pending;
                    pending = Some(self::pending(blocked.reason, blocked.message));
                }
            }
        }
        actions[i] = Some(Action {
            target: o.target().to_string(),
            kind: o.desired.id.kind.clone(),
            name: o.desired.id.name.clone(),
            key: o.key.clone(),
            action,
            pending,
            steps,
            changes: crate::policy::attribute(
                redact_changes(changes, &o.desired.sensitive),
                &o.desired.from_policy,
            ),
            depends_on: o
                .depends_on
                .iter()
                .map(|&j| resolved.objects[j].desired.id.to_string())
                .collect(),
            live_id: live.map(|l| l.id.clone()),
            live_fingerprint: live.map(|l| l.fingerprint_of(&o.template)),
            desired: o.template.clone(),
            sensitive: o.desired.sensitive.clone(),
            source: o.desired.source.clone(),
            owned_by: None,
        });
    }
    let mut ordered: Vec<Action> = resolved
        .order
        .iter()
        .filter_map(|&i| actions[i].take())
        .collect();
    let referenced: HashSet<(String, TargetKey)> = resolved
        .objects
        .iter()
        .flat_map(|o| o.external.iter().map(|e| (e.target.clone(), e.key.clone())))
        .collect();
    ordered.extend(deletes::plan_deletes(
        input.inventories,
        input.ownership,
        &managed,
        &referenced,
    ));
    let thresholds = deletes::thresholds(
        &ordered,
        input.inventories,
        input.ownership,
        &managed,
        input.safety,
    );
    let targets: Vec<String> = input.inventories.keys().cloned().collect();
    let observed_at = input
        .inventories
        .values()
        .map(|i| i.observed_at.as_str())
        .min()
        .unwrap_or_default()
        .to_string();
    Plan::new(
        input.environment,
        targets,
        &observed_at,
        ordered,
        thresholds,
    )
}

/// Desired against live: the action and its field changes.
fn compare(
    info: &KindInfo,
    o: &ResolvedObject,
    live: Option<&LiveObject>,
) -> (ActionType, Option<Pending>, Vec<FieldChange>) {
    let Some(l) = live else {
        let action = if info.is_singleton() {
            ActionType::Update
        } else {
            ActionType::Create
        };
        return (action, None, diff::all_fields(&info.diff_rules, &o.spec));
    };
    let changes = diff::diff(&info.diff_rules, &o.spec, &l.state);
    let immutable: Vec<&str> = changes
        .iter()
        .filter(|c| {
            info.diff_rules
                .immutable
                .iter()
                .any(|m| c.path == *m || c.path.starts_with(&format!("{m}/")))
        })
        .map(|c| c.path.as_str())
        .collect();
    if !immutable.is_empty() {
        let message = format!(
            "{} cannot change on an existing {}; replace it: remove the manifest and let an Ownership rule delete the old one, then create it anew",
            immutable.join(", "),
            info.kind
        );
        let p = pending(reason::REQUIRES_REPLACEMENT, message);
        (ActionType::Pending, Some(p), changes)
    } else if changes.is_empty() {
        (ActionType::Noop, None, changes)
    } else {
        (ActionType::Update, None, changes)
    }
}

/// The steps of a create or update, from the kind. Built from the template spec (secrets stay
/// `${env:…}`), so the saved plan holds no secret.
pub fn steps_of(
    info: &KindInfo,
    o: &ResolvedObject,
    live: Option<&LiveObject>,
    referenced: &[(String, &LiveObject)],
    action: ActionType,
    changes: &[FieldChange],
) -> Result<Vec<Step>, Blocked> {
    let operation = if action == ActionType::Create {
        Operation::Create
    } else {
        Operation::Update
    };
    change_steps(&Planned {
        info,
        key: &o.key,
        template: &o.template,
        spec: &o.spec,
        live,
        referenced,
        operation,
        changes,
    })
}

/// One change to turn into steps: `live` brought to `template` (whose interpolated form is
/// `spec`).
pub struct Planned<'a> {
    pub info: &'a KindInfo,
    pub key: &'a str,
    pub template: &'a Value,
    pub spec: &'a Value,
    pub live: Option<&'a LiveObject>,
    /// The live objects the spec references, by pointer.
    pub referenced: &'a [(String, &'a LiveObject)],
    pub operation: Operation,
    pub changes: &'a [FieldChange],
}

/// The steps of one change: member lists item by item, other fields as the kind's steps decide.
pub fn change_steps(p: &Planned<'_>) -> Result<Vec<Step>, Blocked> {
    let rules = &p.info.diff_rules;
    let mut members = diff::members(rules, p.spec, p.live.map(|l| &l.state));
    diff::use_template_items(&mut members, rules, p.spec, p.template);
    let fields: Vec<FieldChange> = p
        .changes
        .iter()
        .filter(|c| !rules.member_lists.iter().any(|(list, _)| c.path == *list))
        .cloned()
        .collect();
    registry::steps(&Change {
        kind: p.info.kind,
        key: p.key,
        operation: p.operation,
        desired: p.template,
        live: p.live,
        fields: &fields,
        members: &members,
        referenced: p.referenced,
    })
}

/// The live objects `o` references, by pointer: the managed ones observed and the external ones.
fn referenced_live<'l>(
    o: &ResolvedObject,
    live_of: &impl Fn(&str, &TargetKey) -> Option<&'l LiveObject>,
) -> Vec<(String, &'l LiveObject)> {
    o.desired
        .references
        .iter()
        .filter_map(|r| {
            let key = o.spec.pointer(&r.pointer)?.as_str()?;
            let live = live_of(o.target(), &TargetKey::new(&r.target_kind, key))?;
            Some((r.pointer.clone(), live))
        })
        .collect()
}

fn pending(code: &str, message: String) -> Pending {
    Pending {
        code: code.to_string(),
        message,
    }
}

pub fn redact_changes(changes: Vec<FieldChange>, sensitive: &[String]) -> Vec<FieldChange> {
    changes
        .into_iter()
        .map(|mut c| {
            if is_sensitive(&c.path, sensitive) {
                c.sensitive = true;
                c.after = Value::String(SENSITIVE.into());
                c.before = c.before.map(|_| Value::String(SENSITIVE.into()));
            }
            c
        })
        .collect()
}
