//! Licenses (read-only): `/licenses` (wrapper `items`) and `/licenses/{id}`.
//! Consumption is computed from the people and workspaces holding each license, so it tracks
//! their changes.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::Shared;
use crate::errors::ApiResult;
use crate::extract::Params;
use crate::http::ok;
use crate::model::{License, Org};
use crate::pagination::{LICENSES_DEFAULT_MAX, list_response, paginate};
use crate::records::Found as _;
use switchboard_sandbox_kit::Record as _;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/licenses", get(list))
        .route("/licenses/{id}", get(details))
}

fn license_json(org: &Org, l: &License) -> Value {
    let users = org.people.referencing(License::KIND, &l.id).count();
    let workspaces = org.workspaces.referencing(License::KIND, &l.id).count();
    json!({
        "id": l.id,
        "name": l.name,
        "totalUnits": l.total_units,
        "consumedUnits": users + workspaces,
        "consumedByUsers": users,
        "consumedByWorkspaces": workspaces,
        "subscriptionId": l.subscription_id,
    })
}

async fn list(State(store): State<Shared>, params: Params) -> ApiResult<Response> {
    let items = store.read(|org| {
        org.licenses
            .iter()
            .map(|l| license_json(org, l))
            .collect::<Vec<_>>()
    });
    Ok(list_response(
        "items",
        paginate(items, &params, LICENSES_DEFAULT_MAX)?,
    ))
}

/// `?includeAssignedTo=user` adds the holders under `users` (`type` INTERNAL: all are org members).
async fn details(
    State(store): State<Shared>,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    store.read(|org| {
        let license = org.licenses.found(&id)?;
        let mut body = license_json(org, license);
        if params.get("includeAssignedTo") == Some("user") {
            let users: Vec<Value> = org
                .people
                .referencing(License::KIND, &id)
                .map(|(p, _)| {
                    json!({
                        "id": p.id,
                        "type": "INTERNAL",
                        "displayName": p.display_name,
                        "email": p.emails.first(),
                    })
                })
                .collect();
            body["users"] = Value::Array(users);
        }
        Ok(ok(body))
    })
}
