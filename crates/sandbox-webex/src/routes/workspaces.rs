//! Workspaces (reference §2.5): `/workspaces` (wrapper `items`, `max`/`start` paging) and
//! `/workspaces/{id}`. POST answers 201 with the workspace, PUT 200 with the workspace, DELETE 204.
//! The location a workspace sits in is a declared reference, so the location cannot be deleted
//! while it holds workspaces.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::Shared;
use super::workspace_body::{self, workspace_json};
use crate::errors::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::fields::Fields;
use crate::http::{contains_ci, no_content, ok};
use crate::ids;
use crate::model::Workspace;
use crate::pagination::{WORKSPACES_DEFAULT_MAX, list_response, paginate_map};
use crate::records::Found as _;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/workspaces", get(list).post(create))
        .route("/workspaces/{id}", get(details).put(update).delete(remove))
}

fn now() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

/// `capacity=-1` lists workspaces without a capacity (as the Webex spec describes the filter).
fn capacity_filter(params: &Params) -> ApiResult<Option<Option<u32>>> {
    match params.get("capacity") {
        None => Ok(None),
        Some("-1") => Ok(Some(None)),
        Some(v) => v.parse::<u32>().map(|c| Some(Some(c))).map_err(|_| {
            ApiError::invalid(format!(
                "query parameter capacity must be -1 or a non-negative integer, got '{v}'"
            ))
        }),
    }
}

/// Filters: `displayName` (case-insensitive substring), `locationId`, `workspaceLocationId`,
/// `floorId`, `capacity`, `type`, `calling`, `supportedDevices`, `calendar` (calendar type);
/// `includeDevices` is accepted (the sandbox has no devices).
async fn list(State(store): State<Shared>, params: Params) -> ApiResult<Response> {
    params.get_bool("includeDevices")?;
    let capacity = capacity_filter(&params)?;
    let eq = |key: &str, value: Option<&str>| params.get(key).is_none_or(|p| value == Some(p));
    let page = store.read(|org| {
        let items: Vec<&Workspace> = org
            .workspaces
            .iter()
            .filter(|w| {
                params
                    .get("displayName")
                    .is_none_or(|n| contains_ci(&w.display_name, n))
            })
            .filter(|w| eq("locationId", w.location_id.as_deref()))
            .filter(|w| eq("workspaceLocationId", w.workspace_location_id.as_deref()))
            .filter(|w| eq("floorId", w.floor_id.as_deref()))
            .filter(|w| capacity.is_none_or(|c| c == w.capacity))
            .filter(|w| eq("type", Some(w.kind.as_deref().unwrap_or("notSet"))))
            .filter(|w| eq("calling", Some(&w.calling.kind)))
            .filter(|w| eq("supportedDevices", Some(&w.supported_devices)))
            .filter(|w| {
                let calendar = w.calendar.as_ref().and_then(|c| c["type"].as_str());
                eq("calendar", Some(calendar.unwrap_or("none")))
            })
            .collect();
        paginate_map(items, &params, WORKSPACES_DEFAULT_MAX, |w| {
            workspace_json(org, w)
        })
    })?;
    Ok(list_response("items", page))
}

async fn details(
    State(store): State<Shared>,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    params.get_bool("includeDevices")?;
    store.read(|org| Ok(ok(workspace_json(org, org.workspaces.found(&id)?))))
}

/// 201 with the new workspace.
async fn create(State(store): State<Shared>, JsonBody(body): JsonBody) -> ApiResult<Response> {
    let f = Fields::new(&body);
    store.write(|org| {
        let workspace = workspace_body::build(org, &f, None, ids::new_id("PLACE"), now())?;
        let body = workspace_json(org, &workspace);
        org.workspaces.insert(workspace)?;
        Ok((StatusCode::CREATED, axum::Json(body)).into_response())
    })
}

/// 200 with the updated workspace; `locationId`/`supportedDevices` changes are refused (400).
async fn update(
    State(store): State<Shared>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let f = Fields::new(&body);
    store.write(|org| {
        let existing = org.workspaces.found(&id)?;
        let workspace = workspace_body::build(org, &f, Some(existing), id.clone(), now())?;
        let body = workspace_json(org, &workspace);
        org.workspaces.replace(&id, workspace)?;
        Ok(ok(body))
    })
}

async fn remove(State(store): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    store.write(|org| {
        org.workspaces.found(&id)?;
        org.workspaces.remove(&id);
        Ok(no_content())
    })
}
