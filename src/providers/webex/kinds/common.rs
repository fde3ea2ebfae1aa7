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

/// The key of an object named within a location: `<location key>/<name>` (workspaces).
pub fn child_key(location: &str, name: &str) -> String {
    format!("{location}/{name}")
}

/// A `<location key>/<name>` key's parts. Both may hold `/`, so the location is the longest
/// known location key the key starts with; with none known, the first `/` splits it.
pub fn split_child_key<'k>(
    key: &'k str,
    locations: impl IntoIterator<Item = &'k str>,
) -> Option<(&'k str, &'k str)> {
    let known = locations
        .into_iter()
        .filter(|l| {
            key.len() > l.len() + 1 && key.starts_with(l) && key[l.len()..].starts_with('/')
        })
        .max_by_key(|l| l.len());
    match known {
        Some(l) => Some((&key[..l.len()], &key[l.len() + 1..])),
        None => key.split_once('/'),
    }
}

/// A count a server answered (a capacity, a number of rings): a non-negative integer no larger
/// than `max`, or an error naming the field, so a hostile or broken answer never reaches a
/// plan as a float, a negative or an absurd value.
pub fn server_count(value: &Value, field: &str, max: u64) -> Result<Option<u64>, ProviderError> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => match n.as_u64().filter(|v| *v <= max) {
            Some(v) => Ok(Some(v)),
            None => Err(ProviderError::new(
                ErrorClass::Definite,
                format!("the server answered {field} = {n}, not an integer from 0 to {max}"),
            )),
        },
        other => Err(ProviderError::new(
            ErrorClass::Definite,
            format!("the server answered {field} = {other}, not a number"),
        )),
    }
}

/// Outgoing calling permissions (a location's or a workspace's), as Webex writes them
/// (reference §2.1). The manifest lists only the call types it sets; the others are left alone.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutgoingPermission {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_custom_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_custom_permissions: Option<bool>,
    /// One entry per call type set; call types not listed keep their live values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calling_permissions: Vec<CallingPermission>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallingPermission {
    pub call_type: CallType,
    pub action: CallAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_call_type_restriction_enabled: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CallType {
    InternalCall,
    Local,
    TollFree,
    Toll,
    National,
    International,
    OperatorAssisted,
    ChargeableDirectoryAssisted,
    SpecialServicesI,
    SpecialServicesIi,
    PremiumServicesI,
    PremiumServicesIi,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CallAction {
    Allow,
    Block,
    AuthCode,
    #[serde(rename = "TRANSFER_NUMBER_1")]
    TransferNumber1,
    #[serde(rename = "TRANSFER_NUMBER_2")]
    TransferNumber2,
    #[serde(rename = "TRANSFER_NUMBER_3")]
    TransferNumber3,
}

/// The pointer of an outgoing permission's call-type list, compared as a partial list.
pub const CALLING_PERMISSIONS: (&str, &str) =
    ("/outgoingPermission/callingPermissions", "callType");

/// The manifest form of an outgoing permission GET: the fields the manifest can set.
pub fn outgoing_permission_from_wire(wire: &Value) -> Value {
    let mut out = pick(wire, &["useCustomEnabled", "useCustomPermissions"]);
    let permissions: Vec<Value> = wire
        .get("callingPermissions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| {
            Value::Object(pick(
                p,
                &[
                    "callType",
                    "action",
                    "transferEnabled",
                    "isCallTypeRestrictionEnabled",
                ],
            ))
        })
        .collect();
    out.insert("callingPermissions".into(), Value::Array(permissions));
    Value::Object(out)
}

/// An E.164 number as the schemas accept it.
pub const E164: &str = r"^\+[1-9][0-9]{6,14}$";
