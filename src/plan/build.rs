//! Stage 7: resolved desired state + live inventory → an ordered plan of actions. Nothing here
//! does I/O; the same inputs always give the same plan.

use super::model::{Action, ActionType, Pending, Plan, reason};
use crate::diff::{self, FieldChange};
use crate::inventory::Inventory;
use crate::model::TargetKey;
use crate::providers::kind_info;
use crate::redact::{SENSITIVE, is_sensitive};
use crate::resolve::Resolved;
use serde_json::Value;
use std::collections::HashSet;

pub fn build(resolved: &Resolved, inventory: &Inventory) -> Plan {
    let managed: HashSet<TargetKey> = resolved.objects.iter().map(|o| o.target_key()).collect();
    let mut actions: Vec<Option<Action>> = vec![None; resolved.objects.len()];
    for &i in &resolved.order {
        let o = &resolved.objects[i];
        let Some(info) = kind_info(&o.desired.id.kind) else {
            continue;
        };
        let target = o.target_key();
        let live = inventory.get(&target);
        let depends_on: Vec<String> = o
            .depends_on
            .iter()
            .map(|&j| resolved.objects[j].desired.id.to_string())
            .collect();

        let missing: Vec<String> = o
            .external
            .iter()
            .filter(|(_, t)| !managed.contains(t) && inventory.get(t).is_none())
            .map(|(pointer, t)| {
                format!(
                    "{} '{}' (at spec{pointer}) is neither in the manifests nor live",
                    t.kind, t.key
                )
            })
            .collect();
        let waiting: Vec<String> = o
            .depends_on
            .iter()
            .filter(|&&j| {
                actions[j]
                    .as_ref()
                    .is_some_and(|a| a.action == ActionType::Pending)
            })
            .map(|&j| resolved.objects[j].desired.id.to_string())
            .collect();

        let (action, pending, changes) = if !missing.is_empty() {
            (
                ActionType::Pending,
                Some(pending(reason::DEPENDENCY_MISSING, missing.join("; "))),
                Vec::new(),
            )
        } else if !waiting.is_empty() {
            let message = format!("waits for {} (pending)", waiting.join(", "));
            (
                ActionType::Pending,
                Some(pending(reason::DEPENDENCY_MISSING, message)),
                Vec::new(),
            )
        } else {
            match live {
                None if info.singleton => (
                    ActionType::Update,
                    None,
                    diff::all_fields(&info.diff_rules, &o.spec),
                ),
                None => (
                    ActionType::Create,
                    None,
                    diff::all_fields(&info.diff_rules, &o.spec),
                ),
                Some(l) => {
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
                            "{} cannot change on an existing {}; Switchboard does not delete, so replace it by hand",
                            immutable.join(", "),
                            info.kind
                        );
                        (
                            ActionType::Pending,
                            Some(pending(reason::REQUIRES_REPLACEMENT, message)),
                            changes,
                        )
                    } else if changes.is_empty() {
                        (ActionType::Noop, None, changes)
                    } else {
                        (ActionType::Update, None, changes)
                    }
                }
            }
        };
        let steps = match action {
            ActionType::Create => vec![info.steps.lookup, info.steps.create],
            ActionType::Update => vec![info.steps.lookup, info.steps.update],
            ActionType::Noop | ActionType::Pending => vec![info.steps.lookup],
        };
        actions[i] = Some(Action {
            kind: o.desired.id.kind.clone(),
            name: o.desired.id.name.clone(),
            key: o.key.clone(),
            action,
            pending,
            steps: steps.into_iter().map(str::to_string).collect(),
            changes: redact_changes(changes, &o.desired.sensitive),
            depends_on,
            live_id: live.map(|l| l.id.clone()),
            live_fingerprint: live.map(|l| l.fingerprint()),
            desired: o.template.clone(),
            sensitive: o.desired.sensitive.clone(),
            source: o.desired.source.clone(),
        });
    }
    let ordered = resolved
        .order
        .iter()
        .filter_map(|&i| actions[i].take())
        .collect();
    Plan::new(&inventory.target, &inventory.observed_at, ordered)
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
