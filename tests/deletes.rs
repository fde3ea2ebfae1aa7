//! Deletes: only what an Ownership document owns and the manifests leave out, after the
//! creates and updates, in reverse dependency order, behind safety thresholds.

mod common;

use common::Workspace;
use serde_json::{Value, json};

fn location_id(ws: &Workspace, name: &str) -> String {
    let found = ws.sandbox(
        "GET",
        &format!("/locations?name={}", name.replace(' ', "%20")),
        None,
    );
    found["items"]
        .as_array()
        .and_then(|items| items.iter().find(|l| l["name"] == name))
        .and_then(|l| l["id"].as_str())
        .expect("location")
        .to_string()
}

fn add_trunk(ws: &Workspace, name: &str, location: &str) -> String {
    let body = json!({"name": name, "locationId": location, "password": "Out-Of-Band-Pw1", "trunkType": "REGISTERING"});
    let created = ws.sandbox(
        "POST",
        "/telephony/config/premisePstn/trunks",
        Some(&body.to_string()),
    );
    created["id"].as_str().expect("trunk id").to_string()
}

fn trunk_names(ws: &Workspace) -> Vec<String> {
    ws.sandbox("GET", "/telephony/config/premisePstn/trunks", None)["trunks"]
        .as_array()
        .expect("trunks")
        .iter()
        .filter_map(|t| t["name"].as_str().map(str::to_string))
        .collect()
}

fn ownership(name: &str, kind: &str, pattern: &str) -> String {
    format!(
        "apiVersion: switchboard/v1\nkind: Ownership\nmetadata: {{name: {name}}}\nspec:\n  kind: {kind}\n  match:\n    namePattern: \"{pattern}\"\n"
    )
}

#[test]
fn owned_objects_absent_from_the_manifests_are_deleted_route_group_before_its_trunk() {
    let ws = Workspace::new();
    assert_eq!(ws.run(&["apply", "manifests", "--yes"]).code, 0);
    let madrid = location_id(&ws, "Madrid HQ");
    let old_trunk = add_trunk(&ws, "Old SBC", &madrid);
    add_trunk(&ws, "Keep SBC", &madrid);
    let rg = json!({"name": "Old RG", "localGateways": [{"id": old_trunk, "priority": 1}]});
    ws.sandbox(
        "POST",
        "/telephony/config/premisePstn/routeGroups",
        Some(&rg.to_string()),
    );
    ws.write(
        "manifests/90-ownership.yaml",
        &format!(
            "{}---\n{}",
            ownership("old-trunks", "Trunk", "Old *"),
            ownership("old-route-groups", "RouteGroup", "Old *")
        ),
    );

    let plan = ws.run(&["plan", "manifests", "--format", "json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let plan: Value = serde_json::from_str(&plan.stdout).expect("json");
    let deletes: Vec<String> = plan["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter(|a| a["action"] == "delete")
        .map(|a| {
            format!(
                "{}/{}",
                a["kind"].as_str().unwrap_or_default(),
                a["key"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        deletes,
        vec!["RouteGroup/Old RG", "Trunk/Old SBC"],
        "the referrer first"
    );
    assert_eq!(plan["summary"]["delete"], 2);

    let text = ws.run(&["plan", "manifests"]);
    assert!(
        text.stdout.contains("- RouteGroup[Old RG]@sandbox"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("owned by Ownership/old-trunks"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("2 to delete"), "{}", text.stdout);
    let markdown = ws.run(&["plan", "manifests", "--format", "markdown"]);
    assert!(
        markdown.stdout.contains("| delete |"),
        "{}",
        markdown.stdout
    );

    let applied = ws.run(&["apply", "manifests", "--yes"]);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    assert!(applied.stdout.contains("2 deleted"), "{}", applied.stdout);
    let names = trunk_names(&ws);
    assert!(!names.contains(&"Old SBC".to_string()), "{names:?}");
    assert!(
        names.contains(&"Keep SBC".to_string()),
        "unowned objects are never touched: {names:?}"
    );
    assert!(
        names.contains(&"Madrid SBC 1".to_string()),
        "managed objects stay: {names:?}"
    );
    let groups = ws.sandbox("GET", "/telephony/config/premisePstn/routeGroups", None);
    assert!(
        !groups.to_string().contains("Old RG"),
        "the route group went first: {groups}"
    );
    let again = ws.run(&["plan", "manifests", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}", again.stdout);
}

#[test]
fn deleting_more_than_the_threshold_is_refused_unless_forced() {
    let ws = Workspace::new();
    assert_eq!(ws.run(&["apply", "manifests", "--yes"]).code, 0);
    let austin = location_id(&ws, "Austin HQ");
    for i in 1..=10 {
        add_trunk(&ws, &format!("Bulk {i:02}"), &austin);
    }
    ws.write(
        "manifests/90-ownership.yaml",
        &ownership("bulk", "Trunk", "Bulk *"),
    );

    let plan = ws.run(&["plan", "manifests"]);
    assert_eq!(plan.code, 1, "{}{}", plan.stdout, plan.stderr);
    // 10 of 12 existing trunks (2 managed, 10 owned): 83 %, 53 points over 30 %.
    assert!(
        plan.stdout.contains("10 deletes of 12 existing Trunk on target `sandbox` is 83%, over the 30% threshold by 53 points"),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("--force"), "{}", plan.stdout);
    let refused = ws.run(&["apply", "manifests", "--yes"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .contains("Apply refused; nothing was changed."),
        "{}",
        refused.stderr
    );
    assert_eq!(trunk_names(&ws).len(), 12, "nothing was deleted");

    // A threshold set per kind in the environment lets it through, as --force does.
    ws.write(
        "switchboard.yaml",
        "environments:\n  local:\n    targets:\n      sandbox: {provider: webex, sandbox: {}}\n    safety:\n      kinds:\n        Trunk: {maxDeletePercent: 90}\n",
    );
    assert_eq!(ws.run(&["plan", "manifests"]).code, 0);
    std::fs::remove_file(ws.file("switchboard.yaml")).expect("rm");

    let forced = ws.run(&["apply", "manifests", "--yes", "--force"]);
    assert_eq!(forced.code, 0, "{}{}", forced.stdout, forced.stderr);
    assert!(forced.stdout.contains("10 deleted"), "{}", forced.stdout);
    assert_eq!(trunk_names(&ws).len(), 2);
}
