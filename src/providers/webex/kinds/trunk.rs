//! `Trunk`: a premises PSTN trunk (`/telephony/config/premisePstn/trunks`). Lookup by name.
//! The password is write-only: Webex never returns it and every PUT needs it.

use super::common::{id_for, new_id, pick, str_at};
use crate::model::LiveObject;
use crate::providers::webex::client::WebexClient;
use crate::providers::{DiffRules, IdIndex, KindInfo, ProviderError, Steps, WriteRequest};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A premises PSTN trunk.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrunkSpec {
    /// Unique trunk name; the lookup key.
    #[schemars(length(min = 1, max = 64))]
    pub name: String,
    /// The Location the trunk belongs to (manifest name, or the name of a live location).
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
    #[schemars(range(min = 1))]
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
    spec_schema: || schemars::schema_for!(TrunkSpec),
    ref_fields: &[("locationRef", "Location")],
    natural_key: |spec| spec["name"].as_str().unwrap_or_default().to_string(),
    steps: Steps {
        lookup: "trunk_lookup",
        create: "trunk_create",
        update: "trunk_update",
    },
    singleton: false,
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
};

fn from_list_item(ids: &IdIndex, item: &Value) -> Option<LiveObject> {
    let id = item.get("id")?.as_str()?.to_string();
    let name = item.get("name")?.as_str()?.to_string();
    let mut state = pick(item, &["name", "trunkType"]);
    let location_id = str_at(item, "/location/id");
    let location = ids
        .key_of("Location", location_id)
        .unwrap_or(str_at(item, "/location/name"));
    state.insert("locationRef".into(), Value::String(location.to_string()));
    Some(LiveObject {
        kind: KIND.into(),
        key: name,
        id,
        state: Value::Object(state),
    })
}

fn add_detail(live: &mut LiveObject, detail: &Value) {
    if let Value::Object(state) = &mut live.state {
        state.extend(pick(detail, DETAIL_FIELDS));
    }
}

/// All trunks; detail (one GET each) only for the keys `wants_detail` accepts.
pub async fn list(
    client: &WebexClient,
    ids: &IdIndex,
    name: Option<&str>,
    wants_detail: impl Fn(&str) -> bool,
) -> Result<Vec<LiveObject>, ProviderError> {
    let query: Vec<(&str, &str)> = name.map(|n| vec![("name", n)]).unwrap_or_default();
    let items = client.list(PATH, &query, "trunks").await?;
    let mut out: Vec<LiveObject> = items
        .iter()
        .filter_map(|i| from_list_item(ids, i))
        .collect();
    for (i, detail) in super::fetch_details(client, PATH, &out, wants_detail).await? {
        add_detail(&mut out[i], &detail);
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

pub async fn create(
    client: &WebexClient,
    ids: &IdIndex,
    request: &WriteRequest,
) -> Result<String, ProviderError> {
    let mut body = pick(&request.spec, CREATE_FIELDS);
    body.insert(
        "locationId".into(),
        Value::String(id_for(
            ids,
            "Location",
            str_at(&request.spec, "/locationRef"),
        )?),
    );
    new_id(&client.post(PATH, &Value::Object(body)).await?, KIND)
}

pub async fn update(
    client: &WebexClient,
    request: &WriteRequest,
    live: &LiveObject,
) -> Result<(), ProviderError> {
    let body: Map<String, Value> = pick(&request.spec, UPDATE_FIELDS);
    client
        .put(&format!("{PATH}/{}", live.id), &Value::Object(body))
        .await
        .map(|_| ())
}
