//! What a run could not finish is recorded and can be retried on its own; a run can be bounded.

mod common;

use common::Workspace;
use common::served::{Served, target_config};
use std::time::{Duration, Instant};

#[test]
fn failures_go_to_the_dead_letter_and_only_failures_retries_just_them() {
    let ws = Workspace::new();
    // The sandbox knows no such device type (the schema cannot: the vendor's list grows): this
    // create is refused, and
    // what needs the trunk (the route group, then the dial plan and internal dialing) is skipped.
    let routing = std::fs::read_to_string(ws.file("manifests/20-routing.yaml")).expect("read");
    ws.write(
        "manifests/20-routing.yaml",
        &routing.replace(
            "maxConcurrentCalls: 100",
            "maxConcurrentCalls: 100\n  deviceType: Unknown Gateway 9000",
        ),
    );
    let out = ws.run(&["apply", "manifests", "--yes"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("--only-failures"), "{}", out.stderr);
    let letters: Vec<serde_json::Value> =
        std::fs::read_to_string(ws.file("state/local/sandbox/dead-letter.jsonl"))
            .expect("dead letter")
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
    let entries: Vec<(String, String)> = letters
        .iter()
        .map(|l| {
            (
                l["object"].as_str().unwrap_or_default().to_string(),
                l["outcome"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(
        entries.contains(&("Trunk/madrid-sbc-1".into(), "failed".into())),
        "{entries:?}"
    );
    assert!(
        entries.contains(&("RouteGroup/rg-main".into(), "skipped".into())),
        "{entries:?}"
    );
    assert!(
        letters
            .iter()
            .all(|l| !l["error"].as_str().unwrap_or_default().is_empty())
    );
    assert!(
        !entries.iter().any(|(o, _)| o == "Location/madrid-hq"),
        "done objects are not dead letters"
    );

    // Fixed; the retry touches only the dead letter and its dependents.
    ws.write("manifests/20-routing.yaml", &routing);
    let out = ws.run(&["apply", "manifests", "--yes", "--only-failures"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // The trunk, the route group and the dial plan are created; the internal-dialing
    // singleton (skipped with them) is updated: every dead letter, each exactly once.
    assert_eq!(letters.len(), 4, "{entries:?}");
    assert!(
        out.stdout
            .contains("3 created, 1 updated, 0 deleted, 0 adopted, 0 unchanged"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("Schedule/"),
        "schedules were done and are not retried: {}",
        out.stdout
    );
    assert!(
        !ws.file("state/local/sandbox/dead-letter.jsonl").exists(),
        "an empty dead letter is removed"
    );
    let plan = ws.run(&["plan", "manifests", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.stdout);

    let again = ws.run(&["apply", "manifests", "--yes", "--only-failures"]);
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("lists no failures"),
        "{}",
        again.stderr
    );
}

#[test]
fn the_run_timeout_bounds_the_whole_command_and_changes_nothing_when_hit_early() {
    let ws = Workspace::new();
    let served = Served::start(&ws.file("served"), &["--latency-ms", "1500"]);
    ws.write("switchboard.yaml", &target_config(&served.url, "{}"));
    let started = Instant::now();
    let out = ws
        .cmd()
        .args(["apply", "manifests", "--yes", "--timeout", "1"])
        .env("WEBEX_ACCESS_TOKEN", "token")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--timeout elapsed"), "{stderr}");
    let locations = served.get("/locations");
    let names: Vec<&str> = locations["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|l| l["name"].as_str())
        .collect();
    assert!(
        !names.contains(&"Madrid HQ"),
        "nothing may be written: {names:?}"
    );
}
