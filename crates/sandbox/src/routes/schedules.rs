//! Location schedules and their events under `/telephony/config/locations/{loc}/schedules`.
//! Schedule and event ids are derived from names, so a rename answers with a new id; names are
//! unique per (location, type) for schedules and per schedule for events (409 / 25030).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::json;

use super::Shared;
use super::schedule_body::{SCHEDULE_TYPES, event_json, parse_event, parse_events};
use crate::errors::{ApiError, ApiResult, code};
use crate::extract::{JsonBody, Params};
use crate::fields::Fields;
use crate::http::{contains_ci, created, no_content, ok};
use crate::model::{Event, Org, Schedule};
use crate::pagination::{TELEPHONY_DEFAULT_MAX, list_response, paginate};

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

fn duplicate(message: String) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, code::DUPLICATE_SCHEDULE, message)
}

/// Index of the schedule addressed by a path (location must exist too).
fn find(org: &Org, loc: &str, kind: &str, schedule_id: &str) -> ApiResult<usize> {
    check_kind(kind)?;
    org.location(loc)?;
    org.schedules
        .iter()
        .position(|s| s.location_id == loc && s.kind == kind && s.id() == schedule_id)
        .ok_or_else(|| ApiError::not_found("Schedule", schedule_id))
}

fn ensure_unique(
    org: &Org,
    loc: &str,
    kind: &str,
    name: &str,
    except: Option<usize>,
) -> ApiResult<()> {
    let taken = org.schedules.iter().enumerate().any(|(i, s)| {
        Some(i) != except && s.location_id == loc && s.kind == kind && s.name == name
    });
    if taken {
        Err(duplicate(format!(
            "A {kind} schedule named '{name}' already exists in this location"
        )))
    } else {
        Ok(())
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
        let location = org.location(&loc)?;
        Ok(org
            .schedules
            .iter()
            .filter(|s| s.location_id == loc)
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
        org.location(&loc)?;
        ensure_unique(org, &loc, &kind, &name, None)?;
        let schedule = Schedule {
            location_id: loc.clone(),
            kind,
            name,
            events,
        };
        let id = schedule.id();
        org.schedules.push(schedule);
        Ok(created(&id))
    })
}

async fn details(
    State(store): State<Shared>,
    Path((loc, kind, id)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    store.read(|org| {
        let s = &org.schedules[find(org, &loc, &kind, &id)?];
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
        let index = find(org, &loc, &kind, &id)?;
        ensure_unique(org, &loc, &kind, &new_name, Some(index))?;
        let schedule = &mut org.schedules[index];
        schedule.name = new_name;
        if let Some(events) = events {
            schedule.events = events;
        }
        Ok(ok(json!({"id": schedule.id()})))
    })
}

async fn remove(
    State(store): State<Shared>,
    Path((loc, kind, id)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    store.write(|org| {
        let index = find(org, &loc, &kind, &id)?;
        org.schedules.remove(index);
        Ok(no_content())
    })
}

fn ensure_unique_event(events: &[Event], name: &str, except: Option<usize>) -> ApiResult<()> {
    if events
        .iter()
        .enumerate()
        .any(|(i, e)| Some(i) != except && e.name == name)
    {
        Err(duplicate(format!(
            "An event named '{name}' already exists in this schedule"
        )))
    } else {
        Ok(())
    }
}

fn find_event(schedule: &Schedule, event_id: &str) -> ApiResult<usize> {
    schedule
        .events
        .iter()
        .position(|e| e.id() == event_id)
        .ok_or_else(|| ApiError::not_found("Schedule event", event_id))
}

async fn create_event(
    State(store): State<Shared>,
    Path((loc, kind, id)): Path<(String, String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let event = parse_event(&Fields::new(&body))?;
    store.write(|org| {
        let index = find(org, &loc, &kind, &id)?;
        let schedule = &mut org.schedules[index];
        ensure_unique_event(&schedule.events, &event.name, None)?;
        let event_id = event.id();
        schedule.events.push(event);
        Ok(created(&event_id))
    })
}

async fn event_details(
    State(store): State<Shared>,
    Path((loc, kind, id, event_id)): Path<(String, String, String, String)>,
) -> ApiResult<Response> {
    store.read(|org| {
        let schedule = &org.schedules[find(org, &loc, &kind, &id)?];
        Ok(ok(event_json(
            &schedule.events[find_event(schedule, &event_id)?],
        )))
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
        let index = find(org, &loc, &kind, &id)?;
        let schedule = &mut org.schedules[index];
        let event_index = find_event(schedule, &event_id)?;
        ensure_unique_event(&schedule.events, &event.name, Some(event_index))?;
        let new_id = event.id();
        schedule.events[event_index] = event;
        Ok(ok(json!({"id": new_id})))
    })
}

async fn remove_event(
    State(store): State<Shared>,
    Path((loc, kind, id, event_id)): Path<(String, String, String, String)>,
) -> ApiResult<Response> {
    store.write(|org| {
        let index = find(org, &loc, &kind, &id)?;
        let schedule = &mut org.schedules[index];
        let event_index = find_event(schedule, &event_id)?;
        schedule.events.remove(event_index);
        Ok(no_content())
    })
}
