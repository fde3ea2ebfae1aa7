//! Workspace call settings under `/workspaces/{id}/features/…` (reference §2.5 path family; body
//! shapes as the person settings of §2.16): `callForwarding`, `callWaiting`, `monitoring`,
//! `outgoingPermission` (GET and PUT, 204), and `numbers` (GET only, derived). Only `webexCalling`
//! workspaces have them. Settings are stored as their GET bodies; a PUT is checked, then merged.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::Shared;
use super::call_settings::{
    default_call_waiting, default_forwarding, default_monitoring, default_permissions,
    merge_forwarding, merge_monitoring, merge_permissions, render_monitoring,
};
use crate::errors::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::fields::Fields;
use crate::http::{no_content, ok};
use crate::model::{Org, Workspace};
use crate::records::Found as _;

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
        "callForwarding" => default_forwarding(),
        "callWaiting" => default_call_waiting(),
        "monitoring" => default_monitoring(),
        _ => default_permissions(),
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
