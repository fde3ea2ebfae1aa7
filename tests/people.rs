//! Calling users as desired state against the embedded sandbox: each pending reason with its
//! dependents pending and the rest applied, the people PUT keeping what the manifest does not
//! own, drift on a setting changed out of band, and enabling calling in one assignment.

mod common;

use common::Workspace;
use serde_json::{Value, json};

const DOMAIN: &str = "sandbox.example.com";

fn user(name: &str, spec: &str) -> String {
    format!(
        "---\napiVersion: switchboard/v1\nkind: UserCalling\nmetadata: {{name: {name}}}\nspec:\n{spec}"
    )
}

fn email(local: &str) -> String {
    format!("{local}@{DOMAIN}")
}

/// The person with this email, with calling data.
fn person(ws: &Workspace, email: &str) -> Value {
    let found = ws.sandbox(
        "GET",
        &format!("/people?email={email}&callingData=true"),
        None,
    );
    found["items"][0].clone()
}

fn setting(ws: &Workspace, email: &str, feature: &str) -> Value {
    let id = person(ws, email)["id"].as_str().expect("id").to_string();
    ws.sandbox("GET", &format!("/people/{id}/features/{feature}"), None)
}

/// The line of `plan` output that shows one object.
fn line_of<'a>(plan: &'a str, object: &str) -> &'a str {
    plan.lines()
        .find(|l| l.contains(&format!("UserCalling/{object} ")))
        .unwrap_or_else(|| panic!("no line for {object} in:\n{plan}"))
}

#[test]
fn a_missing_person_is_pending_with_its_monitors_and_the_rest_is_applied() {
    let ws = Workspace::new();
    let carmen = email("carmen.castro");
    ws.write(
        "m/users.yaml",
        &[
            user(
                "ghost",
                "  personRef: ghost@sandbox.example.com\n  callWaiting: {enabled: false}\n",
            ),
            user(
                "farid",
                "  personRef: farid.fernandez@sandbox.example.com\n  monitoring:\n    monitoredElements: [{personRef: ghost@sandbox.example.com}]\n",
            ),
            user(
                "carmen",
                &format!(
                    "  personRef: {carmen}\n  callForwarding:\n    always: {{enabled: true, destination: \"+34600000000\"}}\n"
                ),
            ),
        ]
        .concat(),
    );
    let plan = ws.run(&["plan", "m"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(line_of(&plan.stdout, "ghost").contains("pending(user_not_found)"));
    let farid = line_of(&plan.stdout, "farid");
    assert!(
        farid.contains("pending(resource_dependency_missing)") && farid.contains("user_not_found"),
        "{farid}"
    );
    let apply = ws.run(&["apply", "m", "--yes"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    assert!(apply.stdout.contains("2 pending"), "{}", apply.stdout);
    assert_eq!(
        setting(&ws, &carmen, "callForwarding")["callForwarding"]["always"]["destination"],
        json!("+34600000000")
    );
    let monitored = setting(&ws, &email("farid.fernandez"), "monitoring");
    assert_eq!(monitored["monitoredElements"], json!([]), "nothing applied");
}

#[test]
fn a_license_the_org_lacks_or_a_feature_the_license_lacks_is_license_or_feature_missing() {
    let ws = Workspace::new();
    // A Basic user has no call recording in the sandbox, as on Webex.
    let basic = ws.sandbox(
        "POST",
        "/people?callingData=true",
        Some(r#"{"emails": ["basil.basic@sandbox.example.com"], "displayName": "Basil Basic"}"#),
    );
    assert!(basic["id"].is_string(), "{basic}");
    let madrid =
        ws.sandbox("GET", "/locations?name=Madrid%20Branch", None)["items"][0]["id"].clone();
    let licenses = ws.sandbox("GET", "/licenses", None);
    let basic_license = licenses["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|l| l["name"] == json!("Webex Calling - Basic"))
        .expect("a Basic license")["id"]
        .clone();
    let assigned = ws.sandbox(
        "PATCH",
        "/licenses/users",
        Some(
            &json!({"email": "basil.basic@sandbox.example.com", "licenses": [{"id": basic_license,
            "operation": "add", "properties": {"locationId": madrid, "extension": "4321"}}]})
            .to_string(),
        ),
    );
    assert!(assigned["personId"].is_string(), "{assigned}");
    ws.write(
        "m/users.yaml",
        &[
            user(
                "basil",
                "  personRef: basil.basic@sandbox.example.com\n  callRecording: {enabled: true, record: Always}\n",
            ),
            user(
                "rosa",
                "  personRef: rosa.rossi@sandbox.example.com\n  license: Webex Calling - Premium Plus\n",
            ),
            user(
                "isabel",
                "  personRef: isabel.ito@sandbox.example.com\n  callWaiting: {enabled: false}\n",
            ),
        ]
        .concat(),
    );
    let plan = ws.run(&["plan", "m"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    for who in ["basil", "rosa"] {
        assert!(
            line_of(&plan.stdout, who).contains("pending(license_or_feature_missing)"),
            "{who}: {}",
            plan.stdout
        );
    }
    let apply = ws.run(&["apply", "m", "--yes"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    assert_eq!(
        setting(&ws, &email("isabel.ito"), "callWaiting")["enabled"],
        json!(false)
    );
}

#[test]
fn a_new_location_for_a_calling_user_requires_replacement_and_half_an_enablement_is_refused() {
    let ws = Workspace::new();
    ws.sandbox(
        "POST",
        "/people?callingData=true",
        Some(r#"{"emails": ["nora.new@sandbox.example.com"], "displayName": "Nora New"}"#),
    );
    ws.write(
        "m/users.yaml",
        &[
            user(
                "carmen",
                "  personRef: carmen.castro@sandbox.example.com\n  locationRef: London Office\n",
            ),
            user(
                "nora",
                "  personRef: nora.new@sandbox.example.com\n  license: Webex Calling - Professional\n  locationRef: Madrid Branch\n",
            ),
        ]
        .concat(),
    );
    let plan = ws.run(&["plan", "m"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let carmen = line_of(&plan.stdout, "carmen");
    assert!(carmen.contains("pending(requires_replacement)"), "{carmen}");
    assert!(carmen.contains("move-users"), "{carmen}");
    let nora = line_of(&plan.stdout, "nora");
    assert!(
        nora.contains("pending(precondition_missing)") && nora.contains("extension or phoneNumber"),
        "{nora}"
    );
}

#[test]
fn calling_is_enabled_in_one_assignment_and_the_people_put_keeps_unowned_fields() {
    let ws = Workspace::new();
    let created = ws.sandbox(
        "POST",
        "/people?callingData=true",
        Some(
            r#"{"emails": ["nora.new@sandbox.example.com"], "displayName": "Nora New",
            "department": "Sales", "title": "Account Executive", "phoneNumbers": [{"type": "mobile", "value": "+34699000111"}]}"#,
        ),
    );
    let id = created["id"].as_str().expect("id").to_string();
    let consumed = |ws: &Workspace| {
        ws.sandbox("GET", "/licenses", None)["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|l| l["name"] == json!("Webex Calling - Professional"))
            .expect("license")["consumedUnits"]
            .as_u64()
            .expect("a count")
    };
    let before = consumed(&ws);
    let doc = |ext: &str| {
        user(
            "nora",
            &format!(
                "  personRef: Nora.New@sandbox.example.com\n  license: Webex Calling - Professional\n  locationRef: Madrid Branch\n  extension: \"{ext}\"\n  callWaiting: {{enabled: false}}\n"
            ),
        )
    };
    ws.write("m/users.yaml", &doc("4501"));
    let apply = ws.run(&["apply", "m", "--yes"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    let nora = person(&ws, "nora.new@sandbox.example.com");
    assert_eq!(nora["extension"], json!("4501"));
    assert_eq!(consumed(&ws), before + 1);
    assert_eq!(
        setting(&ws, "nora.new@sandbox.example.com", "callWaiting")["enabled"],
        json!(false)
    );

    // Out of band, someone sets fields no manifest owns; a new extension must keep them.
    let mut full = ws.sandbox("GET", &format!("/people/{id}?callingData=true"), None);
    full["nickName"] = json!("Nori");
    full["manager"] = json!("Maria Martin");
    ws.sandbox(
        "PUT",
        &format!("/people/{id}?callingData=true"),
        Some(&full.to_string()),
    );
    ws.write("m/users.yaml", &doc("4502"));
    let apply = ws.run(&["apply", "m", "--yes"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    let after = ws.sandbox("GET", &format!("/people/{id}?callingData=true"), None);
    assert_eq!(after["extension"], json!("4502"));
    for (field, value) in [
        ("nickName", json!("Nori")),
        ("manager", json!("Maria Martin")),
        ("department", json!("Sales")),
        ("title", json!("Account Executive")),
    ] {
        assert_eq!(after[field], value, "{field} kept: {after}");
    }
    assert!(
        after["phoneNumbers"]
            .as_array()
            .expect("numbers")
            .iter()
            .any(|n| n["value"] == json!("+34699000111")),
        "the mobile number kept: {after}"
    );
    let again = ws.run(&["plan", "m", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}", again.stdout);
}

#[test]
fn drift_on_a_setting_changed_out_of_band_names_the_field_and_apply_converges() {
    let ws = Workspace::new();
    let carmen = email("carmen.castro");
    ws.write(
        "m/users.yaml",
        &user(
            "carmen",
            &format!(
                "  personRef: {carmen}\n  callForwarding:\n    busy: {{enabled: true, destination: \"+34600000001\"}}\n  callRecording: {{enabled: true, record: Always}}\n"
            ),
        ),
    );
    let apply = ws.run(&["apply", "m", "--yes"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    let id = person(&ws, &carmen)["id"].as_str().expect("id").to_string();
    ws.sandbox(
        "PUT",
        &format!("/people/{id}/features/callRecording"),
        Some(r#"{"enabled": true, "record": "Never"}"#),
    );
    let drift = ws.run(&["drift", "m"]);
    assert_eq!(drift.code, 2, "{}{}", drift.stdout, drift.stderr);
    assert!(
        drift.stdout.contains("callRecording/record"),
        "{}",
        drift.stdout
    );
    assert!(!drift.stdout.contains("callForwarding"), "{}", drift.stdout);
    let apply = ws.run(&["apply", "m", "--yes"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    assert_eq!(
        setting(&ws, &carmen, "callRecording")["record"],
        json!("Always")
    );
    let drift = ws.run(&["drift", "m"]);
    assert_eq!(drift.code, 0, "{}", drift.stdout);
}

#[test]
fn a_policy_change_shows_on_every_matched_user_named_and_a_users_own_field_wins() {
    let ws = Workspace::new();
    let policy = |record: &str| {
        format!(
            "apiVersion: switchboard/v1\nkind: CallingPolicy\nmetadata: {{name: sales-recording}}\nspec:\n  appliesTo: UserCalling\n  selector: {{matchLabels: {{dept: sales}}}}\n  settings:\n    callRecording: {{enabled: true, record: {record}}}\n"
        )
    };
    let labelled = |name: &str, local: &str, dept: &str, extra: &str| {
        format!(
            "---\napiVersion: switchboard/v1\nkind: UserCalling\nmetadata: {{name: {name}, labels: {{dept: {dept}}}}}\nspec:\n  personRef: {local}@{DOMAIN}\n{extra}"
        )
    };
    let users = [
        labelled("carmen", "carmen.castro", "sales", ""),
        labelled("farid", "farid.fernandez", "sales", ""),
        labelled(
            "liam",
            "liam.lopez",
            "sales",
            "  callRecording: {record: On Demand with User Initiated Start}\n",
        ),
        labelled(
            "rosa",
            "rosa.rossi",
            "support",
            "  callWaiting: {enabled: true}\n",
        ),
    ]
    .concat();
    ws.write("m/users.yaml", &users);
    ws.write("m/policy.yaml", &policy("Always"));
    let apply = ws.run(&["apply", "m", "--yes", "--force"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    assert_eq!(
        setting(&ws, &email("farid.fernandez"), "callRecording")["record"],
        json!("Always")
    );
    assert_eq!(
        setting(&ws, &email("liam.lopez"), "callRecording")["record"],
        json!("On Demand with User Initiated Start"),
        "the user's own field wins over the policy"
    );
    assert_eq!(
        setting(&ws, &email("rosa.rossi"), "callRecording")["enabled"],
        json!(false),
        "a user the policy does not select is not touched"
    );
    assert_eq!(
        setting(&ws, &email("alice.anderson"), "callRecording")["enabled"],
        json!(false),
        "a person in no manifest is not touched"
    );

    ws.write("m/policy.yaml", &policy("Always with Pause/Resume"));
    let plan = ws.run(&["plan", "m", "--format", "json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let plan: Value = serde_json::from_str(&plan.stdout).expect("json");
    let changed: Vec<(&str, &Value)> = plan["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter(|a| a["action"] == json!("update"))
        .flat_map(|a| {
            let name = a["name"].as_str().unwrap_or_default();
            a["changes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(move |c| (name, c))
        })
        .collect();
    let mut names: Vec<&str> = changed.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    assert_eq!(names, ["carmen", "farid"], "{changed:?}");
    for (_, change) in &changed {
        assert_eq!(change["path"], json!("/callRecording/record"));
        assert_eq!(change["from"], json!("CallingPolicy/sales-recording"));
    }
}

#[test]
fn a_saved_plan_of_settings_applies_and_is_refused_once_a_setting_changes_under_it() {
    let ws = Workspace::new();
    let carmen = email("carmen.castro");
    let doc = |destination: &str| {
        user(
            "carmen",
            &format!(
                "  personRef: {carmen}\n  callForwarding:\n    always: {{enabled: true, destination: \"{destination}\"}}\n  callWaiting: {{enabled: false}}\n"
            ),
        )
    };
    ws.write("m/users.yaml", &doc("+34600000001"));
    let plan = ws.run(&["plan", "m", "--out", "plan.json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let apply = ws.run(&["apply", "plan.json", "--yes"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    assert_eq!(
        setting(&ws, &carmen, "callForwarding")["callForwarding"]["always"]["destination"],
        json!("+34600000001")
    );

    ws.write("m/users.yaml", &doc("+34600000002"));
    let plan = ws.run(&["plan", "m", "--out", "plan.json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    // Someone changes an owned setting between plan and apply: the plan is stale.
    let id = person(&ws, &carmen)["id"].as_str().expect("id").to_string();
    ws.sandbox(
        "PUT",
        &format!("/people/{id}/features/callWaiting"),
        Some(r#"{"enabled": true}"#),
    );
    let stale = ws.run(&["apply", "plan.json", "--yes"]);
    assert_eq!(stale.code, 1, "{}{}", stale.stdout, stale.stderr);
    assert!(
        stale.stderr.contains("UserCalling/carmen"),
        "{}",
        stale.stderr
    );
    assert_eq!(
        setting(&ws, &carmen, "callForwarding")["callForwarding"]["always"]["destination"],
        json!("+34600000001"),
        "nothing applied"
    );
}

#[test]
fn an_executive_who_stops_being_one_keeps_no_assistants_and_the_apply_succeeds() {
    let ws = Workspace::new();
    let carmen = email("carmen.castro");
    let doc = |role: &str| {
        user(
            "carmen",
            &format!("  personRef: {carmen}\n  executiveAssistant:\n    type: {role}\n"),
        )
    };
    ws.write(
        "m/users.yaml",
        &user(
            "carmen",
            &format!(
                "  personRef: {carmen}\n  executiveAssistant:\n    type: EXECUTIVE\n    assistants: [{{personRef: Isabel.Ito@sandbox.example.com}}]\n"
            ),
        ),
    );
    let apply = ws.run(&["apply", "m", "--yes"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    let quiet = ws.run(&["plan", "m", "--detailed-exitcode"]);
    assert_eq!(
        quiet.code, 0,
        "an assistant named in another case converges: {}",
        quiet.stdout
    );

    ws.write("m/users.yaml", &doc("UNASSIGNED"));
    let apply = ws.run(&["apply", "m", "--yes"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    assert_eq!(
        setting(&ws, &carmen, "executiveAssistant")["type"],
        json!("UNASSIGNED")
    );
}
