//! A location's number inventory (§2.4): `/telephony/config/locations/{loc}/numbers`.
//! * POST adds `phoneNumbers` (E.164) with `state` ACTIVE/INACTIVE (default INACTIVE); numbers
//!   already in this location are ignored, numbers of another location answer 409/8363 (top-level
//!   25223, "add a number that already exists"). Only locations whose PSTN is not integrated (a
//!   local gateway, or non-integrated CCP) take numbers this way: with integrated CCP, Cisco PSTN or
//!   no connection the numbers come from the provider, so the sandbox answers 400. Answers 201.
//! * PUT sets the state (`action` ACTIVATE, the default, or DEACTIVATE; only unowned numbers that
//!   are not the main number can be deactivated). 204.
//! * DELETE (with a JSON body) removes unowned numbers; an owned number answers 400 naming the
//!   owner, the main number (or the calling line id number) 400. 204.
//!
//! Numbers that are not in the location answer 400/25089 (the earlier Webex answer of §1.6; the
//! current 502 would read as a server fault).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

use super::Shared;
use super::pstn::{LOCAL_GATEWAY, NON_INTEGRATED_CCP, connection_type};
use crate::errors::{ApiError, ApiResult, code};
use crate::extract::JsonBody;
use crate::fields::Fields;
use crate::http::no_content;
use crate::model::{Number, Org};
use crate::records::Found as _;

const STATES: &[&str] = &["ACTIVE", "INACTIVE"];
const NUMBER_TYPES: &[&str] = &["DID", "TOLLFREE", "MOBILE"];
const USAGE_TYPES: &[&str] = &["NONE", "SERVICE"];

pub fn routes() -> Router<Shared> {
    Router::new().route(
        "/telephony/config/locations/{id}/numbers",
        post(add).put(set_state).delete(remove),
    )
}

/// `+`, a non-zero digit, then 6 to 14 more digits.
pub fn is_e164(n: &str) -> bool {
    n.strip_prefix('+').is_some_and(|d| {
        (7..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()) && !d.starts_with('0')
    })
}

/// `phoneNumbers`: required, non-empty, E.164, duplicates removed.
fn phone_numbers(f: &Fields<'_>) -> ApiResult<Vec<String>> {
    let list = f.opt_str_list("phoneNumbers")?.unwrap_or_default();
    if list.is_empty() {
        return Err(ApiError::invalid("phoneNumbers is required"));
    }
    let mut unique = Vec::new();
    for n in list {
        if !is_e164(&n) {
            return Err(ApiError::invalid(format!(
                "phoneNumbers: '{n}' is not an E.164 number"
            )));
        }
        if !unique.contains(&n) {
            unique.push(n);
        }
    }
    Ok(unique)
}

fn not_in_location(number: &str, location: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        code::NUMBER_NOT_IN_LOCATION,
        format!("phone number {number} is not a number of location {location}"),
    )
}

/// Who holds `number`, as "person 'Name'" or "workspace 'Name'".
fn owner_of(org: &Org, number: &str) -> Option<String> {
    org.number_owner(number)
        .map(|p| format!("person '{}'", p.display_name))
        .or_else(|| {
            org.workspace_number_owner(number)
                .map(|w| format!("workspace '{}'", w.display_name))
        })
}

/// The location's own numbers: the main number, and the calling line id number.
fn location_number(org: &Org, number: &str) -> bool {
    org.numbers.get(number).is_some_and(|n| n.main_number)
        || org
            .locations
            .iter()
            .any(|l| l.calling.calling_line_id.phone_number.as_deref() == Some(number))
}

async fn add(
    State(store): State<Shared>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let f = Fields::new(&body);
    let numbers = phone_numbers(&f)?;
    let state = f
        .opt_enum("state", STATES)?
        .unwrap_or_else(|| "INACTIVE".into());
    let number_type = f.opt_enum("numberType", NUMBER_TYPES)?;
    f.opt_enum("numberUsageType", USAGE_TYPES)?;
    f.opt_str("subscriptionId")?;
    f.opt_str("carrierId")?;
    if number_type.as_deref() == Some("TOLLFREE")
        && let Some(n) = numbers.iter().find(|n| !n.starts_with("+1"))
    {
        return Err(ApiError::invalid(format!(
            "phoneNumbers: {n} is not a toll-free number"
        )));
    }
    store.write(|org| {
        let location = org.locations.found(&id)?;
        let name = location.name.clone();
        match connection_type(location) {
            Some(LOCAL_GATEWAY | NON_INTEGRATED_CCP) => {}
            other => {
                return Err(ApiError::invalid(format!(
                    "numbers cannot be added to location {name}: its PSTN connection is {}, so its \
                     numbers come from the provider (only local gateway and non-integrated CCP \
                     locations add numbers)",
                    other.unwrap_or("not set up")
                )));
            }
        }
        let mut new = Vec::new();
        for n in numbers {
            match org.numbers.get(&n) {
                Some(existing) if existing.location_id == id => {}
                Some(existing) => {
                    return Err(ApiError::number_taken(format!(
                        "phone number {n} already exists in location {}",
                        org.location_name(&existing.location_id)
                    )));
                }
                None => new.push(n),
            }
        }
        for n in new {
            org.numbers.insert(Number {
                phone_number: n,
                location_id: id.clone(),
                state: state.clone(),
                main_number: false,
            })?;
        }
        Ok((StatusCode::CREATED, axum::Json(json!({}))).into_response())
    })
}

async fn set_state(
    State(store): State<Shared>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let f = Fields::new(&body);
    let numbers = phone_numbers(&f)?;
    let activate = f
        .opt_enum("action", &["ACTIVATE", "DEACTIVATE"])?
        .is_none_or(|a| a == "ACTIVATE");
    store.write(|org| {
        let name = org.locations.found(&id)?.name.clone();
        for n in &numbers {
            if org.numbers.get(n).is_none_or(|x| x.location_id != id) {
                return Err(not_in_location(n, &name));
            }
            if !activate {
                if let Some(owner) = owner_of(org, n) {
                    return Err(ApiError::invalid(format!(
                        "phone number {n} is assigned to {owner} and cannot be deactivated"
                    )));
                }
                if location_number(org, n) {
                    return Err(ApiError::invalid(format!(
                        "phone number {n} is the location's main number and cannot be deactivated"
                    )));
                }
            }
        }
        let state = if activate { "ACTIVE" } else { "INACTIVE" };
        for n in &numbers {
            org.numbers.update(n, |x| x.state = state.to_string())?;
        }
        Ok(no_content())
    })
}

async fn remove(
    State(store): State<Shared>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let f = Fields::new(&body);
    let numbers = phone_numbers(&f)?;
    store.write(|org| {
        let name = org.locations.found(&id)?.name.clone();
        for n in &numbers {
            if org.numbers.get(n).is_none_or(|x| x.location_id != id) {
                return Err(not_in_location(n, &name));
            }
            if let Some(owner) = owner_of(org, n) {
                return Err(ApiError::invalid(format!(
                    "phone number {n} is assigned to {owner}; unassign it before removing it"
                )));
            }
            if location_number(org, n) {
                return Err(ApiError::invalid(format!(
                    "phone number {n} is the location's main number and cannot be removed"
                )));
            }
        }
        for n in &numbers {
            org.numbers.remove(n);
        }
        Ok(no_content())
    })
}
