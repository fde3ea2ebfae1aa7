//! `examples/people` (two sites, 20 calling users, 3 workspaces, two policies, forwarding,
//! recording, monitoring and executive/assistant, a PSTN route and a number inventory) applies
//! cleanly to the embedded sandbox and then plans to no changes.

mod common;
use common::Workspace;
use serde_json::json;

#[test]
fn the_people_example_applies_cleanly_then_plans_no_changes() {
    let ws = Workspace::new();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/people");
    // The first rollout updates every user: the update threshold asks for --force, as it should.
    let plan = ws.run(&["plan", example]);
    assert_eq!(plan.code, 1, "{}{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("--force"), "{}", plan.stdout);

    let apply = ws.run(&["apply", example, "--yes", "--force"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    assert!(
        apply.stdout.contains("4 created, 22 updated")
            && apply.stdout.contains("0 pending")
            && apply.stdout.contains("0 failed"),
        "{}",
        apply.stdout
    );
    let again = ws.run(&["plan", example, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    assert!(again.stdout.contains("26 unchanged"), "{}", again.stdout);

    // What the policies and documents said is what the org holds.
    let person = |email: &str| {
        ws.sandbox("GET", &format!("/people?email={email}"), None)["items"][0]["id"]
            .as_str()
            .expect("person")
            .to_string()
    };
    let farid = person("farid.fernandez@sandbox.example.com");
    let recording = ws.sandbox(
        "GET",
        &format!("/people/{farid}/features/callRecording"),
        None,
    );
    assert_eq!(recording["enabled"], json!(true), "from the sales policy");
    assert_eq!(
        recording["record"],
        json!("On Demand with User Initiated Start"),
        "his own document wins"
    );
    let carmen = person("carmen.castro@sandbox.example.com");
    let assistants = ws.sandbox(
        "GET",
        &format!("/telephony/config/people/{carmen}/executive/assignedAssistants"),
        None,
    );
    assert_eq!(assistants["assistants"].as_array().map(Vec::len), Some(1));
}
