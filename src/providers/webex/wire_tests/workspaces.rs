//! `Workspace`: its steps against README §2.5 and §2.16, and the requests `run` sends.

use super::{Fixture, Reply, assert_fields_within, creates, ids, live, names, plan, plan_with};
use crate::providers::kind::Operation;
use crate::providers::reason;
use crate::providers::webex::kinds::workspace::Workspace;
use crate::providers::{Kind, Step};
use serde_json::{Value, json};

/// POST /workspaces (README §2.5 create row).
const WORKSPACE_CREATE: &[&str] = &[
    "displayName",
    "orgId",
    "locationId",
    "workspaceLocationId",
    "floorId",
    "capacity",
    "type",
    "sipAddress",
    "calling",
    "calendar",
    "notes",
    "hotdeskingStatus",
    "supportedDevices",
    "deviceHostedMeetings",
];

fn forwarding() -> Value {
    json!({"callForwarding": {"always": {"enabled": true, "destination": "+34910000009",
        "ringReminderEnabled": false}}})
}

/// The same forwarding as the manifest writes it (flat, like a person's).
fn manifest_forwarding() -> Value {
    json!({"always": {"enabled": true, "destination": "+34910000009", "ringReminderEnabled": false}})
}

fn lobby() -> Value {
    json!({"displayName": "Lobby", "locationRef": "HQ", "capacity": 4,
        "calling": {"type": "webexCalling", "extension": "1900", "license": "Webex Calling - Workspaces"},
        "callForwarding": manifest_forwarding(),
        "monitoring": {"callParkNotificationEnabled": true,
            "monitoredElements": [{"personRef": "ana@example.com"}, {"workspaceRef": "HQ/Kitchen"}]}})
}

fn lobby_live(state: Value) -> crate::model::LiveObject {
    live("Workspace", "HQ/Lobby", "WS1", state, Value::Null)
}

async fn run(steps: &[Step], server: &Fixture) -> Vec<Option<String>> {
    let client = server.client(None);
    let mut out = Vec::new();
    for step in steps {
        out.push(Workspace.run(&client, step, &ids()).await.expect("runs"));
    }
    out
}

#[tokio::test]
async fn a_create_posts_the_workspace_with_calling_then_writes_each_section() {
    let steps = plan("Workspace", "HQ/Lobby", Operation::Create, &lobby(), None).unwrap();
    assert_eq!(
        names(&steps),
        [
            "workspace_create",
            "workspace_forwarding_configure",
            "workspace_monitoring_update"
        ]
    );
    assert_eq!(creates(&steps), [true, false, false]);

    let server = Fixture::start().await;
    // The license is named by key and mapped to its id (licenses are observed first).
    server.reply(Reply::json(
        201,
        json!({"id": "NEWWS", "displayName": "Lobby"}),
    ));
    let results = run(&steps, &server).await;
    assert_eq!(results[0].as_deref(), Some("NEWWS"));
    let seen = server.take();
    let lines: Vec<String> = seen.iter().map(|s| s.line()).collect();
    assert_eq!(
        lines,
        [
            "POST /v1/workspaces",
            "PUT /v1/workspaces/WS1/features/callForwarding",
            "PUT /v1/workspaces/WS1/features/monitoring",
        ]
    );
    let create = &seen[0].body;
    assert_eq!(
        *create,
        json!({"displayName": "Lobby", "capacity": 4, "locationId": "LOC1",
            "calling": {"type": "webexCalling", "webexCalling": {"extension": "1900",
                "locationId": "LOC1", "licenses": ["LICWS"]}}})
    );
    assert_fields_within(create, WORKSPACE_CREATE);
    // Forwarding goes back to Webex's nested body; monitoring takes PUT's names and ids (§2.16).
    assert_eq!(seen[1].body, forwarding());
    assert_eq!(
        seen[2].body,
        json!({"enableCallParkNotification": true, "monitoredElements": [
            {"id": "P1", "type": "MEMBER"}, {"id": "WS2", "type": "MEMBER"}]})
    );
}

#[tokio::test]
async fn an_update_reads_the_workspace_and_writes_back_what_it_does_not_own() {
    let live_state = json!({"displayName": "Lobby", "locationRef": "HQ", "capacity": 4,
        "calling": {"type": "webexCalling", "extension": "1900"}});
    let mut desired = json!({"displayName": "Lobby", "locationRef": "HQ", "capacity": 6,
        "calling": {"type": "webexCalling", "extension": "1901"}});
    let steps = plan(
        "Workspace",
        "HQ/Lobby",
        Operation::Update,
        &desired,
        Some(&lobby_live(live_state.clone())),
    )
    .unwrap();
    assert_eq!(names(&steps), ["workspace_update"]);
    assert_eq!(
        steps[0].input,
        json!({"key": "HQ/Lobby", "locationRef": "HQ", "body": {"capacity": 6,
            "calling": {"type": "webexCalling", "extension": "1901"}}})
    );

    let server = Fixture::start().await;
    server.reply(Reply::json(
        200,
        json!({"id": "WS1", "orgId": "ORG", "created": "2026-01-01T00:00:00Z",
            "displayName": "Lobby", "locationId": "LOC1", "capacity": 4, "type": "open",
            "notes": "by the door", "supportedDevices": "phones", "hotdeskingStatus": "off",
            "calling": {"type": "webexCalling", "webexCalling": {"extension": "1900",
                "phoneNumber": "+34910000004", "locationId": "LOC1", "licenses": ["LICWS"]}}}),
    ));
    run(&steps, &server).await;
    let seen = server.take();
    assert_eq!(seen[0].line(), "GET /v1/workspaces/WS1");
    assert_eq!(seen[1].line(), "PUT /v1/workspaces/WS1");
    // Everything it does not own goes back as it was (a PUT clears type and notes left out).
    assert_eq!(
        seen[1].body,
        json!({"displayName": "Lobby", "locationId": "LOC1", "capacity": 6, "type": "open",
            "notes": "by the door", "supportedDevices": "phones", "hotdeskingStatus": "off",
            "calling": {"type": "webexCalling", "webexCalling": {"extension": "1901",
                "phoneNumber": "+34910000004", "locationId": "LOC1", "licenses": ["LICWS"]}}})
    );

    // Only a section changed: its step alone, no workspace PUT.
    desired = live_state.clone();
    desired["callWaiting"] = json!({"enabled": false});
    let mut live_with = live_state;
    live_with["callWaiting"] = json!({"enabled": true});
    let steps = plan(
        "Workspace",
        "HQ/Lobby",
        Operation::Update,
        &desired,
        Some(&lobby_live(live_with)),
    )
    .unwrap();
    assert_eq!(names(&steps), ["workspace_call_waiting_update"]);
    run(&steps, &server).await;
    let seen = server.take();
    assert_eq!(
        seen[0].line(),
        "PUT /v1/workspaces/WS1/features/callWaiting"
    );
    assert_eq!(seen[0].body, json!({"enabled": false}));
}

#[test]
fn a_settings_only_document_never_creates_its_workspace() {
    let desired = json!({"displayName": "Lobby", "locationRef": "HQ", "settingsOnly": true,
        "callWaiting": {"enabled": false}});
    let blocked = plan_with(
        "Workspace",
        "HQ/Lobby",
        Operation::Create,
        &desired,
        None,
        &[],
    )
    .unwrap_err();
    assert_eq!(blocked.reason, reason::WORKSPACE_NOT_FOUND);
    assert!(blocked.message.contains("HQ/Lobby"), "{}", blocked.message);

    // Live, it writes only its settings; `settingsOnly` itself is never a difference.
    let live_ws = lobby_live(json!({"displayName": "Lobby", "locationRef": "HQ",
        "capacity": 9, "callWaiting": {"enabled": true}}));
    let steps = plan(
        "Workspace",
        "HQ/Lobby",
        Operation::Update,
        &desired,
        Some(&live_ws),
    )
    .unwrap();
    assert_eq!(names(&steps), ["workspace_call_waiting_update"]);
    // …and refuses to change the workspace it does not manage.
    let mut owning = desired.clone();
    owning["capacity"] = json!(2);
    let blocked = plan_with(
        "Workspace",
        "HQ/Lobby",
        Operation::Update,
        &owning,
        Some(&live_ws),
        &[],
    )
    .unwrap_err();
    assert_eq!(blocked.reason, reason::PRECONDITION_MISSING);
    assert!(blocked.message.contains("capacity"), "{}", blocked.message);
}

#[test]
fn monitoring_that_holds_call_park_extensions_is_not_overwritten() {
    let live_ws = lobby_live(json!({"displayName": "Lobby", "locationRef": "HQ",
        "monitoring": {"callParkNotificationEnabled": false,
            "monitoredElements": [{"callparkextension": {"id": "CPE1"}}]}}));
    let desired = json!({"displayName": "Lobby", "locationRef": "HQ",
        "monitoring": {"monitoredElements": [{"personRef": "ana@example.com"}]}});
    let blocked = plan_with(
        "Workspace",
        "HQ/Lobby",
        Operation::Update,
        &desired,
        Some(&live_ws),
        &[],
    )
    .unwrap_err();
    assert_eq!(blocked.reason, reason::PRECONDITION_MISSING);
    assert!(
        blocked.message.contains("callparkextension"),
        "{}",
        blocked.message
    );
}

#[tokio::test]
async fn a_delete_removes_the_workspace_by_id() {
    let live_ws = lobby_live(json!({"displayName": "Lobby", "locationRef": "HQ"}));
    let steps = plan(
        "Workspace",
        "HQ/Lobby",
        Operation::Delete,
        &Value::Null,
        Some(&live_ws),
    )
    .unwrap();
    assert_eq!(names(&steps), ["workspace_delete"]);
    let server = Fixture::start().await;
    run(&steps, &server).await;
    assert_eq!(server.take()[0].line(), "DELETE /v1/workspaces/WS1");
}
