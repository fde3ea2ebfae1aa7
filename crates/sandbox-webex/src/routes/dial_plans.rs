//! Dial plans: `/telephony/config/premisePstn/dialPlans` (wrapper `dialPlans`) and the
//! `/telephony/config/routeChoices` helper. Pattern handling lives in `dial_patterns.rs`.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::dial_patterns::{self, PatternStatus};
use super::{Shared, route_ref};
use crate::errors::ApiResult;
use crate::extract::{JsonBody, Params};
use crate::fields::Fields;
use crate::http::{contains_ci, no_content, ok};
use crate::ids;
use crate::model::{DialPlan, Org, RouteKind, RouteRef};
use crate::pagination::{TELEPHONY_DEFAULT_MAX, list_response, paginate, paginate_map};
use crate::records::Found as _;

pub const BASE: &str = "/telephony/config/premisePstn/dialPlans";

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(BASE, get(list).post(create))
        .route(
            &format!("{BASE}/{{id}}"),
            get(details).put(update).delete(remove),
        )
        .route("/telephony/config/routeChoices", get(route_choices))
        .merge(dial_patterns::routes())
}

fn summary_json(org: &Org, dp: &DialPlan) -> Value {
    summary_with_route_name(dp, &org.route_name(&dp.route).unwrap_or_default())
}

fn summary_with_route_name(dp: &DialPlan, route_name: &str) -> Value {
    json!({
        "id": dp.id,
        "name": dp.name,
        "routeId": dp.route.id,
        "routeName": route_name,
        "routeType": dp.route.kind.as_str(),
    })
}

async fn list(State(store): State<Shared>, params: Params) -> ApiResult<Response> {
    let page = store.read(|org| {
        let route_name = |dp: &DialPlan| match dp.route.kind {
            RouteKind::Trunk => org.trunks.get(&dp.route.id).map(|t| t.name.as_str()),
            RouteKind::RouteGroup => org.route_groups.get(&dp.route.id).map(|r| r.name.as_str()),
        };
        let route_named = |dp: &DialPlan, kind: RouteKind, filter: &str| {
            dp.route.kind == kind && route_name(dp).is_some_and(|n| contains_ci(n, filter))
        };
        let items = org
            .dial_plans
            .iter()
            .filter(|d| {
                params
                    .get("dialPlanName")
                    .is_none_or(|n| contains_ci(&d.name, n))
            })
            .filter(|d| {
                params
                    .get("routeGroupName")
                    .is_none_or(|n| route_named(d, RouteKind::RouteGroup, n))
            })
            .filter(|d| {
                params
                    .get("trunkName")
                    .is_none_or(|n| route_named(d, RouteKind::Trunk, n))
            })
            .collect::<Vec<_>>();
        paginate_map(items, &params, TELEPHONY_DEFAULT_MAX, |d| {
            summary_with_route_name(d, route_name(d).unwrap_or_default())
        })
    })?;
    Ok(list_response("dialPlans", page))
}

async fn details(State(store): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    store.read(|org| {
        let mut body = summary_json(org, org.dial_plans.found(&id)?);
        body["customer"] = json!({"id": org.id, "name": org.name});
        Ok(ok(body))
    })
}

fn parse_head(f: &Fields<'_>) -> ApiResult<(String, RouteRef)> {
    Ok((f.req_str("name")?, route_ref(f, "routeId", "routeType")?))
}

/// 201 `{"id", "dialPatternErrors"}`: bad or duplicate patterns are reported and skipped, the plan
/// is still created with the valid ones.
async fn create(State(store): State<Shared>, JsonBody(body): JsonBody) -> ApiResult<Response> {
    let f = Fields::new(&body);
    let (name, route) = parse_head(&f)?;
    let patterns = f.opt_str_list("dialPatterns")?.unwrap_or_default();
    store.write(|org| {
        org.check_route(&route, "routeId")?;
        let checked = dial_patterns::check(org, &patterns, None);
        let errors: Vec<Value> = checked.iter().filter_map(|c| c.error_json()).collect();
        let accepted: Vec<String> = checked
            .into_iter()
            .filter(|c| c.status == PatternStatus::Ok)
            .map(|c| c.pattern)
            .collect();
        let id = ids::new_id("DIAL_PLAN");
        org.dial_plans.insert(DialPlan {
            id: id.clone(),
            name,
            route,
            dial_patterns: accepted,
        })?;
        Ok((
            StatusCode::CREATED,
            axum::Json(json!({"id": id, "dialPatternErrors": errors})),
        )
            .into_response())
    })
}

async fn update(
    State(store): State<Shared>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let (name, route) = parse_head(&Fields::new(&body))?;
    store.write(|org| {
        org.dial_plans.found(&id)?;
        org.check_route(&route, "routeId")?;
        org.dial_plans.update(&id, |dp| {
            dp.name = name;
            dp.route = route;
        })?;
        Ok(no_content())
    })
}

async fn remove(State(store): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    store.write(|org| {
        org.delete_unused(&id, |org| &mut org.dial_plans)?;
        Ok(no_content())
    })
}

/// Every trunk and route group a dial plan or location could route to (wrapper `routeIdentities`).
async fn route_choices(State(store): State<Shared>, params: Params) -> ApiResult<Response> {
    let items = store.read(|org| {
        let rg_filter = params.get("routeGroupName");
        let trunk_filter = params.get("trunkName");
        let groups = org
            .route_groups
            .iter()
            .filter(|r| trunk_filter.is_none() && rg_filter.is_none_or(|n| contains_ci(&r.name, n)))
            .map(|r| json!({"id": r.id, "name": r.name, "type": "ROUTE_GROUP"}));
        let trunks = org
            .trunks
            .iter()
            .filter(|t| rg_filter.is_none() && trunk_filter.is_none_or(|n| contains_ci(&t.name, n)))
            .map(|t| json!({"id": t.id, "name": t.name, "type": "TRUNK"}));
        groups.chain(trunks).collect::<Vec<_>>()
    });
    Ok(list_response(
        "routeIdentities",
        paginate(items, &params, TELEPHONY_DEFAULT_MAX)?,
    ))
}
