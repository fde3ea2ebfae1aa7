//! Common locations: `/locations` list/create and `/locations/{id}` get/update/delete.
//! Sandbox simplification: a location created with POST /locations is Webex Calling-enabled
//! immediately (real Webex needs a separate POST /telephony/config/locations, which the sandbox
//! accepts idempotently), so every location also appears in the telephony location list.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::Shared;
use crate::errors::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::fields::Fields;
use crate::http::{contains_ci, created, no_content, ok};
use crate::ids;
use crate::model::{Address, Location, Org};
use crate::pagination::{LOCATIONS_DEFAULT_MAX, list_response, paginate_map};
use crate::records::Found as _;

/// Calling-enabled locations are limited to 80 characters (reference §2.1).
const MAX_NAME_LEN: usize = 80;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/locations", get(list).post(create))
        .route("/locations/{id}", get(details).put(update).delete(remove))
}

pub fn location_json(org: &Org, loc: &Location) -> Value {
    let mut address = Map::new();
    address.insert("address1".into(), json!(loc.address.address1));
    if let Some(a2) = &loc.address.address2 {
        address.insert("address2".into(), json!(a2));
    }
    address.insert("city".into(), json!(loc.address.city));
    address.insert("state".into(), json!(loc.address.state));
    address.insert("postalCode".into(), json!(loc.address.postal_code));
    address.insert("country".into(), json!(loc.address.country));
    let mut body = Map::new();
    body.insert("id".into(), json!(loc.id));
    body.insert("name".into(), json!(loc.name));
    body.insert("orgId".into(), json!(org.id));
    body.insert("timeZone".into(), json!(loc.time_zone));
    body.insert("preferredLanguage".into(), json!(loc.preferred_language));
    body.insert(
        "announcementLanguage".into(),
        json!(loc.announcement_language),
    );
    body.insert("address".into(), Value::Object(address));
    if let Some(v) = &loc.latitude {
        body.insert("latitude".into(), v.clone());
    }
    if let Some(v) = &loc.longitude {
        body.insert("longitude".into(), v.clone());
    }
    if let Some(v) = &loc.notes {
        body.insert("notes".into(), json!(v));
    }
    Value::Object(body)
}

async fn list(State(store): State<Shared>, params: Params) -> ApiResult<Response> {
    let page = store.read(|org| {
        // `id` is an exact lookup; `name` is a substring filter.
        let candidates: Vec<&Location> = match params.get("id") {
            Some(id) => org.locations.get(id).into_iter().collect(),
            None => org.locations.iter().collect(),
        };
        let items = candidates
            .into_iter()
            .filter(|l| params.get("name").is_none_or(|n| contains_ci(&l.name, n)))
            .collect::<Vec<_>>();
        paginate_map(items, &params, LOCATIONS_DEFAULT_MAX, |l| {
            location_json(org, l)
        })
    })?;
    Ok(list_response("items", page))
}

async fn details(State(store): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    store.read(|org| Ok(ok(location_json(org, org.locations.found(&id)?))))
}

async fn create(State(store): State<Shared>, JsonBody(body): JsonBody) -> ApiResult<Response> {
    let f = Fields::new(&body);
    let name = valid_name(&f.req_str("name")?)?;
    let time_zone = valid_time_zone(&f.req_str("timeZone")?)?;
    let preferred_language = valid_language("preferredLanguage", &f.req_str("preferredLanguage")?)?;
    let announcement_language =
        valid_language("announcementLanguage", &f.req_str("announcementLanguage")?)?;
    let address = parse_address(&f.req_object("address")?)?;
    let latitude = coordinate(&f, "latitude")?;
    let longitude = coordinate(&f, "longitude")?;
    let notes = f.opt_str("notes")?;
    store.write(|org| {
        let id = ids::new_id("LOCATION");
        org.locations.insert(Location {
            id: id.clone(),
            name,
            time_zone,
            preferred_language,
            announcement_language,
            address,
            latitude,
            longitude,
            notes,
            calling: crate::seed::default_calling(),
        })?;
        Ok(created(&id))
    })
}

/// Partial update: only the fields present in the body change.
async fn update(
    State(store): State<Shared>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let f = Fields::new(&body);
    let name = f.opt_str("name")?.map(|n| valid_name(&n)).transpose()?;
    let time_zone = f
        .opt_str("timeZone")?
        .map(|t| valid_time_zone(&t))
        .transpose()?;
    let preferred = f
        .opt_str("preferredLanguage")?
        .map(|l| valid_language("preferredLanguage", &l))
        .transpose()?;
    let announcement = f
        .opt_str("announcementLanguage")?
        .map(|l| valid_language("announcementLanguage", &l))
        .transpose()?;
    let address = f
        .opt_object("address")?
        .map(|a| parse_address(&a))
        .transpose()?;
    let latitude = coordinate(&f, "latitude")?;
    let longitude = coordinate(&f, "longitude")?;
    let notes = f.opt_str("notes")?;
    store.write(|org| {
        org.locations.update(&id, |loc| {
            if let Some(v) = name {
                loc.name = v;
            }
            if let Some(v) = time_zone {
                loc.time_zone = v;
            }
            if let Some(v) = preferred {
                loc.preferred_language = v;
            }
            if let Some(v) = announcement {
                loc.announcement_language = v;
            }
            if let Some(v) = address {
                loc.address = v;
            }
            if latitude.is_some() {
                loc.latitude = latitude;
            }
            if longitude.is_some() {
                loc.longitude = longitude;
            }
            if notes.is_some() {
                loc.notes = notes;
            }
        })?;
        Ok(no_content())
    })
}

/// Real Webex requires calling to be disabled first; the sandbox instead refuses (400/6675) while
/// anything still references the location (people, numbers, trunks, schedules), which protects
/// the same data.
async fn remove(State(store): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    store.write(|org| {
        org.delete_unused(&id, |org| &mut org.locations)?;
        Ok(no_content())
    })
}

fn valid_name(name: &str) -> ApiResult<String> {
    if name.trim().is_empty() {
        return Err(ApiError::invalid("name must not be empty"));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(ApiError::invalid(format!(
            "name must be at most {MAX_NAME_LEN} characters for a Webex Calling location"
        )));
    }
    Ok(name.to_string())
}

/// IANA names look like `Area/City` (a few, like `UTC`, have no slash).
pub fn valid_time_zone(tz: &str) -> ApiResult<String> {
    let plain = ["UTC", "GMT", "Etc/UTC"];
    let looks_iana = tz.contains('/')
        && tz.split('/').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-+".contains(c))
        });
    if looks_iana || plain.contains(&tz) {
        Ok(tz.to_string())
    } else {
        Err(ApiError::invalid(format!(
            "timeZone '{tz}' is not a valid IANA time zone"
        )))
    }
}

/// Webex language codes are lower-case `ll_cc` (e.g. `en_us`).
pub fn valid_language(field: &str, lang: &str) -> ApiResult<String> {
    let ok = lang.len() == 5
        && lang.as_bytes()[2] == b'_'
        && lang
            .chars()
            .enumerate()
            .all(|(i, c)| i == 2 || c.is_ascii_lowercase());
    if ok {
        Ok(lang.to_string())
    } else {
        Err(ApiError::invalid(format!(
            "{field} '{lang}' is not a valid language code like en_us"
        )))
    }
}

pub fn parse_address(a: &Fields<'_>) -> ApiResult<Address> {
    let country = a.req_str("country")?;
    if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(ApiError::invalid(format!(
            "address.country '{country}' must be an ISO-3166 alpha-2 code like US"
        )));
    }
    Ok(Address {
        address1: a.req_str("address1")?,
        address2: a.opt_str("address2")?.filter(|s| !s.is_empty()),
        city: a.req_str("city")?,
        state: a.req_str("state")?,
        postal_code: a.req_str("postalCode")?,
        country,
    })
}

/// Latitude/longitude: the spec types them as strings; numbers are accepted and echoed as sent.
fn coordinate(f: &Fields<'_>, key: &str) -> ApiResult<Option<Value>> {
    match f.value(key) {
        None => Ok(None),
        Some(v @ Value::Number(_)) => Ok(Some(v.clone())),
        Some(Value::String(s)) if s.trim().parse::<f64>().is_ok() => Ok(Some(json!(s))),
        Some(_) => Err(ApiError::invalid(format!("{key} must be a decimal number"))),
    }
}
