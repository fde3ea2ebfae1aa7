//! Webex Calling view of locations: `/telephony/config/locations` (wrapper `locations`).
//! Enabling (POST) is idempotent here because every sandbox location is already calling-enabled:
//! it validates the body like Webex and answers 200 `{"id"}` for a known location, 404 otherwise.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::locations::{parse_address, valid_language, valid_time_zone};
use super::{Shared, route_ref};
use crate::errors::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::fields::Fields;
use crate::http::{contains_ci, no_content, ok};
use crate::model::{Location, Org, PstnConnection, RouteKind};
use crate::pagination::{TELEPHONY_DEFAULT_MAX, list_response, paginate};
use crate::records::Found as _;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/telephony/config/locations", get(list).post(enable))
        .route("/telephony/config/locations/{id}", get(details).put(update))
}

fn calling_json(org: &Org, loc: &Location) -> Value {
    let c = &loc.calling;
    let mut body = Map::new();
    body.insert("id".into(), json!(loc.id));
    body.insert("name".into(), json!(loc.name));
    body.insert(
        "announcementLanguage".into(),
        json!(loc.announcement_language),
    );
    let mut cli = Map::new();
    if let Some(v) = &c.calling_line_id.name {
        cli.insert("name".into(), json!(v));
    }
    if let Some(v) = &c.calling_line_id.phone_number {
        cli.insert("phoneNumber".into(), json!(v));
    }
    body.insert("callingLineId".into(), Value::Object(cli));
    if let Some(route) = c.connection.as_ref().and_then(|c| c.premises())
        && org.route_name(route).is_some()
    {
        body.insert(
            "connection".into(),
            json!({"type": route.kind.as_str(), "id": route.id}),
        );
    }
    let optional = [
        ("externalCallerIdName", &c.external_caller_id_name),
        ("pAccessNetworkInfo", &c.p_access_network_info),
        ("outsideDialDigit", &c.outside_dial_digit),
        ("routingPrefix", &c.routing_prefix),
        ("chargeNumber", &c.charge_number),
    ];
    body.insert("userLimit".into(), json!(c.user_limit));
    body.insert(
        "enforceOutsideDialDigit".into(),
        json!(c.enforce_outside_dial_digit),
    );
    for (key, value) in optional {
        if let Some(v) = value {
            body.insert(key.into(), json!(v));
        }
    }
    body.insert("defaultDomain".into(), json!(c.default_domain));
    body.insert(
        "useChargeNumberForPChargeInfo".into(),
        json!(c.use_charge_number_for_p_charge_info),
    );
    body.insert("e911SetupRequired".into(), json!(c.e911_setup_required));
    body.insert("subscriptionId".into(), json!(c.subscription_id));
    Value::Object(body)
}

async fn list(State(store): State<Shared>, params: Params) -> ApiResult<Response> {
    let items = store.read(|org| {
        org.locations
            .iter()
            .filter(|l| params.get("name").is_none_or(|n| contains_ci(&l.name, n)))
            .map(|l| calling_json(org, l))
            .collect::<Vec<_>>()
    });
    Ok(list_response(
        "locations",
        paginate(items, &params, TELEPHONY_DEFAULT_MAX)?,
    ))
}

async fn details(State(store): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    store.read(|org| Ok(ok(calling_json(org, org.locations.found(&id)?))))
}

async fn enable(State(store): State<Shared>, JsonBody(body): JsonBody) -> ApiResult<Response> {
    let f = Fields::new(&body);
    let id = f.req_str("id")?;
    f.req_str("name")?;
    valid_time_zone(&f.req_str("timeZone")?)?;
    valid_language("preferredLanguage", &f.req_str("preferredLanguage")?)?;
    valid_language("announcementLanguage", &f.req_str("announcementLanguage")?)?;
    parse_address(&f.req_object("address")?)?;
    store.read(|org| {
        org.locations.found(&id)?;
        Ok((StatusCode::OK, axum::Json(json!({ "id": id }))).into_response())
    })
}

/// Partial update of the calling settings.
async fn update(
    State(store): State<Shared>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let f = Fields::new(&body);
    let announcement = f
        .opt_str("announcementLanguage")?
        .map(|l| valid_language("announcementLanguage", &l))
        .transpose()?;
    let cli = f.opt_object("callingLineId")?;
    let cli_name = cli
        .as_ref()
        .map(|c| c.opt_str("name"))
        .transpose()?
        .flatten();
    let cli_number = cli
        .as_ref()
        .map(|c| c.opt_str("phoneNumber"))
        .transpose()?
        .flatten();
    let connection = match f.opt_object("connection")? {
        Some(c) => Some(route_ref(&c, "id", "type")?),
        None => None,
    };
    let external_name = f.opt_str("externalCallerIdName")?;
    let p_access = f.opt_str("pAccessNetworkInfo")?;
    let outside_digit = f.opt_str("outsideDialDigit")?;
    if let Some(d) = &outside_digit
        && !(d.is_empty() || (d.len() == 1 && d.chars().all(|c| c.is_ascii_digit())))
    {
        return Err(ApiError::invalid("outsideDialDigit must be a single digit"));
    }
    let enforce = f.opt_bool("enforceOutsideDialDigit")?;
    let prefix = f.opt_str("routingPrefix")?;
    if let Some(p) = &prefix
        && !(p.is_empty() || (p.len() <= 7 && p.chars().all(|c| c.is_ascii_digit())))
    {
        return Err(ApiError::invalid("routingPrefix must be 1 to 7 digits"));
    }
    let charge_number = f.opt_str("chargeNumber")?;
    let use_charge = f.opt_bool("useChargeNumberForPChargeInfo")?;

    store.write(|org| {
        org.locations.found(&id)?;
        if let Some(number) = cli_number.as_deref().filter(|n| !n.is_empty())
            && org.numbers.get(number).is_none_or(|n| n.location_id != id)
        {
            return Err(ApiError::invalid(format!(
                "callingLineId.phoneNumber {number} is not a number of this location"
            )));
        }
        if let Some(route) = &connection {
            org.check_route(route, "connection")?;
            if route.kind == RouteKind::Trunk && org.trunks.found(&route.id)?.location_id != id {
                return Err(ApiError::invalid(
                    "connection: the trunk must belong to this location",
                ));
            }
        }
        // A routing prefix used by another location is refused by the table (400/5600).
        org.locations.update(&id, |loc| {
            let c = &mut loc.calling;
            // callingLineId is partial too: only the sub-fields sent change ("" clears).
            if cli_name.is_some() {
                c.calling_line_id.name = cli_name.filter(|n| !n.is_empty());
            }
            if cli_number.is_some() {
                c.calling_line_id.phone_number = cli_number.filter(|n| !n.is_empty());
            }
            let non_empty = |v: Option<String>| v.filter(|s| !s.is_empty());
            if let Some(route) = connection {
                c.connection = Some(PstnConnection::Premises(route));
            }
            if external_name.is_some() {
                c.external_caller_id_name = non_empty(external_name);
            }
            if p_access.is_some() {
                c.p_access_network_info = non_empty(p_access);
            }
            if outside_digit.is_some() {
                c.outside_dial_digit = non_empty(outside_digit);
            }
            if let Some(v) = enforce {
                c.enforce_outside_dial_digit = v;
            }
            if prefix.is_some() {
                c.routing_prefix = non_empty(prefix);
            }
            if charge_number.is_some() {
                c.charge_number = non_empty(charge_number);
            }
            if let Some(v) = use_charge {
                c.use_charge_number_for_p_charge_info = v;
            }
            if let Some(v) = announcement {
                loc.announcement_language = v;
            }
        })?;
        Ok(no_content())
    })
}
