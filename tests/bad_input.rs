//! Every class of bad input: exit 1, the file:line:col of the problem, and nothing applied.

mod common;
use common::Workspace;

fn doc(kind: &str, name: &str, spec: &str) -> String {
    format!("apiVersion: switchboard/v1\nkind: {kind}\nmetadata:\n  name: {name}\nspec:\n{spec}")
}

/// Apply the quickstart plus `bad`; it must fail with `expect` in stderr and change nothing.
fn rejected(file: &str, bad: &str, expect: &[&str]) -> String {
    let ws = Workspace::new();
    ws.write(&format!("manifests/{file}"), bad);
    let out = ws.run(&["apply", "manifests", "--yes"]);
    assert_eq!(
        out.code, 1,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    for e in expect {
        assert!(out.stderr.contains(e), "expected `{e}` in:\n{}", out.stderr);
    }
    assert!(
        !ws.location_names().contains(&"Madrid HQ".to_string()),
        "nothing may be applied"
    );
    out.stderr
}

#[test]
fn yaml_syntax_error_has_a_position() {
    rejected(
        "bad.yaml",
        "apiVersion: switchboard/v1\nkind: Location\nmetadata: {name: x\n",
        &["manifests/bad.yaml:", "YAML syntax"],
    );
}

#[test]
fn a_wrong_type_points_at_the_value() {
    let bad = doc(
        "Trunk",
        "t",
        "  name: T\n  locationRef: madrid-hq\n  password: ${env:P:-x1}\n  trunkType: REGISTERING\n  port: not-a-port\n",
    );
    rejected(
        "bad.yaml",
        &bad,
        &[
            "manifests/bad.yaml:10:9",
            "Trunk/t",
            "/spec/port",
            "not of type",
        ],
    );
}

#[test]
fn an_unknown_field_points_at_its_key_with_a_hint() {
    let bad = doc(
        "Location",
        "x",
        "  name: X\n  timeZone: UTC\n  preferredLanguage: en_us\n  announcementLanguage: en_us\n  address: {address1: a, city: b, state: c, postalCode: d, country: US}\n  colour: blue\n",
    );
    rejected(
        "bad.yaml",
        &bad,
        &["manifests/bad.yaml:11:3", "unknown field `colour`", "hint:"],
    );
}

#[test]
fn a_missing_required_field_is_named() {
    let bad = doc("RouteGroup", "rg", "  name: RG\n");
    rejected(
        "bad.yaml",
        &bad,
        &[
            "manifests/bad.yaml:",
            "missing required field `localGateways`",
        ],
    );
}

#[test]
fn an_enum_value_outside_the_list_is_rejected() {
    let bad = doc(
        "Schedule",
        "s",
        "  name: S\n  type: weekends\n  locationRef: madrid-hq\n",
    );
    rejected("bad.yaml", &bad, &["manifests/bad.yaml:7:9", "/spec/type"]);
}

#[test]
fn unknown_kind_lists_the_known_ones() {
    rejected(
        "bad.yaml",
        &doc("Trunkk", "t", "  name: T\n"),
        &[
            "manifests/bad.yaml:2:7",
            "unknown kind `Trunkk`",
            "known kinds: Location, Trunk",
        ],
    );
}

#[test]
fn duplicate_kind_and_name() {
    let stderr = rejected(
        "dup.yaml",
        &doc(
            "RouteGroup",
            "rg-main",
            "  name: Other\n  localGateways: [{trunkRef: madrid-sbc-1, priority: 1}]\n",
        ),
        &["duplicate RouteGroup/rg-main"],
    );
    assert!(stderr.contains("first defined at"), "{stderr}");
}

#[test]
fn two_manifests_for_one_live_object() {
    let bad = doc(
        "RouteGroup",
        "rg-copy",
        "  name: RG Main\n  localGateways: [{trunkRef: madrid-sbc-1, priority: 1}]\n",
    );
    rejected("dup.yaml", &bad, &["both manage RouteGroup 'RG Main'"]);
}

#[test]
fn forbidden_operation_user_create() {
    rejected(
        "people.yaml",
        &doc("Person", "ana", "  emails: [ana@example.com]\n"),
        &[
            "manifests/people.yaml:2:7",
            "forbidden operation",
            "user_create",
        ],
    );
}

#[test]
fn a_literal_trunk_password_is_refused_without_echoing_it() {
    let bad = doc(
        "Trunk",
        "t",
        "  name: T\n  locationRef: madrid-hq\n  password: Hunter2-In-Git\n  trunkType: REGISTERING\n",
    );
    let stderr = rejected(
        "bad.yaml",
        &bad,
        &["manifests/bad.yaml:8:13", "/spec/password", "${env:"],
    );
    assert!(!stderr.contains("Hunter2-In-Git"), "{stderr}");
}

#[test]
fn an_unset_secret_variable() {
    let bad = doc(
        "Trunk",
        "t",
        "  name: T\n  locationRef: madrid-hq\n  password: ${env:SB_TEST_UNSET_VAR}\n  trunkType: REGISTERING\n",
    );
    rejected(
        "bad.yaml",
        &bad,
        &["manifests/bad.yaml:8:13", "`SB_TEST_UNSET_VAR` is not set"],
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let ws = Workspace::new();
    ws.write("manifests/a.yaml", &doc("Trunkk", "t", "  name: T\n"));
    ws.write("manifests/b.yaml", &doc("RouteGroup", "rg", "  name: RG\n"));
    let out = ws.run(&["validate", "manifests"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("manifests/a.yaml") && out.stderr.contains("manifests/b.yaml"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("2 problem(s) found"), "{}", out.stderr);
}

#[test]
fn arbitrary_bytes_never_panic() {
    let ws = Workspace::new();
    let inputs: [&[u8]; 6] = [
        b"\xff\xfe\x00garbage",
        b"- - - [",
        b"a: &x [*x]\n",
        b"{{{{",
        b"---\n---\n42\n",
        b"kind: [1]\napiVersion: {a: b}\n",
    ];
    for (i, bytes) in inputs.iter().enumerate() {
        std::fs::write(ws.file(&format!("manifests/z{i}.yaml")), bytes).expect("write");
    }
    let out = ws.run(&["validate", "manifests"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}
