//! `RouteGroup`: up to 10 trunks with priorities (`/telephony/config/premisePstn/routeGroups`).
//! Lookup by name; the gateway list lives only in the detail view.

use super::common::{id_for, new_id, str_at};
use crate::model::LiveObject;
use crate::providers::webex::client::WebexClient;
use crate::providers::{DiffRules, IdIndex, KindInfo, ProviderError, Steps, WriteRequest};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A route group: an ordered set of trunks (local gateways).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteGroupSpec {
    /// Unique route group name; the lookup key.
    #[schemars(length(min = 1, max = 64))]
    pub name: String,
    /// The trunks, each with its priority (1 = first). Webex allows at most 10.
    #[schemars(length(min = 1, max = 10))]
    pub local_gateways: Vec<LocalGateway>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LocalGateway {
    /// A Trunk (manifest name, or the name of a live trunk).
    pub trunk_ref: String,
    #[schemars(range(min = 1, max = 10))]
    pub priority: u32,
}

pub const KIND: &str = "RouteGroup";
const PATH: &str = "/telephony/config/premisePstn/routeGroups";

pub static INFO: KindInfo = KindInfo {
    kind: KIND,
    provider: "webex",
    description: "A premises PSTN route group: up to 10 trunks with priorities.",
    spec_schema: || schemars::schema_for!(RouteGroupSpec),
    ref_fields: &[("trunkRef", "Trunk")],
    natural_key: |spec| spec["name"].as_str().unwrap_or_default().to_string(),
    steps: Steps {
        lookup: "route_group_lookup",
        create: "route_group_create",
        update: "route_group_update",
    },
    singleton: false,
    diff_rules: DiffRules {
        unordered_lists: &[("/localGateways", "trunkRef")],
        ..DiffRules::NONE
    },
};

fn gateways_from_wire(ids: &IdIndex, detail: &Value) -> Value {
    let gateways = detail
        .get("localGateways")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Value::Array(
        gateways
            .iter()
            .map(|g| {
                let id = str_at(g, "/id");
                let trunk = ids.key_of("Trunk", id).unwrap_or(str_at(g, "/name"));
                json!({"trunkRef": trunk, "priority": g.get("priority").cloned().unwrap_or(Value::Null)})
            })
            .collect(),
    )
}

pub async fn list(
    client: &WebexClient,
    ids: &IdIndex,
    name: Option<&str>,
    wants_detail: impl Fn(&str) -> bool,
) -> Result<Vec<LiveObject>, ProviderError> {
    let query: Vec<(&str, &str)> = name.map(|n| vec![("name", n)]).unwrap_or_default();
    let items = client.list(PATH, &query, "routeGroups").await?;
    let mut out: Vec<LiveObject> = items
        .iter()
        .filter_map(|i| {
            let id = i.get("id")?.as_str()?.to_string();
            let name = i.get("name")?.as_str()?.to_string();
            Some(LiveObject {
                kind: KIND.into(),
                key: name.clone(),
                id,
                state: json!({"name": name}),
            })
        })
        .collect();
    for (i, detail) in super::fetch_details(client, PATH, &out, wants_detail).await? {
        out[i].state["localGateways"] = gateways_from_wire(ids, &detail);
    }
    Ok(out)
}

pub async fn lookup(
    client: &WebexClient,
    ids: &IdIndex,
    key: &str,
) -> Result<Option<LiveObject>, ProviderError> {
    Ok(super::exactly(
        list(client, ids, Some(key), |k| k == key).await?,
        key,
    ))
}

fn body(ids: &IdIndex, spec: &Value) -> Result<Value, ProviderError> {
    let mut gateways = Vec::new();
    for g in spec
        .get("localGateways")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let id = id_for(ids, "Trunk", str_at(g, "/trunkRef"))?;
        gateways
            .push(json!({"id": id, "priority": g.get("priority").cloned().unwrap_or(json!(1))}));
    }
    Ok(json!({"name": spec["name"], "localGateways": gateways}))
}

pub async fn create(
    client: &WebexClient,
    ids: &IdIndex,
    request: &WriteRequest,
) -> Result<String, ProviderError> {
    new_id(&client.post(PATH, &body(ids, &request.spec)?).await?, KIND)
}

pub async fn update(
    client: &WebexClient,
    ids: &IdIndex,
    request: &WriteRequest,
    live: &LiveObject,
) -> Result<(), ProviderError> {
    client
        .put(&format!("{PATH}/{}", live.id), &body(ids, &request.spec)?)
        .await
        .map(|_| ())
}
