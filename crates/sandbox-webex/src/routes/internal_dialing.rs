//! `/telephony/config/locations/{loc}/internalDialing`: where calls to unknown extensions go.
//! GET fills the route's `name` from the trunk/route group; PUT ignores a sent `name` (wxc_sdk sends
//! `"name": null`) and checks that the id exists with the stated type.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::{Shared, route_ref};
use crate::errors::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::fields::Fields;
use crate::http::{no_content, ok};
use crate::model::{InternalDialing, Org};
use crate::records::Found as _;

pub fn routes() -> Router<Shared> {
    Router::new().route(
        "/telephony/config/locations/{id}/internalDialing",
        get(read).put(update),
    )
}

fn dialing_json(org: &Org, dialing: &InternalDialing) -> Value {
    let mut body = Map::new();
    body.insert(
        "enableUnknownExtensionRoutePolicy".into(),
        json!(dialing.enable_unknown_extension_route_policy),
    );
    if let Some(route) = &dialing.unknown_extension_route_identity
        && let Some(name) = org.route_name(route)
    {
        body.insert(
            "unknownExtensionRouteIdentity".into(),
            json!({"id": route.id, "name": name, "type": route.kind.as_str()}),
        );
    }
    Value::Object(body)
}

async fn read(State(store): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    store.read(|org| {
        Ok(ok(dialing_json(
            org,
            &org.locations.found(&id)?.calling.internal_dialing,
        )))
    })
}

/// Replaces the whole setting: omitting the identity clears it.
async fn update(
    State(store): State<Shared>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let f = Fields::new(&body);
    let enabled = f.req_bool("enableUnknownExtensionRoutePolicy")?;
    let route = f
        .opt_object("unknownExtensionRouteIdentity")?
        .map(|identity| route_ref(&identity, "id", "type"))
        .transpose()?;
    if enabled && route.is_none() {
        return Err(ApiError::invalid(
            "unknownExtensionRouteIdentity is required when enableUnknownExtensionRoutePolicy is true",
        ));
    }
    store.write(|org| {
        org.locations.found(&id)?;
        if let Some(route) = &route {
            org.check_route(route, "unknownExtensionRouteIdentity")?;
        }
        org.locations.update(&id, |loc| {
            loc.calling.internal_dialing = InternalDialing {
                enable_unknown_extension_route_policy: enabled,
                unknown_extension_route_identity: route,
            };
        })?;
        Ok(no_content())
    })
}
