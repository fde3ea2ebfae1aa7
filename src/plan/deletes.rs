//! Deletes and the safety thresholds. An owned live object (an Ownership rule matches it) that
//! no manifest declares and no manifest references is deleted; everything else is unmanaged and
//! never touched. Deletes run after creates and updates, in reverse dependency order: an object
//! is deleted only after the deleted objects that reference it (a route group before its trunk).

use super::build::{Planned, change_steps};
use super::model::{Action, ActionType, Pending, ThresholdTrip};
use crate::config::Safety;
use crate::inventory::Inventories;
use crate::model::{LiveObject, TargetKey};
use crate::ownership::Rule;
use crate::providers::kind::Operation;
use crate::providers::kind_info;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The delete actions, in the order they may run.
pub fn plan_deletes(
    inventories: &Inventories,
    rules: &[Rule],
    managed: &HashSet<(String, TargetKey)>,
    referenced: &HashSet<(String, TargetKey)>,
) -> Vec<Action> {
    let mut doomed: Vec<(&str, &LiveObject, &Rule)> = Vec::new();
    for (target, inventory) in inventories {
        for live in &inventory.objects {
            let at = (target.clone(), live.target_key());
            if managed.contains(&at) || referenced.contains(&at) {
                continue;
            }
            if let Some(rule) = rules.iter().find(|r| r.owns(target, live)) {
                doomed.push((target, live, rule));
            }
        }
    }
    let object = |target: &str, live: &LiveObject| format!("{}[{}]@{target}", live.kind, live.key);
    // Who references whom among the doomed: the referrer goes first.
    let by_key: HashMap<(&str, TargetKey), String> = doomed
        .iter()
        .map(|(t, l, _)| ((*t, l.target_key()), object(t, l)))
        .collect();
    let mut after: HashMap<String, Vec<String>> = HashMap::new();
    for (target, live, _) in &doomed {
        for (kind, key) in live_references(live) {
            if let Some(referenced) = by_key.get(&(*target, TargetKey::new(kind, key))) {
                after
                    .entry(referenced.clone())
                    .or_default()
                    .push(object(target, live));
            }
        }
    }
    let mut actions: Vec<Action> = doomed
        .into_iter()
        .map(|(target, live, rule)| {
            let name = object(target, live);
            let info = kind_info(&live.kind);
            let steps = info.map(|info| {
                change_steps(&Planned {
                    info,
                    key: &live.key,
                    template: &Value::Null,
                    spec: &Value::Null,
                    live: Some(live),
                    referenced: &[],
                    operation: Operation::Delete,
                    changes: &[],
                })
            });
            let (action, pending, steps) = match steps {
                Some(Ok(steps)) => (ActionType::Delete, None, steps),
                Some(Err(blocked)) => (
                    ActionType::Pending,
                    Some(Pending {
                        code: blocked.reason.into(),
                        message: blocked.message,
                    }),
                    Vec::new(),
                ),
                None => (ActionType::Pending, None, Vec::new()),
            };
            Action {
                target: target.to_string(),
                kind: live.kind.clone(),
                name: live.key.clone(),
                key: live.key.clone(),
                action,
                pending,
                steps,
                changes: Vec::new(),
                depends_on: after.remove(&name).unwrap_or_default(),
                live_id: Some(live.id.clone()),
                live_fingerprint: Some(live.fingerprint()),
                desired: Value::Null,
                sensitive: Vec::new(),
                source: Default::default(),
                owned_by: Some(rule.origin.clone()),
            }
        })
        .collect();
    // Referrers first, then what they referenced; stable by name otherwise.
    actions.sort_by_key(Action::object);
    order_after_dependencies(actions)
}

/// `(kind, key)` of every reference a live object holds, from its kind's `…Ref` fields.
fn live_references(live: &LiveObject) -> Vec<(&'static str, &str)> {
    let Some(info) = kind_info(&live.kind) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    collect_refs(info.ref_fields, &live.state, &mut out);
    out
}

fn collect_refs<'a>(
    fields: &'static [(&'static str, &'static str)],
    value: &'a Value,
    out: &mut Vec<(&'static str, &'a str)>,
) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (fields.iter().find(|(f, _)| f == k), v) {
                    (Some((_, kind)), Value::String(key)) => out.push((kind, key.as_str())),
                    _ => collect_refs(fields, v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(fields, v, out)),
        _ => {}
    }
}

/// Kahn's order over `depends_on` (a delete waits for the deletes of its referrers).
fn order_after_dependencies(actions: Vec<Action>) -> Vec<Action> {
    let index: HashMap<String, usize> = actions
        .iter()
        .enumerate()
        .map(|(i, a)| (a.object(), i))
        .collect();
    let mut waiting: Vec<usize> = actions
        .iter()
        .map(|a| {
            a.depends_on
                .iter()
                .filter(|d| index.contains_key(*d))
                .count()
        })
        .collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); actions.len()];
    for (i, a) in actions.iter().enumerate() {
        for d in &a.depends_on {
            if let Some(&j) = index.get(d) {
                dependents[j].push(i);
            }
        }
    }
    let mut ready: std::collections::VecDeque<usize> =
        (0..actions.len()).filter(|&i| waiting[i] == 0).collect();
    let mut order = Vec::with_capacity(actions.len());
    while let Some(i) = ready.pop_front() {
        order.push(i);
        for &j in &dependents[i] {
            waiting[j] -= 1;
            if waiting[j] == 0 {
                ready.push_back(j);
            }
        }
    }
    // Live objects that reference each other in a loop: keep them, in name order.
    let placed: HashSet<usize> = order.iter().copied().collect();
    order.extend((0..actions.len()).filter(|i| !placed.contains(i)));
    let mut slots: Vec<Option<Action>> = actions.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// The thresholds the plan exceeds, per target and kind.
pub fn thresholds(
    actions: &[Action],
    inventories: &Inventories,
    rules: &[Rule],
    managed: &HashSet<(String, TargetKey)>,
    safety: &Safety,
) -> Vec<ThresholdTrip> {
    trips(actions, &existing(inventories, rules, managed), safety)
}

/// Per target and kind, the live objects the manifests manage or the rules own.
pub fn existing(
    inventories: &Inventories,
    rules: &[Rule],
    managed: &HashSet<(String, TargetKey)>,
) -> BTreeMap<(String, String), usize> {
    let mut existing: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (target, inventory) in inventories {
        for live in &inventory.objects {
            let counts = managed.contains(&(target.clone(), live.target_key()))
                || rules.iter().any(|r| r.owns(target, live));
            if counts {
                *existing
                    .entry((target.clone(), live.kind.clone()))
                    .or_default() += 1;
            }
        }
    }
    existing
}

/// The thresholds `actions` exceed, against `existing` objects per target and kind.
pub fn trips(
    actions: &[Action],
    existing: &BTreeMap<(String, String), usize>,
    safety: &Safety,
) -> Vec<ThresholdTrip> {
    let mut counts: BTreeMap<(String, String, &str), usize> = BTreeMap::new();
    for a in actions {
        let what = match a.action {
            ActionType::Delete => "delete",
            // A create or a singleton's first configuration changes nothing that exists.
            ActionType::Update if a.live_id.is_some() => "update",
            _ => continue,
        };
        *counts
            .entry((a.target.clone(), a.kind.clone(), what))
            .or_default() += 1;
    }
    let mut trips = Vec::new();
    for ((target, kind, what), count) in counts {
        let have = existing
            .get(&(target.clone(), kind.clone()))
            .copied()
            .unwrap_or(0);
        let (max_delete, max_update, min_existing) = safety.for_kind(&kind);
        let limit = if what == "delete" {
            max_delete
        } else {
            max_update
        };
        if have >= min_existing && (count as f64) * 100.0 > limit * have as f64 {
            trips.push(ThresholdTrip {
                target,
                kind,
                action: what.to_string(),
                count,
                existing: have,
                limit_percent: limit,
            });
        }
    }
    trips
}
