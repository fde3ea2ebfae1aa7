//! Route groups: `/telephony/config/premisePstn/routeGroups` (wrapper `routeGroups`).
//! A route group is a prioritized list of 1..=10 trunks; an 11th trunk is 400/25043 as on Webex.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use switchboard_sandbox_kit::Schema as _;

use super::Shared;
use crate::errors::{ApiError, ApiResult, code};
use crate::extract::{JsonBody, Params};
use crate::fields::Fields;
use crate::http::{contains_ci, created, no_content, ok};
use crate::ids;
use crate::model::{Gateway, Org, RouteGroup};
use crate::pagination::{TELEPHONY_DEFAULT_MAX, list_response, paginate_map};
use crate::records::{Found as _, role};

const BASE: &str = "/telephony/config/premisePstn/routeGroups";
const MAX_TRUNKS: usize = 10;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(BASE, get(list).post(create))
        .route(
            &format!("{BASE}/{{id}}"),
            get(details).put(update).delete(remove),
        )
        .route(&format!("{BASE}/{{id}}/usage"), get(usage))
}

fn detail_json(org: &Org, rg: &RouteGroup) -> Value {
    let gateways: Vec<Value> = rg
        .local_gateways
        .iter()
        .map(|g| {
            let trunk = org.trunks.get(&g.trunk_id);
            json!({
                "id": g.trunk_id,
                "name": trunk.map(|t| t.name.clone()).unwrap_or_default(),
                "locationId": trunk.map(|t| t.location_id.clone()).unwrap_or_default(),
                "priority": g.priority,
            })
        })
        .collect();
    json!({
        "id": rg.id,
        "name": rg.name,
        "organization": {"id": org.id, "name": org.name},
        "localGateways": gateways,
    })
}

async fn list(State(store): State<Shared>, params: Params) -> ApiResult<Response> {
    let page = store.read(|org| {
        let items = org
            .route_groups
            .iter()
            .filter(|r| params.get("name").is_none_or(|n| contains_ci(&r.name, n)))
            .collect::<Vec<_>>();
        paginate_map(
            items,
            &params,
            TELEPHONY_DEFAULT_MAX,
            |r| json!({"id": r.id, "name": r.name, "inUse": org.is_used::<RouteGroup>(&r.id)}),
        )
    })?;
    Ok(list_response("routeGroups", page))
}

async fn details(State(store): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    store.read(|org| Ok(ok(detail_json(org, org.route_groups.found(&id)?))))
}

async fn usage(State(store): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    store.read(|org| {
        org.route_groups.found(&id)?;
        let count = |role| org.count_users::<RouteGroup>(&id, role);
        Ok(ok(json!({
            "pstnConnectionCount": count(role::PSTN_CONNECTION),
            "callToExtensionCount": count(role::INTERNAL_DIALING),
            "dialPlanCount": count(role::DIAL_PLAN),
            "routeListCount": 0,
        })))
    })
}

/// Shape checks on `{name, localGateways: [{id, priority}]}`; trunk existence is checked under the lock.
fn parse_body(f: &Fields<'_>) -> ApiResult<(String, Vec<Gateway>)> {
    let name = f.req_str("name")?;
    let items = f.req_array("localGateways")?;
    if items.is_empty() {
        return Err(ApiError::invalid(
            "localGateways must contain at least one trunk",
        ));
    }
    if items.len() > MAX_TRUNKS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            code::TOO_MANY_TRUNKS,
            format!("A route group can have at most {MAX_TRUNKS} trunks"),
        ));
    }
    let mut gateways: Vec<Gateway> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let g = f.element("localGateways", i, item)?;
        let trunk_id = g.req_str("id")?;
        let priority = g.opt_u32("priority")?.filter(|p| *p >= 1).ok_or_else(|| {
            ApiError::invalid(format!(
                "localGateways[{i}].priority must be a positive integer"
            ))
        })?;
        if gateways.iter().any(|x| x.trunk_id == trunk_id) {
            return Err(ApiError::invalid(format!(
                "localGateways: trunk {trunk_id} is listed twice"
            )));
        }
        gateways.push(Gateway { trunk_id, priority });
    }
    Ok((name, gateways))
}

/// Every gateway must be an existing trunk (400; the name is checked by the table).
fn check_trunks(org: &Org, gateways: &[Gateway]) -> ApiResult<()> {
    for g in gateways {
        if !org.trunks.contains(&g.trunk_id) {
            return Err(ApiError::invalid(format!(
                "localGateways: no trunk with id {}",
                g.trunk_id
            )));
        }
    }
    Ok(())
}

async fn create(State(store): State<Shared>, JsonBody(body): JsonBody) -> ApiResult<Response> {
    let (name, local_gateways) = parse_body(&Fields::new(&body))?;
    store.write(|org| {
        check_trunks(org, &local_gateways)?;
        let id = ids::new_id("ROUTE_GROUP");
        org.route_groups.insert(RouteGroup {
            id: id.clone(),
            name,
            local_gateways,
        })?;
        Ok(created(&id))
    })
}

/// Full replacement of name and gateway list.
async fn update(
    State(store): State<Shared>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let (name, local_gateways) = parse_body(&Fields::new(&body))?;
    store.write(|org| {
        org.route_groups.found(&id)?;
        check_trunks(org, &local_gateways)?;
        org.route_groups.update(&id, |rg| {
            rg.name = name;
            rg.local_gateways = local_gateways;
        })?;
        Ok(no_content())
    })
}

async fn remove(State(store): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    store.write(|org| {
        org.delete_unused(&id, |org| &mut org.route_groups)?;
        Ok(no_content())
    })
}
