//! Small helpers shared by the Webex kinds: reference resolution to ids, field picking.

use crate::providers::{ErrorClass, IdIndex, ProviderError, Step};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A route choice: exactly one of a route group or a trunk (dial plans, internal dialing).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum RouteChoice {
    /// Manifest name (or live name) of a RouteGroup.
    RouteGroupRef(String),
    /// Manifest name (or live name) of a Trunk.
    TrunkRef(String),
}

pub const ROUTE_REFS: &[(&str, &str)] = &[("routeGroupRef", "RouteGroup"), ("trunkRef", "Trunk")];

pub fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The vendor id of the object a resolved reference names.
pub fn id_for(ids: &IdIndex, kind: &str, key: &str) -> Result<String, ProviderError> {
    ids.id_of(kind, key)
        .map(str::to_string)
        .ok_or_else(|| ProviderError::local(format!("{kind} '{key}' does not exist on the target")))
}

/// `{"id", "type"}` of a route choice written as `{routeGroupRef|trunkRef: key}`.
pub fn route_identity(
    ids: &IdIndex,
    choice: &Value,
) -> Result<(String, &'static str), ProviderError> {
    if let Some(key) = choice.get("routeGroupRef").and_then(Value::as_str) {
        return Ok((id_for(ids, "RouteGroup", key)?, "ROUTE_GROUP"));
    }
    if let Some(key) = choice.get("trunkRef").and_then(Value::as_str) {
        return Ok((id_for(ids, "Trunk", key)?, "TRUNK"));
    }
    Err(ProviderError::local(
        "a route choice needs routeGroupRef or trunkRef",
    ))
}

/// The manifest form of a wire route identity (`routeType`/`routeId`/`routeName`).
pub fn route_choice(ids: &IdIndex, route_type: &str, id: &str, name: &str) -> Option<Value> {
    let (field, kind) = match route_type {
        "ROUTE_GROUP" => ("routeGroupRef", "RouteGroup"),
        "TRUNK" => ("trunkRef", "Trunk"),
        _ => return None,
    };
    let key = ids.key_of(kind, id).unwrap_or(name);
    let mut m = Map::new();
    m.insert(field.into(), Value::String(key.to_string()));
    Some(Value::Object(m))
}

/// Copy the listed fields of `from` that are present and not null.
pub fn pick(from: &Value, fields: &[&str]) -> Map<String, Value> {
    let mut out = Map::new();
    for f in fields {
        if let Some(v) = from.get(*f).filter(|v| !v.is_null()) {
            out.insert((*f).to_string(), v.clone());
        }
    }
    out
}

pub fn new_id(response: &Value, what: &str) -> Result<String, ProviderError> {
    response
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            // The create was answered as done, so the object may well exist: look it up.
            ProviderError::new(
                ErrorClass::OutcomeUnknown,
                format!("{what} create answered without an id"),
            )
        })
}

/// The natural key a step's input names (`{"key": …}`).
pub fn input_key(step: &Step) -> &str {
    str_at(&step.input, "/key")
}
