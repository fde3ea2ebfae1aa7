//! Route groups: `/telephony/config/premisePstn/routeGroups` (wrapper `routeGroups`).
//! A route group is a prioritized list of 1..=10 trunks; an 11th trunk is 400/25043 as on Webex.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::Shared;
use crate::errors::{ApiError, ApiResult, code};
use crate::extract::{JsonBody, Params};
use crate::fields::Fields;
use crate::http::{contains_ci, created, no_content, ok};
use crate::ids;
use crate::model::{Gateway, Org, RouteGroup, RouteKind, RouteRef};
use crate::pagination::{TELEPHONY_DEFAULT_MAX, list_response, paginate_map};

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

fn as_route(id: &str) -> RouteRef {
    RouteRef {
        id: id.to_string(),
        kind: RouteKind::RouteGroup,
    }
}

fn detail_json(org: &Org, rg: &RouteGroup) -> Value {
    let gateways: Vec<Value> = rg
        .local_gateways
        .iter()
        .map(|g| {
            let trunk = org.trunks.iter().find(|t| t.id == g.trunk_id);
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
        let in_use = org.routes_in_use();
        let items = org
            .route_groups
            .iter()
            .filter(|r| params.get("name").is_none_or(|n| contains_ci(&r.name, n)))
            .collect::<Vec<_>>();
        paginate_map(
            items,
            &params,
            TELEPHONY_DEFAULT_MAX,
            |r| json!({"id": r.id, "name": r.name, "inUse": in_use.contains(r.id.as_str())}),
        )
    })?;
    Ok(list_response("routeGroups", page))
}

async fn details(State(store): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    store.read(|org| Ok(ok(detail_json(org, org.route_group(&id)?))))
}

async fn usage(State(store): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    store.read(|org| {
        org.route_group(&id)?;
        let route = as_route(&id);
        Ok(ok(json!({
            "pstnConnectionCount":
                org.locations.iter().filter(|l| l.calling.connection.as_ref() == Some(&route)).count(),
            "callToExtensionCount": org
                .locations
                .iter()
                .filter(|l| l.calling.internal_dialing.unknown_extension_route_identity.as_ref() == Some(&route))
                .count(),
            "dialPlanCount": org.dial_plans.iter().filter(|d| d.route == route).count(),
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

fn check_refs(
    org: &Org,
    name: &str,
    gateways: &[Gateway],
    except_id: Option<&str>,
) -> ApiResult<()> {
    if org
        .route_groups
        .iter()
        .any(|r| Some(r.id.as_str()) != except_id && r.name.eq_ignore_ascii_case(name))
    {
        return Err(ApiError::duplicate_name("Route group", name));
    }
    for g in gateways {
        if !org.trunks.iter().any(|t| t.id == g.trunk_id) {
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
        check_refs(org, &name, &local_gateways, None)?;
        let id = ids::new_id("ROUTE_GROUP");
        org.route_groups.push(RouteGroup {
            id: id.clone(),
            name,
            local_gateways,
        });
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
        org.route_group(&id)?;
        check_refs(org, &name, &local_gateways, Some(&id))?;
        let rg = org.route_group_mut(&id)?;
        rg.name = name;
        rg.local_gateways = local_gateways;
        Ok(no_content())
    })
}

async fn remove(State(store): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    store.write(|org| {
        let rg = org.route_group(&id)?;
        let users = org.route_users(&as_route(&id));
        if !users.is_empty() {
            return Err(ApiError::in_use(
                &format!("Route group '{}'", rg.name),
                &users.join(", "),
            ));
        }
        org.route_groups.retain(|r| r.id != id);
        Ok(no_content())
    })
}
