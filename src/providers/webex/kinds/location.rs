//! `Location`: a Webex location (`/locations`). Lookup by name.

use super::common::{id_for, input_key, new_id, pick};
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

/// A Webex location. Field names are the Webex API's own.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LocationSpec {
    /// Unique location name; the lookup key. At most 80 characters for calling locations.
    #[schemars(length(min = 1, max = 80), regex(pattern = r"\S"))]
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
const PATH: &str = "/locations";
/// What PUT /locations takes; only the changed ones are sent (reference §2.1).
const UPDATE_FIELDS: &[&str] = &[
    "name",
    "timeZone",
    "preferredLanguage",
    "address",
    "latitude",
    "longitude",
    "notes",
];
const CALLING_PATH: &str = "/telephony/config/locations";
/// What enabling Webex Calling on a location takes, besides its id.
const CALLING_FIELDS: &[&str] = &[
    "name",
    "timeZone",
    "preferredLanguage",
    "announcementLanguage",
    "address",
];
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
    aliases: &[],
    spec_schema: || schemars::schema_for!(LocationSpec),
    ref_fields: &[],
    natural_key: |spec| spec["name"].as_str().unwrap_or_default().to_string(),
    shape: Shape::Object,
    lookup_step: "location_lookup",
    diff_rules: DiffRules {
        case_insensitive: &["/address/country"],
        ..DiffRules::NONE
    },
    provides: None,
};

pub struct Location;

pub fn to_live(item: &Value) -> Option<LiveObject> {
    let id = item.get("id")?.as_str()?.to_string();
    let name = item.get("name")?.as_str()?.to_string();
    Some(LiveObject::new(
        KIND,
        name,
        id,
        Value::Object(pick(item, FIELDS)),
    ))
}

impl Kind<WebexClient> for Location {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn observe<'a>(
        &'a self,
        client: &'a WebexClient,
        scope: &'a Scope,
        _ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Vec<LiveObject>, ProviderError>> {
        Box::pin(async move {
            super::list_in_scope(client, PATH, "name", "items", scope, to_live).await
        })
    }

    /// A create is the common location, then Webex Calling enabled on it. An update sends
    /// only the changed fields PUT /locations takes; the announcement language belongs to the
    /// calling side and goes there.
    fn steps(&self, change: &Change<'_>) -> Result<Vec<Step>, crate::providers::Blocked> {
        let key = change.key;
        Ok(match change.operation {
            Operation::Create => vec![
                Step::new(
                    "location_create",
                    json!({"body": pick(change.desired, FIELDS)}),
                )
                .creating(),
                Step::new(
                    "location_calling_enable",
                    json!({"key": key, "body": pick(change.desired, CALLING_FIELDS)}),
                ),
            ],
            Operation::Update => {
                let changed: Vec<&str> = UPDATE_FIELDS
                    .iter()
                    .copied()
                    .filter(|f| change.touches(&format!("/{f}")))
                    .collect();
                let mut steps = Vec::new();
                if !changed.is_empty() {
                    let body = pick(change.desired, &changed);
                    steps.push(Step::new(
                        "location_update",
                        json!({"key": key, "body": body}),
                    ));
                }
                if change.touches("/announcementLanguage") {
                    let body = pick(change.desired, &["announcementLanguage"]);
                    steps.push(Step::new(
                        "location_calling_update",
                        json!({"key": key, "body": body}),
                    ));
                }
                steps
            }
            Operation::Delete => vec![Step::new("location_delete", json!({"key": key}))],
        })
    }

    fn run<'a>(
        &'a self,
        client: &'a WebexClient,
        step: &'a Step,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Option<String>, ProviderError>> {
        Box::pin(async move {
            let body = &step.input["body"];
            match step.name.as_str() {
                "location_create" => Ok(Some(new_id(&client.post(PATH, body).await?, KIND)?)),
                "location_update" => {
                    let id = id_for(ids, KIND, input_key(step))?;
                    client.put(&format!("{PATH}/{id}"), body).await?;
                    Ok(None)
                }
                "location_calling_enable" => {
                    let id = id_for(ids, KIND, input_key(step))?;
                    let mut body = body.clone();
                    body["id"] = Value::String(id);
                    client.post(CALLING_PATH, &body).await?;
                    Ok(None)
                }
                "location_calling_update" => {
                    let id = id_for(ids, KIND, input_key(step))?;
                    client.put(&format!("{CALLING_PATH}/{id}"), body).await?;
                    Ok(None)
                }
                "location_delete" => super::delete_by_key(client, ids, KIND, PATH, step).await,
                other => Err(super::unknown_step(KIND, other)),
            }
        })
    }
}
