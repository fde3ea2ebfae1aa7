//! `plan --changed-since REV`: only the objects whose documents changed since a Git revision
//! (in the working tree, committed or not) and their dependents are read and planned, and the
//! plan says it is partial.

mod common;

use common::Workspace;
use common::served::{Served, target_config};
use std::process::Command;

const TOKEN: [(&str, &str); 1] = [("WEBEX_ACCESS_TOKEN", "t")];

fn git(ws: &Workspace, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(ws.path())
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// A workspace whose manifests are committed, applied to a served sandbox.
fn committed_and_applied() -> (Workspace, Served) {
    let ws = Workspace::new();
    let served = Served::start(&ws.file("served"), &[]);
    ws.write("switchboard.yaml", &target_config(&served.url, "{}"));
    ws.write("manifests/40-sites.yaml", &sites(SITES));
    git(&ws, &["init", "-q"]);
    git(&ws, &["config", "user.email", "ci@example.com"]);
    git(&ws, &["config", "user.name", "CI"]);
    git(&ws, &["add", "manifests"]);
    git(&ws, &["commit", "-q", "-m", "manifests"]);
    let applied = ws.run_env(&["apply", "manifests", "--yes"], &TOKEN);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    (ws, served)
}

/// Sites nobody changes: what a full plan reads and a partial one does not.
const SITES: usize = 20;

fn sites(count: usize) -> String {
    (1..=count)
        .map(|i| {
            format!(
                "apiVersion: switchboard/v1\nkind: Location\nmetadata: {{name: site-{i}}}\nspec:\n  name: Site {i}\n  timeZone: Europe/Madrid\n  preferredLanguage: es_es\n  announcementLanguage: es_es\n  address: {{address1: Calle {i}, city: Madrid, state: Madrid, postalCode: \"28001\", country: ES}}\n---\napiVersion: switchboard/v1\nkind: Schedule\nmetadata: {{name: site-{i}-hours}}\nspec:\n  name: Hours\n  type: businessHours\n  locationRef: site-{i}\n  events: [{{name: Weekdays, startDate: \"2026-01-05\", endDate: \"2026-01-05\", startTime: \"09:00\", endTime: \"18:00\"}}]\n"
            )
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

fn requests(served: &Served) -> u64 {
    served.stats()["requests"].as_u64().expect("requests")
}

fn edit(ws: &Workspace, rel: &str, from: &str, to: &str) {
    let text = std::fs::read_to_string(ws.file(rel)).expect("read");
    assert!(text.contains(from), "{rel} has {from}");
    ws.write(rel, &text.replace(from, to));
}

fn planned(plan: &serde_json::Value) -> Vec<String> {
    plan["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| {
            format!(
                "{}/{}",
                a["kind"].as_str().unwrap_or(""),
                a["name"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn only_the_changed_object_and_its_dependents_are_read_and_planned() {
    let (ws, served) = committed_and_applied();
    edit(
        &ws,
        "manifests/20-routing.yaml",
        "maxConcurrentCalls: 100",
        "maxConcurrentCalls: 120",
    );
    git(&ws, &["commit", "-q", "-am", "more calls"]);

    let before = requests(&served);
    let full = ws.run_env(&["plan", "manifests", "--format", "json"], &TOKEN);
    assert_eq!(full.code, 0, "{}", full.stderr);
    let full_requests = requests(&served) - before;

    let before = requests(&served);
    let partial = ws.run_env(
        &[
            "plan",
            "manifests",
            "--changed-since",
            "HEAD~1",
            "--format",
            "json",
        ],
        &TOKEN,
    );
    assert_eq!(partial.code, 0, "{}", partial.stderr);
    let partial_requests = requests(&served) - before;
    let plan: serde_json::Value = serde_json::from_str(&partial.stdout).expect("plan json");
    assert_eq!(
        planned(&plan),
        vec![
            "Trunk/madrid-sbc-1",
            "RouteGroup/rg-main",
            "LocationInternalDialing/madrid-internal-dialing",
            "DialPlan/dp-us-west"
        ],
        "the trunk, and what uses it"
    );
    assert_eq!(plan["summary"]["update"], 1);
    assert_eq!(plan["partial"]["since"]["revision"], "HEAD~1");
    assert_eq!(plan["partial"]["selected"], 4);
    assert_eq!(plan["partial"]["total"], 8 + 2 * SITES);
    assert!(
        partial_requests * 4 <= full_requests,
        "a partial plan reads far less: {partial_requests} requests against {full_requests}"
    );

    let text = ws.run_env(&["plan", "manifests", "--changed-since", "HEAD~1"], &TOKEN);
    assert!(
        text.stdout
            .contains("Partial plan: 4 of 48 objects changed since HEAD~1 (")
            && text
                .stdout
                .contains("deletes are not planned; run drift for a full check."),
        "{}",
        text.stdout
    );
}

#[test]
fn uncommitted_edits_count_and_deleted_documents_are_named_not_planned() {
    let (ws, _served) = committed_and_applied();
    edit(
        &ws,
        "manifests/30-madrid-calling.yaml",
        "name: Office Hours",
        "name: Office Hours 2",
    );
    std::fs::remove_file(ws.file("manifests/10-locations.yaml")).expect("remove");
    edit(
        &ws,
        "manifests/20-routing.yaml",
        "locationRef: madrid-hq",
        "locationRef: Austin HQ",
    );
    let out = ws.run_env(
        &[
            "plan",
            "manifests",
            "--changed-since",
            "HEAD",
            "--format",
            "json",
        ],
        &TOKEN,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let plan: serde_json::Value = serde_json::from_str(&out.stdout).expect("plan json");
    let names = planned(&plan);
    assert!(
        names.contains(&"Schedule/madrid-office-hours".to_string()),
        "{names:?}"
    );
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("Location/") || n == "Trunk/austin-sbc-1"),
        "{names:?}"
    );
    assert_eq!(
        plan["partial"]["deletedDocuments"],
        serde_json::json!(["Location/madrid-hq"])
    );
    assert_eq!(plan["summary"]["delete"], 0, "no deletes in a partial plan");
}

#[test]
fn a_bad_revision_or_no_repository_is_an_error_with_a_hint() {
    let ws = Workspace::new();
    let out = ws.run(&["plan", "manifests", "--changed-since", "HEAD~1"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("is not in a Git repository") && out.stderr.contains("hint:"),
        "{}",
        out.stderr
    );

    git(&ws, &["init", "-q"]);
    git(&ws, &["config", "user.email", "ci@example.com"]);
    git(&ws, &["config", "user.name", "CI"]);
    git(&ws, &["add", "manifests"]);
    git(&ws, &["commit", "-q", "-m", "manifests"]);
    let out = ws.run(&["plan", "manifests", "--changed-since", "no-such-branch"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("`no-such-branch` is not a commit")
            && out.stderr.contains("hint: give a branch, tag or commit"),
        "{}",
        out.stderr
    );
}

#[test]
fn apply_changed_since_writes_the_change_after_reading_only_what_it_touches() {
    let (ws, served) = committed_and_applied();
    edit(
        &ws,
        "manifests/20-routing.yaml",
        "maxConcurrentCalls: 100",
        "maxConcurrentCalls: 130",
    );
    git(&ws, &["commit", "-q", "-am", "more calls"]);
    let before = requests(&served);
    let full = ws.run_env(&["plan", "manifests"], &TOKEN);
    assert_eq!(full.code, 0, "{}", full.stderr);
    let full_requests = requests(&served) - before;

    let before = requests(&served);
    let applied = ws.run_env(
        &["apply", "manifests", "--changed-since", "HEAD~1", "--yes"],
        &TOKEN,
    );
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    assert!(applied.stdout.contains("1 updated"), "{}", applied.stdout);
    let applied_requests = requests(&served) - before;
    assert!(
        applied_requests * 3 <= full_requests,
        "{applied_requests} requests to apply against {full_requests} for a full plan"
    );
    let trunks = served.get("/telephony/config/premisePstn/trunks?name=Madrid%20SBC%201");
    let id = trunks["trunks"][0]["id"]
        .as_str()
        .expect("the trunk")
        .to_string();
    let trunk = served.get(&format!("/telephony/config/premisePstn/trunks/{id}"));
    assert_eq!(trunk["maxConcurrentCalls"], 130);
    // A saved plan already holds its selection.
    ws.run_env(&["plan", "manifests", "--out", "plan.json"], &TOKEN);
    let refused = ws.run_env(
        &["apply", "plan.json", "--changed-since", "HEAD~1", "--yes"],
        &TOKEN,
    );
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(refused.stderr.contains("saved plan"), "{}", refused.stderr);
}
