//! Route table: every resource module contributes its paths under `/v1`; unknown paths answer 404
//! and known paths with the wrong method 405, both with Webex error bodies.

use std::sync::Arc;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};

use switchboard_sandbox_kit::{FaultLayer, Store, inject};

use crate::errors::{ApiError, ApiResult};
use crate::fields::Fields;
use crate::http;
use crate::model::{Org, RouteKind, RouteRef};

pub(crate) mod call_settings;
mod calling_locations;
mod dial_patterns;
mod dial_plans;
mod executive;
mod internal_dialing;
mod license_assign;
mod licenses;
mod location_numbers;
mod location_permissions;
mod locations;
mod numbers;
mod people;
mod person_body;
mod person_features;
pub(crate) mod person_setting_bodies;
pub(crate) mod pstn;
mod route_groups;
mod schedule_body;
mod schedules;
mod trunks;
mod workspace_body;
mod workspace_features;
mod workspaces;

pub type Shared = Arc<Store<Org>>;

/// The `/v1` API. Layers, outermost first: tracking ids and error bodies, the kit's fault injection
/// (and the request counters), auth and `orgId`.
pub fn router(store: Shared, org_id: Arc<str>, faults: FaultLayer) -> Router {
    let api = Router::new()
        .merge(locations::routes())
        .merge(calling_locations::routes())
        .merge(internal_dialing::routes())
        .merge(location_numbers::routes())
        .merge(location_permissions::routes())
        .merge(pstn::routes())
        .merge(people::routes())
        .merge(person_features::routes())
        .merge(executive::routes())
        .merge(licenses::routes())
        .merge(license_assign::routes())
        .merge(numbers::routes())
        .merge(trunks::routes())
        .merge(route_groups::routes())
        .merge(dial_plans::routes())
        .merge(schedules::routes())
        .merge(workspaces::routes())
        .merge(workspace_features::routes())
        .method_not_allowed_fallback(http::method_not_allowed);
    Router::new()
        .nest("/v1", api)
        .fallback(http::not_found)
        .layer(from_fn_with_state(org_id, http::gate))
        .layer(from_fn_with_state(faults, inject))
        .layer(from_fn(http::tracking))
        .with_state(store)
}

/// A route choice given as an id field plus a `ROUTE_GROUP`/`TRUNK` type field. Whether it exists
/// is checked later, under the store lock (`Org::check_route`).
fn route_ref(f: &Fields<'_>, id_key: &str, type_key: &str) -> ApiResult<RouteRef> {
    let raw = f.req_enum(type_key, RouteKind::WIRE_VALUES)?;
    let kind = RouteKind::parse(&raw)
        .ok_or_else(|| ApiError::invalid(format!("{type_key} is invalid")))?;
    Ok(RouteRef {
        id: f.req_str(id_key)?,
        kind,
    })
}
