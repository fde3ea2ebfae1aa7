//! Location PSTN connection (§2.1 "PSTN connection"): `/telephony/pstn/locations/{loc}/...`
//! * GET `connectionOptions` (W:`items`): one `LOCAL_GATEWAY` option per trunk of the location and
//!   per route group of the org (option id = the route's id, with `routeType`/`routeId`), then
//!   the fixed cloud providers below; `serviceTypes` filters by `pstnServices`;
//! * GET `connection`: the location's connection (`{}` when none is set up);
//! * PUT `connection` (204): `{premiseRouteType, premiseRouteId}` or `{id}` of an option.
//!   Integrated CCP and Cisco PSTN cannot be set through the API (wxc_sdk's docs: "currently not
//!   supported using the API"), so picking them answers 400.
//!
//! The value is the one the calling location's `connection{type,id}` shows (premises routes only).

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::Shared;
use crate::errors::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::fields::Fields;
use crate::http::{no_content, ok};
use crate::ids;
use crate::model::{Location, Org, PstnConnection, RouteKind, RouteRef};
use crate::records::Found as _;

pub const LOCAL_GATEWAY: &str = "LOCAL_GATEWAY";
pub const NON_INTEGRATED_CCP: &str = "NON_INTEGRATED_CCP";
const PREMISES_SERVICES: &[&str] = &["GEOGRAPHIC_NUMBERS", "TOLLFREE_NUMBERS"];

/// A cloud PSTN offer: (key of its seeded id, displayName, pstnConnectionType, pstnServices).
struct Provider {
    key: &'static str,
    name: &'static str,
    kind: &'static str,
    services: &'static [&'static str],
}

const PROVIDERS: &[Provider] = &[
    Provider {
        key: "non-integrated-ccp",
        name: "Sandbox Telecom (Non-integrated CCP)",
        kind: NON_INTEGRATED_CCP,
        services: &["GEOGRAPHIC_NUMBERS", "TOLLFREE_NUMBERS"],
    },
    Provider {
        key: "integrated-ccp",
        name: "Sandbox Cloud Voice (Integrated CCP)",
        kind: "INTEGRATED_CCP",
        services: &["GEOGRAPHIC_NUMBERS", "TOLLFREE_NUMBERS", "MOBILE_NUMBERS"],
    },
    Provider {
        key: "cisco-pstn",
        name: "Cisco PSTN",
        kind: "CISCO_PSTN",
        services: &["GEOGRAPHIC_NUMBERS", "TOLLFREE_NUMBERS", "SERVICE_NUMBERS"],
    },
];

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/telephony/pstn/locations/{id}/connectionOptions",
            get(options),
        )
        .route(
            "/telephony/pstn/locations/{id}/connection",
            get(read).put(update),
        )
}

fn provider_id(p: &Provider) -> String {
    ids::seeded_id("PSTN_CONNECTION", p.key)
}

fn provider(option_id: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|p| provider_id(p) == option_id)
}

/// The option id of a provider connection type (used by the seed).
pub fn provider_option_id(kind: &str) -> Option<String> {
    PROVIDERS.iter().find(|p| p.kind == kind).map(provider_id)
}

/// `pstnConnectionType` of a location's connection, if it has one.
pub fn connection_type(loc: &Location) -> Option<&'static str> {
    match loc.calling.connection.as_ref()? {
        PstnConnection::Premises(_) => Some(LOCAL_GATEWAY),
        PstnConnection::Provider { option_id } => provider(option_id).map(|p| p.kind),
    }
}

fn premises_json(org: &Org, route: &RouteRef) -> Value {
    json!({
        "id": route.id,
        "displayName": org.route_name(route),
        "pstnServices": PREMISES_SERVICES,
        "pstnConnectionType": LOCAL_GATEWAY,
        "routeType": route.kind.as_str(),
        "routeId": route.id,
    })
}

fn provider_json(p: &Provider) -> Value {
    json!({
        "id": provider_id(p),
        "displayName": p.name,
        "pstnServices": p.services,
        "pstnConnectionType": p.kind,
    })
}

async fn options(
    State(store): State<Shared>,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    let wanted = params.get_all("serviceTypes");
    store.read(|org| {
        org.locations.found(&id)?;
        let trunks = org
            .trunks
            .iter()
            .filter(|t| t.location_id == id)
            .map(|t| RouteRef {
                id: t.id.clone(),
                kind: RouteKind::Trunk,
            });
        let groups = org.route_groups.iter().map(|g| RouteRef {
            id: g.id.clone(),
            kind: RouteKind::RouteGroup,
        });
        let items: Vec<Value> = trunks
            .chain(groups)
            .map(|r| premises_json(org, &r))
            .chain(PROVIDERS.iter().map(provider_json))
            .filter(|o| {
                wanted.is_empty()
                    || o["pstnServices"]
                        .as_array()
                        .is_some_and(|s| s.iter().any(|s| wanted.iter().any(|w| s == w)))
            })
            .collect();
        Ok(ok(json!({ "items": items })))
    })
}

async fn read(State(store): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    store.read(|org| {
        let loc = org.locations.found(&id)?;
        let body = match &loc.calling.connection {
            Some(PstnConnection::Premises(route)) => premises_json(org, route),
            Some(PstnConnection::Provider { option_id }) => {
                provider(option_id).map(provider_json).unwrap_or(json!({}))
            }
            None => json!({}),
        };
        Ok(ok(body))
    })
}

/// What a PUT picks: a premises route, or an option by id.
enum Choice {
    Premises(RouteRef),
    Option(String),
}

async fn update(
    State(store): State<Shared>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let f = Fields::new(&body);
    let option = f.opt_str("id")?;
    let premises = f.has("premiseRouteType") || f.has("premiseRouteId");
    let choice = match (option, premises) {
        (Some(_), true) => {
            return Err(ApiError::invalid(
                "give either id or premiseRouteType with premiseRouteId, not both",
            ));
        }
        (None, false) => {
            return Err(ApiError::invalid(
                "id or premiseRouteType with premiseRouteId is required",
            ));
        }
        (None, true) => {
            Choice::Premises(super::route_ref(&f, "premiseRouteId", "premiseRouteType")?)
        }
        (Some(option), false) => Choice::Option(option),
    };
    store.write(|org| {
        org.locations.found(&id)?;
        let connection = match choice {
            Choice::Premises(route) => premises_connection(org, &id, route, "premiseRouteId")?,
            Choice::Option(option) => option_connection(org, &id, &option)?,
        };
        org.locations.update(&id, |loc| {
            loc.calling.connection = Some(connection);
        })?;
        Ok(no_content())
    })
}

/// A premises route must exist; a trunk must be one of this location's.
fn premises_connection(
    org: &Org,
    location_id: &str,
    route: RouteRef,
    field: &str,
) -> ApiResult<PstnConnection> {
    org.check_route(&route, field)?;
    if route.kind == RouteKind::Trunk && org.trunks.found(&route.id)?.location_id != location_id {
        return Err(ApiError::invalid(format!(
            "{field}: the trunk must belong to this location"
        )));
    }
    Ok(PstnConnection::Premises(route))
}

fn option_connection(org: &Org, location_id: &str, option: &str) -> ApiResult<PstnConnection> {
    let kind = if org.trunks.contains(option) {
        Some(RouteKind::Trunk)
    } else if org.route_groups.contains(option) {
        Some(RouteKind::RouteGroup)
    } else {
        None
    };
    if let Some(kind) = kind {
        let route = RouteRef {
            id: option.to_string(),
            kind,
        };
        return premises_connection(org, location_id, route, "id");
    }
    match provider(option) {
        Some(p) if p.kind == NON_INTEGRATED_CCP => Ok(PstnConnection::Provider {
            option_id: option.to_string(),
        }),
        Some(p) => Err(ApiError::invalid(format!(
            "id: a {} connection cannot be set up through the API",
            p.kind
        ))),
        None => Err(ApiError::invalid(format!(
            "id: no PSTN connection option {option} for this location"
        ))),
    }
}
