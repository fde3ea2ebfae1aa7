//! Location schedules and their events under `/telephony/config/locations/{loc}/schedules`.
//! Schedule and event ids are derived from names, so a rename answers with a new id; names are
//! unique per (location, type) for schedules and per schedule for events (409 / 25030), which the
//! tables' keys enforce (see `records.rs`).

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::json;
use switchboard_sandbox_kit::Record as _;

use super::Shared;
use super::schedule_body::{SCHEDULE_TYPES, event_json, parse_event, parse_events};
use crate::errors::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::fields::Fields;
use crate::http::{contains_ci, created, no_content, ok};
use crate::model::{Location, Org, Schedule};
use crate::pagination::{TELEPHONY_DEFAULT_MAX, list_response, paginate};
use crate::records::Found as _;

// The location segment is `{id}` on every /telephony/config/locations route (the router requires
// one parameter name per position).
const BASE: &str = "/telephony/config/locations/{id}/schedules";

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(BASE, get(list).post(create))
        .route(
            &format!("{BASE}/{{kind}}/{{schedule}}"),
            get(details).put(update).delete(remove),
        )
        .route(
            &format!("{BASE}/{{kind}}/{{schedule}}/events"),
            axum::routing::post(create_event),
        )
        .route(
            &format!("{BASE}/{{kind}}/{{schedule}}/events/{{event}}"),
            get(event_details).put(update_event).delete(remove_event),
        )
}

fn check_kind(kind: &str) -> ApiResult<()> {
    if SCHEDULE_TYPES.contains(&kind) {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "schedule type '{kind}' must be businessHours or holidays"
        )))
    }
}

/// The table key of the schedule addressed by a path, after checking the type and the location.
fn find(org: &Org, loc: &str, kind: &str, schedule_id: &str) -> ApiResult<String> {
    check_kind(kind)?;
    org.locations.found(loc)?;
    let key = Schedule::key_for(loc, kind, schedule_id);
    if org.schedules.contains(&key) {
        Ok(key)
    } else {
        Err(ApiError::not_found("Schedule", schedule_id))
    }
}

async fn list(
    State(store): State<Shared>,
    Path(loc): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    if let Some(kind) = params.get("type") {
        check_kind(kind)?;
    }
    let items = store.read(|org| -> ApiResult<Vec<serde_json::Value>> {
        let location = org.locations.found(&loc)?;
        Ok(org
            .schedules
            .referencing(Location::KIND, &loc)
            .map(|(s, _)| s)
            .filter(|s| params.get("type").is_none_or(|t| s.kind == t))
            .filter(|s| params.get("name").is_none_or(|n| contains_ci(&s.name, n)))
            .map(|s| {
                json!({
                    "id": s.id(),
                    "name": s.name,
                    "type": s.kind,
                    "locationName": location.name,
                    "locationId": location.id,
                })
            })
            .collect())
    })?;
    Ok(list_response(
        "schedules",
        paginate(items, &params, TELEPHONY_DEFAULT_MAX)?,
    ))
}

async fn create(
    State(store): State<Shared>,
    Path(loc): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let f = Fields::new(&body);
    let name = f.req_str("name")?;
    let kind = f.req_enum("type", SCHEDULE_TYPES)?;
    let events = parse_events(&f)?;
    store.write(|org| {
        org.locations.found(&loc)?;
        let schedule = Schedule {
            location_id: loc.clone(),
            kind,
            name,
            events,
        };
        let id = schedule.id();
        org.schedules.insert(schedule)?;
        Ok(created(&id))
    })
}

async fn details(
    State(store): State<Shared>,
    Path((loc, kind, id)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    store.read(|org| {
        let s = org.schedules.found(&find(org, &loc, &kind, &id)?)?;
        let events: Vec<_> = s.events.iter().map(event_json).collect();
        Ok(ok(
            json!({"id": s.id(), "name": s.name, "type": s.kind, "events": events}),
        ))
    })
}

/// Body: `name` (current), optional `newName`, optional `events` (replaces the list; each may
/// carry `newName`). Answers `{"id"}`, which is new when the schedule was renamed.
async fn update(
    State(store): State<Shared>,
    Path((loc, kind, id)): Path<(String, String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let f = Fields::new(&body);
    let name = f.req_str("name")?;
    let new_name = f
        .opt_str("newName")?
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(name);
    if let Some(sent) = f.opt_enum("type", SCHEDULE_TYPES)?
        && sent != kind
    {
        return Err(ApiError::invalid(
            "the type of a schedule cannot be changed",
        ));
    }
    let events = if f.has("events") {
        Some(parse_events(&f)?)
    } else {
        None
    };
    store.write(|org| {
        let key = find(org, &loc, &kind, &id)?;
        // A rename changes the id, and so the key; a taken name is a taken key (409/25030).
        let new_id = org.schedules.update(&key, |schedule| {
            schedule.name = new_name;
            if let Some(events) = events {
                schedule.events = events;
            }
            schedule.id()
        })?;
        Ok(ok(json!({ "id": new_id })))
    })
}

async fn remove(
    State(store): State<Shared>,
    Path((loc, kind, id)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    store.write(|org| {
        let key = find(org, &loc, &kind, &id)?;
        org.schedules.remove(&key);
        Ok(no_content())
    })
}

async fn create_event(
    State(store): State<Shared>,
    Path((loc, kind, id)): Path<(String, String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let event = parse_event(&Fields::new(&body))?;
    store.write(|org| {
        let key = find(org, &loc, &kind, &id)?;
        let event_id = event.id();
        org.schedules
            .update(&key, |schedule| schedule.events.insert(event))??;
        Ok(created(&event_id))
    })
}

async fn event_details(
    State(store): State<Shared>,
    Path((loc, kind, id, event_id)): Path<(String, String, String, String)>,
) -> ApiResult<Response> {
    store.read(|org| {
        let schedule = org.schedules.found(&find(org, &loc, &kind, &id)?)?;
        Ok(ok(event_json(schedule.events.found(&event_id)?)))
    })
}

/// Full replacement of the event; `newName` renames it (and changes its id).
async fn update_event(
    State(store): State<Shared>,
    Path((loc, kind, id, event_id)): Path<(String, String, String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let event = parse_event(&Fields::new(&body))?;
    store.write(|org| {
        let key = find(org, &loc, &kind, &id)?;
        org.schedules.found(&key)?.events.found(&event_id)?;
        let new_id = event.id();
        org.schedules
            .update(&key, |schedule| schedule.events.replace(&event_id, event))??;
        Ok(ok(json!({ "id": new_id })))
    })
}

async fn remove_event(
    State(store): State<Shared>,
    Path((loc, kind, id, event_id)): Path<(String, String, String, String)>,
) -> ApiResult<Response> {
    store.write(|org| {
        let key = find(org, &loc, &kind, &id)?;
        org.schedules.found(&key)?.events.found(&event_id)?;
        org.schedules
            .update(&key, |schedule| schedule.events.remove(&event_id))?;
        Ok(no_content())
    })
}
