//! `Workspace`: a Webex workspace (`/workspaces`) and its call settings
//! (`/workspaces/{id}/features/…`, see `workspace_settings`). Key `<location key>/<displayName>`.
//! An update reads the workspace and writes it back with only the owned fields changed, because
//! Webex's PUT clears what it is not sent. A `settingsOnly` document manages the settings of a
//! workspace made elsewhere: it is never created, and never deleted.

use super::common::{
    CALLING_PERMISSIONS, E164, OutgoingPermission, child_key, id_for, input_key, new_id, pick,
    server_count, split_child_key, str_at,
};
use super::workspace_settings::{
    self as settings, CallForwarding, CallWaiting, Monitoring, SECTIONS, WorkspaceKeys,
};
use crate::model::LiveObject;
use crate::providers::kind::Operation;
use crate::providers::webex::client::WebexClient;
use crate::providers::{
    Blocked, Change, DiffRules, IdIndex, Kind, KindInfo, ProviderError, Scope, Shape, Step, reason,
};
use futures::future::BoxFuture;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// A workspace. Field names are Webex's own, except references (`locationRef`, and the people
/// and workspaces monitoring names).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkspaceSpec {
    /// Unique within its location; the key is `<location>/<displayName>`.
    #[schemars(length(min = 1, max = 256), regex(pattern = r"\S"))]
    pub display_name: String,
    /// The Location the workspace is in; fixed once created.
    #[schemars(length(min = 1, max = 256), regex(pattern = r"\S"))]
    pub location_ref: String,
    /// The workspace is created elsewhere: this document manages only its call settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings_only: Option<bool>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub workspace_type: Option<WorkspaceType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 10000))]
    pub capacity: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Fixed once created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supported_devices: Option<SupportedDevices>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hotdesking_status: Option<Hotdesking>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calling: Option<WorkspaceCalling>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_forwarding: Option<CallForwarding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_waiting: Option<CallWaiting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring: Option<Monitoring>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outgoing_permission: Option<OutgoingPermission>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum WorkspaceType {
    NotSet,
    Focus,
    Huddle,
    MeetingRoom,
    Open,
    Desk,
    Other,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum SupportedDevices {
    CollaborationDevices,
    Phones,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Hotdesking {
    On,
    Off,
}

/// How the workspace calls. For `webexCalling`, a `phoneNumber` of its location and/or an
/// `extension`, and optionally the calling license by name.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkspaceCalling {
    #[serde(rename = "type")]
    pub calling_type: CallingType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]{2,10}$"))]
    pub extension: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = E164))]
    pub phone_number: Option<String>,
    /// The license's name (`Webex Calling - Workspaces`); left out, Webex picks one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub license: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum CallingType {
    FreeCalling,
    WebexEdgeForDevices,
    ThirdPartySipCalling,
    WebexCalling,
    None,
}

pub const KIND: &str = "Workspace";
const PATH: &str = "/workspaces";
const WEBEX_CALLING: &str = "webexCalling";
/// The workspace's own fields a manifest may set (the calling object apart).
const OBJECT_FIELDS: &[&str] = &[
    "displayName",
    "type",
    "capacity",
    "notes",
    "supportedDevices",
    "hotdeskingStatus",
];
/// Fields Webex answers but takes from no request.
const READ_ONLY: &[&str] = &["id", "orgId", "created", "devices"];

pub static INFO: KindInfo = KindInfo {
    kind: KIND,
    provider: "webex",
    description: "A Webex workspace, its calling, and its call forwarding, waiting, monitoring and outgoing permissions.",
    aliases: &[],
    spec_schema: || schemars::schema_for!(WorkspaceSpec),
    ref_fields: &[
        ("locationRef", "Location"),
        // `calling.license`: pending(license_or_feature_missing) when the org has none.
        ("license", "License"),
        // `calling.phoneNumber`: a number of the inventory, or one a LocationNumbers adds first.
        ("phoneNumber", "Number"),
        ("personRef", "Person"),
        ("workspaceRef", KIND),
    ],
    natural_key: |spec| key(spec),
    shape: Shape::Object,
    lookup_step: "workspace_lookup",
    diff_rules: DiffRules {
        // A choice of this document, not a live value.
        write_only: &["/settingsOnly"],
        partial_lists: &[CALLING_PERMISSIONS],
        immutable: &["/locationRef", "/supportedDevices"],
        // Monitored people are named by email, in any case.
        case_insensitive: &["*/personRef", "/locationRef"],
        parent: Some(("locationRef", "Location")),
        ..DiffRules::NONE
    },
    provides: None,
};

pub struct Workspace;

fn key(spec: &Value) -> String {
    child_key(str_at(spec, "/locationRef"), str_at(spec, "/displayName"))
}

/// The manifest form of a listed workspace (None: it is in no location this org knows).
fn to_live(item: &Value, ids: &IdIndex) -> Result<Option<LiveObject>, ProviderError> {
    let (Some(id), Some(name), Some(location_id)) = (
        item.get("id").and_then(Value::as_str),
        item.get("displayName").and_then(Value::as_str),
        item.get("locationId").and_then(Value::as_str),
    ) else {
        return Ok(None);
    };
    let Some(location) = ids.key_of("Location", location_id) else {
        return Ok(None);
    };
    let mut state = pick(item, OBJECT_FIELDS);
    state.insert("locationRef".into(), json!(location));
    if let Some(capacity) = server_count(&item["capacity"], "capacity", u64::from(u32::MAX))? {
        state.insert("capacity".into(), json!(capacity));
    }
    if let Some(calling) = item.get("calling").filter(|c| c.is_object()) {
        let mut mine = Map::new();
        mine.insert(
            "type".into(),
            calling.get("type").cloned().unwrap_or_default(),
        );
        if let Some(webex) = calling.get("webexCalling").filter(|w| w.is_object()) {
            mine.extend(pick(webex, &["extension", "phoneNumber"]));
        }
        state.insert("calling".into(), Value::Object(mine));
    }
    let key = child_key(location, name);
    Ok(Some(LiveObject::new(KIND, key, id, Value::Object(state))))
}

/// A workspace cannot move (§2.5: its location is fixed once created). A manifest whose key
/// finds nothing, while the one workspace of that name that no manifest names sits in another
/// location, is that workspace with its `locationRef` changed: it is reported under the
/// manifest's key too, so the plan shows `requires_replacement` instead of creating a second
/// workspace. Not for a lookup by key (apply's), which must find exactly its key.
fn moved_workspaces<'i>(
    listed: &[(LiveObject, &'i Value)],
    scope: &Scope,
    locations: &[&str],
) -> Vec<(LiveObject, &'i Value)> {
    let (None, Some(wanted)) = (scope.single_key(), scope.detail_keys()) else {
        return Vec::new();
    };
    let folded: Vec<String> = locations.iter().map(|l| l.to_lowercase()).collect();
    let name_of = |key: &str| -> String {
        split_child_key(key, folded.iter().map(String::as_str))
            .map(|(_, name)| name.to_lowercase())
            .unwrap_or_default()
    };
    let live_keys: Vec<String> = listed.iter().map(|(l, _)| l.key.to_lowercase()).collect();
    let mut out = Vec::new();
    for key in wanted.iter().filter(|k| !live_keys.contains(k)) {
        let name = name_of(key);
        let mut same_name = listed.iter().filter(|(l, _)| {
            let own = l.key.to_lowercase();
            name_of(&own) == name && !wanted.contains(&own)
        });
        if let (Some((live, item)), None) = (same_name.next(), same_name.next()) {
            let mut alias = live.clone();
            alias.key = key.clone();
            out.push((alias, *item));
        }
    }
    out
}

/// The wire `calling` of a workspace: the manifest's calling over what it has (`current`).
fn calling_to_wire(
    ids: &IdIndex,
    desired: &Value,
    current: Option<&Value>,
    location_id: &str,
) -> Result<Value, ProviderError> {
    let calling_type = str_at(desired, "/type");
    if calling_type != WEBEX_CALLING {
        return Ok(json!({"type": calling_type}));
    }
    let mut webex = current
        .and_then(|c| c.get("webexCalling"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    webex.extend(pick(desired, &["extension", "phoneNumber"]));
    webex.insert("locationId".into(), json!(location_id));
    if let Some(name) = desired.get("license").and_then(Value::as_str) {
        webex.insert("licenses".into(), json!([id_for(ids, "License", name)?]));
    }
    Ok(json!({"type": calling_type, "webexCalling": webex}))
}

impl Kind<WebexClient> for Workspace {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    /// The org's workspaces (filtered by name for a lookup), then per wanted workspace only the
    /// settings sections its manifest sets.
    fn observe<'a>(
        &'a self,
        client: &'a WebexClient,
        scope: &'a Scope,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Vec<LiveObject>, ProviderError>> {
        Box::pin(async move {
            let locations: Vec<&str> = ids.all_of("Location").map(|(k, _)| k).collect();
            let name = scope
                .single_key()
                .and_then(|k| split_child_key(k, locations.iter().copied()))
                .map(|(_, name)| name);
            let query: Vec<(&str, &str)> =
                name.map(|n| vec![("displayName", n)]).unwrap_or_default();
            let items = client.list(PATH, &query, "items").await?;
            let mut listed = Vec::new();
            for item in &items {
                if let Some(live) = to_live(item, ids)? {
                    listed.push((live, item));
                }
            }
            let keys: WorkspaceKeys = listed
                .iter()
                .map(|(l, _)| (l.id.clone(), l.key.clone()))
                .collect();
            let moved = moved_workspaces(&listed, scope, &locations);
            let mut out: Vec<LiveObject> = Vec::new();
            let mut licensed = Vec::new();
            for (live, item) in listed
                .into_iter()
                .chain(moved)
                .filter(|(l, _)| scope.wants(&l.key))
            {
                if scope.wants_field(&live.key, "calling") {
                    licensed.push((out.len(), item));
                }
                out.push(live);
            }
            // Licenses are observed before workspaces (a reference): shown by name.
            for (i, item) in licensed {
                let first = item
                    .pointer("/calling/webexCalling/licenses/0")
                    .and_then(Value::as_str);
                if let Some(name) = first.and_then(|id| ids.key_of("License", id))
                    && let Some(calling) = out[i].state.get_mut("calling")
                {
                    calling["license"] = json!(name);
                }
            }
            // Only Webex Calling workspaces have call settings (others answer 400 or 405).
            let reads: Vec<(usize, &settings::Section)> = (0..out.len())
                .filter(|&i| str_at(&out[i].state, "/calling/type") == WEBEX_CALLING)
                .flat_map(|i| SECTIONS.iter().map(move |s| (i, s)))
                .filter(|(i, s)| scope.wants_field(&out[*i].key, s.field))
                .collect();
            let bodies = super::fetch_all(
                reads
                    .iter()
                    .map(|(i, s)| client.get_owned(settings::path(&out[*i].id, s)))
                    .collect(),
            )
            .await?;
            for ((i, section), wire) in reads.into_iter().zip(bodies) {
                out[i].state[section.field] = settings::from_wire(section, &wire, ids, &keys)?;
            }
            Ok(out)
        })
    }

    fn steps(&self, change: &Change<'_>) -> Result<Vec<Step>, Blocked> {
        let desired = change.desired;
        let key = change.key;
        let settings_only = desired.get("settingsOnly").and_then(Value::as_bool) == Some(true);
        let mut steps = Vec::new();
        match change.operation {
            Operation::Create if settings_only => {
                return Err(Blocked::new(
                    reason::WORKSPACE_NOT_FOUND,
                    format!(
                        "workspace '{key}' does not exist; this document manages only its \
                         settings (settingsOnly): create the workspace first"
                    ),
                ));
            }
            Operation::Create => {
                let input = json!({
                    "key": key,
                    "locationRef": desired["locationRef"],
                    "body": pick(desired, OBJECT_FIELDS),
                    "calling": desired.get("calling").cloned().unwrap_or(Value::Null),
                });
                steps.push(Step::new("workspace_create", input).creating());
            }
            Operation::Update => {
                let mut changed: Vec<&str> = OBJECT_FIELDS
                    .iter()
                    .copied()
                    .filter(|f| change.touches(&format!("/{f}")))
                    .collect();
                if change.touches("/calling") {
                    changed.push("calling");
                }
                if settings_only && !changed.is_empty() {
                    return Err(Blocked::from(format!(
                        "workspace '{key}' is managed elsewhere (settingsOnly), but this \
                         document sets {} differently; remove those fields or settingsOnly",
                        changed.join(", ")
                    )));
                }
                if !changed.is_empty() {
                    let input = json!({"key": key, "locationRef": desired["locationRef"],
                        "body": pick(desired, &changed)});
                    steps.push(Step::new("workspace_update", input));
                }
            }
            Operation::Delete => {
                steps.push(Step::new("workspace_delete", json!({"key": key})));
                return Ok(steps);
            }
        }
        for section in SECTIONS
            .iter()
            .filter(|s| change.touches(&format!("/{}", s.field)))
        {
            if section.field == "monitoring"
                && let Some(live) = change.live
            {
                let unmanaged = super::call_settings::unmanaged_elements(&live.state["monitoring"]);
                if !unmanaged.is_empty() {
                    return Err(Blocked::from(format!(
                        "workspace '{key}' monitors {} that a manifest cannot name; writing \
                         its monitoring would drop them: remove them in Control Hub first",
                        unmanaged.join(", ")
                    )));
                }
            }
            // The whole setting: live values for what the manifest leaves out.
            let live_section = change.live.and_then(|l| l.state.get(section.field));
            let body = super::call_settings::overlay(live_section, &desired[section.field]);
            let input = json!({"key": key, "body": body});
            steps.push(Step::new(section.step, input).detail(section.field));
        }
        Ok(steps)
    }

    fn run<'a>(
        &'a self,
        client: &'a WebexClient,
        step: &'a Step,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Option<String>, ProviderError>> {
        Box::pin(async move {
            let input = &step.input;
            match step.name.as_str() {
                "workspace_create" => {
                    let location = id_for(ids, "Location", str_at(input, "/locationRef"))?;
                    let mut body = input["body"].clone();
                    body["locationId"] = json!(location);
                    if input["calling"].is_object() {
                        body["calling"] = calling_to_wire(ids, &input["calling"], None, &location)?;
                    }
                    Ok(Some(new_id(&client.post(PATH, &body).await?, KIND)?))
                }
                "workspace_update" => {
                    // Read, change only what the manifest owns, write back: the PUT clears what
                    // it is not sent (capacity, type, notes).
                    let id = id_for(ids, KIND, input_key(step))?;
                    let path = format!("{PATH}/{id}");
                    let mut body = client.get(&path, &[]).await?;
                    let location = id_for(ids, "Location", str_at(input, "/locationRef"))?;
                    if let Some(fields) = body.as_object_mut() {
                        for field in READ_ONLY {
                            fields.remove(*field);
                        }
                    }
                    let changes = input["body"].as_object().cloned().unwrap_or_default();
                    for (field, value) in changes {
                        body[field.as_str()] = if field == "calling" {
                            calling_to_wire(ids, &value, body.get("calling"), &location)?
                        } else {
                            value
                        };
                    }
                    client.put(&path, &body).await?;
                    Ok(None)
                }
                "workspace_delete" => super::delete_by_key(client, ids, KIND, PATH, step).await,
                other => {
                    let section = settings::section_of_step(other)
                        .ok_or_else(|| super::unknown_step(KIND, other))?;
                    let id = id_for(ids, KIND, input_key(step))?;
                    let body = settings::to_wire(section, &input["body"], ids)?;
                    client.put(&settings::path(&id, section), &body).await?;
                    Ok(None)
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_the_location_then_the_display_name() {
        let spec = json!({"displayName": "Lobby/East", "locationRef": "Madrid/Centro"});
        assert_eq!(key(&spec), "Madrid/Centro/Lobby/East");
        let locations = ["Madrid", "Madrid/Centro"];
        assert_eq!(
            split_child_key("Madrid/Centro/Lobby/East", locations),
            Some(("Madrid/Centro", "Lobby/East"))
        );
        assert_eq!(
            split_child_key("Austin/Lobby", locations),
            Some(("Austin", "Lobby"))
        );
        assert_eq!(split_child_key("no-slash", locations), None);
    }

    #[test]
    fn a_listed_workspace_reads_in_manifest_form() {
        let mut ids = IdIndex::default();
        ids.insert("Location", "Madrid HQ", "LOC1");
        let wire = json!({"id": "W1", "orgId": "O", "displayName": "Lobby", "locationId": "LOC1",
            "capacity": 4, "type": "open", "hotdeskingStatus": "off",
            "supportedDevices": "phones", "sipAddress": "x@y", "calling": {"type": "webexCalling",
            "webexCalling": {"extension": "1900", "locationId": "LOC1", "licenses": ["L1"]}}});
        let live = to_live(&wire, &ids).unwrap().unwrap();
        assert_eq!(live.key, "Madrid HQ/Lobby");
        assert_eq!(
            live.state,
            json!({"displayName": "Lobby", "locationRef": "Madrid HQ", "capacity": 4,
                "type": "open", "hotdeskingStatus": "off", "supportedDevices": "phones",
                "calling": {"type": "webexCalling", "extension": "1900"}})
        );
        let mut hostile = wire.clone();
        hostile["capacity"] = json!(-1);
        assert!(to_live(&hostile, &ids).is_err());
        // A workspace in no known location is not one a manifest can name.
        hostile["locationId"] = json!("ELSEWHERE");
        hostile["capacity"] = json!(1);
        assert!(to_live(&hostile, &ids).unwrap().is_none());
    }
}
