//! The kinds' pure `steps()` against the request bodies of README §2 and the wire capture.

use super::{assert_fields_within, creates, keys, live, names, plan};
use crate::providers::kind::Operation;
use serde_json::{Value, json};

/// README §2.1 create row / `locations.create` in the capture.
fn location_spec() -> Value {
    json!({"name": "HQ", "timeZone": "America/New_York", "preferredLanguage": "en_us",
        "announcementLanguage": "en_us",
        "address": {"address1": "1 Main St", "city": "Austin", "state": "TX", "postalCode": "78701", "country": "US"}})
}
const LOCATION_CREATE: &[&str] = &[
    "name",
    "timeZone",
    "preferredLanguage",
    "announcementLanguage",
    "address",
    "latitude",
    "longitude",
    "notes",
];
/// PUT /locations/{loc}: `PutCommonLocationObject` of openapi/webex-device.json, plus `notes`
/// (README §2.1 update row).
const LOCATION_UPDATE: &[&str] = &["name", "timeZone", "preferredLanguage", "address", "notes"];
/// README §2.6.
const TRUNK_CREATE: &[&str] = &[
    "name",
    "locationId",
    "password",
    "trunkType",
    "dualIdentitySupportEnabled",
    "deviceType",
    "address",
    "domain",
    "port",
    "maxConcurrentCalls",
    "pChargeInfoSupportPolicy",
    "peerIdentity",
];
const TRUNK_UPDATE: &[&str] = &[
    "name",
    "password",
    "dualIdentitySupportEnabled",
    "maxConcurrentCalls",
    "pChargeInfoSupportPolicy",
];
/// README §2.10 event fields.
const EVENT_FIELDS: &[&str] = &[
    "name",
    "startDate",
    "endDate",
    "startTime",
    "endTime",
    "allDayEnabled",
    "recurrence",
];

/// `trunk.create_cert` in the capture, in manifest terms.
pub(super) fn cert_trunk_spec() -> Value {
    json!({"name": "T2", "locationRef": "HQ", "password": "${env:TRUNK_PASSWORD}",
        "trunkType": "CERTIFICATE_BASED", "deviceType": "Cisco Unified Border Element",
        "address": "sbc.example.com", "domain": "example.com", "port": 5061, "maxConcurrentCalls": 100})
}

#[test]
fn location_create_and_delete_match_the_locations_endpoints() {
    let spec = location_spec();
    let steps = plan("Location", "HQ", Operation::Create, &spec, None).unwrap();
    assert_eq!(
        names(&steps),
        ["location_create", "location_calling_enable"]
    );
    assert_eq!(creates(&steps), [true, false]);
    // The capture's create body, as is.
    assert_eq!(steps[0].input, json!({"body": spec}));
    assert_fields_within(&steps[0].input["body"], LOCATION_CREATE);
    // Then Webex Calling is enabled on it (reference §2.1, "calling enable").
    assert_eq!(steps[1].input["key"], "HQ");
    assert_fields_within(&steps[1].input["body"], LOCATION_CREATE);
    assert_eq!(
        steps[1].input["body"]["announcementLanguage"],
        spec["announcementLanguage"]
    );

    let live_hq = live("Location", "HQ", "LOC1", spec.clone(), Value::Null);
    let steps = plan(
        "Location",
        "HQ",
        Operation::Delete,
        &Value::Null,
        Some(&live_hq),
    )
    .unwrap();
    assert_eq!(names(&steps), ["location_delete"]);
    assert_eq!(creates(&steps), [false]);
    assert_eq!(steps[0].input, json!({"key": "HQ"}));
}

#[test]
fn location_update_addresses_the_location_by_key() {
    let live_hq = live("Location", "HQ", "LOC1", location_spec(), Value::Null);
    let mut desired = location_spec();
    desired["timeZone"] = json!("Europe/Berlin");
    let steps = plan(
        "Location",
        "HQ",
        Operation::Update,
        &desired,
        Some(&live_hq),
    )
    .unwrap();
    assert_eq!(names(&steps), ["location_update"]);
    assert_eq!(creates(&steps), [false]);
    assert_eq!(steps[0].input["key"], "HQ");
    assert_eq!(steps[0].input["body"]["timeZone"], "Europe/Berlin");
    assert_fields_within(&steps[0].input["body"], LOCATION_CREATE);
}

/// PUT /locations takes only the changed fields, and not `announcementLanguage` (README §2.1:
/// "body holds only the changed fields"; `PutCommonLocationObject` has name, timeZone,
/// preferredLanguage, address): that one goes to the calling side.
#[test]
fn location_update_body_holds_only_changed_put_fields() {
    let live_hq = live("Location", "HQ", "LOC1", location_spec(), Value::Null);
    let mut desired = location_spec();
    desired["timeZone"] = json!("Europe/Berlin");
    let steps = plan(
        "Location",
        "HQ",
        Operation::Update,
        &desired,
        Some(&live_hq),
    )
    .unwrap();
    assert_fields_within(&steps[0].input["body"], LOCATION_UPDATE);
    assert_eq!(steps[0].input["body"], json!({"timeZone": "Europe/Berlin"}));
}

#[test]
fn an_announcement_language_change_goes_to_the_calling_location() {
    let live_hq = live("Location", "HQ", "LOC1", location_spec(), Value::Null);
    let mut desired = location_spec();
    desired["announcementLanguage"] = json!("fr_fr");
    let steps = plan(
        "Location",
        "HQ",
        Operation::Update,
        &desired,
        Some(&live_hq),
    )
    .unwrap();
    assert_eq!(names(&steps), ["location_calling_update"]);
    assert_eq!(
        steps[0].input["body"],
        json!({"announcementLanguage": "fr_fr"})
    );
    desired["notes"] = json!("moved");
    let steps = plan(
        "Location",
        "HQ",
        Operation::Update,
        &desired,
        Some(&live_hq),
    )
    .unwrap();
    assert_eq!(
        names(&steps),
        ["location_update", "location_calling_update"]
    );
    assert_eq!(steps[0].input["body"], json!({"notes": "moved"}));
}

#[test]
fn trunk_create_body_has_the_create_fields_and_the_location_apart() {
    let spec = cert_trunk_spec();
    let steps = plan("Trunk", "T2", Operation::Create, &spec, None).unwrap();
    assert_eq!(names(&steps), ["trunk_create"]);
    assert_eq!(creates(&steps), [true]);
    let body = &steps[0].input["body"];
    // `trunk.create_cert` minus `locationId`, which run adds from the IdIndex.
    assert_eq!(
        *body,
        json!({"name": "T2", "password": "${env:TRUNK_PASSWORD}", "trunkType": "CERTIFICATE_BASED",
            "deviceType": "Cisco Unified Border Element", "address": "sbc.example.com",
            "domain": "example.com", "port": 5061, "maxConcurrentCalls": 100})
    );
    assert_fields_within(body, TRUNK_CREATE);
    assert!(body.get("locationRef").is_none() && body.get("locationId").is_none());
    assert_eq!(steps[0].input["locationRef"], "HQ");
    // The saved step holds the secret as its template, never its value.
    assert_eq!(body["password"], "${env:TRUNK_PASSWORD}");
}

#[test]
fn trunk_update_sends_only_the_updatable_fields_with_name_and_password() {
    let mut live_state = cert_trunk_spec();
    live_state.as_object_mut().unwrap().remove("password");
    let live_t2 = live("Trunk", "T2", "TR2", live_state, Value::Null);
    let mut desired = cert_trunk_spec();
    desired["maxConcurrentCalls"] = json!(200);
    desired["dualIdentitySupportEnabled"] = json!(true);
    let steps = plan("Trunk", "T2", Operation::Update, &desired, Some(&live_t2)).unwrap();
    assert_eq!(names(&steps), ["trunk_update"]);
    assert_eq!(creates(&steps), [false]);
    let body = &steps[0].input["body"];
    assert_fields_within(body, TRUNK_UPDATE);
    // name* and password* are required on PUT (README §2.6).
    assert_eq!(
        *body,
        json!({"name": "T2", "password": "${env:TRUNK_PASSWORD}",
            "dualIdentitySupportEnabled": true, "maxConcurrentCalls": 200})
    );
    assert_eq!(steps[0].input["key"], "T2");

    let steps = plan(
        "Trunk",
        "T2",
        Operation::Delete,
        &Value::Null,
        Some(&live_t2),
    )
    .unwrap();
    assert_eq!(names(&steps), ["trunk_delete"]);
    assert_eq!(steps[0].input, json!({"key": "T2"}));
}

#[test]
fn route_group_steps_carry_the_full_gateway_list() {
    let spec = json!({"name": "RG", "localGateways": [
        {"trunkRef": "T1", "priority": 1}, {"trunkRef": "T2", "priority": 2}]});
    let steps = plan("RouteGroup", "RG", Operation::Create, &spec, None).unwrap();
    assert_eq!(names(&steps), ["route_group_create"]);
    assert_eq!(creates(&steps), [true]);
    assert_eq!(steps[0].input, json!({"spec": spec}));

    // `route_group.update`: the whole list of gateways, not a diff.
    let live_rg = live("RouteGroup", "RG", "RG1", spec.clone(), Value::Null);
    let desired = json!({"name": "RG", "localGateways": [{"trunkRef": "T1", "priority": 1}]});
    let steps = plan(
        "RouteGroup",
        "RG",
        Operation::Update,
        &desired,
        Some(&live_rg),
    )
    .unwrap();
    assert_eq!(names(&steps), ["route_group_update"]);
    assert_eq!(creates(&steps), [false]);
    assert_eq!(steps[0].input, json!({"key": "RG", "spec": desired}));

    let steps = plan(
        "RouteGroup",
        "RG",
        Operation::Delete,
        &Value::Null,
        Some(&live_rg),
    )
    .unwrap();
    assert_eq!(names(&steps), ["route_group_delete"]);
    assert_eq!(steps[0].input, json!({"key": "RG"}));
}

fn patterns(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:04}")).collect()
}

/// Each step's items are exactly `{dialPattern, action}` with the given action.
#[track_caller]
fn batch(step: &crate::providers::Step, action: &str) -> Vec<String> {
    assert_eq!(step.name, "dial_plan_patterns");
    assert!(!step.creates);
    assert_eq!(keys(&step.input), ["dialPatterns", "key"].into());
    let items = step.input["dialPatterns"].as_array().unwrap();
    items
        .iter()
        .map(|i| {
            assert_eq!(keys(i), ["action", "dialPattern"].into(), "{i}");
            assert_eq!(i["action"], action, "{i}");
            i["dialPattern"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn dial_plan_create_carries_the_first_200_patterns_and_batches_the_rest() {
    let all = patterns("8", 450);
    let spec = json!({"name": "DP", "routeGroupRef": "RG", "dialPatterns": all});
    let steps = plan("DialPlan", "DP", Operation::Create, &spec, None).unwrap();
    assert_eq!(
        names(&steps),
        [
            "dial_plan_create",
            "dial_plan_patterns",
            "dial_plan_patterns"
        ]
    );
    assert_eq!(creates(&steps), [true, false, false]);
    let create = &steps[0].input["spec"];
    assert_eq!(
        keys(create),
        ["dialPatterns", "name", "routeGroupRef"].into()
    );
    assert_eq!(create["dialPatterns"], json!(all[..200]));
    assert_eq!(batch(&steps[1], "ADD"), all[200..400]);
    assert_eq!(batch(&steps[2], "ADD"), all[400..]);
    assert_eq!(steps[1].input["key"], "DP");

    // `dial_plan.create` in the capture: two patterns, one step.
    let spec =
        json!({"name": "DP", "routeGroupRef": "RG", "dialPatterns": ["+1408XXXXXXX", "8XXX"]});
    let steps = plan("DialPlan", "DP", Operation::Create, &spec, None).unwrap();
    assert_eq!(names(&steps), ["dial_plan_create"]);
    assert_eq!(steps[0].input, json!({"spec": spec}));
}

#[test]
fn dial_plan_update_batches_adds_and_deletes_200_per_step() {
    let old = patterns("7", 250);
    let new = patterns("9", 180);
    let kept = "+1408XXXXXXX";
    let with_kept = |rest: &[String]| -> Vec<String> {
        std::iter::once(kept.to_string())
            .chain(rest.iter().cloned())
            .collect()
    };
    let live_dp = live(
        "DialPlan",
        "DP",
        "DP1",
        json!({"name": "DP", "routeGroupRef": "RG", "dialPatterns": with_kept(&old)}),
        Value::Null,
    );
    let desired = json!({"name": "DP", "routeGroupRef": "RG", "dialPatterns": with_kept(&new)});
    let steps = plan(
        "DialPlan",
        "DP",
        Operation::Update,
        &desired,
        Some(&live_dp),
    )
    .unwrap();
    // No route change: no PUT of the plan itself, only pattern batches (430 changes).
    assert_eq!(names(&steps), ["dial_plan_patterns"; 3]);
    let items = |i: usize| steps[i].input["dialPatterns"].as_array().unwrap().len();
    assert_eq!((items(0), items(1), items(2)), (200, 200, 30));
    // The adds come first (desired order), then the deletes; the kept pattern is untouched.
    let first = steps[0].input["dialPatterns"].as_array().unwrap();
    assert!(first[..180].iter().all(|i| i["action"] == "ADD"));
    assert!(first[180..].iter().all(|i| i["action"] == "DELETE"));
    assert_eq!(batch(&steps[1], "DELETE"), old[20..220]);
    assert_eq!(batch(&steps[2], "DELETE"), old[220..]);
    assert!(
        steps
            .iter()
            .flat_map(|s| s.input["dialPatterns"].as_array().unwrap())
            .all(|i| i["dialPattern"] != kept)
    );

    // `dial_plan.update` + `dial_plan.modify_patterns`: a route change PUTs name and route first.
    let desired = json!({"name": "DP", "trunkRef": "T1", "dialPatterns": [kept, "+1919XXXXXXX"]});
    let live_dp = live(
        "DialPlan",
        "DP",
        "DP1",
        json!({"name": "DP", "routeGroupRef": "RG", "dialPatterns": [kept, "8XXX"]}),
        Value::Null,
    );
    let steps = plan(
        "DialPlan",
        "DP",
        Operation::Update,
        &desired,
        Some(&live_dp),
    )
    .unwrap();
    assert_eq!(names(&steps), ["dial_plan_update", "dial_plan_patterns"]);
    assert_eq!(
        steps[0].input,
        json!({"key": "DP", "spec": {"name": "DP", "trunkRef": "T1"}})
    );
    assert_eq!(
        steps[1].input["dialPatterns"],
        json!([{"dialPattern": "+1919XXXXXXX", "action": "ADD"}, {"dialPattern": "8XXX", "action": "DELETE"}])
    );

    let steps = plan(
        "DialPlan",
        "DP",
        Operation::Delete,
        &Value::Null,
        Some(&live_dp),
    )
    .unwrap();
    assert_eq!(names(&steps), ["dial_plan_delete"]);
    assert_eq!(steps[0].input, json!({"key": "DP"}));
}

/// `schedules.create` in the capture.
pub(super) fn business_hours_spec() -> Value {
    json!({"name": "BH", "type": "businessHours", "locationRef": "HQ", "events": [
        {"name": "Mon", "startDate": "2026-01-05", "endDate": "2026-01-05", "startTime": "09:00",
         "endTime": "17:00", "allDayEnabled": false, "recurrence": {"recurForEver": true,
         "recurWeekly": {"sunday": false, "monday": true, "tuesday": false, "wednesday": false,
         "thursday": false, "friday": false, "saturday": false}}}]})
}

/// `schedules.event_create` in the capture.
pub(super) fn new_year() -> Value {
    json!({"name": "NY", "startDate": "2026-01-01", "endDate": "2026-01-01", "allDayEnabled": true})
}

/// The holiday schedule as observed: events in state, their ids in `meta.eventIds`.
pub(super) fn holidays_live(events: Value, event_ids: Value) -> crate::model::LiveObject {
    live(
        "Schedule",
        "HQ/holidays/Holidays",
        "SCH1",
        json!({"name": "Holidays", "type": "holidays", "locationRef": "HQ", "events": events}),
        json!({"eventIds": event_ids}),
    )
}

pub(super) fn holidays(events: Value) -> Value {
    json!({"name": "Holidays", "type": "holidays", "locationRef": "HQ", "events": events})
}

#[test]
fn schedule_create_and_delete_name_the_location_and_type() {
    let spec = business_hours_spec();
    let key = "HQ/businessHours/BH";
    let steps = plan("Schedule", key, Operation::Create, &spec, None).unwrap();
    assert_eq!(names(&steps), ["schedule_create"]);
    assert_eq!(creates(&steps), [true]);
    let input = &steps[0].input;
    // The create body is `name*`, `type*`, `events[]`; the location goes in the path.
    assert_eq!(
        input["spec"],
        json!({"name": "BH", "type": "businessHours", "events": spec["events"]})
    );
    assert_eq!(
        (&input["key"], &input["locationRef"]),
        (&json!(key), &json!("HQ"))
    );
    for event in input["spec"]["events"].as_array().unwrap() {
        assert_fields_within(event, EVENT_FIELDS);
    }

    let live_s = holidays_live(json!([]), json!({}));
    let steps = plan(
        "Schedule",
        &live_s.key,
        Operation::Delete,
        &Value::Null,
        Some(&live_s),
    );
    let steps = steps.unwrap();
    assert_eq!(names(&steps), ["schedule_delete"]);
    assert_eq!(
        steps[0].input,
        json!({"key": "HQ/holidays/Holidays", "locationRef": "HQ", "type": "holidays"})
    );
}

#[test]
fn schedule_event_changes_use_the_live_event_ids() {
    let old = json!({"name": "Old", "startDate": "2025-05-01", "endDate": "2025-05-01", "allDayEnabled": true});
    let mut moved = new_year();
    moved["endDate"] = json!("2026-01-02");
    let live_s = holidays_live(json!([moved, old]), json!({"NY": "EV1", "Old": "EV2"}));
    let added = json!({"name": "Xmas", "startDate": "2026-12-25", "endDate": "2026-12-25", "allDayEnabled": true});
    let desired = holidays(json!([new_year(), added]));
    let steps = plan(
        "Schedule",
        &live_s.key,
        Operation::Update,
        &desired,
        Some(&live_s),
    )
    .unwrap();
    assert_eq!(
        names(&steps),
        [
            "schedule_event_update",
            "schedule_event_add",
            "schedule_event_delete"
        ]
    );
    assert_eq!(creates(&steps), [false, false, false]);
    let at = json!({"key": "HQ/holidays/Holidays", "locationRef": "HQ", "type": "holidays"});
    let with = |extra: Value| {
        let mut input = at.clone();
        input
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        input
    };
    assert_eq!(
        steps[0].input,
        with(json!({"event": new_year(), "eventId": "EV1"}))
    );
    assert_eq!(steps[1].input, with(json!({"event": added})));
    assert_eq!(steps[2].input, with(json!({"eventId": "EV2"})));
    assert_eq!(steps[0].detail, "event NY");
    for s in &steps[..2] {
        assert_fields_within(&s.input["event"], EVENT_FIELDS);
    }

    // An event whose id the observation did not give cannot be planned.
    let no_ids = holidays_live(json!([moved]), json!({}));
    let error = plan(
        "Schedule",
        &no_ids.key,
        Operation::Update,
        &desired,
        Some(&no_ids),
    );
    assert!(error.unwrap_err().contains("'NY' has no id"));
}

#[test]
fn internal_dialing_is_updated_or_reset_never_created() {
    let live_d = live(
        "LocationInternalDialing",
        "HQ",
        "LOC1",
        json!({"locationRef": "HQ", "enableUnknownExtensionRoutePolicy": false}),
        Value::Null,
    );
    let desired = json!({"locationRef": "HQ", "enableUnknownExtensionRoutePolicy": true,
        "unknownExtensionRouteIdentity": {"routeGroupRef": "RG"}});
    let kind = "LocationInternalDialing";
    let steps = plan(kind, "HQ", Operation::Update, &desired, Some(&live_d)).unwrap();
    assert_eq!(names(&steps), ["internal_dialing_update"]);
    assert_eq!(creates(&steps), [false]);
    assert_eq!(
        steps[0].input,
        json!({"key": "HQ", "spec": {"enableUnknownExtensionRoutePolicy": true,
            "unknownExtensionRouteIdentity": {"routeGroupRef": "RG"}}})
    );
    let steps = plan(kind, "HQ", Operation::Delete, &Value::Null, Some(&live_d)).unwrap();
    assert_eq!(names(&steps), ["internal_dialing_reset"]);
    assert_eq!(
        steps[0].input,
        json!({"key": "HQ", "spec": {"enableUnknownExtensionRoutePolicy": false}})
    );
}

#[test]
fn people_are_never_written() {
    let spec = json!({"email": "a@example.com"});
    let error = plan("Person", "a@example.com", Operation::Create, &spec, None).unwrap_err();
    assert!(error.contains("observed only"), "{error}");
}
