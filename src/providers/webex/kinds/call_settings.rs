//! Call settings of a person (and, with their own paths, of a workspace): each setting is a
//! singleton read with one GET and written with one PUT of the whole body (reference §2.16).
//! Manifests write Webex's own bodies, except that people and workspaces are named by key
//! (`personRef`, `workspaceRef`) where Webex wants ids, and call forwarding is flattened (Webex
//! nests `always/busy/noAnswer` under a second `callForwarding`).

use crate::providers::IdIndex;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// `callForwarding`: forward always, when busy, when unanswered; and where calls go when the
/// phone is offline (business continuity).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallForwarding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub always: Option<ForwardRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busy: Option<ForwardRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_answer: Option<ForwardRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_continuity: Option<ForwardRule>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ForwardRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// A number or extension calls go to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 40), regex(pattern = r"^[+0-9*#]+$"))]
    pub destination: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ring_reminder_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_voicemail_enabled: Option<bool>,
    /// Rings before an unanswered call is forwarded (`noAnswer` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 2, max = 20))]
    pub number_of_rings: Option<u32>,
}

/// `callRecording`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallRecording {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<RecordMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_voicemail_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_stop_announcement_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification: Option<RecordingNotification>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<RecordingRepeat>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub enum RecordMode {
    Always,
    Never,
    #[serde(rename = "Always with Pause/Resume")]
    AlwaysWithPauseResume,
    #[serde(rename = "On Demand with User Initiated Start")]
    OnDemand,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordingNotification {
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "type")]
    pub kind: Option<NotificationType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub enum NotificationType {
    None,
    Beep,
    #[serde(rename = "Play Announcement")]
    PlayAnnouncement,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordingRepeat {
    /// Seconds between repeated beeps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 10, max = 1800))]
    pub interval: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// `monitoring`: the lines this person's phone watches. Webex reads
/// `callParkNotificationEnabled` and writes `enableCallParkNotification`; manifests use the
/// read name.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Monitoring {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_park_notification_enabled: Option<bool>,
    /// People and workspaces watched, at most 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 50))]
    pub monitored_elements: Option<Vec<MonitoredElement>>,
}

/// A watched person (by email) or workspace (by `<location>/<displayName>`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum MonitoredElement {
    PersonRef(String),
    WorkspaceRef(String),
}

/// `outgoingPermission`: the same body as a location's.
pub use super::common::OutgoingPermission;

/// `callWaiting`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallWaiting {
    pub enabled: bool,
}

/// `doNotDisturb`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DoNotDisturb {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ring_splash_enabled: Option<bool>,
}

/// `voicemail`, the basics: on or off, which calls go there, and notifications.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Voicemail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_all_calls: Option<Toggle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_busy_calls: Option<Toggle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_unanswered_calls: Option<UnansweredCalls>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notifications: Option<VoicemailNotifications>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Toggle {
    pub enabled: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UnansweredCalls {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 2, max = 20))]
    pub number_of_rings: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VoicemailNotifications {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
}

/// `executiveAssistant`: the person's role, and (for an executive) their assistants.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExecutiveAssistant {
    #[serde(rename = "type")]
    pub role: ExecutiveRole,
    /// The executive's assistants, by email; each must be a calling user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assistants: Option<Vec<AssistantRef>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutiveRole {
    Unassigned,
    Executive,
    ExecutiveAssistant,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssistantRef {
    #[schemars(email)]
    pub person_ref: String,
}

/// Fields Webex returns but never takes back: left out of a PUT built from a GET.
const READ_ONLY: &[&str] = &[
    "systemMaxNumberOfRings",
    "serviceProvider",
    "externalGroup",
    "externalIdentifier",
];

/// Lists whose items a manifest owns one by one, by this item field: the items it does not
/// list keep their live values (DiffRules::partial_lists compares them the same way).
const KEYED_LISTS: &[(&str, &str)] = &[("callingPermissions", "callType")];

/// `live` with `desired` laid over it, leaf by leaf (lists are leaves, except keyed ones,
/// merged item by item): the whole body a PUT must carry so the fields a manifest leaves out
/// keep their live values.
pub fn overlay(live: Option<&Value>, desired: &Value) -> Value {
    match (live, desired) {
        (Some(Value::Object(have)), Value::Object(want)) => {
            let mut out: Map<String, Value> = have
                .iter()
                .filter(|(k, _)| !READ_ONLY.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), strip_read_only(v)))
                .collect();
            for (k, v) in want {
                let merged = match KEYED_LISTS.iter().find(|(list, _)| list == k) {
                    Some((_, id)) => overlay_items(have.get(k), v, id),
                    None => overlay(have.get(k), v),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        _ => desired.clone(),
    }
}

/// A keyed list: live items in their order, each replaced by the desired item of the same key
/// laid over it; desired items live does not have are appended.
fn overlay_items(live: Option<&Value>, desired: &Value, id: &str) -> Value {
    let (Some(Value::Array(have)), Value::Array(want)) = (live, desired) else {
        return desired.clone();
    };
    let key = |item: &Value| item.get(id).cloned();
    let mut out: Vec<Value> = have
        .iter()
        .map(
            |h| match want.iter().find(|w| key(w).is_some() && key(w) == key(h)) {
                Some(w) => overlay(Some(h), w),
                None => strip_read_only(h),
            },
        )
        .collect();
    out.extend(
        want.iter()
            .filter(|w| !have.iter().any(|h| key(h).is_some() && key(h) == key(w)))
            .cloned(),
    );
    Value::Array(out)
}

fn strip_read_only(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !READ_ONLY.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), strip_read_only(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Webex's forwarding body → the manifest's flat form.
pub fn forwarding_from_wire(body: &Value) -> Value {
    let mut out = body
        .get("callForwarding")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(bc) = body.get("businessContinuity") {
        out.insert("businessContinuity".into(), bc.clone());
    }
    Value::Object(out)
}

/// The manifest's flat forwarding → Webex's body.
pub fn forwarding_to_wire(flat: &Value) -> Value {
    let mut rules = flat.as_object().cloned().unwrap_or_default();
    let continuity = rules.remove("businessContinuity");
    let mut body = json!({ "callForwarding": rules });
    if let Some(bc) = continuity {
        body["businessContinuity"] = bc;
    }
    body
}

/// Keys of workspaces by id that a monitoring GET may name and the index does not hold yet
/// (those listed in the same observation).
pub type WorkspaceKeys = std::collections::HashMap<String, String>;

/// Webex's monitoring GET (`{callParkNotificationEnabled, monitoredElements: [{member: {id,
/// type}}]}`) → manifest form: members by key. A member whose key is not known stays visible
/// as `id:<id>`, so it shows as a difference and is written back as it was; call park
/// extensions and speed dials, which a manifest cannot name, stay as Webex wrote them so steps
/// can refuse to drop them (`unmanaged_elements`).
pub fn monitoring_from_wire(ids: &IdIndex, workspaces: &WorkspaceKeys, body: &Value) -> Value {
    let elements: Vec<Value> = body
        .get("monitoredElements")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|element| {
            let Some(member) = element.get("member").filter(|m| m.is_object()) else {
                return element.clone();
            };
            let id = member.get("id").and_then(Value::as_str).unwrap_or_default();
            let unknown = || format!("id:{id}");
            match member.get("type").and_then(Value::as_str) {
                Some("PLACE") => {
                    let key = workspaces
                        .get(id)
                        .cloned()
                        .or_else(|| ids.key_of("Workspace", id).map(str::to_string))
                        .or_else(|| {
                            let location_id = member.get("locationId")?.as_str()?;
                            let location = ids.key_of("Location", location_id)?;
                            let name = member.get("displayName")?.as_str()?;
                            Some(super::common::child_key(location, name))
                        });
                    json!({"workspaceRef": key.unwrap_or_else(unknown)})
                }
                _ => {
                    let key = ids.key_of("Person", id).map(str::to_string);
                    json!({"personRef": key.unwrap_or_else(unknown)})
                }
            }
        })
        .collect();
    let mut out = Map::new();
    if let Some(v) = body.get("callParkNotificationEnabled") {
        out.insert("callParkNotificationEnabled".into(), v.clone());
    }
    out.insert("monitoredElements".into(), Value::Array(elements));
    Value::Object(out)
}

/// Live monitored elements a manifest cannot name (call park extensions, speed dials): a PUT
/// of the manifest's list would drop them.
pub fn unmanaged_elements(monitoring: &Value) -> Vec<String> {
    monitoring
        .get("monitoredElements")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| e.get("personRef").is_none() && e.get("workspaceRef").is_none())
        .map(|e| {
            e.as_object()
                .and_then(|o| o.keys().next().cloned())
                .unwrap_or_default()
        })
        .collect()
}

/// The counts a setting's GET carries that plans show and PUTs send back, by setting and
/// wire pointer, with their largest sane value.
const SERVER_COUNTS: &[(&str, &str, u64)] = &[
    (
        "callForwarding",
        "/callForwarding/noAnswer/numberOfRings",
        100,
    ),
    ("callRecording", "/repeat/interval", 1800),
    ("voicemail", "/sendUnansweredCalls/numberOfRings", 100),
    (
        "voicemail",
        "/sendUnansweredCalls/systemMaxNumberOfRings",
        100,
    ),
];

/// Check the counts in a setting's GET body (a person's or a workspace's), so a hostile or
/// broken server's number never travels on unseen.
pub fn check_server_counts(
    field: &str,
    body: &Value,
) -> Result<(), crate::providers::ProviderError> {
    for (section, pointer, max) in SERVER_COUNTS {
        if *section == field
            && let Some(count) = body.pointer(pointer)
        {
            super::common::server_count(count, &format!("{field}{pointer}"), *max)?;
        }
    }
    Ok(())
}

/// Manifest monitoring → Webex's PUT body (write names, ids).
pub fn monitoring_to_wire(
    ids: &IdIndex,
    manifest: &Value,
) -> Result<Value, crate::providers::ProviderError> {
    let mut elements = Vec::new();
    for e in manifest
        .get("monitoredElements")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let person = e.get("personRef").and_then(Value::as_str);
        let workspace = e.get("workspaceRef").and_then(Value::as_str);
        // A member read back by id only (see `monitoring_from_wire`) is written back as such.
        let id = match (person, workspace) {
            (Some(k), _) | (_, Some(k)) if k.starts_with("id:") => k["id:".len()..].to_string(),
            (Some(email), _) => super::common::id_for(ids, "Person", email)?,
            (_, Some(key)) => super::common::id_for(ids, "Workspace", key)?,
            _ => continue,
        };
        elements.push(json!({"id": id, "type": "MEMBER"}));
    }
    let mut body = json!({ "monitoredElements": elements });
    if let Some(v) = manifest.get("callParkNotificationEnabled") {
        body["enableCallParkNotification"] = v.clone();
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_keeps_what_the_manifest_leaves_out_and_drops_read_only_fields() {
        let live = json!({"always": {"enabled": false, "ringReminderEnabled": true},
            "noAnswer": {"enabled": false, "numberOfRings": 3, "systemMaxNumberOfRings": 20}});
        let desired = json!({"always": {"enabled": true, "destination": "+34600000000"}});
        assert_eq!(
            overlay(Some(&live), &desired),
            json!({"always": {"enabled": true, "destination": "+34600000000", "ringReminderEnabled": true},
                "noAnswer": {"enabled": false, "numberOfRings": 3}})
        );
    }

    #[test]
    fn keyed_lists_merge_item_by_item() {
        let live = json!({"callingPermissions": [
            {"callType": "LOCAL", "action": "ALLOW", "transferEnabled": false},
            {"callType": "INTERNATIONAL", "action": "ALLOW", "transferEnabled": false}]});
        let desired =
            json!({"callingPermissions": [{"callType": "INTERNATIONAL", "action": "BLOCK"}]});
        assert_eq!(
            overlay(Some(&live), &desired)["callingPermissions"],
            json!([{"callType": "LOCAL", "action": "ALLOW", "transferEnabled": false},
                {"callType": "INTERNATIONAL", "action": "BLOCK", "transferEnabled": false}])
        );
    }

    #[test]
    fn forwarding_round_trips_between_flat_and_wire_forms() {
        let wire = json!({"callForwarding": {"always": {"enabled": true}, "busy": {"enabled": false}},
            "businessContinuity": {"enabled": false}});
        let flat = forwarding_from_wire(&wire);
        assert_eq!(flat["businessContinuity"], json!({"enabled": false}));
        assert_eq!(forwarding_to_wire(&flat), wire);
    }

    #[test]
    fn monitoring_reads_members_by_key_and_writes_ids_under_the_write_names() {
        let mut ids = IdIndex::default();
        ids.insert("Person", "bob@example.com", "P-BOB");
        ids.insert("Workspace", "Madrid HQ/Lobby", "W-LOBBY");
        let get = json!({"callParkNotificationEnabled": true, "monitoredElements": [
            {"member": {"id": "P-BOB", "type": "PEOPLE"}},
            {"member": {"id": "W-LOBBY", "type": "PLACE"}},
            {"member": {"id": "P-STRANGER", "type": "PEOPLE"}}]});
        let manifest = monitoring_from_wire(&ids, &WorkspaceKeys::new(), &get);
        assert_eq!(
            manifest,
            json!({"callParkNotificationEnabled": true, "monitoredElements": [
                {"personRef": "bob@example.com"}, {"workspaceRef": "Madrid HQ/Lobby"},
                {"personRef": "id:P-STRANGER"}]})
        );
        let put = monitoring_to_wire(&ids, &manifest).expect("ids known");
        assert_eq!(put["enableCallParkNotification"], json!(true));
        assert!(put.get("callParkNotificationEnabled").is_none());
        assert_eq!(
            put["monitoredElements"],
            json!([{"id": "P-BOB", "type": "MEMBER"}, {"id": "W-LOBBY", "type": "MEMBER"},
                {"id": "P-STRANGER", "type": "MEMBER"}])
        );
    }
}
