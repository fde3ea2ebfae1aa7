//! The call settings a `Workspace` document may carry (`/workspaces/{id}/features/{section}`):
//! their manifest types and the mapping between the manifest form and the wire. Each section
//! is Webex's own body, except that monitoring names people and workspaces by key, not id.
//! Call recording has no workspace path in the reference (§2.5 lists none), so it is not here.

use super::common::{child_key, id_for, outgoing_permission_from_wire, server_count};
use crate::providers::{IdIndex, ProviderError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Call forwarding, as Webex writes it (reference §2.16).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallForwardingSetting {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_forwarding: Option<ForwardingRules>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_continuity: Option<ForwardRule>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ForwardingRules {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub always: Option<ForwardRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busy: Option<ForwardRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_answer: Option<ForwardRule>,
}

/// One forwarding rule; `ringReminderEnabled` applies to `always`, `numberOfRings` to
/// `noAnswer`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ForwardRule {
    pub enabled: bool,
    /// Required by Webex when the rule is enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_voicemail_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ring_reminder_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 2, max = 20))]
    pub number_of_rings: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallWaiting {
    pub enabled: bool,
}

/// Monitoring: the people and workspaces whose lines the workspace watches. The list is owned
/// whole (Webex replaces it on every write), in order.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Monitoring {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_park_notification_enabled: Option<bool>,
    #[serde(default)]
    #[schemars(length(max = 50))]
    pub monitored_elements: Vec<MonitoredElement>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum MonitoredElement {
    /// A person, by email.
    PersonRef(String),
    /// A workspace, by `<location key>/<displayName>` or its manifest name.
    WorkspaceRef(String),
}

/// One settings section: its manifest field (also its path segment) and its step.
#[derive(Debug, Clone, Copy)]
pub struct Section {
    pub field: &'static str,
    pub step: &'static str,
}

/// The sections, in the order their steps run. Step names follow the registry (seeds/002)
/// where it has one (`workspace_forwarding_configure`, `workspace_monitoring_update`).
pub const SECTIONS: &[Section] = &[
    Section {
        field: "callForwarding",
        step: "workspace_forwarding_configure",
    },
    Section {
        field: "callWaiting",
        step: "workspace_call_waiting_update",
    },
    Section {
        field: "outgoingPermission",
        step: "workspace_outgoing_permission_update",
    },
    Section {
        field: "monitoring",
        step: "workspace_monitoring_update",
    },
];

pub fn section_of_step(step: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|s| s.step == step)
}

pub fn path(workspace_id: &str, section: &Section) -> String {
    format!("/workspaces/{workspace_id}/features/{}", section.field)
}

/// Keys of the workspaces a monitoring GET may name, by id (those just listed).
pub type WorkspaceKeys = HashMap<String, String>;

/// The manifest form of a section's GET body.
pub fn from_wire(
    section: &Section,
    wire: &Value,
    ids: &IdIndex,
    workspaces: &WorkspaceKeys,
) -> Result<Value, ProviderError> {
    Ok(match section.field {
        "callForwarding" => forwarding_from_wire(wire)?,
        "callWaiting" => json!({"enabled": wire.get("enabled").cloned().unwrap_or(Value::Null)}),
        "outgoingPermission" => outgoing_permission_from_wire(wire),
        _ => monitoring_from_wire(wire, ids, workspaces),
    })
}

/// Forwarding as read, less the read-only `systemMaxNumberOfRings`; ring counts checked.
fn forwarding_from_wire(wire: &Value) -> Result<Value, ProviderError> {
    let mut state = json!({});
    for part in ["callForwarding", "businessContinuity"] {
        if let Some(v) = wire.get(part).filter(|v| v.is_object()) {
            state[part] = v.clone();
        }
    }
    if let Some(no_answer) = state
        .pointer_mut("/callForwarding/noAnswer")
        .and_then(Value::as_object_mut)
    {
        no_answer.remove("systemMaxNumberOfRings");
        if let Some(rings) = no_answer.get("numberOfRings") {
            server_count(rings, "callForwarding.noAnswer.numberOfRings", 100)?;
        }
    }
    Ok(state)
}

/// GET monitoring (`{callParkNotificationEnabled, monitoredElements: [{member: {id, type}}]}`)
/// in manifest form: members as `personRef`/`workspaceRef` keys. A member whose key is not
/// known keeps its id (it then shows as a difference); call park extensions and speed dials,
/// which a manifest cannot name, stay as Webex wrote them so the steps can refuse to drop them.
pub fn monitoring_from_wire(wire: &Value, ids: &IdIndex, workspaces: &WorkspaceKeys) -> Value {
    let elements: Vec<Value> = wire
        .get("monitoredElements")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|element| {
            let Some(member) = element.get("member").filter(|m| m.is_object()) else {
                return element.clone();
            };
            let id = member.get("id").and_then(Value::as_str).unwrap_or_default();
            match member.get("type").and_then(Value::as_str) {
                Some("PEOPLE") => {
                    json!({"personRef": ids.key_of("Person", id).unwrap_or(id)})
                }
                Some("PLACE") => {
                    let key = workspaces.get(id).cloned().or_else(|| {
                        let location_id = member.get("locationId")?.as_str()?;
                        let location = ids.key_of("Location", location_id)?;
                        Some(child_key(location, member.get("displayName")?.as_str()?))
                    });
                    json!({"workspaceRef": key.unwrap_or_else(|| id.to_string())})
                }
                _ => element.clone(),
            }
        })
        .collect();
    json!({
        "callParkNotificationEnabled": wire.get("callParkNotificationEnabled").cloned().unwrap_or(Value::Null),
        "monitoredElements": elements,
    })
}

/// Live monitored elements a manifest cannot name (call park extensions, speed dials).
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

/// The PUT body of a section from its manifest form. Monitoring's PUT uses other names than
/// its GET (§2.16): `enableCallParkNotification`, and members as `{id, type: MEMBER}`.
pub fn to_wire(section: &Section, body: &Value, ids: &IdIndex) -> Result<Value, ProviderError> {
    if section.field != "monitoring" {
        return Ok(body.clone());
    }
    let mut elements = Vec::new();
    for element in body
        .get("monitoredElements")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let id = if let Some(person) = element.get("personRef").and_then(Value::as_str) {
            id_for(ids, "Person", person)?
        } else if let Some(workspace) = element.get("workspaceRef").and_then(Value::as_str) {
            id_for(ids, "Workspace", workspace)?
        } else {
            return Err(ProviderError::local(format!(
                "a monitored element needs personRef or workspaceRef, not {element}"
            )));
        };
        elements.push(json!({"id": id, "type": "MEMBER"}));
    }
    let mut wire = json!({"monitoredElements": elements});
    if let Some(flag) = body
        .get("callParkNotificationEnabled")
        .filter(|v| v.is_boolean())
    {
        wire["enableCallParkNotification"] = flag.clone();
    }
    Ok(wire)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn monitoring() -> &'static Section {
        section_of_step("workspace_monitoring_update").unwrap()
    }

    fn ids() -> IdIndex {
        let mut ids = IdIndex::default();
        ids.insert("Location", "Madrid HQ", "LOC1");
        ids.insert("Person", "ana@example.com", "P1");
        ids.insert("Workspace", "Madrid HQ/Lobby", "W1");
        ids
    }

    #[test]
    fn monitoring_reads_members_as_keys_and_writes_them_as_ids() {
        let wire = json!({"callParkNotificationEnabled": true, "monitoredElements": [
            {"member": {"id": "P1", "type": "PEOPLE", "displayName": "Ana Ruiz"}},
            {"member": {"id": "W9", "type": "PLACE", "displayName": "Kitchen", "locationId": "LOC1"}},
            {"member": {"id": "W1", "type": "PLACE", "displayName": "Lobby"}}]});
        let listed: WorkspaceKeys = [("W1".to_string(), "Madrid HQ/Lobby".to_string())].into();
        let state = monitoring_from_wire(&wire, &ids(), &listed);
        assert_eq!(
            state,
            json!({"callParkNotificationEnabled": true, "monitoredElements": [
                {"personRef": "ana@example.com"},
                {"workspaceRef": "Madrid HQ/Kitchen"},
                {"workspaceRef": "Madrid HQ/Lobby"}]})
        );
        assert!(unmanaged_elements(&state).is_empty());

        let desired = json!({"callParkNotificationEnabled": false, "monitoredElements": [
            {"personRef": "ana@example.com"}, {"workspaceRef": "Madrid HQ/Lobby"}]});
        assert_eq!(
            to_wire(monitoring(), &desired, &ids()).unwrap(),
            json!({"enableCallParkNotification": false, "monitoredElements": [
                {"id": "P1", "type": "MEMBER"}, {"id": "W1", "type": "MEMBER"}]})
        );
        let unknown = json!({"monitoredElements": [{"personRef": "nobody@example.com"}]});
        let error = to_wire(monitoring(), &unknown, &ids()).unwrap_err();
        assert!(error.message.contains("nobody@example.com"), "{error:?}");
    }

    #[test]
    fn call_park_extensions_are_kept_visible_as_unmanaged() {
        let wire = json!({"monitoredElements": [{"callparkextension": {"id": "CPE1"}}]});
        let state = monitoring_from_wire(&wire, &ids(), &WorkspaceKeys::new());
        assert_eq!(unmanaged_elements(&state), ["callparkextension"]);
    }

    #[test]
    fn forwarding_drops_the_read_only_ring_limit_and_checks_ring_counts() {
        let wire = json!({"callForwarding": {"noAnswer": {"enabled": true, "destination": "+3491",
            "numberOfRings": 3, "systemMaxNumberOfRings": 20}}, "businessContinuity": {"enabled": false}});
        let state = forwarding_from_wire(&wire).unwrap();
        assert_eq!(
            state,
            json!({"callForwarding": {"noAnswer": {"enabled": true, "destination": "+3491",
                "numberOfRings": 3}}, "businessContinuity": {"enabled": false}})
        );
        let hostile = json!({"callForwarding": {"noAnswer": {"numberOfRings": -4}}});
        assert!(forwarding_from_wire(&hostile).is_err());
    }
}
