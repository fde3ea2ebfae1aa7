//! The call settings a `Workspace` document may carry (`/workspaces/{id}/features/{section}`):
//! their manifest types and the mapping between the manifest form and the wire. Each section
//! is Webex's own body, except that monitoring names people and workspaces by key, not id.
//! Call recording has no workspace path in the reference (§2.5 lists none), so it is not here.

use super::call_settings;
use super::common::outgoing_permission_from_wire;
use crate::providers::{IdIndex, ProviderError};
use serde_json::{Value, json};

pub use super::call_settings::{CallForwarding, CallWaiting, Monitoring, WorkspaceKeys};

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

/// The manifest form of a section's GET body.
pub fn from_wire(
    section: &Section,
    wire: &Value,
    ids: &IdIndex,
    workspaces: &WorkspaceKeys,
) -> Result<Value, ProviderError> {
    call_settings::check_server_counts(section.field, wire)?;
    Ok(match section.field {
        "callForwarding" => call_settings::forwarding_from_wire(wire),
        "callWaiting" => json!({"enabled": wire.get("enabled").cloned().unwrap_or(Value::Null)}),
        "outgoingPermission" => outgoing_permission_from_wire(wire),
        _ => call_settings::monitoring_from_wire(ids, workspaces, wire),
    })
}

/// The PUT body of a section from its manifest form: forwarding nested back, monitoring under
/// its write names with ids (§2.16).
pub fn to_wire(section: &Section, body: &Value, ids: &IdIndex) -> Result<Value, ProviderError> {
    match section.field {
        "callForwarding" => Ok(call_settings::forwarding_to_wire(body)),
        "monitoring" => call_settings::monitoring_to_wire(ids, body),
        _ => Ok(body.clone()),
    }
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
        let state = call_settings::monitoring_from_wire(&ids(), &listed, &wire);
        assert_eq!(
            state,
            json!({"callParkNotificationEnabled": true, "monitoredElements": [
                {"personRef": "ana@example.com"},
                {"workspaceRef": "Madrid HQ/Kitchen"},
                {"workspaceRef": "Madrid HQ/Lobby"}]})
        );
        assert!(call_settings::unmanaged_elements(&state).is_empty());

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
        let state = call_settings::monitoring_from_wire(&ids(), &WorkspaceKeys::new(), &wire);
        assert_eq!(
            call_settings::unmanaged_elements(&state),
            ["callparkextension"]
        );
    }

    #[test]
    fn forwarding_reads_flat_and_checks_ring_counts() {
        let wire = json!({"callForwarding": {"noAnswer": {"enabled": true, "destination": "+3491",
            "numberOfRings": 3, "systemMaxNumberOfRings": 20}}, "businessContinuity": {"enabled": false}});
        let section = section_of_step("workspace_forwarding_configure").unwrap();
        let state = from_wire(section, &wire, &ids(), &WorkspaceKeys::new()).unwrap();
        assert_eq!(state["noAnswer"]["numberOfRings"], json!(3));
        assert_eq!(state["businessContinuity"], json!({"enabled": false}));
        let hostile = json!({"callForwarding": {"noAnswer": {"numberOfRings": -4}}});
        assert!(from_wire(section, &hostile, &ids(), &WorkspaceKeys::new()).is_err());
    }
}
