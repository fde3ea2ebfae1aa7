//! Location outgoing calling permissions (§2.1): GET and PUT (204)
//! `/telephony/config/locations/{loc}/outgoingPermission`. Same body as a person's (`callType` and
//! `action` enums checked; entries replace the stored entry of their call type), stored on the
//! location's calling settings.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;

use super::Shared;
use super::call_settings::{default_permissions, merge_permissions};
use crate::errors::ApiResult;
use crate::extract::JsonBody;
use crate::fields::Fields;
use crate::http::{no_content, ok};
use crate::model::Location;
use crate::records::Found as _;

pub fn routes() -> Router<Shared> {
    Router::new().route(
        "/telephony/config/locations/{id}/outgoingPermission",
        get(read).put(update),
    )
}

fn stored(loc: &Location) -> serde_json::Value {
    loc.calling
        .outgoing_permission
        .clone()
        .unwrap_or_else(default_permissions)
}

async fn read(State(store): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    store.read(|org| Ok(ok(stored(org.locations.found(&id)?))))
}

async fn update(
    State(store): State<Shared>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let f = Fields::new(&body);
    store.write(|org| {
        let mut current = stored(org.locations.found(&id)?);
        merge_permissions(&f, &mut current)?;
        org.locations.update(&id, |loc| {
            loc.calling.outgoing_permission = Some(current);
        })?;
        Ok(no_content())
    })
}
