//! Apply under a hostile target: throttling, crashes of the client, secrets. Each test runs the
//! built binary against a sandbox served by another process of the same binary.

mod common;

use common::Workspace;
use common::served::{Served, target_config};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Quick retries so the tests stay short; the behaviour is the same at default timings.
const FAST: &str = "{requestsPerSecond: 0, backoffMs: 20, maxBackoffMs: 500, maxAttempts: 8}";

#[test]
fn retry_after_pauses_every_request_and_the_result_is_still_right() {
    let ws = Workspace::new();
    // 2 requests at once, then one every 2 s: the sandbox answers 429 with Retry-After: 2.
    let served = Served::start(&ws.file("served"), &["--rate-limit", "0.5", "--burst", "2"]);
    ws.write(
        "switchboard.yaml",
        &target_config(&served.url, "{maxAttempts: 8}"),
    );
    let started = Instant::now();
    let out = ws
        .cmd()
        .args(["plan", "manifests", "--format", "json"])
        .env("WEBEX_ACCESS_TOKEN", "token")
        .output()
        .expect("runs");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("plan json");
    assert_eq!(plan["summary"]["create"], 7, "{plan}");
    // The observation needs 4 list requests, so at least one pause of 2 s happened.
    assert!(elapsed >= Duration::from_secs(2), "{elapsed:?}");
    assert!(stderr.contains("throttled"), "{stderr}");
    let stats = served.stats();
    let throttled = stats["throttled"].as_u64().expect("throttled count");
    assert!(throttled >= 1, "{stats}");
    // Each 429 stops every request until Retry-After: only requests already in flight can be
    // turned away together, never a storm of retries.
    let requests = stats["requests"].as_u64().expect("requests");
    assert!(
        throttled <= 8,
        "{throttled} throttled answers for {requests} requests"
    );
}

#[test]
fn secrets_appear_nowhere_even_when_requests_fail() {
    let ws = Workspace::new();
    let served = Served::start(
        &ws.file("served"),
        &[
            "--error-rate",
            "0.2",
            "--applied-but-fail-rate",
            "0.3",
            "--seed",
            "11",
        ],
    );
    ws.write("switchboard.yaml", &target_config(&served.url, FAST));
    let token = "tok-KNOWN-4711-DO-NOT-LEAK";
    let password = "Trunk-Pw-KNOWN-0815";
    let mut texts = Vec::new();
    for args in [
        vec!["plan", "manifests", "--out", "state/plan.json"],
        vec!["apply", "manifests", "--yes", "--token", token],
        vec!["drift", "manifests", "--token", token],
        vec![
            "inventory",
            "pull",
            "--out",
            "state/inventory.json",
            "--token",
            token,
        ],
    ] {
        let out = ws
            .cmd()
            .args(&args)
            .env("WEBEX_ACCESS_TOKEN", token)
            .env("MADRID_SBC_PASSWORD", password)
            .env("AUSTIN_SBC_PASSWORD", password)
            .env("SWITCHBOARD_LOG", "trace")
            .output()
            .expect("runs");
        texts.push((
            format!("{args:?} stdout"),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ));
        texts.push((
            format!("{args:?} stderr"),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
    }
    let mut files = 0;
    for path in walk(&ws.file("state")) {
        files += 1;
        texts.push((
            path.display().to_string(),
            std::fs::read_to_string(&path).unwrap_or_default(),
        ));
    }
    assert!(files >= 4, "expected a journal, summary, plan and snapshot");
    for (place, text) in &texts {
        assert!(!text.contains(token), "the token leaked into {place}");
        assert!(!text.contains(password), "the password leaked into {place}");
    }
}

#[test]
fn killing_apply_at_any_moment_then_rerunning_converges_without_duplicates() {
    let ws = Workspace::new();
    std::fs::remove_dir_all(ws.file("manifests")).expect("clear quickstart");
    write_many_objects(&ws, 0);
    // Slow enough answers that requests are in flight most of the time a run writes.
    let served = Served::start(
        &ws.file("served"),
        &["--latency-ms", "60", "--jitter-ms", "30"],
    );
    ws.write("switchboard.yaml", &target_config(&served.url, FAST));
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    let mut rng = fastrand::Rng::with_seed(seed);
    eprintln!("crash test seed {seed} (set CRASH_SEED to replay)");
    // The test proves its point only if some kill lands between a step's intent and its
    // outcome (a request in flight): up to 8 trials, at least 4, until one has.
    let mut cut_mid_step = 0;
    for trial in 0..8 {
        if trial >= 4 && cut_mid_step > 0 {
            break;
        }
        write_many_objects(&ws, trial);
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("switchboard"))
            .current_dir(ws.path())
            .args(["apply", "manifests", "--yes", "--force"])
            .env("WEBEX_ACCESS_TOKEN", "token")
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::null())
            .stderr(
                std::fs::File::create(ws.file(&format!("trial-{trial}.err"))).expect("stderr file"),
            )
            .spawn()
            .expect("apply starts");
        // Each trial rewrites every trunk, so updates go past the safety threshold: forced.
        // Half the trials are killed at a random moment; the other half once writes are under
        // way (an intent is journaled), a random few milliseconds later.
        let runs = ws.file("state/served/served/runs");
        let runs_before = std::fs::read_dir(&runs).map(|d| d.count()).unwrap_or(0);
        if trial % 2 == 0 {
            std::thread::sleep(Duration::from_millis(rng.u64(30..800)));
        } else {
            let started = std::time::Instant::now();
            while started.elapsed() < Duration::from_secs(10) {
                let new_run =
                    std::fs::read_dir(&runs).map(|d| d.count()).unwrap_or(0) > runs_before;
                if new_run && open_intents(&runs) > 0 || child.try_wait().ok().flatten().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            std::thread::sleep(Duration::from_millis(rng.u64(0..30)));
        }
        // SIGKILL: no chance to clean up, like a crashed CI runner.
        let _ = child.kill();
        let status = child.wait().expect("waited");
        if !status.success() && status.code().is_some() {
            eprintln!(
                "{}",
                std::fs::read_to_string(ws.file(&format!("trial-{trial}.err"))).unwrap_or_default()
            );
        }
        let open = open_intents(&ws.file("state/served/served/runs"));
        eprintln!(
            "trial {trial}: killed ({status}), {open} step(s) cut between intent and outcome"
        );
        if open > 0 {
            cut_mid_step += 1;
        }
    }
    assert!(
        cut_mid_step > 0,
        "seed {seed}: no kill landed between an intent and its outcome; the trials proved nothing"
    );
    let out = ws
        .cmd()
        .args(["apply", "manifests", "--yes", "--force"])
        .env("WEBEX_ACCESS_TOKEN", "token")
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "seed {seed}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = ws
        .cmd()
        .args(["plan", "manifests", "--detailed-exitcode"])
        .env("WEBEX_ACCESS_TOKEN", "token")
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "seed {seed}: {}",
        String::from_utf8_lossy(&out.stdout)
    );

    // Exactly the desired set: every name once.
    let trunks = names(
        &served.get("/telephony/config/premisePstn/trunks?max=1000"),
        "trunks",
    );
    assert_eq!(
        trunks.len(),
        LOCATIONS.len() * TRUNKS_PER_LOCATION,
        "seed {seed}: {trunks:?}"
    );
    assert!(
        trunks.values().all(|&n| n == 1),
        "seed {seed}: duplicates {trunks:?}"
    );
    let groups = names(
        &served.get("/telephony/config/premisePstn/routeGroups?max=1000"),
        "routeGroups",
    );
    assert_eq!(groups.len(), LOCATIONS.len(), "seed {seed}: {groups:?}");
    assert!(
        groups.values().all(|&n| n == 1),
        "seed {seed}: duplicates {groups:?}"
    );
}

/// Steps of the newest run whose intent was journaled but whose outcome never was.
fn open_intents(runs: &std::path::Path) -> usize {
    let Some(newest) = std::fs::read_dir(runs)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .max()
    else {
        return 0;
    };
    let text = std::fs::read_to_string(newest.join("journal.jsonl")).unwrap_or_default();
    let mut open = std::collections::HashSet::new();
    for line in text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
    {
        let step = (
            line["object"].to_string(),
            line["step"].to_string(),
            line["index"].to_string(),
        );
        if line["outcome"] == "intent" {
            open.insert(step);
        } else {
            open.remove(&step);
        }
    }
    open.len()
}

const LOCATIONS: [&str; 3] = ["Austin HQ", "London Office", "Madrid Branch"];
const TRUNKS_PER_LOCATION: usize = 6;

/// Per seeded location: 6 trunks, a route group over them, and 4 schedules.
/// `round` changes every trunk's call limit, so each trial has writes to make.
fn write_many_objects(ws: &Workspace, round: u32) {
    for (l, location) in LOCATIONS.iter().enumerate() {
        let mut docs = Vec::new();
        let mut gateways = String::new();
        for t in 0..TRUNKS_PER_LOCATION {
            docs.push(format!(
                "apiVersion: switchboard/v1\nkind: Trunk\nmetadata:\n  name: trunk-{l}-{t}\nspec:\n  name: Crash Trunk {l}-{t}\n  locationRef: {location}\n  password: ${{env:CRASH_PW:-Crash-Pw-0001}}\n  trunkType: REGISTERING\n  maxConcurrentCalls: {}\n",
                10 + t as u32 + round
            ));
            gateways.push_str(&format!(
                "    - trunkRef: trunk-{l}-{t}\n      priority: {}\n",
                t + 1
            ));
        }
        docs.push(format!(
            "apiVersion: switchboard/v1\nkind: RouteGroup\nmetadata:\n  name: rg-{l}\nspec:\n  name: Crash RG {l}\n  localGateways:\n{gateways}"
        ));
        for s in 0..4 {
            docs.push(format!(
                "apiVersion: switchboard/v1\nkind: Schedule\nmetadata:\n  name: hours-{l}-{s}\nspec:\n  name: Crash Hours {s}\n  type: businessHours\n  locationRef: {location}\n  events:\n    - name: Weekdays\n      startDate: \"2026-01-05\"\n      endDate: \"2026-01-05\"\n      startTime: \"0{}:00\"\n      endTime: \"18:00\"\n      recurrence:\n        recurForEver: true\n        recurWeekly: {{monday: true, friday: true}}\n",
                s + 5
            ));
        }
        ws.write(&format!("manifests/site-{l}.yaml"), &docs.join("---\n"));
    }
}

fn names(list: &serde_json::Value, wrapper: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for item in list[wrapper].as_array().expect("list") {
        let name = item["name"].as_str().expect("name").to_string();
        *counts.entry(name).or_insert(0) += 1;
    }
    counts
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
