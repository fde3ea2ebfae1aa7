//! Workspace call settings under `/workspaces/{id}/features/…` (reference §2.5 path family; body
//! shapes as the person settings of §2.16): `callForwarding`, `callWaiting`, `monitoring`,
//! `outgoingPermission` (GET and PUT, 204), and `numbers` (GET only, derived). Only `webexCalling`
//! workspaces have them. Settings are stored as their GET bodies; a PUT is checked, then merged.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::Shared;
use crate::errors::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::fields::Fields;
use crate::http::{no_content, ok};
use crate::model::{Org, Workspace};
use crate::records::Found as _;

const CALL_TYPES: &[&str] = &[
    "INTERNAL_CALL",
    "LOCAL",
    "TOLL_FREE",
    "TOLL",
    "NATIONAL",
    "INTERNATIONAL",
    "OPERATOR_ASSISTED",
    "CHARGEABLE_DIRECTORY_ASSISTED",
    "SPECIAL_SERVICES_I",
    "SPECIAL_SERVICES_II",
    "PREMIUM_SERVICES_I",
    "PREMIUM_SERVICES_II",
];
const ACTIONS: &[&str] = &[
    "ALLOW",
    "BLOCK",
    "AUTH_CODE",
    "TRANSFER_NUMBER_1",
    "TRANSFER_NUMBER_2",
    "TRANSFER_NUMBER_3",
];
const MONITORED_TYPES: &[&str] = &["MEMBER", "CALL_PARK_EXTENSION", "SPEED_DIAL"];
const MAX_MONITORED: usize = 50;
const SETTINGS: &[&str] = &[
    "callForwarding",
    "callWaiting",
    "monitoring",
    "outgoingPermission",
];

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/workspaces/{id}/features/{feature}", get(read).put(write))
        // wxc-sdk reads the numbers with a trailing slash.
        .route("/workspaces/{id}/features/numbers/", get(numbers))
}

fn calling_workspace<'a>(org: &'a Org, id: &str) -> ApiResult<&'a Workspace> {
    let w = org.workspaces.found(id)?;
    if w.webex_calling().is_none() {
        return Err(ApiError::invalid(format!(
            "workspace {id} is not a Webex Calling workspace"
        )));
    }
    Ok(w)
}

fn unknown_feature(feature: &str) -> ApiError {
    ApiError::not_found("Workspace setting", feature)
}

fn default_setting(feature: &str) -> Value {
    match feature {
        "callForwarding" => json!({
            "callForwarding": {
                "always": {"enabled": false, "ringReminderEnabled": false,
                    "destinationVoicemailEnabled": false},
                "busy": {"enabled": false, "destinationVoicemailEnabled": false},
                "noAnswer": {"enabled": false, "numberOfRings": 3, "systemMaxNumberOfRings": 20,
                    "destinationVoicemailEnabled": false},
            },
            "businessContinuity": {"enabled": false, "destinationVoicemailEnabled": false},
        }),
        "callWaiting" => json!({"enabled": true}),
        "monitoring" => json!({"callParkNotificationEnabled": false, "monitoredElements": []}),
        _ => {
            let permissions: Vec<Value> = CALL_TYPES
                .iter()
                .map(|t| {
                    json!({"callType": t, "action": "ALLOW", "transferEnabled": false,
                        "isCallTypeRestrictionEnabled": false})
                })
                .collect();
            json!({"useCustomEnabled": false, "useCustomPermissions": false,
                "callingPermissions": permissions})
        }
    }
}

fn stored(w: &Workspace, feature: &str) -> Value {
    w.features
        .get(feature)
        .cloned()
        .unwrap_or_else(|| default_setting(feature))
}

async fn read(
    State(store): State<Shared>,
    Path((id, feature)): Path<(String, String)>,
) -> ApiResult<Response> {
    if feature == "numbers" {
        return numbers(State(store), Path(id)).await;
    }
    if !SETTINGS.contains(&feature.as_str()) {
        return Err(unknown_feature(&feature));
    }
    store.read(|org| {
        let w = calling_workspace(org, &id)?;
        let body = stored(w, &feature);
        Ok(ok(if feature == "monitoring" {
            render_monitoring(org, &body)
        } else {
            body
        }))
    })
}

async fn write(
    State(store): State<Shared>,
    Path((id, feature)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    if !SETTINGS.contains(&feature.as_str()) {
        return Err(unknown_feature(&feature));
    }
    let f = Fields::new(&body);
    store.write(|org| {
        let w = calling_workspace(org, &id)?;
        let mut current = stored(w, &feature);
        match feature.as_str() {
            "callForwarding" => merge_forwarding(&f, &mut current)?,
            "callWaiting" => current["enabled"] = f.req_bool("enabled")?.into(),
            "monitoring" => merge_monitoring(org, &f, &mut current)?,
            _ => merge_permissions(&f, &mut current)?,
        }
        org.workspaces.update(&id, |w| {
            w.features.insert(feature.clone(), current);
        })?;
        Ok(no_content())
    })
}

/// Each rule sent (`always`, `busy`, `noAnswer`, `businessContinuity`) needs `enabled`, and a
/// destination when enabled; `noAnswer.numberOfRings` is 2..=20; `systemMaxNumberOfRings` is
/// read-only and ignored.
fn merge_forwarding(f: &Fields<'_>, current: &mut Value) -> ApiResult<()> {
    let forwarding = f.opt_object("callForwarding")?;
    let continuity = f.opt_object("businessContinuity")?;
    if forwarding.is_none() && continuity.is_none() {
        return Err(ApiError::invalid(
            "callForwarding or businessContinuity is required",
        ));
    }
    let mut rules: Vec<(Fields<'_>, &str, Option<&str>)> = Vec::new();
    if let Some(fw) = &forwarding {
        for rule in ["always", "busy", "noAnswer"] {
            if let Some(r) = fw.opt_object(rule)? {
                rules.push((r, rule, Some("callForwarding")));
            }
        }
    }
    if let Some(c) = continuity {
        rules.push((c, "businessContinuity", None));
    }
    for (r, name, parent) in rules {
        let enabled = r.req_bool("enabled")?;
        let destination = r.opt_str("destination")?.filter(|d| !d.trim().is_empty());
        if enabled && destination.is_none() {
            return Err(ApiError::invalid(format!(
                "{name}.destination is required when {name} is enabled"
            )));
        }
        let target = match parent {
            Some(p) => &mut current[p][name],
            None => &mut current[name],
        };
        target["enabled"] = enabled.into();
        if let Some(d) = destination {
            target["destination"] = d.into();
        }
        if let Some(v) = r.opt_bool("destinationVoicemailEnabled")? {
            target["destinationVoicemailEnabled"] = v.into();
        }
        if name == "always"
            && let Some(v) = r.opt_bool("ringReminderEnabled")?
        {
            target["ringReminderEnabled"] = v.into();
        }
        if name == "noAnswer"
            && let Some(n) = r.opt_u32("numberOfRings")?
        {
            if !(2..=20).contains(&n) {
                return Err(ApiError::invalid("noAnswer.numberOfRings must be 2 to 20"));
            }
            target["numberOfRings"] = n.into();
        }
    }
    Ok(())
}

/// PUT names differ from GET (§2.16): `enableCallParkNotification` (bool or "true") and
/// `monitoredElements` as ids or `{id, type}`; stored as the GET flag plus the monitored ids.
fn merge_monitoring(org: &Org, f: &Fields<'_>, current: &mut Value) -> ApiResult<()> {
    if let Some(v) = f.opt_bool("enableCallParkNotification")? {
        current["callParkNotificationEnabled"] = v.into();
    }
    let Some(elements) = f.opt_array("monitoredElements")? else {
        return Ok(());
    };
    if elements.len() > MAX_MONITORED {
        return Err(ApiError::invalid(format!(
            "monitoredElements: at most {MAX_MONITORED} elements"
        )));
    }
    let mut ids = Vec::new();
    for (i, element) in elements.iter().enumerate() {
        let id = match element {
            Value::String(s) => s.clone(),
            _ => {
                let e = f.element("monitoredElements", i, element)?;
                e.opt_enum("type", MONITORED_TYPES)?;
                e.req_str("id")?
            }
        };
        if !org.people.contains(&id) && !org.workspaces.contains(&id) {
            return Err(ApiError::invalid(format!(
                "monitoredElements[{i}]: no person or workspace with id {id}"
            )));
        }
        ids.push(Value::String(id));
    }
    current["monitoredElements"] = Value::Array(ids);
    Ok(())
}

/// GET form: each monitored id as `{"member": {…}}` (members deleted since are left out).
fn render_monitoring(org: &Org, stored: &Value) -> Value {
    let members: Vec<Value> = stored["monitoredElements"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|id| {
            if let Some(p) = org.people.get(id) {
                let location = p.location_id.as_deref().unwrap_or_default();
                Some(json!({"member": {"id": p.id, "displayName": p.display_name,
                    "firstName": p.first_name, "lastName": p.last_name, "type": "PEOPLE",
                    "extension": p.extension, "location": org.location_name(location),
                    "locationId": location}}))
            } else {
                org.workspaces.get(id).map(|w| {
                    let location = w.location_id.as_deref().unwrap_or_default();
                    json!({"member": {"id": w.id, "displayName": w.display_name,
                        "type": "PLACE",
                        "extension": w.webex_calling().and_then(|c| c.extension.clone()),
                        "location": org.location_name(location), "locationId": location}})
                })
            }
        })
        .collect();
    json!({"callParkNotificationEnabled": stored["callParkNotificationEnabled"],
        "monitoredElements": members})
}

/// Flags as sent; `callingPermissions` entries replace the stored entry of the same `callType`.
fn merge_permissions(f: &Fields<'_>, current: &mut Value) -> ApiResult<()> {
    for key in ["useCustomEnabled", "useCustomPermissions"] {
        if let Some(v) = f.opt_bool(key)? {
            current[key] = v.into();
        }
    }
    let Some(items) = f.opt_array("callingPermissions")? else {
        return Ok(());
    };
    let mut merged: Vec<Value> = current["callingPermissions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (i, item) in items.iter().enumerate() {
        let p = f.element("callingPermissions", i, item)?;
        let call_type = p.req_enum("callType", CALL_TYPES)?;
        let mut entry = Map::new();
        entry.insert("callType".into(), call_type.clone().into());
        entry.insert("action".into(), p.req_enum("action", ACTIONS)?.into());
        entry.insert(
            "transferEnabled".into(),
            p.opt_bool("transferEnabled")?.unwrap_or(false).into(),
        );
        entry.insert(
            "isCallTypeRestrictionEnabled".into(),
            p.opt_bool("isCallTypeRestrictionEnabled")?
                .unwrap_or(false)
                .into(),
        );
        match merged
            .iter_mut()
            .find(|e| e["callType"] == call_type.as_str())
        {
            Some(slot) => *slot = Value::Object(entry),
            None => merged.push(Value::Object(entry)),
        }
    }
    current["callingPermissions"] = Value::Array(merged);
    Ok(())
}

/// `GET …/features/numbers`: the workspace's number and extension (read-only).
async fn numbers(State(store): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    store.read(|org| {
        let w = calling_workspace(org, &id)?;
        let c = w.webex_calling().expect("checked by calling_workspace");
        let prefix = org
            .locations
            .get(&c.location_id)
            .and_then(|l| l.calling.routing_prefix.clone());
        let esn = match (&prefix, &c.extension) {
            (Some(p), Some(e)) => Some(format!("{p}{e}")),
            (None, Some(e)) => Some(e.clone()),
            _ => None,
        };
        Ok(ok(json!({
            "distinctiveRingEnabled": false,
            "phoneNumbers": [{
                "primary": true,
                "directNumber": c.phone_number,
                "extension": c.extension,
                "routingPrefix": prefix,
                "esn": esn,
            }],
            "workspace": {"id": w.id, "displayName": w.display_name},
            "location": {"id": c.location_id, "name": org.location_name(&c.location_id)},
            "organization": {"id": org.id, "name": org.name},
        })))
    })
}
