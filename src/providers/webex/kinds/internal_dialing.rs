//! `LocationInternalDialing`: a location's routing of unknown extensions
//! (`/telephony/config/locations/{loc}/internalDialing`). A singleton: it exists whenever the
//! location does, so it is only ever updated.

use super::common::{
    ROUTE_REFS, RouteChoice, id_for, input_key, route_choice, route_identity, str_at,
};
use crate::model::LiveObject;
use crate::providers::kind::Operation;
use crate::providers::webex::client::WebexClient;
use crate::providers::{
    Change, DiffRules, IdIndex, Kind, KindInfo, ProviderError, Scope, Shape, Step,
};
use futures::future::BoxFuture;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Internal dialing of a location: where calls to unknown extensions go.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InternalDialingSpec {
    /// The Location whose internal dialing this is.
    #[schemars(length(min = 1, max = 256), regex(pattern = r"\S"))]
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
    aliases: &[],
    spec_schema: || schemars::schema_for!(InternalDialingSpec),
    ref_fields: ROUTE_REFS_WITH_LOCATION,
    natural_key: |spec| spec["locationRef"].as_str().unwrap_or_default().to_string(),
    shape: Shape::Singleton,
    lookup_step: "internal_dialing_read",
    diff_rules: DiffRules {
        immutable: &["/locationRef"],
        parent: Some(("locationRef", "Location")),
        ..DiffRules::NONE
    },
    provides: None,
};

const ROUTE_REFS_WITH_LOCATION: &[(&str, &str)] =
    &[("locationRef", "Location"), ROUTE_REFS[0], ROUTE_REFS[1]];

pub struct InternalDialing;

fn path(location_id: &str) -> String {
    format!("/telephony/config/locations/{location_id}/internalDialing")
}

async fn read(
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
    Ok(LiveObject::new(KIND, location_key, location_id, state))
}

impl Kind<WebexClient> for InternalDialing {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    /// One read per location the scope wants (its key is the location's).
    fn observe<'a>(
        &'a self,
        client: &'a WebexClient,
        scope: &'a Scope,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Vec<LiveObject>, ProviderError>> {
        Box::pin(async move {
            let locations = super::locations_in_scope(ids, scope);
            super::fetch_all(
                locations
                    .iter()
                    .map(|(key, id)| read(client, ids, id, key))
                    .collect(),
            )
            .await
        })
    }

    fn steps(&self, change: &Change<'_>) -> Result<Vec<Step>, crate::providers::Blocked> {
        let spec = match change.operation {
            Operation::Create | Operation::Update => json!({
                "enableUnknownExtensionRoutePolicy": change.desired["enableUnknownExtensionRoutePolicy"],
                "unknownExtensionRouteIdentity": change.desired.get("unknownExtensionRouteIdentity").cloned().unwrap_or(Value::Null),
            }),
            // A singleton is never deleted: its owner no longer wants it, so it goes back to
            // the default (unknown extensions are not routed).
            Operation::Delete => json!({"enableUnknownExtensionRoutePolicy": false}),
        };
        let name = match change.operation {
            Operation::Delete => "internal_dialing_reset",
            _ => "internal_dialing_update",
        };
        Ok(vec![Step::new(
            name,
            json!({"key": change.key, "spec": spec}),
        )])
    }

    fn run<'a>(
        &'a self,
        client: &'a WebexClient,
        step: &'a Step,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Option<String>, ProviderError>> {
        Box::pin(async move {
            match step.name.as_str() {
                "internal_dialing_update" | "internal_dialing_reset" => {
                    let location = id_for(ids, "Location", input_key(step))?;
                    let spec = &step.input["spec"];
                    let mut body = json!({
                        "enableUnknownExtensionRoutePolicy": spec["enableUnknownExtensionRoutePolicy"],
                    });
                    if let Some(choice) = spec
                        .get("unknownExtensionRouteIdentity")
                        .filter(|v| v.is_object())
                    {
                        let (id, route_type) = route_identity(ids, choice)?;
                        body["unknownExtensionRouteIdentity"] =
                            json!({"id": id, "type": route_type});
                    }
                    client.put(&path(&location), &body).await?;
                    Ok(Some(location))
                }
                other => Err(super::unknown_step(KIND, other)),
            }
        })
    }
}
