//! Person call settings (§2.16): GET and PUT (204) on `/people/{id}/features/{feature}` for
//! `callForwarding`, `callRecording`, `callWaiting`, `doNotDisturb`, `monitoring`,
//! `executiveAssistant`, `voicemail` and `outgoingPermission`, the latter also at
//! `/telephony/config/people/{id}/outgoingPermission` (both paths, one stored setting), plus
//! GET `/people/{id}/features/numbers`. Settings are stored on the person as their GET bodies;
//! absent ones answer Webex's defaults for a new calling user.
//!
//! Sandbox choices:
//! * a person without a calling license answers 404/4008: the calling backend that serves these
//!   paths only knows calling users, so for it the person does not exist (the reference names no
//!   other answer);
//! * call recording is a feature of the license: holders of `Webex Calling - Basic` do not have it,
//!   so GET and PUT answer 400/4410, the reference's "feature not assigned to the user" code.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::Shared;
use super::call_settings::{
    default_call_waiting, default_forwarding, default_monitoring, default_permissions,
    merge_forwarding, merge_monitoring, merge_permissions, render_monitoring,
};
use super::person_setting_bodies::{
    EXEC_TYPES, default_dnd, default_exec, default_recording, default_voicemail, merge_dnd,
    merge_recording, merge_voicemail,
};
use crate::errors::{ApiError, ApiResult, code};
use crate::extract::JsonBody;
use crate::fields::Fields;
use crate::http::{no_content, ok};
use crate::model::{Org, Person};
use crate::records::Found as _;

pub const SETTINGS: &[&str] = &[
    "callForwarding",
    "callRecording",
    "callWaiting",
    "doNotDisturb",
    "monitoring",
    "executiveAssistant",
    "voicemail",
    "outgoingPermission",
];
/// Where the assigned assistants of an executive are kept (not a GET body of its own path).
pub const ASSISTANTS_KEY: &str = "executiveAssignedAssistants";

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/people/{id}/features/{feature}", get(read).put(write))
        .route(
            "/telephony/config/people/{id}/outgoingPermission",
            get(read_permissions).put(write_permissions),
        )
}

/// The person, if they are a Webex Calling user (404 otherwise, see the module comment).
pub fn calling_person<'a>(org: &'a Org, id: &str) -> ApiResult<&'a Person> {
    let p = org.people.found(id)?;
    if p.location_id.is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            code::NOT_FOUND,
            format!("person {id} is not a Webex Calling user"),
        ));
    }
    Ok(p)
}

/// Whether the person's calling license includes call recording.
pub fn has_call_recording(org: &Org, p: &Person) -> bool {
    p.licenses
        .iter()
        .filter_map(|l| org.licenses.get(l))
        .filter(|l| l.calling)
        .all(|l| l.has_call_recording())
}

fn recording_unavailable(p: &Person) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        code::FEATURE_NOT_ASSIGNED,
        format!(
            "Call recording is not available for {}: their Webex Calling license does not include it",
            p.display_name
        ),
    )
}

pub fn default_setting(feature: &str, person_id: &str) -> Value {
    match feature {
        "callForwarding" => default_forwarding(),
        "callRecording" => default_recording(person_id),
        "callWaiting" => default_call_waiting(),
        "doNotDisturb" => default_dnd(),
        "monitoring" => default_monitoring(),
        "executiveAssistant" => default_exec(),
        "voicemail" => default_voicemail(),
        _ => default_permissions(),
    }
}

pub fn stored(p: &Person, feature: &str) -> Value {
    p.features
        .get(feature)
        .cloned()
        .unwrap_or_else(|| default_setting(feature, &p.id))
}

fn known(feature: &str) -> ApiResult<()> {
    if SETTINGS.contains(&feature) {
        Ok(())
    } else {
        Err(ApiError::not_found("Person setting", feature))
    }
}

fn read_setting(org: &Org, id: &str, feature: &str) -> ApiResult<Response> {
    let p = calling_person(org, id)?;
    if feature == "callRecording" && !has_call_recording(org, p) {
        return Err(recording_unavailable(p));
    }
    let body = stored(p, feature);
    Ok(ok(if feature == "monitoring" {
        render_monitoring(org, &body)
    } else {
        body
    }))
}

fn write_setting(org: &mut Org, id: &str, feature: &str, f: &Fields<'_>) -> ApiResult<Response> {
    let p = calling_person(org, id)?;
    let mut current = stored(p, feature);
    let mut drop_assistants = false;
    match feature {
        "callForwarding" => merge_forwarding(f, &mut current)?,
        "callRecording" => {
            if !has_call_recording(org, p) {
                return Err(recording_unavailable(p));
            }
            merge_recording(f, &mut current)?;
        }
        "callWaiting" => current["enabled"] = f.req_bool("enabled")?.into(),
        "doNotDisturb" => merge_dnd(f, &mut current)?,
        "monitoring" => merge_monitoring(org, f, &mut current)?,
        "executiveAssistant" => {
            let kind = f.req_enum("type", EXEC_TYPES)?;
            // Assistants belong to an executive; they go when the person stops being one.
            drop_assistants = kind != "EXECUTIVE";
            current["type"] = kind.into();
        }
        "voicemail" => merge_voicemail(f, &mut current)?,
        _ => merge_permissions(f, &mut current)?,
    }
    org.people.update(id, |p| {
        p.features.insert(feature.to_string(), current);
        if drop_assistants {
            p.features.remove(ASSISTANTS_KEY);
        }
    })?;
    Ok(no_content())
}

async fn read(
    State(store): State<Shared>,
    Path((id, feature)): Path<(String, String)>,
) -> ApiResult<Response> {
    if feature == "numbers" {
        return store.read(|org| numbers(org, &id));
    }
    known(&feature)?;
    store.read(|org| read_setting(org, &id, &feature))
}

async fn write(
    State(store): State<Shared>,
    Path((id, feature)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    if feature == "numbers" {
        return Err(crate::http::method_not_allowed().await);
    }
    known(&feature)?;
    let f = Fields::new(&body);
    store.write(|org| write_setting(org, &id, &feature, &f))
}

async fn read_permissions(
    State(store): State<Shared>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    store.read(|org| read_setting(org, &id, "outgoingPermission"))
}

async fn write_permissions(
    State(store): State<Shared>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let f = Fields::new(&body);
    store.write(|org| write_setting(org, &id, "outgoingPermission", &f))
}

/// `GET /people/{id}/features/numbers`: the person's number and extension (read-only).
fn numbers(org: &Org, id: &str) -> ApiResult<Response> {
    let p = calling_person(org, id)?;
    let prefix = p
        .location_id
        .as_deref()
        .and_then(|l| org.locations.get(l))
        .and_then(|l| l.calling.routing_prefix.clone());
    let esn = p
        .extension
        .as_ref()
        .map(|e| format!("{}{e}", prefix.as_deref().unwrap_or_default()));
    Ok(ok(json!({
        "distinctiveRingEnabled": false,
        "phoneNumbers": [{
            "primary": true,
            "directNumber": p.work_numbers().next(),
            "extension": p.extension,
            "routingPrefix": prefix,
            "esn": esn,
            "ringPattern": "NORMAL",
        }],
    })))
}
