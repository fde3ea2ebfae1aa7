//! A workspace with calling, forwarding and monitoring of a seeded person, through the binary
//! against the embedded sandbox: apply → no changes → forwarding changed out of band → plan
//! names the field → apply converges → a new location is a replacement, never an update.

mod common;
use common::Workspace;

const LOCATIONS: &str = "apiVersion: switchboard/v1\nkind: Location\nmetadata: {name: lab}\nspec:\n  name: Lab\n  timeZone: Europe/Madrid\n  preferredLanguage: es_es\n  announcementLanguage: es_es\n  address: {address1: Calle 1, city: Madrid, state: Madrid, postalCode: \"28001\", country: ES}\n---\napiVersion: switchboard/v1\nkind: Location\nmetadata: {name: annex}\nspec:\n  name: Annex\n  timeZone: Europe/Madrid\n  preferredLanguage: es_es\n  announcementLanguage: es_es\n  address: {address1: Calle 2, city: Madrid, state: Madrid, postalCode: \"28002\", country: ES}\n";

fn workspace(location: &str, person: &str) -> String {
    format!(
        "apiVersion: switchboard/v1\nkind: Workspace\nmetadata: {{name: lab-lobby}}\nspec:\n  displayName: Lab Lobby\n  locationRef: {location}\n  capacity: 4\n  calling: {{type: webexCalling, extension: \"1900\"}}\n  callForwarding:\n    always: {{enabled: true, destination: \"+34910000099\"}}\n  monitoring:\n    callParkNotificationEnabled: true\n    monitoredElements: [{{personRef: {person}}}]\n"
    )
}

fn plan_json(ws: &Workspace) -> serde_json::Value {
    let plan = ws.run(&["plan", "m", "--format", "json"]);
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);
    serde_json::from_str(&plan.stdout).expect("plan json")
}

fn lobby_action(plan: &serde_json::Value) -> serde_json::Value {
    plan["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["name"] == "lab-lobby")
        .expect("the workspace's action")
        .clone()
}

#[test]
fn a_workspace_converges_drifts_and_converges_again() {
    let ws = Workspace::new();
    let people = ws.sandbox("GET", "/people?max=1", None);
    let person = people["items"][0]["emails"][0]
        .as_str()
        .expect("a seeded person")
        .to_string();
    ws.write("m/locations.yaml", LOCATIONS);
    ws.write("m/workspace.yaml", &workspace("lab", &person));

    let first = ws.run(&["apply", "m", "--yes"]);
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    let found = ws.sandbox("GET", "/workspaces?displayName=Lab%20Lobby", None);
    let id = found["items"][0]["id"]
        .as_str()
        .expect("the workspace was created")
        .to_string();
    assert_eq!(
        found["items"][0]["calling"]["webexCalling"]["extension"],
        "1900"
    );
    let monitoring = ws.sandbox(
        "GET",
        &format!("/workspaces/{id}/features/monitoring"),
        None,
    );
    assert_eq!(monitoring["callParkNotificationEnabled"], true);
    assert_eq!(
        monitoring["monitoredElements"][0]["member"]["type"],
        "PEOPLE"
    );

    let again = ws.run(&["plan", "m", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);

    // Out of band: someone turns the forwarding off in Control Hub.
    ws.sandbox(
        "PUT",
        &format!("/workspaces/{id}/features/callForwarding"),
        Some(r#"{"callForwarding":{"always":{"enabled":false}}}"#),
    );
    let drifted = lobby_action(&plan_json(&ws));
    assert_eq!(drifted["action"], "update");
    let paths: Vec<&str> = drifted["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter_map(|c| c["path"].as_str())
        .collect();
    assert_eq!(paths, ["/callForwarding/always/enabled"]);
    let steps: Vec<&str> = drifted["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(steps, ["workspace_forwarding_configure"]);

    let converge = ws.run(&["apply", "m", "--yes"]);
    assert_eq!(converge.code, 0, "{}{}", converge.stdout, converge.stderr);
    let forwarding = ws.sandbox(
        "GET",
        &format!("/workspaces/{id}/features/callForwarding"),
        None,
    );
    assert_eq!(forwarding["callForwarding"]["always"]["enabled"], true);
    // The workspace's own fields the manifest does not set survived (read, merge, write).
    let after = ws.sandbox("GET", &format!("/workspaces/{id}"), None);
    assert_eq!(after["capacity"], 4);
    let quiet = ws.run(&["plan", "m", "--detailed-exitcode"]);
    assert_eq!(quiet.code, 0, "{}{}", quiet.stdout, quiet.stderr);

    // A workspace cannot move (its location is fixed): another location is a replacement.
    ws.write("m/workspace.yaml", &workspace("annex", &person));
    let moved = lobby_action(&plan_json(&ws));
    assert_eq!(moved["action"], "pending", "{moved}");
    assert_eq!(moved["pending"]["code"], "requires_replacement");
    assert!(
        moved["pending"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("/locationRef")),
        "{moved}"
    );
}

#[test]
fn a_settings_only_document_waits_for_its_workspace() {
    let ws = Workspace::new();
    ws.write("m/locations.yaml", LOCATIONS);
    ws.write(
        "m/settings.yaml",
        "apiVersion: switchboard/v1\nkind: Workspace\nmetadata: {name: lab-desk}\nspec:\n  displayName: Lab Desk\n  locationRef: lab\n  settingsOnly: true\n  callWaiting: {enabled: false}\n",
    );
    let plan = plan_json(&ws);
    let desk = plan["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["name"] == "lab-desk")
        .expect("action")
        .clone();
    assert_eq!(desk["action"], "pending");
    assert_eq!(desk["pending"]["code"], "workspace_not_found");
}
