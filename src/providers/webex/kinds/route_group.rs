//! `RouteGroup`: up to 10 trunks with priorities (`/telephony/config/premisePstn/routeGroups`).
//! Lookup by name; the gateway list lives only in the detail view.

use super::common::{id_for, input_key, new_id, str_at};
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

/// A route group: an ordered set of trunks (local gateways).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteGroupSpec {
    /// Unique route group name; the lookup key.
    #[schemars(length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub name: String,
    /// The trunks, each with its priority (1 = first). Webex allows at most 10.
    #[schemars(length(min = 1, max = 10))]
    pub local_gateways: Vec<LocalGateway>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LocalGateway {
    /// A Trunk (manifest name, or the name of a live trunk).
    #[schemars(length(min = 1, max = 256), regex(pattern = r"\S"))]
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
    aliases: &[],
    spec_schema: || schemars::schema_for!(RouteGroupSpec),
    ref_fields: &[("trunkRef", "Trunk")],
    natural_key: |spec| spec["name"].as_str().unwrap_or_default().to_string(),
    shape: Shape::Object,
    lookup_step: "route_group_lookup",
    diff_rules: DiffRules {
        unordered_lists: &[("/localGateways", "trunkRef")],
        ..DiffRules::NONE
    },
    provides: None,
};

pub struct RouteGroup;

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

/// The wire body: trunks by id, which only exist once the trunks do (so this runs at apply).
fn wire_body(ids: &IdIndex, spec: &Value) -> Result<Value, ProviderError> {
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

impl Kind<WebexClient> for RouteGroup {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    /// The gateway list lives only in the detail view.
    fn observe<'a>(
        &'a self,
        client: &'a WebexClient,
        scope: &'a Scope,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Vec<LiveObject>, ProviderError>> {
        Box::pin(async move {
            let mut out = super::list_in_scope(client, PATH, "name", "routeGroups", scope, |i| {
                let id = i.get("id")?.as_str()?.to_string();
                let name = i.get("name")?.as_str()?.to_string();
                Some(LiveObject::new(
                    KIND,
                    name.clone(),
                    id,
                    json!({"name": name}),
                ))
            })
            .await?;
            for (i, detail) in
                super::fetch_details(client, PATH, &out, |k| scope.wants_detail(k)).await?
            {
                out[i].state["localGateways"] = gateways_from_wire(ids, &detail);
            }
            Ok(out)
        })
    }

    fn steps(&self, change: &Change<'_>) -> Result<Vec<Step>, crate::providers::Blocked> {
        let spec = json!({"name": change.desired["name"], "localGateways": change.desired["localGateways"]});
        Ok(vec![match change.operation {
            Operation::Create => Step::new("route_group_create", json!({"spec": spec})).creating(),
            Operation::Update => Step::new(
                "route_group_update",
                json!({"key": change.key, "spec": spec}),
            ),
            Operation::Delete => Step::new("route_group_delete", json!({"key": change.key})),
        }])
    }

    fn run<'a>(
        &'a self,
        client: &'a WebexClient,
        step: &'a Step,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Option<String>, ProviderError>> {
        Box::pin(async move {
            match step.name.as_str() {
                "route_group_create" => {
                    let body = wire_body(ids, &step.input["spec"])?;
                    Ok(Some(new_id(&client.post(PATH, &body).await?, KIND)?))
                }
                "route_group_update" => {
                    let id = id_for(ids, KIND, input_key(step))?;
                    let body = wire_body(ids, &step.input["spec"])?;
                    client.put(&format!("{PATH}/{id}"), &body).await?;
                    Ok(None)
                }
                "route_group_delete" => super::delete_by_key(client, ids, KIND, PATH, step).await,
                other => Err(super::unknown_step(KIND, other)),
            }
        })
    }
}
