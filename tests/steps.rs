//! What plan saves is what apply runs, one journaled step at a time: a fault in the middle of
//! an object's steps leaves a journal that says exactly which ran, and the re-run sends only
//! the missing ones; a saved plan runs its own steps even after the manifests change.

mod common;

use common::Workspace;
use common::served::{Served, target_config};

const LOCATION: &str = "apiVersion: switchboard/v1\nkind: Location\nmetadata: {name: lab}\nspec:\n  name: Lab\n  timeZone: Europe/Madrid\n  preferredLanguage: es_es\n  announcementLanguage: es_es\n  address: {address1: Calle 1, city: Madrid, state: Madrid, postalCode: \"28001\", country: ES}\n";

fn schedule(events: usize) -> String {
    let mut text = String::from(
        "apiVersion: switchboard/v1\nkind: Schedule\nmetadata: {name: lab-holidays}\nspec:\n  name: Holidays\n  type: holidays\n  locationRef: lab\n  events:",
    );
    if events == 0 {
        text.push_str(" []\n");
    }
    for i in 1..=events {
        text.push_str(&format!(
            "\n    - {{name: Day {i}, startDate: \"2027-0{i}-01\", endDate: \"2027-0{i}-01\", allDayEnabled: true}}"
        ));
    }
    text + "\n"
}

fn journal_lines(ws: &Workspace, run: &std::path::Path) -> Vec<serde_json::Value> {
    let _ = ws;
    std::fs::read_to_string(run.join("journal.jsonl"))
        .expect("journal")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

fn runs(ws: &Workspace, target: &str) -> Vec<std::path::PathBuf> {
    let mut runs: Vec<_> = std::fs::read_dir(ws.file(&format!("state/{target}/{target}/runs")))
        .expect("runs")
        .map(|e| e.expect("entry").path())
        .collect();
    runs.sort();
    runs
}

/// POSTs to a schedule's events collection, as the served sandbox counted them.
fn event_posts(served: &Served) -> u64 {
    let stats = served.stats();
    stats["byRoute"]
        .as_object()
        .expect("byRoute")
        .iter()
        .filter(|(route, _)| route.starts_with("POST ") && route.ends_with("/events"))
        .map(|(_, n)| n.as_u64().unwrap_or(0))
        .sum()
}

#[test]
fn a_fault_at_the_third_of_five_events_is_journaled_per_step_and_the_rerun_sends_only_the_rest() {
    let ws = Workspace::new();
    let faults = ws.file("faults.yaml");
    std::fs::write(
        &faults,
        "failRequests:\n  - {method: POST, pathContains: /events, nth: 3, status: 400}\n",
    )
    .expect("faults");
    let served = Served::start(
        &ws.file("served"),
        &["--faults", faults.to_str().expect("path")],
    );
    ws.write("switchboard.yaml", &target_config(&served.url, "{}"));
    ws.write("m/location.yaml", LOCATION);
    ws.write("m/schedule.yaml", &schedule(0));
    let token = [("WEBEX_ACCESS_TOKEN", "t")];
    let first = ws.run_env(&["apply", "m", "--yes"], &token);
    assert!((first.code == 0), "{}", first.stderr);

    ws.write("m/schedule.yaml", &schedule(5));
    let plan = ws.run_env(&["plan", "m", "--format", "json"], &token);
    let plan: serde_json::Value = serde_json::from_str(&plan.stdout).expect("plan json");
    let action = plan["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["kind"] == "Schedule")
        .expect("schedule action");
    let names: Vec<&str> = action["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, vec!["schedule_event_add"; 5], "one step per event");

    let before = event_posts(&served);
    let failed = ws.run_env(&["apply", "m", "--yes"], &token);
    assert_eq!(Some(failed.code), Some(1), "{}", failed.stdout);
    assert_eq!(
        event_posts(&served) - before,
        3,
        "steps 1–3 were sent, 4 and 5 were not"
    );
    let journal = journal_lines(&ws, runs(&ws, "served").last().expect("run"));
    let event_steps: Vec<(u64, String)> = journal
        .iter()
        .filter(|l| l["step"] == "schedule_event_add" && l["outcome"] != "intent")
        .map(|l| {
            (
                l["index"].as_u64().expect("index"),
                l["outcome"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        event_steps,
        vec![
            (0, "ok".to_string()),
            (1, "ok".to_string()),
            (2, "failed".to_string())
        ],
        "the journal shows exactly which steps ran"
    );
    let intents = journal
        .iter()
        .filter(|l| l["step"] == "schedule_event_add" && l["outcome"] == "intent")
        .count();
    assert_eq!(
        intents, 3,
        "an intent precedes each sent step, none for steps never sent"
    );

    let before = event_posts(&served);
    let rerun = ws.run_env(&["apply", "m", "--yes"], &token);
    assert!((rerun.code == 0), "{}", rerun.stderr);
    assert_eq!(
        event_posts(&served) - before,
        3,
        "only events 3, 4 and 5 are sent again"
    );
    let clean = ws.run_env(&["plan", "m", "--detailed-exitcode"], &token);
    assert_eq!(Some(clean.code), Some(0), "{}", clean.stdout);
}

#[test]
fn a_saved_plan_runs_its_steps_not_a_new_diff_of_edited_manifests() {
    let ws = Workspace::new();
    assert_eq!(ws.run(&["plan", "manifests", "--out", "plan.json"]).code, 0);
    // Edit the manifests after saving: another port, a new trunk. The saved plan must not see it.
    let routing = std::fs::read_to_string(ws.file("manifests/20-routing.yaml")).expect("read");
    ws.write(
        "manifests/20-routing.yaml",
        &routing.replace("maxConcurrentCalls: 100", "maxConcurrentCalls: 77"),
    );
    ws.write(
        "manifests/40-extra.yaml",
        "apiVersion: switchboard/v1\nkind: Trunk\nmetadata: {name: extra}\nspec:\n  name: Extra SBC\n  locationRef: Austin HQ\n  password: ${env:X_PW:-Sandbox-Only-Passw0rd}\n  trunkType: REGISTERING\n",
    );
    let applied = ws.run(&["apply", "plan.json", "--yes"]);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    assert!(
        applied.stdout.contains("7 created, 1 updated"),
        "{}",
        applied.stdout
    );
    let trunks = ws.sandbox("GET", "/telephony/config/premisePstn/trunks", None);
    let names: Vec<&str> = trunks["trunks"]
        .as_array()
        .expect("trunks")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(
        !names.contains(&"Extra SBC"),
        "the edit after planning was not applied: {names:?}"
    );
    let id = trunks["trunks"]
        .as_array()
        .expect("trunks")
        .iter()
        .find(|t| t["name"] == "Madrid SBC 1")
        .and_then(|t| t["id"].as_str())
        .expect("madrid trunk");
    let detail = ws.sandbox(
        "GET",
        &format!("/telephony/config/premisePstn/trunks/{id}"),
        None,
    );
    assert_eq!(
        detail["maxConcurrentCalls"], 100,
        "the saved value, not the edited one"
    );
    // Now the edited manifests differ from live by exactly the edits.
    let plan = ws.run(&["plan", "manifests", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&plan.stdout).expect("json");
    assert_eq!(plan["summary"]["create"], 1);
    assert_eq!(plan["summary"]["update"], 1);
}
