//! Property: whatever the target holds and whatever faults it injects, one apply brings it to the
//! desired set — nothing missing, nothing duplicated, nothing it does not manage touched — and a
//! plan right after finds no changes.

mod common;

use common::Workspace;
use common::served::{Served, target_config};
use proptest::prelude::*;
use std::collections::BTreeMap;

const LOCATIONS: [&str; 3] = ["Austin HQ", "London Office", "Madrid Branch"];
const UNIVERSE: usize = 8;

/// One trunk of the universe: where it lives and its capacity.
#[derive(Debug, Clone, Copy)]
struct TrunkState {
    location: usize,
    max_calls: u32,
}

fn trunk_name(i: usize) -> String {
    format!("Prop Trunk {i}")
}

fn state() -> impl Strategy<Value = TrunkState> {
    (
        0..LOCATIONS.len(),
        prop::sample::select(vec![10u32, 20, 30]),
    )
        .prop_map(|(location, max_calls)| TrunkState {
            location,
            max_calls,
        })
}

/// Index → state for a random subset of the universe.
fn subset() -> impl Strategy<Value = BTreeMap<usize, TrunkState>> {
    prop::collection::btree_map(0..UNIVERSE, state(), 0..=UNIVERSE)
}

fn manifest(i: usize, t: TrunkState) -> String {
    format!(
        "apiVersion: switchboard/v1\nkind: Trunk\nmetadata:\n  name: trunk-{i}\nspec:\n  name: {}\n  locationRef: {}\n  password: ${{env:PROP_PW:-Prop-Pw-0001}}\n  trunkType: REGISTERING\n  maxConcurrentCalls: {}\n",
        trunk_name(i),
        LOCATIONS[t.location],
        t.max_calls
    )
}

/// Create the pre-existing trunks out of band, straight into the sandbox's org (no faults).
fn seed_existing(ws: &Workspace, existing: &BTreeMap<usize, TrunkState>) {
    if existing.is_empty() {
        return;
    }
    let dir = ws.file("served");
    let dir = dir.to_str().expect("utf-8 path");
    let locations = ws.run(&[
        "sandbox",
        "request",
        "GET",
        "/locations",
        "--sandbox-dir",
        dir,
    ]);
    let locations: serde_json::Value = serde_json::from_str(&locations.stdout).expect("json");
    let id_of = |name: &str| {
        locations["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|l| l["name"] == name)
            .and_then(|l| l["id"].as_str())
            .expect("seeded location")
            .to_string()
    };
    for (&i, t) in existing {
        let body = serde_json::json!({
            "name": trunk_name(i),
            "locationId": id_of(LOCATIONS[t.location]),
            "password": "Existing-Pw-1",
            "trunkType": "REGISTERING",
            "maxConcurrentCalls": t.max_calls,
        });
        let out = ws.run(&[
            "sandbox",
            "request",
            "POST",
            "/telephony/config/premisePstn/trunks",
            "--body",
            &body.to_string(),
            "--sandbox-dir",
            dir,
        ]);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
}

/// Runs one case with errors, applied-but-5xx and drops at `fault_rate` each; returns the
/// sandbox's stats (how many faults it injected).
fn check(
    desired: BTreeMap<usize, TrunkState>,
    existing: BTreeMap<usize, TrunkState>,
    fault_seed: u64,
    fault_rate: &str,
) -> Result<serde_json::Value, TestCaseError> {
    let flags = [
        "--error-rate",
        fault_rate,
        "--applied-but-fail-rate",
        fault_rate,
        "--drop-rate",
        fault_rate,
    ];
    check_with(desired, existing, fault_seed, &flags, LIMITS)
}

const LIMITS: &str = "{requestsPerSecond: 0, backoffMs: 10, maxBackoffMs: 200, maxAttempts: 10}";

fn check_with(
    desired: BTreeMap<usize, TrunkState>,
    existing: BTreeMap<usize, TrunkState>,
    fault_seed: u64,
    fault_flags: &[&str],
    limits: &str,
) -> Result<serde_json::Value, TestCaseError> {
    let ws = Workspace::new();
    std::fs::remove_dir_all(ws.file("manifests")).expect("clear quickstart");
    std::fs::create_dir_all(ws.file("manifests")).expect("mkdir");
    for (&i, &t) in &desired {
        ws.write(&format!("manifests/trunk-{i}.yaml"), &manifest(i, t));
    }
    seed_existing(&ws, &existing);
    let seed = fault_seed.to_string();
    let mut flags = vec!["--seed", &seed];
    flags.extend_from_slice(fault_flags);
    let served = Served::start(&ws.file("served"), &flags);
    ws.write("switchboard.yaml", &target_config(&served.url, limits));
    let run = |args: &[&str]| {
        let out = ws
            .cmd()
            .args(args)
            .env("WEBEX_ACCESS_TOKEN", "t")
            .output()
            .expect("runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    if !desired.is_empty() {
        let (code, out, err) = run(&["apply", "manifests", "--yes"]);
        prop_assert_eq!(code, Some(0), "apply: {}{}", out, err);
        // Nothing left to do; only trunks asked to move stay pending (they cannot move).
        let (code, out, err) = run(&["plan", "manifests", "--format", "json"]);
        prop_assert_eq!(code, Some(0), "plan after apply: {}", err);
        let plan: serde_json::Value = serde_json::from_str(&out).expect("plan json");
        prop_assert_eq!(&plan["summary"]["create"], 0, "{}", out);
        prop_assert_eq!(&plan["summary"]["update"], 0, "{}", out);
    }

    // Live = desired ∪ (existing, untouched where not desired); every name once.
    let list = served.get("/telephony/config/premisePstn/trunks?max=1000");
    let mut live: BTreeMap<String, (String, String)> = BTreeMap::new();
    for t in list["trunks"].as_array().expect("trunks") {
        let name = t["name"].as_str().expect("name").to_string();
        let location = t["location"]["name"]
            .as_str()
            .expect("location")
            .to_string();
        let id = t["id"].as_str().expect("id").to_string();
        prop_assert!(
            live.insert(name.clone(), (location, id)).is_none(),
            "duplicate {}",
            name
        );
    }
    let mut expected: BTreeMap<usize, TrunkState> = existing.clone();
    for (&i, &t) in &desired {
        // A trunk cannot move: an existing one in another location stays there (pending).
        match existing.get(&i) {
            Some(e) if e.location != t.location => {}
            _ => {
                expected.insert(i, t);
            }
        }
    }
    prop_assert_eq!(
        live.len(),
        expected.len(),
        "live {:?}",
        live.keys().collect::<Vec<_>>()
    );
    for (i, t) in &expected {
        let (location, id) = live
            .get(&trunk_name(*i))
            .cloned()
            .expect("expected trunk is live");
        prop_assert_eq!(&location, LOCATIONS[t.location]);
        let detail = served.get(&format!("/telephony/config/premisePstn/trunks/{id}"));
        prop_assert_eq!(
            detail["maxConcurrentCalls"].as_u64(),
            Some(u64::from(t.max_calls))
        );
    }
    Ok(served.stats())
}

#[test]
fn converges_when_a_quarter_of_requests_fail_or_half_apply() {
    let everything: BTreeMap<usize, TrunkState> = (0..UNIVERSE)
        .map(|i| {
            (
                i,
                TrunkState {
                    location: i % 3,
                    max_calls: 20,
                },
            )
        })
        .collect();
    let stale: BTreeMap<usize, TrunkState> = (0..UNIVERSE / 2)
        .map(|i| {
            (
                i,
                TrunkState {
                    location: i % 3,
                    max_calls: 10,
                },
            )
        })
        .collect();
    let stats = check(everything, stale, 42, "0.1").expect("converges");
    let faults = ["injectedErrors", "appliedButFailed", "dropped"]
        .iter()
        .map(|k| stats[k].as_u64().unwrap_or(0))
        .sum::<u64>();
    assert!(
        faults >= 3,
        "the sandbox injected too few faults to prove anything: {stats}"
    );
}

#[test]
fn converges_when_answers_come_after_the_client_gave_up() {
    // A slow answer arrives 2.5 s late, after the 1 s request timeout: the write happened but
    // the client cannot know; it must find out by lookup rather than create twice.
    let everything: BTreeMap<usize, TrunkState> = (0..UNIVERSE)
        .map(|i| {
            (
                i,
                TrunkState {
                    location: i % 3,
                    max_calls: 30,
                },
            )
        })
        .collect();
    let flags = ["--slow-rate", "0.15", "--slow-ms", "2500"];
    let limits = "{requestsPerSecond: 0, requestTimeoutSecs: 1, backoffMs: 10, maxAttempts: 10}";
    let stats = check_with(everything, BTreeMap::new(), 5, &flags, limits).expect("converges");
    assert!(
        stats["slow"].as_u64().unwrap_or(0) >= 1,
        "no slow answer was injected: {stats}"
    );
}

proptest! {
    // Each case starts a sandbox and runs the binary a few times: few cases, wide inputs.
    #![proptest_config(ProptestConfig { cases: 8, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn apply_converges_to_the_desired_set_under_faults(
        desired in subset(),
        existing in subset(),
        fault_seed in any::<u64>(),
    ) {
        check(desired, existing, fault_seed, "0.05")?;
    }
}
