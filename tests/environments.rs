//! One environment, two Webex targets: documents go where `metadata.target` says, one plan and
//! one apply cover both, each target gets only its own traffic and keeps its own state.

mod common;

use common::Workspace;
use common::served::Served;
use serde_json::Value;

fn site(target: &str, name: &str, device: &str) -> String {
    format!(
        "apiVersion: switchboard/v1\nkind: Location\nmetadata: {{name: {target}-site, target: {target}}}\nspec:\n  name: {name}\n  timeZone: Europe/Madrid\n  preferredLanguage: es_es\n  announcementLanguage: es_es\n  address: {{address1: Calle 1, city: Madrid, state: Madrid, postalCode: \"28001\", country: ES}}\n---\napiVersion: switchboard/v1\nkind: Trunk\nmetadata: {{name: {target}-sbc, target: {target}}}\nspec:\n  name: {name} SBC\n  locationRef: {target}-site\n  password: ${{env:SBC_PW:-Sandbox-Only-Passw0rd}}\n  trunkType: REGISTERING\n  maxConcurrentCalls: 100\n  deviceType: {device}\n"
    )
}

/// The default device type of a trunk.
const CUBE: &str = "Cisco Unified Border Element";

fn names(served: &Served, path: &str, wrapper: &str) -> Vec<String> {
    served.get(path)[wrapper]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|o| o["name"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn one_plan_and_one_apply_converge_two_targets_each_with_its_own_traffic_and_state() {
    let ws = Workspace::new();
    let east = Served::start(&ws.file("east"), &[]);
    let west = Served::start(&ws.file("west"), &[]);
    // West is managed as a partner would: its orgId goes with every request (the sandbox
    // refuses an orgId that is not its own, so a wrong or missing one would fail the run).
    let west_org = west.get("/locations")["items"][0]["orgId"]
        .as_str()
        .expect("org id")
        .to_string();
    ws.write(
        "switchboard.yaml",
        &format!(
            "defaultEnvironment: lab\nenvironments:\n  lab:\n    targets:\n      east: {{provider: webex, baseUrl: \"{}\"}}\n      west: {{provider: webex, baseUrl: \"{}\", orgId: \"{west_org}\", limits: {{requestsPerSecond: 20}}}}\n",
            east.url, west.url
        ),
    );
    ws.write("m/east.yaml", &site("east", "East Site", CUBE));
    // West's trunk names a device type the target does not know: it fails, east's does not.
    ws.write(
        "m/west.yaml",
        &site("west", "West Site", "Unknown Gateway 9000"),
    );
    let token = [("WEBEX_ACCESS_TOKEN", "t")];

    let plan = ws.run_env(&["plan", "m", "--format", "json"], &token);
    assert!((plan.code == 0), "{}", plan.stderr);
    let plan: Value = serde_json::from_str(&plan.stdout).expect("json");
    assert_eq!(plan["environment"], "lab");
    assert_eq!(plan["targets"], serde_json::json!(["east", "west"]));
    let placed: Vec<(String, String)> = plan["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap_or_default().to_string(),
                a["target"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    for (name, target) in &placed {
        assert!(
            name.starts_with(target.as_str()),
            "{name} placed on {target}"
        );
    }

    let (east_before, west_before) = (
        east.stats()["requests"].as_u64(),
        west.stats()["requests"].as_u64(),
    );
    let applied = ws.run_env(&["apply", "m", "--yes"], &token);
    assert_eq!(Some(applied.code), Some(1), "west's trunk fails");
    assert_eq!(
        names(&east, "/locations", "items")
            .iter()
            .filter(|n| n.contains("Site"))
            .count(),
        1
    );
    assert!(names(&east, "/locations", "items").contains(&"East Site".to_string()));
    assert!(
        !names(&east, "/locations", "items").contains(&"West Site".to_string()),
        "east got only its own writes"
    );
    assert!(names(&west, "/locations", "items").contains(&"West Site".to_string()));
    assert!(
        !names(&west, "/locations", "items").contains(&"East Site".to_string()),
        "west got only its own writes"
    );
    assert!(
        names(&east, "/telephony/config/premisePstn/trunks", "trunks")
            .contains(&"East Site SBC".to_string())
    );
    assert!(
        east.stats()["requests"].as_u64() > east_before
            && west.stats()["requests"].as_u64() > west_before
    );

    // Each target keeps its own state: its runs, its dead letter.
    for target in ["east", "west"] {
        let runs = ws.file(&format!("state/lab/{target}/runs"));
        let run = std::fs::read_dir(&runs)
            .expect("runs")
            .next()
            .expect("a run")
            .expect("entry")
            .path();
        let journal = std::fs::read_to_string(run.join("journal.jsonl")).expect("journal");
        let other = if target == "east" { "west" } else { "east" };
        assert!(journal.contains(&format!("{target}-sbc")), "{journal}");
        assert!(
            !journal.contains(&format!("{other}-sbc")),
            "only its own objects: {journal}"
        );
    }
    assert!(!ws.file("state/lab/east/dead-letter.jsonl").exists());
    let west_letters = std::fs::read_to_string(ws.file("state/lab/west/dead-letter.jsonl"))
        .expect("west dead letter");
    assert_eq!(west_letters.lines().count(), 1, "{west_letters}");
    assert!(west_letters.contains("Trunk/west-sbc"), "{west_letters}");

    // --only-failures reads only its own target's dead letter.
    let east_only = ws.run_env(
        &["apply", "m", "--yes", "--only-failures", "-t", "east"],
        &token,
    );
    assert_eq!(Some(east_only.code), Some(1));
    let stderr = east_only.stderr;
    assert!(stderr.contains("lists no failures"), "{stderr}");
    ws.write("m/west.yaml", &site("west", "West Site", CUBE));
    let west_only = ws.run_env(
        &["apply", "m", "--yes", "--only-failures", "-t", "west"],
        &token,
    );
    let out = west_only.stdout;
    assert_eq!(Some(west_only.code), Some(0), "{out}");
    assert!(out.contains("1 created"), "{out}");
    assert!(!ws.file("state/lab/west/dead-letter.jsonl").exists());

    let clean = ws.run_env(&["plan", "m", "--detailed-exitcode"], &token);
    assert_eq!(Some(clean.code), Some(0), "{}", clean.stdout);
}

#[test]
fn a_document_without_a_target_in_an_environment_with_two_is_an_error_with_a_hint() {
    let ws = Workspace::new();
    ws.write(
        "switchboard.yaml",
        "defaultEnvironment: lab\nenvironments:\n  lab:\n    targets:\n      east: {provider: webex, baseUrl: \"http://127.0.0.1:9/v1\"}\n      west: {provider: webex, baseUrl: \"http://127.0.0.1:9/v1\"}\n",
    );
    let out = ws.run(&["plan", "manifests"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("several webex targets"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("set metadata.target to one of: east, west"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("10-locations.yaml"),
        "with its file: {}",
        out.stderr
    );
    let unknown = ws.run(&["plan", "manifests", "--env", "prod"]);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("unknown environment `prod`"),
        "{}",
        unknown.stderr
    );
}
