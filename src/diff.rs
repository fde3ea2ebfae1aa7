//! Stage 7: desired vs live, field by field. Only the fields a manifest sets are compared
//! (partial ownership); write-only fields are never compared; lists the API treats as sets
//! compare without order; values are normalized first.

use crate::providers::DiffRules;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// JSON pointer inside `spec`.
    pub path: String,
    /// The live value (None: the field is not set live, or the object does not exist yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    pub after: Value,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
    /// The declaration the desired value came from (`CallingPolicy/<name>`), when a policy
    /// filled it in rather than the object's own manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// One item of a member list to add (`before` None), change, or remove (`after` None).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberChange {
    /// JSON pointer of the list inside `spec`, e.g. `/events`.
    pub list: String,
    /// The item's identity: its id field, or the item itself for lists of plain values.
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

/// Item by item, what brings each member list `desired` sets to its desired items (`live`
/// None: the object does not exist, so every item is an add). Lists the manifest leaves out
/// are not owned and never change.
pub fn members(rules: &DiffRules, desired: &Value, live: Option<&Value>) -> Vec<MemberChange> {
    let mut out = Vec::new();
    for (list, id_field) in rules.member_lists {
        let Some(Value::Array(wanted)) = desired.pointer(list) else {
            continue;
        };
        let have: Vec<Value> = live
            .and_then(|l| l.pointer(list))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let keyed = |items: &[Value]| -> Vec<(String, Value)> {
            items
                .iter()
                .map(|i| (sort_key(i, id_field), i.clone()))
                .collect()
        };
        let (wanted, have) = (keyed(wanted), keyed(&have));
        for (key, item) in &wanted {
            let live_item = have.iter().find(|(k, _)| k == key).map(|(_, v)| v);
            let same = live_item.is_some_and(|l| {
                let (d, l) = (
                    Value::Array(vec![item.clone()]),
                    Value::Array(vec![l.clone()]),
                );
                normalize(rules, list, &d, &l) == normalize(rules, list, &l, &d)
            });
            if !same {
                out.push(MemberChange {
                    list: (*list).to_string(),
                    key: key.clone(),
                    before: live_item.cloned(),
                    after: Some(item.clone()),
                });
            }
        }
        for (key, item) in &have {
            if !wanted.iter().any(|(k, _)| k == key) {
                out.push(MemberChange {
                    list: (*list).to_string(),
                    key: key.clone(),
                    before: Some(item.clone()),
                    after: None,
                });
            }
        }
    }
    out
}

/// Put each added or changed item back in its template form (`${env:…}` left in place), so the
/// steps made from member changes, which a saved plan keeps, hold no secret value. `spec` and
/// `template` are the same document before and after interpolation: their lists align.
pub fn use_template_items(
    changes: &mut [MemberChange],
    rules: &DiffRules,
    spec: &Value,
    template: &Value,
) {
    for change in changes.iter_mut().filter(|c| c.after.is_some()) {
        let id_field = rules.unordered(&change.list).unwrap_or_default();
        let (Some(Value::Array(items)), Some(Value::Array(templates))) =
            (spec.pointer(&change.list), template.pointer(&change.list))
        else {
            continue;
        };
        if let Some(i) = items
            .iter()
            .position(|i| sort_key(i, id_field) == change.key)
            && let Some(t) = templates.get(i)
        {
            change.after = Some(t.clone());
        }
    }
}

/// The changes that would bring `live` to `desired`.
pub fn diff(rules: &DiffRules, desired: &Value, live: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    compare(rules, "", desired, Some(live), &mut out);
    out
}

/// Every field of `desired` as a change from nothing (a create).
pub fn all_fields(rules: &DiffRules, desired: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    compare(rules, "", desired, None, &mut out);
    out
}

fn compare(
    rules: &DiffRules,
    path: &str,
    desired: &Value,
    live: Option<&Value>,
    out: &mut Vec<FieldChange>,
) {
    if rules.write_only.contains(&path) && live.is_some() {
        return;
    }
    match desired {
        Value::Object(fields) => {
            let live_fields = live.and_then(Value::as_object);
            if live.is_some() && live_fields.is_none() && !live.is_some_and(Value::is_null) {
                out.push(change(path, live, desired));
                return;
            }
            for (k, v) in fields {
                let child = format!(
                    "{path}/{}",
                    crate::manifest::yaml::escape_pointer_segment(k)
                );
                let live_child = live_fields.map(|m| m.get(k).unwrap_or(&Value::Null));
                compare(rules, &child, v, live_child, out);
            }
        }
        _ => {
            let owned = live.map(|l| match owned_items(rules, path, desired, l) {
                Some(items) => Cow::Owned(items),
                None => Cow::Borrowed(l),
            });
            let equal = owned.as_deref().is_some_and(|l| {
                normalize(rules, path, desired, l) == normalize(rules, path, l, desired)
            });
            if !equal {
                out.push(change(path, owned.as_deref(), desired));
            }
        }
    }
}

/// Of a partial list, the live items the manifest owns: those whose identity the desired list
/// names (None: `path` is not a partial list, all of `live` is compared).
fn owned_items(rules: &DiffRules, path: &str, desired: &Value, live: &Value) -> Option<Value> {
    let (_, id_field) = rules.partial_lists.iter().find(|(p, _)| *p == path)?;
    let (Value::Array(wanted), Value::Array(have)) = (desired, live) else {
        return None;
    };
    let named: Vec<String> = wanted.iter().map(|i| sort_key(i, id_field)).collect();
    Some(Value::Array(
        have.iter()
            .filter(|i| named.contains(&sort_key(i, id_field)))
            .cloned()
            .collect(),
    ))
}

fn change(path: &str, live: Option<&Value>, desired: &Value) -> FieldChange {
    FieldChange {
        path: path.to_string(),
        before: live.filter(|v| !v.is_null()).cloned(),
        after: desired.clone(),
        sensitive: false,
        from: None,
    }
}

/// `value` in comparable form; `other` is the value it is compared with (lists of objects are
/// projected onto the fields the desired items set).
fn normalize(rules: &DiffRules, path: &str, value: &Value, other: &Value) -> Value {
    if let Value::String(s) = value
        && ignores_case(rules, path)
    {
        return Value::String(s.to_lowercase());
    }
    match value {
        Value::Number(n) => n
            .as_f64()
            .map(|f| serde_json::json!(f))
            .unwrap_or(Value::Number(n.clone())),
        Value::Array(items) => {
            let unordered = rules.unordered(path);
            let template = other.as_array().map(|o| shape_of(o));
            let mut items: Vec<Value> = items
                .iter()
                .map(|i| fold_case(rules, path, &project(i, template.as_ref())))
                .collect();
            if let Some(id_field) = unordered {
                items.sort_by_key(|i| sort_key(i, id_field));
            }
            Value::Array(items)
        }
        other => other.clone(),
    }
}

/// `case_insensitive` holds pointers (`/personRef`) and, for a field wherever it is, even
/// inside list items, `*/name` (`*/personRef`: people are named by email, in any case).
fn ignores_case(rules: &DiffRules, path: &str) -> bool {
    rules
        .case_insensitive
        .iter()
        .any(|p| match p.strip_prefix('*') {
            Some(suffix) => path.ends_with(suffix),
            None => *p == path,
        })
}

/// A list item with the strings of its case-insensitive fields folded.
fn fold_case(rules: &DiffRules, path: &str, item: &Value) -> Value {
    match item {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| {
                    let child = format!("{path}/{k}");
                    (k.clone(), fold_case(rules, &child, v))
                })
                .collect(),
        ),
        Value::String(s) if ignores_case(rules, path) => Value::String(s.to_lowercase()),
        other => other.clone(),
    }
}

/// Keep only the fields the other side's items set, at every depth, so fields one side fills
/// in on its own (a server's `saturday: false`) never show as drift. An item that shares no
/// field with the other side stays whole: `{personRef}` against `{workspaceRef}` differs.
fn project(item: &Value, template: Option<&Value>) -> Value {
    match (item, template.and_then(Value::as_object)) {
        (Value::Object(fields), Some(t)) => {
            let kept: Map<String, Value> = fields
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), project(v, Some(t.get(k)?)))))
                .collect();
            if kept.is_empty() && !fields.is_empty() {
                return item.clone();
            }
            Value::Object(kept)
        }
        _ => item.clone(),
    }
}

/// The union of the fields a list's items set, merged at every depth (the template `project`
/// keeps).
fn shape_of(items: &[Value]) -> Value {
    let mut shape = Map::new();
    for item in items {
        merge_shape(&mut shape, item);
    }
    Value::Object(shape)
}

fn merge_shape(shape: &mut Map<String, Value>, item: &Value) {
    let Value::Object(fields) = item else { return };
    for (k, v) in fields {
        let slot = shape.entry(k.clone()).or_insert(Value::Null);
        if let Value::Object(_) = v {
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(inner) = slot {
                merge_shape(inner, v);
            }
        }
    }
}

fn sort_key(item: &Value, id_field: &str) -> String {
    let v = if id_field.is_empty() {
        Some(item)
    } else {
        item.get(id_field)
    };
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => item.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RULES: DiffRules = DiffRules {
        write_only: &["/password"],
        unordered_lists: &[("/gateways", "ref")],
        member_lists: &[("/patterns", ""), ("/events", "name")],
        case_insensitive: &["/address/country"],
        ..DiffRules::NONE
    };

    #[test]
    fn member_lists_change_item_by_item() {
        let desired = json!({"events": [{"name": "a", "day": 1}, {"name": "b", "day": 2}], "patterns": ["1", "2"]});
        let live = json!({"events": [{"name": "b", "day": 3, "id": "x"}, {"name": "c", "day": 1}], "patterns": ["2", "3"]});
        let changes = members(&RULES, &desired, Some(&live));
        let summary: Vec<(String, String, bool, bool)> = changes
            .iter()
            .map(|m| {
                (
                    m.list.clone(),
                    m.key.clone(),
                    m.before.is_some(),
                    m.after.is_some(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("/patterns".into(), "1".into(), false, true),
                ("/patterns".into(), "3".into(), true, false),
                ("/events".into(), "a".into(), false, true),
                ("/events".into(), "b".into(), true, true),
                ("/events".into(), "c".into(), true, false),
            ]
        );
        // Server-filled fields of an item (its id) are not a change.
        let same = json!({"events": [{"name": "a", "day": 1, "id": "1"}, {"name": "b", "day": 2, "id": "2"}], "patterns": ["2", "1"]});
        assert!(members(&RULES, &desired, Some(&same)).is_empty());
        // A list the manifest leaves out is not owned.
        assert!(members(&RULES, &json!({}), Some(&live)).is_empty());
        assert_eq!(members(&RULES, &desired, None).len(), 4);
    }

    #[test]
    fn only_fields_the_manifest_sets_are_compared() {
        let desired = json!({"name": "a", "port": 5060});
        let live = json!({"name": "a", "port": 5060, "status": "online", "inUse": true});
        assert!(diff(&RULES, &desired, &live).is_empty());
    }

    #[test]
    fn a_changed_nested_field_is_reported_with_its_path() {
        let desired = json!({"address": {"city": "Madrid", "country": "ES"}});
        let live = json!({"address": {"city": "Sevilla", "country": "es", "postalCode": "1"}});
        let changes = diff(&RULES, &desired, &live);
        assert_eq!(
            changes,
            vec![FieldChange {
                path: "/address/city".into(),
                before: Some(json!("Sevilla")),
                after: json!("Madrid"),
                sensitive: false,
                from: None,
            }]
        );
    }

    #[test]
    fn write_only_fields_never_drift_but_are_listed_on_create() {
        let desired = json!({"name": "t", "password": "x"});
        assert!(diff(&RULES, &desired, &json!({"name": "t"})).is_empty());
        assert_eq!(all_fields(&RULES, &desired).len(), 2);
    }

    #[test]
    fn unordered_lists_ignore_order_and_server_fields() {
        let desired = json!({"gateways": [{"ref": "b", "priority": 2}, {"ref": "a", "priority": 1}], "patterns": ["2", "1"]});
        let live = json!({"gateways": [{"ref": "a", "priority": 1, "name": "A"}, {"ref": "b", "priority": 2}], "patterns": ["1", "2"]});
        assert!(diff(&RULES, &desired, &live).is_empty());
        let live_changed = json!({"gateways": [{"ref": "a", "priority": 2}, {"ref": "b", "priority": 1}], "patterns": ["1", "2", "3"]});
        let paths: Vec<String> = diff(&RULES, &desired, &live_changed)
            .into_iter()
            .map(|c| c.path)
            .collect();
        assert_eq!(paths, vec!["/gateways", "/patterns"]);
    }

    #[test]
    fn nested_fields_a_server_fills_in_are_not_drift() {
        let desired = json!({"gateways": [{"ref": "a", "days": {"monday": true}}]});
        let live = json!({"gateways": [{"ref": "a", "days": {"monday": true, "sunday": false}}]});
        assert!(diff(&RULES, &desired, &live).is_empty());
        let live_changed =
            json!({"gateways": [{"ref": "a", "days": {"monday": false, "sunday": false}}]});
        assert_eq!(diff(&RULES, &desired, &live_changed).len(), 1);
    }

    #[test]
    fn partial_lists_compare_only_the_items_the_manifest_names() {
        const PARTIAL: DiffRules = DiffRules {
            partial_lists: &[("/permissions", "callType")],
            ..DiffRules::NONE
        };
        let desired = json!({"permissions": [{"callType": "INTERNATIONAL", "action": "BLOCK"}]});
        let live = json!({"permissions": [
            {"callType": "LOCAL", "action": "ALLOW", "transferEnabled": false},
            {"callType": "INTERNATIONAL", "action": "BLOCK", "transferEnabled": false}]});
        assert!(diff(&PARTIAL, &desired, &live).is_empty());
        let changed = json!({"permissions": [{"callType": "INTERNATIONAL", "action": "ALLOW"}]});
        assert_eq!(diff(&PARTIAL, &desired, &changed).len(), 1);
        // An item the live list lacks is a change, not ignored.
        let missing = json!({"permissions": [{"callType": "LOCAL", "action": "ALLOW"}]});
        assert_eq!(diff(&PARTIAL, &desired, &missing)[0].path, "/permissions");
    }

    #[test]
    fn items_that_share_no_field_differ() {
        let desired = json!({"gateways": [{"personRef": "a@example.com"}]});
        let live = json!({"gateways": [{"workspaceRef": "HQ/Lobby"}]});
        assert_eq!(diff(&DiffRules::NONE, &desired, &live).len(), 1);
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(diff(&RULES, &json!({"port": 5060}), &json!({"port": 5060.0})).is_empty());
    }
}
