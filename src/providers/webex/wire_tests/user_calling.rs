//! UserCalling's pure steps: each pending reason the kind decides itself, enabling calling
//! in one assignment, and whole-setting bodies that keep what the manifest leaves out.

use crate::diff;
use crate::model::LiveObject;
use crate::providers::kind::Operation;
use crate::providers::webex::kinds::user_calling::{INFO, KIND, UserCalling};
use crate::providers::{Blocked, Change, Kind, Step, reason};
use serde_json::{Value, json};

fn person(calling: bool, state: Value, unavailable: &[&str]) -> LiveObject {
    let mut live = LiveObject::new(KIND, "ana@example.com", "P-ANA", state);
    live.meta = json!({"calling": calling, "unavailable": unavailable});
    live
}

fn steps_for(
    desired: &Value,
    live: Option<&LiveObject>,
    referenced: &[(String, &LiveObject)],
) -> Result<Vec<Step>, Blocked> {
    let fields = match live {
        Some(l) => diff::diff(&INFO.diff_rules, desired, &l.state),
        None => diff::all_fields(&INFO.diff_rules, desired),
    };
    UserCalling.steps(&Change {
        kind: KIND,
        key: "ana@example.com",
        operation: Operation::Update,
        desired,
        live,
        fields: &fields,
        members: &[],
        referenced,
    })
}

fn ana() -> Value {
    json!({"personRef": "Ana@Example.com", "license": "Webex Calling - Professional",
        "locationRef": "Madrid HQ", "extension": "1001",
        "callForwarding": {"always": {"enabled": true, "destination": "+34600000000"}}})
}

fn codes(r: Result<Vec<Step>, Blocked>) -> &'static str {
    r.err().map_or("ok", |b| b.reason)
}

#[test]
fn a_missing_person_is_user_not_found() {
    assert_eq!(codes(steps_for(&ana(), None, &[])), reason::USER_NOT_FOUND);
}

#[test]
fn enabling_calling_is_one_assignment_then_the_settings() {
    let live = person(false, json!({"personRef": "ana@example.com"}), &[]);
    let steps = steps_for(&ana(), Some(&live), &[]).expect("steps");
    let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["user_enable_calling", "user_forwarding_configure"]);
    assert_eq!(steps[0].input["locationRef"], json!("Madrid HQ"));
    assert_eq!(steps[0].input["extension"], json!("1001"));
    let mut half = ana();
    half.as_object_mut().map(|o| o.remove("extension"));
    assert_eq!(
        codes(steps_for(&half, Some(&live), &[])),
        reason::PRECONDITION_MISSING
    );
}

#[test]
fn no_license_left_is_license_or_feature_missing() {
    let live = person(false, json!({"personRef": "ana@example.com"}), &[]);
    let license = LiveObject::new(
        "License",
        "Webex Calling - Professional",
        "L1",
        json!({"totalUnits": 5, "consumedUnits": 5}),
    );
    let referenced = [("/license".to_string(), &license)];
    assert_eq!(
        codes(steps_for(&ana(), Some(&live), &referenced)),
        reason::LICENSE_OR_FEATURE_MISSING
    );
}

#[test]
fn a_calling_user_changes_only_what_differs_keeping_unowned_fields() {
    let live = person(
        true,
        json!({"personRef": "ana@example.com", "license": "Webex Calling - Professional",
            "locationRef": "Madrid HQ", "extension": "1001",
            "callForwarding": {"always": {"enabled": false, "ringReminderEnabled": true},
                "busy": {"enabled": false}}}),
        &[],
    );
    let steps = steps_for(&ana(), Some(&live), &[]).expect("steps");
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert_eq!(
        steps[0].input["body"],
        json!({"always": {"enabled": true, "destination": "+34600000000", "ringReminderEnabled": true},
            "busy": {"enabled": false}})
    );
    let mut moved = ana();
    moved["locationRef"] = json!("Barcelona");
    assert_eq!(
        codes(steps_for(&moved, Some(&live), &[])),
        reason::REQUIRES_REPLACEMENT
    );
}

#[test]
fn recording_without_the_feature_is_license_or_feature_missing() {
    let live = person(
        true,
        json!({"personRef": "ana@example.com", "license": "Webex Calling - Basic",
            "locationRef": "Madrid HQ", "extension": "1001"}),
        &["callRecording"],
    );
    let desired = json!({"personRef": "ana@example.com", "callRecording": {"enabled": true}});
    assert_eq!(
        codes(steps_for(&desired, Some(&live), &[])),
        reason::LICENSE_OR_FEATURE_MISSING
    );
}

#[test]
fn a_number_of_another_location_is_number_inventory_missing() {
    let live = person(false, json!({"personRef": "ana@example.com"}), &[]);
    let number = LiveObject::new(
        "Number",
        "+34910000009",
        "+34910000009",
        json!({"locationRef": "Barcelona"}),
    );
    let mut desired = ana();
    desired["phoneNumber"] = json!("+34910000009");
    let referenced = [("/phoneNumber".to_string(), &number)];
    assert_eq!(
        codes(steps_for(&desired, Some(&live), &referenced)),
        reason::NUMBER_INVENTORY_MISSING
    );
}

#[test]
fn names_in_another_case_are_the_same_license_location_and_people() {
    let live = person(
        true,
        json!({"personRef": "ana@example.com", "license": "Webex Calling - Professional",
            "locationRef": "Madrid HQ", "extension": "1001",
            "monitoring": {"monitoredElements": [{"personRef": "bob@example.com"}]}}),
        &[],
    );
    let desired = json!({"personRef": "ANA@example.com", "license": "webex calling - professional",
        "locationRef": "madrid hq", "extension": "1001",
        "monitoring": {"monitoredElements": [{"personRef": "Bob@Example.com"}]}});
    let steps = steps_for(&desired, Some(&live), &[]).expect("steps");
    assert!(steps.is_empty(), "{steps:?}");
}
