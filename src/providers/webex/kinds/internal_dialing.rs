//! `LocationInternalDialing`: a location's routing of unknown extensions
//! (`/telephony/config/locations/{loc}/internalDialing`). A singleton: it exists whenever the
//! location does, so it is only ever updated.

use super::common::{ROUTE_REFS, RouteChoice, id_for, route_choice, route_identity, str_at};
use crate::model::LiveObject;
use crate::providers::webex::client::WebexClient;
use crate::providers::{DiffRules, IdIndex, KindInfo, ProviderError, Steps, WriteRequest};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Internal dialing of a location: where calls to unknown extensions go.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InternalDialingSpec {
    /// The Location whose internal dialing this is.
    pub location_ref: String,
    pub enable_unknown_extension_route_policy: bool,
    /// The trunk or route group for unknown extensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_extension_route_identity: Option<RouteChoice>,
}

pub const KIND: &str = "LocationInternalDialing";

pub static INFO: KindInfo = KindInfo {
    kind: KIND,
    provider: "webex",
    description: "A location's internal dialing: the route for unknown extensions.",
    spec_schema: || schemars::schema_for!(InternalDialingSpec),
    ref_fields: ROUTE_REFS_WITH_LOCATION,
    natural_key: |spec| spec["locationRef"].as_str().unwrap_or_default().to_string(),
    steps: Steps {
        lookup: "location_lookup",
        create: "internal_dialing_update",
        update: "internal_dialing_update",
    },
    singleton: true,
    diff_rules: DiffRules {
        immutable: &["/locationRef"],
        ..DiffRules::NONE
    },
};

const ROUTE_REFS_WITH_LOCATION: &[(&str, &str)] =
    &[("locationRef", "Location"), ROUTE_REFS[0], ROUTE_REFS[1]];

fn path(location_id: &str) -> String {
    format!("/telephony/config/locations/{location_id}/internalDialing")
}

pub async fn read(
    client: &WebexClient,
    ids: &IdIndex,
    location_id: &str,
    location_key: &str,
) -> Result<LiveObject, ProviderError> {
    let wire = client.get(&path(location_id), &[]).await?;
    let mut state = json!({
        "locationRef": location_key,
        "enableUnknownExtensionRoutePolicy": wire.get("enableUnknownExtensionRoutePolicy").cloned().unwrap_or(json!(false)),
    });
    if let Some(identity) = wire
        .get("unknownExtensionRouteIdentity")
        .filter(|v| v.is_object())
        && let Some(choice) = route_choice(
            ids,
            str_at(identity, "/type"),
            str_at(identity, "/id"),
            str_at(identity, "/name"),
        )
    {
        state["unknownExtensionRouteIdentity"] = choice;
    }
    Ok(LiveObject {
        kind: KIND.into(),
        key: location_key.to_string(),
        id: location_id.to_string(),
        state,
    })
}

pub async fn lookup(
    client: &WebexClient,
    ids: &IdIndex,
    key: &str,
) -> Result<Option<LiveObject>, ProviderError> {
    match ids.id_of("Location", key) {
        Some(location_id) => Ok(Some(read(client, ids, location_id, key).await?)),
        None => Ok(None),
    }
}

pub async fn update(
    client: &WebexClient,
    ids: &IdIndex,
    request: &WriteRequest,
) -> Result<(), ProviderError> {
    let location_id = id_for(ids, "Location", str_at(&request.spec, "/locationRef"))?;
    let mut body = json!({
        "enableUnknownExtensionRoutePolicy": request.spec["enableUnknownExtensionRoutePolicy"],
    });
    if let Some(choice) = request
        .spec
        .get("unknownExtensionRouteIdentity")
        .filter(|v| v.is_object())
    {
        let (id, route_type) = route_identity(ids, choice)?;
        body["unknownExtensionRouteIdentity"] = json!({"id": id, "type": route_type});
    }
    client.put(&path(&location_id), &body).await.map(|_| ())
}
