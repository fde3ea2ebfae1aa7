//! The user's path through the binary against the embedded sandbox: apply → no changes →
//! out-of-band edit → drift names the field (exit 2) → apply converges.

mod common;
use common::Workspace;

#[test]
fn apply_then_plan_then_drift_then_converge() {
    let ws = Workspace::new();
    let first = ws.run(&["apply", "manifests", "--yes"]);
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    assert!(
        first.stdout.contains("7 created, 1 updated"),
        "{}",
        first.stdout
    );

    let plan = ws.run(&["plan", "manifests", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout
            .contains("No changes. Live state matches the manifests."),
        "{}",
        plan.stdout
    );

    // Out of band: someone raises the trunk's call limit in the portal.
    let trunks = ws.sandbox(
        "GET",
        "/telephony/config/premisePstn/trunks?name=Madrid%20SBC%201",
        None,
    );
    let id = trunks["trunks"][0]["id"]
        .as_str()
        .expect("trunk id")
        .to_string();
    ws.sandbox(
        "PUT",
        &format!("/telephony/config/premisePstn/trunks/{id}"),
        Some(r#"{"name":"Madrid SBC 1","password":"Other-Passw0rd","maxConcurrentCalls":250}"#),
    );

    let drift = ws.run(&["drift", "manifests"]);
    assert_eq!(drift.code, 2, "{}{}", drift.stdout, drift.stderr);
    assert!(
        drift.stdout.contains("Trunk/madrid-sbc-1"),
        "{}",
        drift.stdout
    );
    assert!(
        drift.stdout.contains("- maxConcurrentCalls: 250")
            && drift.stdout.contains("+ maxConcurrentCalls: 100"),
        "{}",
        drift.stdout
    );

    let json = ws.run(&["drift", "manifests", "--format", "json"]);
    assert_eq!(json.code, 2);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(report["summary"]["update"], 1);

    let converge = ws.run(&["apply", "manifests", "--yes"]);
    assert_eq!(converge.code, 0, "{}{}", converge.stdout, converge.stderr);
    assert!(converge.stdout.contains("1 updated"), "{}", converge.stdout);
    assert_eq!(ws.run(&["drift", "manifests"]).code, 0);
}

#[test]
fn apply_journals_every_step_without_secrets() {
    let ws = Workspace::new();
    let secret = "Quite-Secret-Trunk-Pw-4242";
    let out = ws
        .cmd()
        .args(["apply", "manifests", "--yes"])
        .env("MADRID_SBC_PASSWORD", secret)
        .output()
        .expect("runs");
    assert!(out.status.success());
    let runs: Vec<_> = std::fs::read_dir(ws.file("state/local/sandbox/runs"))
        .expect("runs dir")
        .collect();
    assert_eq!(runs.len(), 1);
    let run = runs[0].as_ref().expect("entry").path();
    let journal = std::fs::read_to_string(run.join("journal.jsonl")).expect("journal");
    let lines: Vec<serde_json::Value> = journal
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    // 9 steps: 7 creates, Webex Calling enabled on the new location, and the internal-dialing
    // singleton's update; each journaled twice, the intent before its request, the outcome after.
    assert_eq!(lines.len(), 18, "{journal}");
    let intents = lines.iter().filter(|l| l["outcome"] == "intent").count();
    assert_eq!(intents, 9, "{journal}");
    let creating_intents = lines
        .iter()
        .filter(|l| l["outcome"] == "intent" && l["creates"] == true)
        .count();
    assert_eq!(creating_intents, 7, "{journal}");
    // Each intent comes before its outcome.
    for (i, line) in lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l["outcome"] == "intent")
    {
        let outcome = lines[i + 1..]
            .iter()
            .find(|l| l["object"] == line["object"] && l["step"] == line["step"])
            .expect("an outcome after the intent");
        assert_eq!(outcome["outcome"], "ok", "{journal}");
    }
    let create = lines
        .iter()
        .find(|l| {
            l["step"] == "trunk_create"
                && l["object"] == "Trunk/madrid-sbc-1"
                && l["outcome"] == "ok"
        })
        .expect("trunk create");
    assert_eq!(
        create["requests"][0]["operation"],
        "POST /telephony/config/premisePstn/trunks"
    );
    assert_eq!(create["requests"][0]["status"], "201");
    assert!(create["requests"][0]["correlationId"].as_str().is_some());
    assert!(journal.contains("(sensitive)"));
    let summary = std::fs::read_to_string(run.join("summary.json")).expect("summary");
    let failures = std::fs::read_to_string(run.join("failures.csv")).expect("failures");
    assert_eq!(failures.trim(), "object,key,error");
    for text in [
        &journal,
        &summary,
        &String::from_utf8_lossy(&out.stdout).into_owned(),
        &String::from_utf8_lossy(&out.stderr).into_owned(),
    ] {
        assert!(!text.contains(secret), "secret leaked");
    }
}

#[test]
fn a_saved_plan_applies_and_a_stale_or_edited_one_is_refused() {
    let ws = Workspace::new();
    let plan = ws.run(&["plan", "manifests", "--out", "plan.json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let saved = std::fs::read_to_string(ws.file("plan.json")).expect("plan");
    assert!(
        !saved.contains("Quite-Secret"),
        "plan holds templates, not values"
    );

    // Edited by hand → refused before anything is touched.
    ws.write(
        "edited.json",
        &saved.replace("\"maxConcurrentCalls\": 100", "\"maxConcurrentCalls\": 101"),
    );
    let edited = ws.run(&["apply", "edited.json", "--yes"]);
    assert_eq!(edited.code, 1);
    assert!(edited.stderr.contains("checksum"), "{}", edited.stderr);

    let applied = ws.run(&["apply", "plan.json", "--yes"]);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    assert!(applied.stdout.contains("7 created"), "{}", applied.stdout);

    // A plan made, then overtaken by a live change to an object it updates → stale.
    let trunks = ws.sandbox(
        "GET",
        "/telephony/config/premisePstn/trunks?name=Madrid%20SBC%201",
        None,
    );
    let id = trunks["trunks"][0]["id"].as_str().expect("id").to_string();
    let edit = |calls: u32| {
        ws.sandbox(
            "PUT",
            &format!("/telephony/config/premisePstn/trunks/{id}"),
            Some(&format!(
                r#"{{"name":"Madrid SBC 1","password":"P-w0rd-x","maxConcurrentCalls":{calls}}}"#
            )),
        );
    };
    edit(120);
    assert_eq!(ws.run(&["plan", "manifests", "--out", "fix.json"]).code, 0);
    edit(130);
    let stale = ws.run(&["apply", "fix.json", "--yes"]);
    assert_eq!(stale.code, 1, "{}{}", stale.stdout, stale.stderr);
    assert!(
        stale.stderr.contains("stale") && stale.stderr.contains("Trunk/madrid-sbc-1"),
        "{}",
        stale.stderr
    );
    let calls = ws.sandbox(
        "GET",
        &format!("/telephony/config/premisePstn/trunks/{id}"),
        None,
    );
    assert_eq!(
        calls["maxConcurrentCalls"], 130,
        "a refused plan changes nothing"
    );
}

#[test]
fn apply_without_yes_and_without_a_terminal_refuses() {
    let ws = Workspace::new();
    let out = ws.run(&["apply", "manifests"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("--yes"), "{}", out.stderr);
    assert!(!ws.location_names().contains(&"Madrid HQ".to_string()));
}

#[test]
fn offline_plan_from_an_inventory_snapshot() {
    let ws = Workspace::new();
    assert_eq!(ws.run(&["apply", "manifests", "--yes"]).code, 0);
    let pull = ws.run(&["inventory", "pull", "--out", "snap.json"]);
    assert_eq!(pull.code, 0, "{}", pull.stderr);
    let offline = ws.run(&[
        "plan",
        "manifests",
        "--inventory",
        "snap.json",
        "--detailed-exitcode",
    ]);
    assert_eq!(offline.code, 0, "{}{}", offline.stdout, offline.stderr);
    assert!(offline.stdout.contains("No changes"));
    // A manifest change shows offline too.
    let routing = std::fs::read_to_string(ws.file("manifests/20-routing.yaml")).expect("read");
    ws.write(
        "manifests/20-routing.yaml",
        &routing.replace("maxConcurrentCalls: 100", "maxConcurrentCalls: 80"),
    );
    let changed = ws.run(&[
        "plan",
        "manifests",
        "--inventory",
        "snap.json",
        "--detailed-exitcode",
    ]);
    assert_eq!(changed.code, 2, "{}", changed.stdout);
    assert!(changed.stdout.contains("+ maxConcurrentCalls: 80"));
}

#[test]
fn a_dangling_reference_is_pending_not_a_crash() {
    let ws = Workspace::new();
    ws.write(
        "manifests/40-dangling.yaml",
        "apiVersion: switchboard/v1\nkind: Trunk\nmetadata: {name: lisbon-sbc}\nspec:\n  name: Lisbon SBC\n  locationRef: lisbon-office\n  password: ${env:LISBON_PW:-Pw-Lisbon-1}\n  trunkType: REGISTERING\n---\napiVersion: switchboard/v1\nkind: RouteGroup\nmetadata: {name: rg-lisbon}\nspec:\n  name: RG Lisbon\n  localGateways: [{trunkRef: lisbon-sbc, priority: 1}]\n",
    );
    let plan = ws.run(&["plan", "manifests", "--format", "json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let v: serde_json::Value = serde_json::from_str(&plan.stdout).expect("json");
    let action = |name: &str| {
        v["actions"]
            .as_array()
            .expect("actions")
            .iter()
            .find(|a| a["name"] == name)
            .expect("action")
            .clone()
    };
    assert_eq!(action("lisbon-sbc")["action"], "pending");
    assert_eq!(
        action("lisbon-sbc")["pending"]["code"],
        "resource_dependency_missing"
    );
    assert_eq!(
        action("rg-lisbon")["pending"]["code"],
        "resource_dependency_missing"
    );
    // The rest still applies; pending objects are reported, not failed.
    let apply = ws.run(&["apply", "manifests", "--yes"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    assert!(apply.stdout.contains("2 pending"), "{}", apply.stdout);
}
