//! How policies select, merge and refuse, on documents loaded from YAML text.

use super::*;
use crate::manifest::validate::validate_document;
use crate::manifest::yaml::parse_documents;
use serde_json::json;

const LOCATION: &str = "apiVersion: switchboard/v1\nkind: Location\nmetadata:\n  name: {name}\n  labels: {labels}\nspec:\n  name: {name}\n  timeZone: Europe/Madrid\n  preferredLanguage: es_es\n  announcementLanguage: es_es\n  address: {address1: Calle 1, city: Madrid, state: Madrid, postalCode: \"28001\", country: ES}\n";

fn location(name: &str, labels: &str) -> String {
    LOCATION.replace("{name}", name).replace("{labels}", labels)
}

fn policy_doc(name: &str, applies_to: &str, selector: &str, settings: &str) -> String {
    format!(
        "apiVersion: switchboard/v1\nkind: CallingPolicy\nmetadata: {{name: {name}}}\nspec:\n  appliesTo: {applies_to}\n  selector: {selector}\n  settings:\n{settings}"
    )
}

fn load(files: &[(&str, String)]) -> ManifestSet {
    let env = |name: &str| (name == "SECRET").then(|| "s3cret".to_string());
    let mut objects = Vec::new();
    for (file, text) in files {
        for doc in parse_documents(file, text).expect("yaml") {
            objects.push(validate_document(&doc, &env).expect("valid document"));
        }
    }
    ManifestSet { objects }
}

fn object<'a>(applied: &'a Applied, name: &str) -> &'a DesiredObject {
    applied
        .set
        .objects
        .iter()
        .find(|o| o.id.name == name)
        .expect("object")
}

fn errors(result: Result<Applied, Diagnostics>) -> Vec<String> {
    result
        .expect_err("refused")
        .0
        .iter()
        .map(|d| d.to_string())
        .collect()
}

#[test]
fn selectors_match_labels_and_expressions_like_kubernetes() {
    let labels: BTreeMap<String, String> = [("dept".to_string(), "sales".to_string())].into();
    let expression = |operator, values: &[&str]| LabelSelector {
        match_labels: BTreeMap::new(),
        match_expressions: vec![LabelExpression {
            key: "dept".into(),
            operator,
            values: values.iter().map(|v| v.to_string()).collect(),
        }],
    };
    assert!(
        LabelSelector::default().matches(&labels),
        "{{}} selects all"
    );
    assert!(expression(LabelOperator::In, &["sales", "ops"]).matches(&labels));
    assert!(!expression(LabelOperator::In, &["ops"]).matches(&labels));
    assert!(!expression(LabelOperator::NotIn, &["sales"]).matches(&labels));
    assert!(expression(LabelOperator::NotIn, &["sales"]).matches(&BTreeMap::new()));
    assert!(expression(LabelOperator::Exists, &[]).matches(&labels));
    assert!(!expression(LabelOperator::DoesNotExist, &[]).matches(&labels));
    let both = LabelSelector {
        match_labels: [("dept".to_string(), "ops".to_string())].into(),
        ..expression(LabelOperator::Exists, &[])
    };
    assert!(!both.matches(&labels), "every condition must hold");
}

#[test]
fn settings_fill_only_the_fields_the_document_leaves_unset_and_record_their_policy() {
    let set = load(&[
        ("a.yaml", location("sales-hq", "{dept: sales}")),
        ("b.yaml", location("ops-hq", "{dept: ops}")),
        (
            "p.yaml",
            policy_doc(
                "spain",
                "Location",
                "{matchLabels: {dept: sales}}",
                "    timeZone: Europe/Lisbon\n    address: {city: Sevilla, address2: Floor 2}\n    notes: ${env:SECRET}\n",
            ),
        ),
    ]);
    let applied = apply(set).expect("applies");
    assert!(applied.warnings.is_empty());
    assert_eq!(
        applied.set.objects.len(),
        2,
        "the policy itself is taken out"
    );
    let sales = object(&applied, "sales-hq");
    assert_eq!(sales.spec["timeZone"], "Europe/Madrid", "the document wins");
    assert_eq!(sales.spec["address"]["city"], "Madrid", "field by field");
    assert_eq!(sales.spec["address"]["address2"], "Floor 2");
    assert_eq!(sales.spec["notes"], "s3cret");
    assert_eq!(sales.spec_template["notes"], "${env:SECRET}");
    assert_eq!(sales.sensitive, vec!["/notes".to_string()]);
    let from: Vec<(&str, &str)> = sales
        .from_policy
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        from,
        vec![
            ("/address/address2", "CallingPolicy/spain"),
            ("/notes", "CallingPolicy/spain")
        ]
    );
    let ops = object(&applied, "ops-hq");
    assert!(ops.from_policy.is_empty() && ops.spec.get("notes").is_none());
}

#[test]
fn two_policies_setting_one_field_of_a_document_are_an_error_unless_the_document_sets_it() {
    let policies = || {
        [
            policy_doc("a", "Location", "{}", "    address: {address2: A}\n"),
            policy_doc("b", "Location", "{}", "    address: {address2: B}\n"),
        ]
        .join("---\n")
    };
    let refused = errors(apply(load(&[
        ("a.yaml", location("hq", "{}")),
        ("p.yaml", policies()),
    ])));
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].starts_with("error: p.yaml:17:")
            && refused[0].contains(
                "CallingPolicy/a and CallingPolicy/b both set /address/address2 of Location/hq"
            ),
        "{}",
        refused[0]
    );
    let own = location("hq", "{}").replace("country: ES}", "country: ES, address2: Own}");
    let applied = apply(load(&[("a.yaml", own), ("p.yaml", policies())])).expect("applies");
    assert_eq!(object(&applied, "hq").spec["address"]["address2"], "Own");
}

#[test]
fn a_setting_the_kind_refuses_is_reported_at_the_policy() {
    let refused = errors(apply(load(&[
        ("a.yaml", location("hq", "{}")),
        (
            "p.yaml",
            policy_doc(
                "bad",
                "Location",
                "{}",
                "    latitude: 7\n    colour: blue\n",
            ),
        ),
    ])));
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(
        refused[0].starts_with("error: p.yaml:8:15: CallingPolicy/bad at /spec/settings/latitude"),
        "{}",
        refused[0]
    );
    assert!(
        refused[1].starts_with("error: p.yaml:9:13: CallingPolicy/bad at /spec/settings/colour")
            && refused[1].contains("unknown field `colour`"),
        "{}",
        refused[1]
    );
}

#[test]
fn a_policy_must_name_a_kind_with_settings_and_valid_expressions() {
    for (applies_to, selector, expected) in [
        ("Nothing", "{}", "unknown kind `Nothing`"),
        ("Ownership", "{}", "Ownership has no settings"),
        (
            "Location",
            "{matchExpressions: [{key: a, operator: In}]}",
            "operator In needs values",
        ),
    ] {
        let refused = errors(apply(load(&[
            ("a.yaml", location("hq", "{}")),
            (
                "p.yaml",
                policy_doc("p", applies_to, selector, "    notes: x\n"),
            ),
        ])));
        assert!(
            refused.len() == 1
                && refused[0].starts_with("error: p.yaml:")
                && refused[0].contains(expected),
            "{refused:?}"
        );
    }
}

#[test]
fn a_policy_that_selects_nothing_is_a_warning() {
    let applied = apply(load(&[
        ("a.yaml", location("hq", "{dept: ops}")),
        (
            "p.yaml",
            policy_doc(
                "p",
                "Location",
                "{matchLabels: {dept: sales}}",
                "    notes: x\n",
            ),
        ),
    ]))
    .expect("applies");
    assert_eq!(applied.warnings.len(), 1);
    assert!(applied.warnings[0].contains("CallingPolicy/p selects no Location manifest"));
}

#[test]
fn references_in_settings_become_references_of_the_document() {
    let dialing = "apiVersion: switchboard/v1\nkind: LocationInternalDialing\nmetadata: {name: hq-dialing, labels: {site: hq}}\nspec:\n  locationRef: hq\n  enableUnknownExtensionRoutePolicy: true\n".to_string();
    let applied = apply(load(&[
        ("a.yaml", dialing),
        (
            "p.yaml",
            policy_doc(
                "route",
                "LocationInternalDialing",
                "{matchLabels: {site: hq}}",
                "    unknownExtensionRouteIdentity: {routeGroupRef: rg-main}\n",
            ),
        ),
    ]))
    .expect("applies");
    let targets: Vec<(&str, &str)> = object(&applied, "hq-dialing")
        .references
        .iter()
        .map(|r| (r.target_kind.as_str(), r.target_name.as_str()))
        .collect();
    assert_eq!(targets, vec![("Location", "hq"), ("RouteGroup", "rg-main")]);
}

#[test]
fn changes_at_or_under_a_policy_field_name_the_policy() {
    let from: BTreeMap<String, String> = [(
        "/callRecording".to_string(),
        "CallingPolicy/rec".to_string(),
    )]
    .into();
    let change = |path: &str| FieldChange {
        path: path.into(),
        before: None,
        after: json!(1),
        sensitive: false,
        from: None,
    };
    let changes = attribute(
        vec![
            change("/callRecording/record"),
            change("/callRecording"),
            change("/callRecordingX"),
            change("/name"),
        ],
        &from,
    );
    let named: Vec<Option<&str>> = changes.iter().map(|c| c.from.as_deref()).collect();
    assert_eq!(
        named,
        vec![
            Some("CallingPolicy/rec"),
            Some("CallingPolicy/rec"),
            None,
            None
        ]
    );
}

#[test]
fn a_change_reported_above_policy_fields_names_their_policies() {
    let from: BTreeMap<String, String> = [
        (
            "/callRecording/enabled".to_string(),
            "CallingPolicy/a".to_string(),
        ),
        (
            "/callRecording/record".to_string(),
            "CallingPolicy/a".to_string(),
        ),
        ("/callWaiting".to_string(), "CallingPolicy/b".to_string()),
    ]
    .into();
    let change = |path: &str| FieldChange {
        path: path.into(),
        before: None,
        after: serde_json::json!({}),
        sensitive: false,
        from: None,
    };
    let named = attribute(
        vec![
            change("/callRecording"),
            change("/callWaiting/enabled"),
            change("/voicemail"),
        ],
        &from,
    );
    let froms: Vec<Option<&str>> = named.iter().map(|c| c.from.as_deref()).collect();
    assert_eq!(
        froms,
        [Some("CallingPolicy/a"), Some("CallingPolicy/b"), None]
    );
}
