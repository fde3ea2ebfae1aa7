//! Hardening of what Switchboard keeps and writes: one writer per state folder, secrets that
//! never reach a file or a screen, saved plans that cannot lie, write failures that are named,
//! and keys that compare the way the vendor's uniqueness rule does.

mod common;

use common::Workspace;
use common::served::{Served, target_config};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "Trunk-Secret-Pw-4242";

fn every_file(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(every_file(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn assert_nowhere(ws: &Workspace, secret: &str, outputs: &[&str]) {
    for o in outputs {
        assert!(!o.contains(secret), "secret in output: {o}");
    }
    for f in every_file(&ws.file("state")) {
        if f.starts_with(ws.file("state/sandbox")) {
            continue; // the embedded org itself holds the password it was given
        }
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap_or_default()).into_owned();
        assert!(!text.contains(secret), "secret in {}", f.display());
    }
}

#[test]
fn a_second_apply_on_the_same_state_is_refused_naming_the_holder_then_waits_with_lock_timeout() {
    let ws = Workspace::new();
    let served = Served::start(&ws.file("served"), &["--latency-ms", "400"]);
    ws.write(
        "switchboard.yaml",
        &target_config(&served.url, "{requestsPerSecond: 0}"),
    );
    let spawn = |extra: &[&str]| {
        Command::new(assert_cmd::cargo::cargo_bin("switchboard"))
            .current_dir(ws.path())
            .args(["apply", "manifests", "--yes"])
            .args(extra)
            .env("WEBEX_ACCESS_TOKEN", "t")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("apply starts")
    };
    let first = spawn(&[]);
    // Wait until the first run holds the lock (its lock file names it).
    let lock = ws.file("state/served/served/lock");
    let started = Instant::now();
    while std::fs::read_to_string(&lock)
        .unwrap_or_default()
        .is_empty()
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the first apply never locked"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = spawn(&[]).wait_with_output().expect("second");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("is locked by another run (pid"), "{stderr}");
    let third = spawn(&["--lock-timeout", "60"]);
    let first = first.wait_with_output().expect("first");
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let third = third.wait_with_output().expect("third");
    assert!(
        third.status.success(),
        "the waiting run goes on after the first: {}",
        String::from_utf8_lossy(&third.stderr)
    );
    let plan = ws
        .cmd()
        .args(["plan", "manifests", "--detailed-exitcode"])
        .env("WEBEX_ACCESS_TOKEN", "t")
        .output()
        .expect("plan");
    assert_eq!(
        plan.status.code(),
        Some(0),
        "every object is there: {}",
        String::from_utf8_lossy(&plan.stdout)
    );
}

#[test]
fn secrets_from_templates_and_tokens_reach_no_output_and_no_state_file() {
    let ws = Workspace::new();
    let token = "Bearer-Token-Value-777";
    // A server that echoes the request's Authorization header in its error bodies.
    let echo = common::echo_server::start();
    ws.write(
        "switchboard.yaml",
        &target_config(&echo.url, "{requestsPerSecond: 0, maxAttempts: 1}"),
    );
    let out = ws
        .cmd()
        .args(["apply", "manifests", "--yes"])
        .env("WEBEX_ACCESS_TOKEN", token)
        .env("MADRID_SBC_PASSWORD", PASSWORD)
        .env("SWITCHBOARD_LOG", "trace")
        .output()
        .expect("runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("(sensitive)"),
        "the echoed token was scrubbed, not dropped: {stderr}"
    );
    assert!(ws.file("state/served/served/dead-letter.jsonl").exists());
    assert_nowhere(&ws, token, &[&stdout, &stderr]);
    assert_nowhere(&ws, PASSWORD, &[&stdout, &stderr]);
    // State files are the owner's alone.
    use std::os::unix::fs::PermissionsExt;
    for f in every_file(&ws.file("state/served")) {
        let mode = std::fs::metadata(&f).expect("meta").permissions().mode() & 0o777;
        assert_eq!(
            mode & 0o077,
            0,
            "{} is readable by others ({mode:o})",
            f.display()
        );
    }
}

#[test]
fn a_manifest_may_not_read_a_credential_nor_put_a_secret_in_a_key() {
    let ws = Workspace::new();
    ws.write(
        "manifests/40-bad.yaml",
        "apiVersion: switchboard/v1\nkind: Trunk\nmetadata: {name: sneaky}\nspec:\n  name: Sneaky\n  locationRef: madrid-hq\n  password: ${env:WEBEX_ACCESS_TOKEN}\n  trunkType: REGISTERING\n",
    );
    let out = ws
        .cmd()
        .args(["plan", "manifests"])
        .env("WEBEX_ACCESS_TOKEN", "Tok-Value-999")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("is a credential of this environment"),
        "{stderr}"
    );
    assert!(stderr.contains("40-bad.yaml:1:1"), "{stderr}");
    assert!(!stderr.contains("Tok-Value-999"));

    ws.write(
        "manifests/40-bad.yaml",
        "apiVersion: switchboard/v1\nkind: Trunk\nmetadata: {name: keyed}\nspec:\n  name: Site ${env:SITE_SECRET}\n  locationRef: madrid-hq\n  password: ${env:X_PW:-Sandbox-Only-Passw0rd}\n  trunkType: REGISTERING\n",
    );
    let out = ws
        .cmd()
        .args(["plan", "manifests"])
        .env("SITE_SECRET", "Hidden-Site-55")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("secret template (`${env:…}`) in a field of the object's key"),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Hidden-Site-55"));
}

/// The plan's checksum, computed the way Switchboard does (anyone can: that is the point).
fn recompute(plan: &mut Value) {
    let mut body = plan.clone();
    let fields = body.as_object_mut().expect("object");
    fields.remove("checksum");
    fields.remove("signature");
    let sum: String = Sha256::digest(body.to_string().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    plan["checksum"] = Value::String(sum);
}

fn saved(ws: &Workspace, env: &[(&str, &str)]) -> Value {
    let out = ws
        .cmd()
        .args(["plan", "manifests", "--out", "plan.json"])
        .envs(env.iter().copied())
        .output()
        .expect("plan");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(ws.file("plan.json")).expect("read"))
        .expect("json")
}

fn apply_saved(ws: &Workspace, plan: &Value, env: &[(&str, &str)]) -> (i32, String, String) {
    ws.write(
        "plan.json",
        &serde_json::to_string_pretty(plan).expect("json"),
    );
    let out = ws
        .cmd()
        .args(["apply", "plan.json", "--yes"])
        .envs(env.iter().copied())
        .output()
        .expect("apply");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_edited_plan_cannot_lie_even_with_a_recomputed_checksum() {
    let ws = Workspace::new();
    let pw = [("MADRID_SBC_PASSWORD", PASSWORD)];
    let original = saved(&ws, &pw);

    // The summary said "0 to create" while the actions created 7.
    let mut lying = original.clone();
    lying["summary"]["create"] = 0.into();
    recompute(&mut lying);
    let (code, _, stderr) = apply_saved(&ws, &lying, &pw);
    assert_eq!(code, 1);
    assert!(stderr.contains("summary"), "{stderr}");

    // A template added to a step is never filled and sent.
    let mut foreign = original.clone();
    foreign["actions"][0]["steps"][0]["input"]["body"]["name"] = "${env:HOME}".into();
    recompute(&mut foreign);
    let (code, _, stderr) = apply_saved(&ws, &foreign, &pw);
    assert_eq!(code, 1);
    assert!(stderr.contains("carries a secret template"), "{stderr}");
    assert!(
        ws.location_names().iter().all(|n| n != "Madrid HQ"),
        "nothing applied"
    );

    // Emptying `sensitive` does not put the password anywhere: sensitivity comes from the
    // manifest's templates and the kind, not from the plan.
    let mut bare = original.clone();
    for a in bare["actions"].as_array_mut().expect("actions") {
        a["sensitive"] = serde_json::json!([]);
    }
    recompute(&mut bare);
    let (code, stdout, stderr) = apply_saved(&ws, &bare, &pw);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("Steps to run, from the saved plan"),
        "what runs is shown from the steps: {stdout}"
    );
    assert_nowhere(&ws, PASSWORD, &[&stdout, &stderr]);
}

#[test]
fn with_a_plan_key_set_only_a_plan_signed_with_it_is_applied() {
    let ws = Workspace::new();
    let key = [("SWITCHBOARD_PLAN_KEY", "ci-signing-key-1")];
    let signed = saved(&ws, &key);
    assert!(
        signed["signature"].as_str().is_some_and(|s| s.len() == 64),
        "{signed}"
    );

    let (code, _, stderr) = apply_saved(&ws, &signed, &[("SWITCHBOARD_PLAN_KEY", "another-key-2")]);
    assert_eq!(code, 1);
    assert!(stderr.contains("signature does not match"), "{stderr}");

    let mut resigned = signed.clone();
    resigned["actions"][0]["steps"][0]["input"]["body"]["maxConcurrentCalls"] = 5.into();
    recompute(&mut resigned);
    let (code, _, stderr) = apply_saved(&ws, &resigned, &key);
    assert_eq!(code, 1, "a recomputed checksum does not make a signature");
    assert!(stderr.contains("signature does not match"), "{stderr}");

    let unsigned = saved(&ws, &[]);
    assert!(unsigned.get("signature").is_none());
    let (code, _, stderr) = apply_saved(&ws, &unsigned, &key);
    assert_eq!(code, 1);
    assert!(stderr.contains("not signed"), "{stderr}");

    let (code, stdout, stderr) = apply_saved(&ws, &signed, &key);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("7 created"), "{stdout}");
}

#[test]
fn a_state_file_that_cannot_be_written_is_named_and_the_summary_still_printed() {
    let ws = Workspace::new();
    let routing = std::fs::read_to_string(ws.file("manifests/20-routing.yaml")).expect("read");
    ws.write(
        "manifests/20-routing.yaml",
        &routing.replace(
            "maxConcurrentCalls: 100",
            "maxConcurrentCalls: 100\n  deviceType: Unknown Gateway 9000",
        ),
    );
    // The dead letter's path is taken by a folder.
    std::fs::create_dir_all(ws.file("state/local/sandbox/dead-letter.jsonl")).expect("mkdir");
    let out = ws.run(&["apply", "manifests", "--yes"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("cannot write") && out.stderr.contains("dead-letter.jsonl"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.contains("Apply complete:"),
        "the summary is still printed: {}",
        out.stdout
    );
    assert!(out.stdout.contains("1 failed"), "{}", out.stdout);
}

#[test]
fn only_failures_with_a_dead_letter_matching_nothing_is_an_error() {
    let ws = Workspace::new();
    ws.write(
        "state/local/sandbox/dead-letter.jsonl",
        "{\"object\":\"Trunk/gone\",\"kind\":\"Trunk\",\"key\":\"Gone\",\"outcome\":\"failed\",\"error\":\"x\",\"at\":\"t\",\"run\":\"r\"}\n",
    );
    let out = ws.run(&["apply", "manifests", "--yes", "--only-failures"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("none of them in these manifests"),
        "{}",
        out.stderr
    );
    assert!(
        ws.location_names().iter().all(|n| n != "Madrid HQ"),
        "nothing applied"
    );
}

#[test]
fn a_key_differing_only_in_case_adopts_the_live_object_instead_of_creating_forever() {
    let ws = Workspace::new();
    assert_eq!(ws.run(&["apply", "manifests", "--yes"]).code, 0);
    let locations = std::fs::read_to_string(ws.file("manifests/10-locations.yaml")).expect("read");
    ws.write(
        "manifests/10-locations.yaml",
        &locations.replace("name: Madrid HQ", "name: madrid hq"),
    );
    let plan = ws.run(&["plan", "manifests", "--format", "json"]);
    let plan: Value = serde_json::from_str(&plan.stdout).expect("json");
    assert_eq!(plan["summary"]["create"], 0, "{plan}");
    assert_eq!(
        plan["summary"]["update"], 1,
        "only the name's case changes: {plan}"
    );
    let applied = ws.run(&["apply", "manifests", "--yes"]);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    let again = ws.run(&["plan", "manifests", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}", again.stdout);
}

#[test]
fn a_run_timeout_too_long_to_represent_is_a_clear_error() {
    let ws = Workspace::new();
    let out = ws.run(&[
        "apply",
        "manifests",
        "--yes",
        "--timeout",
        "18446744073709551615",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("--timeout"), "{}", out.stderr);
}

#[test]
fn two_applies_on_the_embedded_sandbox_at_once_lose_nothing() {
    let ws = Workspace::new();
    let spawn = || {
        Command::new(assert_cmd::cargo::cargo_bin("switchboard"))
            .current_dir(ws.path())
            .args(["apply", "manifests", "--yes", "--lock-timeout", "60"])
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("apply starts")
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (
        a.wait_with_output().expect("a"),
        b.wait_with_output().expect("b"),
    );
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    // One created everything; the other, run after it, found nothing to do.
    let created: Vec<String> = [&a, &b]
        .iter()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .collect();
    assert_eq!(
        created.iter().filter(|o| o.contains("7 created")).count(),
        1,
        "{created:?}"
    );
    let plan = ws.run(&["plan", "manifests", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "every object is there: {}", plan.stdout);
}

#[test]
fn an_edited_plan_may_not_read_a_credential_and_the_lock_file_holds_no_flag() {
    let ws = Workspace::new();
    let mut plan = saved(&ws, &[]);
    let trunk = plan["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .position(|a| a["name"] == "madrid-sbc-1")
        .expect("trunk");
    plan["actions"][trunk]["desired"]["password"] = "${env:WEBEX_ACCESS_TOKEN}".into();
    plan["actions"][trunk]["steps"][0]["input"]["body"]["password"] =
        "${env:WEBEX_ACCESS_TOKEN}".into();
    recompute(&mut plan);
    let (code, _, stderr) = apply_saved(&ws, &plan, &[("WEBEX_ACCESS_TOKEN", "Tok-Abcdef-123")]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("a credential of this environment"),
        "{stderr}"
    );
    assert!(
        ws.location_names().iter().all(|n| n != "Madrid HQ"),
        "nothing applied"
    );

    let out = ws.run(&["apply", "manifests", "--yes", "--token=Flag-Token-Value-9"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lock = std::fs::read_to_string(ws.file("state/local/sandbox/lock")).expect("lock");
    assert!(!lock.contains("Flag-Token-Value-9"), "{lock}");
    assert!(lock.contains("switchboard apply"), "{lock}");
}

#[test]
fn a_secret_that_equals_a_word_of_a_name_leaves_plans_and_keys_intact() {
    let ws = Workspace::new();
    // A weak secret that is also part of the location's name.
    let env = [("MADRID_SBC_PASSWORD", "Madrid")];
    let plan = saved(&ws, &env);
    assert!(
        plan.to_string().contains("Madrid HQ"),
        "names are not scrubbed in a plan"
    );
    let (code, stdout, stderr) = apply_saved(&ws, &plan, &env);
    assert_eq!(code, 0, "{stdout}{stderr}");
}

#[test]
fn a_snapshot_of_another_environment_is_refused() {
    let ws = Workspace::new();
    assert_eq!(ws.run(&["inventory", "pull", "--out", "snap.json"]).code, 0);
    let mut snap: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.file("snap.json")).expect("read"))
            .expect("json");
    snap["environment"] = "prod".into();
    ws.write("snap.json", &snap.to_string());
    let out = ws.run(&["plan", "manifests", "--inventory", "snap.json"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("snapshot of environment `prod`"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_saved_plan_is_refused_once_its_target_points_elsewhere() {
    let ws = Workspace::new();
    let plan = saved(&ws, &[]);
    assert!(plan["targetIdentities"]["sandbox"].is_string(), "{plan}");
    // The same environment and target name, now pointing at another org.
    ws.write(
        "switchboard.yaml",
        "environments:\n  local:\n    targets:\n      sandbox: {provider: webex, sandbox: {stateDir: other-org}}\n",
    );
    let (code, _, stderr) = apply_saved(&ws, &plan, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("points elsewhere than when the plan was made"),
        "{stderr}"
    );
}
