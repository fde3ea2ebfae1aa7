//! A location's calling, PSTN route and number inventory as desired state, with the calling
//! users who take its numbers, against the embedded sandbox: one apply converges in dependency
//! order (route → numbers → users), and each pending reason holds its object and its dependents
//! while the rest is applied.

mod common;

use common::Workspace;
use serde_json::{Value, json};

const LONDON: &str = r#"apiVersion: switchboard/v1
kind: Trunk
metadata: {name: london-sbc}
spec:
  name: London SBC
  locationRef: London Office
  password: ${env:LONDON_SBC_PASSWORD:-Sandbox-Only-Passw0rd}
  trunkType: REGISTERING
---
apiVersion: switchboard/v1
kind: LocationCalling
metadata: {name: london-calling}
spec:
  locationRef: London Office
  pstn: {trunkRef: london-sbc}
  outgoingPermission:
    useCustomEnabled: true
    callingPermissions:
      - {callType: INTERNATIONAL, action: BLOCK, transferEnabled: false}
---
apiVersion: switchboard/v1
kind: LocationNumbers
metadata: {name: london-numbers}
spec: {locationRef: London Office, numbers: ["+442079460190", "+442079460191"], state: ACTIVE}
"#;

fn user(name: &str, spec: &str) -> String {
    format!(
        "---\napiVersion: switchboard/v1\nkind: UserCalling\nmetadata: {{name: {name}}}\nspec:\n{spec}"
    )
}

fn line_of<'a>(plan: &'a str, object: &str) -> &'a str {
    plan.lines()
        .find(|l| l.contains(&format!("{object} ")) && !l.starts_with(' '))
        .unwrap_or_else(|| panic!("no line for {object} in:\n{plan}"))
}

fn numbers_of(ws: &Workspace, location: &str) -> Vec<Value> {
    let id = ws.sandbox("GET", &format!("/locations?name={location}"), None)["items"][0]["id"]
        .as_str()
        .expect("location")
        .to_string();
    ws.sandbox(
        "GET",
        &format!("/telephony/config/numbers?locationId={id}"),
        None,
    )["phoneNumbers"]
        .as_array()
        .expect("numbers")
        .clone()
}

#[test]
fn route_numbers_and_the_users_who_take_them_converge_in_one_apply() {
    let ws = Workspace::new();
    ws.sandbox(
        "POST",
        "/people?callingData=true",
        Some(r#"{"emails": ["nora.new@sandbox.example.com"], "displayName": "Nora New"}"#),
    );
    let nora = user(
        "nora",
        "  personRef: nora.new@sandbox.example.com\n  license: Webex Calling - Professional\n  locationRef: London Office\n  phoneNumber: \"+442079460190\"\n",
    );
    ws.write("m/london.yaml", &format!("{LONDON}{nora}"));
    let plan = ws.run(&["plan", "m"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let order: Vec<usize> = [
        "LocationCalling/london-calling",
        "LocationNumbers/london-numbers",
        "UserCalling/nora",
    ]
    .iter()
    .map(|o| {
        plan.stdout
            .find(&format!("{o} "))
            .unwrap_or_else(|| panic!("{o}"))
    })
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "route, numbers, then the user: {}",
        plan.stdout
    );

    let apply = ws.run(&["apply", "m", "--yes"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    let numbers = numbers_of(&ws, "London%20Office");
    let state_of = |n: &str| {
        numbers
            .iter()
            .find(|x| x["phoneNumber"] == json!(n))
            .unwrap_or_else(|| panic!("{n} added"))
            .clone()
    };
    assert_eq!(state_of("+442079460191")["state"], json!("ACTIVE"));
    assert_eq!(state_of("+442079460190")["owner"]["type"], json!("PEOPLE"));
    let again = ws.run(&["plan", "m", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}", again.stdout);
}

#[test]
fn a_number_in_no_inventory_is_pending_with_those_who_wait_for_its_user() {
    let ws = Workspace::new();
    let docs = [
        user(
            "ximena",
            "  personRef: ximena.xu@sandbox.example.com\n  phoneNumber: \"+34915559999\"\n",
        ),
        user(
            "andrea",
            "  personRef: andrea.alvarez@sandbox.example.com\n  monitoring:\n    monitoredElements: [{personRef: ximena.xu@sandbox.example.com}]\n",
        ),
        user(
            "diego",
            "  personRef: diego.diaz@sandbox.example.com\n  callWaiting: {enabled: false}\n",
        ),
    ]
    .concat();
    ws.write("m/users.yaml", &docs);
    let plan = ws.run(&["plan", "m"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(
        line_of(&plan.stdout, "UserCalling/ximena").contains("pending(number_inventory_missing)")
    );
    let andrea = line_of(&plan.stdout, "UserCalling/andrea");
    assert!(
        andrea.contains("pending(") && andrea.contains("number_inventory_missing"),
        "{andrea}"
    );
    let apply = ws.run(&["apply", "m", "--yes"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    assert!(
        apply.stdout.contains("1 updated") && apply.stdout.contains("2 pending"),
        "{}",
        apply.stdout
    );
}

#[test]
fn provider_numbers_are_out_of_scope_and_assigned_numbers_are_not_pruned() {
    let ws = Workspace::new();
    // Madrid Branch gets its numbers from Cisco PSTN; Austin HQ's are its own, most assigned.
    let austin: Vec<String> = numbers_of(&ws, "Austin%20HQ")
        .iter()
        .filter(|n| n["owner"].is_null() && n["mainNumber"] != json!(true))
        .filter_map(|n| n["phoneNumber"].as_str().map(str::to_string))
        .take(2)
        .collect();
    assert_eq!(austin.len(), 2);
    let kept = serde_json::to_string(&austin).expect("json");
    ws.write(
        "m/numbers.yaml",
        &format!(
            "apiVersion: switchboard/v1\nkind: LocationNumbers\nmetadata: {{name: madrid-numbers}}\nspec: {{locationRef: Madrid Branch, numbers: [\"+34915550199\"]}}\n---\napiVersion: switchboard/v1\nkind: LocationNumbers\nmetadata: {{name: austin-numbers}}\nspec: {{locationRef: Austin HQ, numbers: {kept}, prune: true}}\n"
        ),
    );
    let plan = ws.run(&["plan", "m"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(
        line_of(&plan.stdout, "LocationNumbers/madrid-numbers").contains("pending(out_of_scope)"),
        "{}",
        plan.stdout
    );
    let austin_line = line_of(&plan.stdout, "LocationNumbers/austin-numbers");
    assert!(
        austin_line.contains("pending(precondition_missing)") && austin_line.contains("assigned"),
        "{austin_line}"
    );
    let before = numbers_of(&ws, "Austin%20HQ").len();
    let apply = ws.run(&["apply", "m", "--yes", "--force"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    assert_eq!(
        numbers_of(&ws, "Austin%20HQ").len(),
        before,
        "nothing removed"
    );
}
