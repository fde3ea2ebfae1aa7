//! `Trunk`: a premises PSTN trunk (`/telephony/config/premisePstn/trunks`). Lookup by name.
//! The password is write-only: Webex never returns it and every PUT needs it.

use super::common::{id_for, input_key, new_id, pick, str_at};
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

/// A premises PSTN trunk.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrunkSpec {
    /// Unique trunk name; the lookup key.
    #[schemars(length(min = 1, max = 64), regex(pattern = r"\S"))]
    pub name: String,
    /// The Location the trunk belongs to (manifest name, or the name of a live location).
    #[schemars(length(min = 1, max = 256), regex(pattern = r"\S"))]
    pub location_ref: String,
    /// SIP password. Must be a secret template such as `${env:TRUNK_PASSWORD}`; never printed.
    #[schemars(regex(pattern = r"^\$\{env:[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$"))]
    pub password: String,
    pub trunk_type: TrunkType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dual_identity_support_enabled: Option<bool>,
    /// e.g. `Cisco Unified Border Element`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_type: Option<String>,
    /// SBC address (CERTIFICATE_BASED trunks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1000))]
    pub max_concurrent_calls: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_charge_info_support_policy: Option<PChargeInfoSupportPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_identity: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TrunkType {
    Registering,
    CertificateBased,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PChargeInfoSupportPolicy {
    Disabled,
    AssertedIdentity,
    ConfigurableChargeNumber,
}

pub const KIND: &str = "Trunk";
const PATH: &str = "/telephony/config/premisePstn/trunks";
const DETAIL_FIELDS: &[&str] = &[
    "dualIdentitySupportEnabled",
    "deviceType",
    "address",
    "domain",
    "port",
    "maxConcurrentCalls",
    "pChargeInfoSupportPolicy",
    "peerIdentity",
];
const CREATE_FIELDS: &[&str] = &[
    "name",
    "password",
    "trunkType",
    "dualIdentitySupportEnabled",
    "deviceType",
    "address",
    "domain",
    "port",
    "maxConcurrentCalls",
    "pChargeInfoSupportPolicy",
    "peerIdentity",
];
const UPDATE_FIELDS: &[&str] = &[
    "name",
    "password",
    "dualIdentitySupportEnabled",
    "maxConcurrentCalls",
    "pChargeInfoSupportPolicy",
];

pub static INFO: KindInfo = KindInfo {
    kind: KIND,
    provider: "webex",
    description: "A premises PSTN trunk (registering or certificate based).",
    aliases: &[],
    spec_schema: || schemars::schema_for!(TrunkSpec),
    ref_fields: &[("locationRef", "Location")],
    natural_key: |spec| spec["name"].as_str().unwrap_or_default().to_string(),
    shape: Shape::Object,
    lookup_step: "trunk_lookup",
    diff_rules: DiffRules {
        write_only: &["/password"],
        immutable: &[
            "/locationRef",
            "/trunkType",
            "/deviceType",
            "/address",
            "/domain",
            "/port",
            "/peerIdentity",
        ],
        ..DiffRules::NONE
    },
    provides: None,
};

pub struct Trunk;

fn from_list_item(ids: &IdIndex, item: &Value) -> Option<LiveObject> {
    let id = item.get("id")?.as_str()?.to_string();
    let name = item.get("name")?.as_str()?.to_string();
    let mut state = pick(item, &["name", "trunkType"]);
    let location_id = str_at(item, "/location/id");
    let location = ids
        .key_of("Location", location_id)
        .unwrap_or(str_at(item, "/location/name"));
    state.insert("locationRef".into(), Value::String(location.to_string()));
    Some(LiveObject::new(KIND, name, id, Value::Object(state)))
}

impl Kind<WebexClient> for Trunk {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    /// One list call; a detail GET only for the keys the scope wants in detail.
    fn observe<'a>(
        &'a self,
        client: &'a WebexClient,
        scope: &'a Scope,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Vec<LiveObject>, ProviderError>> {
        Box::pin(async move {
            let mut out = super::list_in_scope(client, PATH, "name", "trunks", scope, |i| {
                from_list_item(ids, i)
            })
            .await?;
            for (i, detail) in
                super::fetch_details(client, PATH, &out, |k| scope.wants_detail(k)).await?
            {
                if let Value::Object(state) = &mut out[i].state {
                    state.extend(pick(&detail, DETAIL_FIELDS));
                }
            }
            Ok(out)
        })
    }

    fn steps(&self, change: &Change<'_>) -> Result<Vec<Step>, crate::providers::Blocked> {
        let spec = change.desired;
        Ok(vec![match change.operation {
            Operation::Create => Step::new(
                "trunk_create",
                json!({"body": pick(spec, CREATE_FIELDS), "locationRef": spec["locationRef"]}),
            )
            .creating(),
            Operation::Update => Step::new(
                "trunk_update",
                json!({"key": change.key, "body": pick(spec, UPDATE_FIELDS)}),
            ),
            Operation::Delete => Step::new("trunk_delete", json!({"key": change.key})),
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
                "trunk_create" => {
                    let mut body = step.input["body"].clone();
                    let location = id_for(ids, "Location", str_at(&step.input, "/locationRef"))?;
                    body["locationId"] = Value::String(location);
                    Ok(Some(new_id(&client.post(PATH, &body).await?, KIND)?))
                }
                "trunk_update" => {
                    let id = id_for(ids, KIND, input_key(step))?;
                    client
                        .put(&format!("{PATH}/{id}"), &step.input["body"])
                        .await?;
                    Ok(None)
                }
                "trunk_delete" => super::delete_by_key(client, ids, KIND, PATH, step).await,
                other => Err(super::unknown_step(KIND, other)),
            }
        })
    }
}
