//! `Location`: a Webex location (`/locations`). Lookup by name.

use super::common::{new_id, pick};
use crate::model::LiveObject;
use crate::providers::webex::client::WebexClient;
use crate::providers::{DiffRules, KindInfo, ProviderError, Steps, WriteRequest};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A Webex location. Field names are the Webex API's own.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LocationSpec {
    /// Unique location name; the lookup key. At most 80 characters for calling locations.
    #[schemars(length(min = 1, max = 80))]
    pub name: String,
    /// IANA time zone, e.g. `Europe/Madrid`.
    #[schemars(length(min = 1))]
    pub time_zone: String,
    /// e.g. `es_es`, `en_us`.
    #[schemars(length(min = 2))]
    pub preferred_language: String,
    #[schemars(length(min = 2))]
    pub announcement_language: String,
    pub address: Address,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Address {
    #[schemars(length(min = 1))]
    pub address1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address2: Option<String>,
    #[schemars(length(min = 1))]
    pub city: String,
    pub state: String,
    pub postal_code: String,
    /// ISO-3166 alpha-2 country code, e.g. `ES`.
    #[schemars(regex(pattern = r"^[A-Z]{2}$"))]
    pub country: String,
}

pub const KIND: &str = "Location";
const FIELDS: &[&str] = &[
    "name",
    "timeZone",
    "preferredLanguage",
    "announcementLanguage",
    "address",
    "latitude",
    "longitude",
    "notes",
];

pub static INFO: KindInfo = KindInfo {
    kind: KIND,
    provider: "webex",
    description: "A Webex location (name, time zone, languages, address).",
    spec_schema: || schemars::schema_for!(LocationSpec),
    ref_fields: &[],
    natural_key: |spec| spec["name"].as_str().unwrap_or_default().to_string(),
    steps: Steps {
        lookup: "location_lookup",
        create: "location_create",
        update: "location_update",
    },
    singleton: false,
    diff_rules: DiffRules {
        case_insensitive: &["/address/country"],
        ..DiffRules::NONE
    },
};

pub fn to_live(item: &Value) -> Option<LiveObject> {
    let id = item.get("id")?.as_str()?.to_string();
    let name = item.get("name")?.as_str()?.to_string();
    Some(LiveObject {
        kind: KIND.into(),
        key: name,
        id,
        state: Value::Object(pick(item, FIELDS)),
    })
}

pub async fn list(
    client: &WebexClient,
    name: Option<&str>,
) -> Result<Vec<LiveObject>, ProviderError> {
    let query: Vec<(&str, &str)> = name.map(|n| vec![("name", n)]).unwrap_or_default();
    let items = client.list("/locations", &query, "items").await?;
    Ok(items.iter().filter_map(to_live).collect())
}

pub async fn lookup(client: &WebexClient, key: &str) -> Result<Option<LiveObject>, ProviderError> {
    Ok(super::exactly(list(client, Some(key)).await?, key))
}

pub async fn create(client: &WebexClient, request: &WriteRequest) -> Result<String, ProviderError> {
    let body = Value::Object(pick(&request.spec, FIELDS));
    new_id(&client.post("/locations", &body).await?, KIND)
}

pub async fn update(
    client: &WebexClient,
    request: &WriteRequest,
    live: &LiveObject,
) -> Result<(), ProviderError> {
    let body = Value::Object(pick(&request.spec, FIELDS));
    client
        .put(&format!("/locations/{}", live.id), &body)
        .await
        .map(|_| ())
}
