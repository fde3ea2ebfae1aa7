//! The Webex kinds, one file each: spec type (→ JSON Schema), natural key, wire mapping. A new
//! kind is its file, its `mod` line and its line in `KINDS`, all in this folder.

pub mod call_settings;
pub mod common;
pub mod dial_plan;
pub mod internal_dialing;
pub mod license;
pub mod location;
pub mod location_calling;
pub mod location_numbers;
pub mod number;
pub mod person;
pub mod person_requests;
pub mod route_group;
pub mod schedule;
pub mod trunk;
pub mod user_calling;
pub mod workspace;
pub mod workspace_settings;

use crate::providers::webex::client::WebexClient;
use crate::providers::{ErrorClass, Kind, ProviderError};
use futures::{StreamExt, stream};
use std::future::Future;

/// Every Webex kind, one line each. Order does not matter: observation is ordered by the
/// kinds' references, writes by the objects'.
pub static KINDS: &[&dyn Kind<WebexClient>] = &[
    &location::Location,
    &person::Person,
    &trunk::Trunk,
    &route_group::RouteGroup,
    &dial_plan::DialPlan,
    &schedule::Schedule,
    &internal_dialing::InternalDialing,
    &license::License,
    &user_calling::UserCalling,
    &location_calling::LocationCalling,
    &location_numbers::LocationNumbers,
    &number::Number,
    &workspace::Workspace,
];

/// How many detail reads of one list run at once.
pub const DETAIL_CONCURRENCY: usize = 8;

/// Run the futures with bounded concurrency, keeping their order; the first error wins.
pub async fn fetch_all<T, F>(futures: Vec<F>) -> Result<Vec<T>, ProviderError>
where
    F: Future<Output = Result<T, ProviderError>>,
{
    stream::iter(futures)
        .buffered(DETAIL_CONCURRENCY)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

/// The detail view (`{path}/{id}`) of each listed object whose key `wants_detail` accepts,
/// paired with the object's index in `objects`.
pub async fn fetch_details(
    client: &crate::providers::webex::client::WebexClient,
    path: &str,
    objects: &[crate::model::LiveObject],
    wants_detail: impl Fn(&str) -> bool,
) -> Result<Vec<(usize, serde_json::Value)>, ProviderError> {
    let wanted: Vec<usize> = (0..objects.len())
        .filter(|&i| wants_detail(&objects[i].key))
        .collect();
    let details = fetch_all(
        wanted
            .iter()
            .map(|&i| client.get_owned(format!("{path}/{}", objects[i].id)))
            .collect(),
    )
    .await?;
    Ok(wanted.into_iter().zip(details).collect())
}

/// The `(key, id)` of each location a singleton of a location is wanted for (its key is the
/// location's): observed, under a wanted parent, and wanted in detail.
pub fn locations_in_scope(
    ids: &crate::providers::IdIndex,
    scope: &crate::providers::Scope,
) -> Vec<(String, String)> {
    ids.all_of("Location")
        .filter(|(key, _)| scope.wants_parent(key) && scope.wants_detail(key))
        .map(|(k, id)| (k.to_string(), id.to_string()))
        .collect()
}

/// At most this many keys are read one filtered list call each; more are read as the whole
/// paginated list (1,000 a page), which then costs fewer requests.
pub const LOOKUPS_BEFORE_LISTING: usize = 20;

/// The items for the keys `scope` wants in detail: `read(Some(key))` for each of a few keys,
/// else `read(None)` once for the whole list. Callers still filter by `scope.wants`.
pub async fn read_by_keys<'s, T, F, Fut>(
    scope: &'s crate::providers::Scope,
    read: F,
) -> Result<Vec<T>, ProviderError>
where
    F: Fn(Option<&'s str>) -> Fut,
    Fut: Future<Output = Result<Vec<T>, ProviderError>>,
{
    match scope.detail_keys() {
        Some(keys) if keys.len() <= LOOKUPS_BEFORE_LISTING => Ok(fetch_all(
            keys.iter().map(|k| read(Some(k.as_str()))).collect(),
        )
        .await?
        .into_iter()
        .flatten()
        .collect()),
        _ => read(None).await,
    }
}

/// A step name this kind does not know: a plan from another version, or a bug.
pub fn unknown_step(kind: &str, step: &str) -> ProviderError {
    ProviderError::new(
        ErrorClass::Local,
        format!("{kind} has no step `{step}` (was the plan made by another version?)"),
    )
}

/// The objects of one list call (filtered by name when the scope is a lookup of one key) that
/// the scope wants, each made by `to_live` from its list item.
pub async fn list_in_scope(
    client: &WebexClient,
    path: &str,
    name_param: &str,
    wrapper: &str,
    scope: &crate::providers::Scope,
    to_live: impl Fn(&serde_json::Value) -> Option<crate::model::LiveObject>,
) -> Result<Vec<crate::model::LiveObject>, ProviderError> {
    let query: Vec<(&str, &str)> = scope
        .single_key()
        .map(|n| vec![(name_param, n)])
        .unwrap_or_default();
    let items = client.list(path, &query, wrapper).await?;
    Ok(items
        .iter()
        .filter_map(to_live)
        .filter(|o| scope.wants(&o.key))
        .collect())
}

/// `DELETE {path}/{id}` of the object a step names by key.
pub async fn delete_by_key(
    client: &WebexClient,
    ids: &crate::providers::IdIndex,
    kind: &str,
    path: &str,
    step: &crate::providers::Step,
) -> Result<Option<String>, ProviderError> {
    let id = common::id_for(ids, kind, common::input_key(step))?;
    client.delete(&format!("{path}/{id}")).await?;
    Ok(None)
}
