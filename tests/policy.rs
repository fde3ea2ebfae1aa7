//! `CallingPolicy`: settings merged into every selected manifest, the manifest's own fields
//! winning, shown in the plan with the policy named; conflicts and bad settings are refused
//! with the policy's file:line:col.

mod common;

use common::Workspace;

const POLICY: &str = "apiVersion: switchboard/v1\nkind: CallingPolicy\nmetadata: {name: edge-trunks}\nspec:\n  appliesTo: Trunk\n  selector: {matchLabels: {tier: edge}}\n  settings:\n    maxConcurrentCalls: 50\n    dualIdentitySupportEnabled: true\n";

/// The quickstart with both trunks labelled `tier: edge`.
fn labelled() -> Workspace {
    let ws = Workspace::new();
    let path = "manifests/20-routing.yaml";
    let text = std::fs::read_to_string(ws.file(path)).expect("routing");
    let text = text
        .replace(
            "  name: madrid-sbc-1\n",
            "  name: madrid-sbc-1\n  labels: {tier: edge}\n",
        )
        .replace(
            "  name: austin-sbc-1\n",
            "  name: austin-sbc-1\n  labels: {tier: edge}\n",
        );
    ws.write(path, &text);
    ws
}

fn action<'a>(plan: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    plan["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["name"] == name)
        .expect("action")
}

fn change<'a>(action: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    action["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["path"] == path)
        .unwrap_or_else(|| panic!("no change at {path}: {action}"))
}

#[test]
fn every_selected_manifest_gets_the_settings_its_own_spec_leaves_unset() {
    let ws = labelled();
    ws.write("manifests/40-policy.yaml", POLICY);
    let valid = ws.run(&["validate", "manifests"]);
    assert_eq!(valid.code, 0, "{}", valid.stderr);
    assert!(
        valid.stdout.contains("8 manifest(s) valid."),
        "policies are not objects: {}",
        valid.stdout
    );

    let out = ws.run(&["plan", "manifests", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let plan: serde_json::Value = serde_json::from_str(&out.stdout).expect("plan json");
    for trunk in ["madrid-sbc-1", "austin-sbc-1"] {
        let dual = change(action(&plan, trunk), "/dualIdentitySupportEnabled");
        assert_eq!(dual["after"], true);
        assert_eq!(dual["from"], "CallingPolicy/edge-trunks");
    }
    let madrid = change(action(&plan, "madrid-sbc-1"), "/maxConcurrentCalls");
    assert_eq!(madrid["after"], 100, "the manifest's own value wins");
    assert!(madrid.get("from").is_none());
    assert_eq!(
        change(action(&plan, "austin-sbc-1"), "/maxConcurrentCalls")["after"],
        50
    );

    let text = ws.run(&["plan", "manifests"]);
    assert!(
        text.stdout
            .contains("+ dualIdentitySupportEnabled: true  (from CallingPolicy/edge-trunks)"),
        "{}",
        text.stdout
    );
}

#[test]
fn a_changed_policy_shows_on_every_matched_object_with_the_policy_named() {
    let ws = labelled();
    ws.write("manifests/40-policy.yaml", POLICY);
    let applied = ws.run(&["apply", "manifests", "--yes"]);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    ws.write(
        "manifests/40-policy.yaml",
        &POLICY.replace(
            "dualIdentitySupportEnabled: true",
            "dualIdentitySupportEnabled: false",
        ),
    );
    let out = ws.run(&["plan", "manifests"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let line = "+ dualIdentitySupportEnabled: false  (from CallingPolicy/edge-trunks)";
    assert_eq!(out.stdout.matches(line).count(), 2, "{}", out.stdout);
    assert!(
        out.stdout.contains("Plan: 0 to create, 2 to update"),
        "{}",
        out.stdout
    );
}

#[test]
fn conflicting_policies_and_bad_settings_are_refused_where_they_are_written() {
    let ws = labelled();
    let other = "---\napiVersion: switchboard/v1\nkind: CallingPolicy\nmetadata: {name: other}\nspec:\n  appliesTo: Trunk\n  selector: {matchExpressions: [{key: tier, operator: Exists}]}\n  settings:\n    dualIdentitySupportEnabled: false\n    colour: blue\n";
    ws.write("manifests/40-policy.yaml", &format!("{POLICY}{other}"));
    let out = ws.run(&["validate", "manifests"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("40-policy.yaml:18:33: CallingPolicy/other at /spec/settings/dualIdentitySupportEnabled: CallingPolicy/edge-trunks and CallingPolicy/other both set /dualIdentitySupportEnabled of Trunk/"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("40-policy.yaml:19:13: CallingPolicy/other at /spec/settings/colour: unknown field `colour`"),
        "{}",
        out.stderr
    );

    ws.write(
        "manifests/40-policy.yaml",
        &POLICY.replace("appliesTo: Trunk", "appliesTo: Person"),
    );
    let out = ws.run(&["validate", "manifests"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("40-policy.yaml:5:14: CallingPolicy/edge-trunks at /spec/appliesTo: Person has no settings"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_policy_that_selects_nothing_is_a_warning() {
    let ws = Workspace::new();
    ws.write("manifests/40-policy.yaml", POLICY);
    let out = ws.run(&["validate", "manifests"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("warning: ")
            && out
                .stderr
                .contains("CallingPolicy/edge-trunks selects no Trunk manifest"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_policy_may_not_hand_out_references_or_keys() {
    let ws = Workspace::new();
    for (settings, field) in [
        ("    phoneNumber: \"+34910000001\"\n", "phoneNumber"),
        ("    license: Webex Calling - Basic\n", "license"),
        ("    personRef: ana@example.com\n", "settings"),
    ] {
        ws.write(
            "m/policy.yaml",
            &format!(
                "apiVersion: switchboard/v1\nkind: CallingPolicy\nmetadata: {{name: bad}}\nspec:\n  appliesTo: UserCalling\n  selector: {{matchLabels: {{dept: sales}}}}\n  settings:\n{settings}"
            ),
        );
        let out = ws.run(&["validate", "m"]);
        assert_eq!(out.code, 1, "{settings}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stderr.contains("m/policy.yaml:") && out.stderr.contains(field),
            "{}",
            out.stderr
        );
    }
}
