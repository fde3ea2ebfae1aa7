//! `LocationNumbers`, `Number` and `LocationCalling`: their steps against README §2.1 and §2.4,
//! and the requests `run` sends (observation too, where it decides what the steps may do).

use super::{Fixture, Reply, assert_fields_within, ids, live, names, plan, plan_with};
use crate::model::LiveObject;
use crate::providers::kind::Operation;
use crate::providers::webex::kinds::{
    location_calling::LocationCalling, location_numbers::LocationNumbers, number::Number,
};
use crate::providers::{Kind, Scope, Step, reason};
use serde_json::{Value, json};

/// PUT /telephony/config/locations/{loc} (README §2.1 calling update row).
const CALLING_UPDATE: &[&str] = &[
    "announcementLanguage",
    "callingLineId",
    "connection",
    "externalCallerIdName",
    "pAccessNetworkInfo",
    "outsideDialDigit",
    "enforceOutsideDialDigit",
    "routingPrefix",
    "chargeNumber",
];

fn n(i: usize) -> String {
    format!("+349100{i:05}")
}

/// The inventory of HQ as observation builds it: each number's state and holder in `meta`.
fn inventory(numbers: &[(String, &str, Option<&str>, bool)], pstn: &str) -> LiveObject {
    let listed: Vec<&String> = numbers.iter().map(|(n, ..)| n).collect();
    let detail: serde_json::Map<String, Value> = numbers
        .iter()
        .map(|(n, state, owner, main)| {
            (
                n.clone(),
                json!({"state": state, "owner": owner, "mainNumber": main}),
            )
        })
        .collect();
    let all_active = numbers.iter().all(|(_, s, ..)| *s == "ACTIVE");
    live(
        "LocationNumbers",
        "HQ",
        "LOC1",
        json!({"locationRef": "HQ", "numbers": listed,
            "state": if all_active { "ACTIVE" } else { "INACTIVE" }}),
        json!({"numbers": detail, "pstnConnectionType": pstn}),
    )
}

async fn run_all(
    kind: &dyn Kind<crate::providers::webex::client::WebexClient>,
    steps: &[Step],
    server: &Fixture,
) {
    let client = server.client(None);
    for step in steps {
        kind.run(&client, step, &ids()).await.expect("runs");
    }
}

#[tokio::test]
async fn numbers_are_added_in_batches_activated_and_pruned_only_when_asked() {
    let live_hq = inventory(
        &[
            (n(1), "INACTIVE", None, false),
            (n(2), "ACTIVE", None, false),
            (n(900), "ACTIVE", None, false),
        ],
        "LOCAL_GATEWAY",
    );
    let wanted: Vec<String> = (1..=151).map(n).collect();
    let mut desired = json!({"locationRef": "HQ", "numbers": wanted, "state": "ACTIVE"});
    let steps = plan(
        "LocationNumbers",
        "HQ",
        Operation::Update,
        &desired,
        Some(&live_hq),
    )
    .unwrap();
    // 149 new numbers in two batches, the inactive listed one activated; +349100000900, not
    // listed, stays (prune is off).
    assert_eq!(
        names(&steps),
        [
            "location_numbers_add",
            "location_numbers_add",
            "location_manage_number_state"
        ]
    );
    assert_eq!(
        steps[0].input["phoneNumbers"].as_array().unwrap().len(),
        100
    );
    assert_eq!(steps[1].input["phoneNumbers"].as_array().unwrap().len(), 49);
    assert_eq!(steps[0].input["phoneNumbers"][0], n(3));
    assert_eq!(steps[0].input["state"], "ACTIVE");
    assert_eq!(
        steps[2].input,
        json!({"key": "HQ", "phoneNumbers": [n(1)], "action": "ACTIVATE"})
    );

    desired["numbers"] = json!([n(1), n(2)]);
    desired["prune"] = json!(true);
    let steps = plan(
        "LocationNumbers",
        "HQ",
        Operation::Update,
        &desired,
        Some(&live_hq),
    )
    .unwrap();
    assert_eq!(
        names(&steps),
        ["location_manage_number_state", "number_remove"]
    );
    assert_eq!(
        steps[1].input,
        json!({"key": "HQ", "phoneNumbers": [n(900)]})
    );
    assert_eq!(steps[1].detail, format!("number {}", n(900)));

    let server = Fixture::start().await;
    let add = plan(
        "LocationNumbers",
        "HQ",
        Operation::Update,
        &json!({"locationRef": "HQ", "numbers": [n(1), n(2), n(900), n(7)], "state": "ACTIVE"}),
        Some(&live_hq),
    )
    .unwrap();
    run_all(&LocationNumbers, &add, &server).await;
    run_all(&LocationNumbers, &steps, &server).await;
    let seen: Vec<(String, Value)> = server
        .take()
        .iter()
        .map(|s| (s.line(), s.body.clone()))
        .collect();
    let path = "/v1/telephony/config/locations/LOC1/numbers";
    assert_eq!(
        seen,
        [
            (
                format!("POST {path}"),
                json!({"phoneNumbers": [n(7)], "state": "ACTIVE"})
            ),
            (
                format!("PUT {path}"),
                json!({"phoneNumbers": [n(1)], "action": "ACTIVATE"})
            ),
            (
                format!("PUT {path}"),
                json!({"phoneNumbers": [n(1)], "action": "ACTIVATE"})
            ),
            // The removal names its numbers in the DELETE's body (README §1.1).
            (format!("DELETE {path}"), json!({"phoneNumbers": [n(900)]})),
        ]
    );
}

#[test]
fn only_unlisted_inactive_numbers_need_no_step() {
    // The location's `state` differs only because of a number this document does not list.
    let live_hq = inventory(
        &[
            (n(1), "ACTIVE", None, false),
            (n(900), "INACTIVE", None, false),
        ],
        "LOCAL_GATEWAY",
    );
    let desired = json!({"locationRef": "HQ", "numbers": [n(1)], "state": "ACTIVE"});
    let steps = plan(
        "LocationNumbers",
        "HQ",
        Operation::Update,
        &desired,
        Some(&live_hq),
    )
    .unwrap();
    assert!(steps.is_empty(), "{steps:?}");
}

#[test]
fn a_held_number_or_the_main_number_is_never_removed() {
    let desired = json!({"locationRef": "HQ", "numbers": [n(1)], "prune": true});
    for (holder, main, expect) in [
        (
            Some("PEOPLE Ana Ruiz"),
            false,
            "is assigned to PEOPLE Ana Ruiz; unassign it first",
        ),
        (None, true, "is assigned to the location as its main number"),
    ] {
        let live_hq = inventory(
            &[
                (n(1), "ACTIVE", None, false),
                (n(2), "ACTIVE", holder, main),
            ],
            "LOCAL_GATEWAY",
        );
        let blocked = plan_with(
            "LocationNumbers",
            "HQ",
            Operation::Update,
            &desired,
            Some(&live_hq),
            &[],
        )
        .unwrap_err();
        assert_eq!(blocked.reason, reason::PRECONDITION_MISSING);
        assert!(blocked.message.contains(expect), "{}", blocked.message);
    }
}

#[test]
fn numbers_of_a_provider_pstn_are_out_of_scope() {
    for pstn in ["INTEGRATED_CCP", "CISCO_PSTN"] {
        let live_hq = inventory(&[(n(1), "ACTIVE", None, false)], pstn);
        let desired = json!({"locationRef": "HQ", "numbers": [n(1), n(2)]});
        let blocked = plan_with(
            "LocationNumbers",
            "HQ",
            Operation::Update,
            &desired,
            Some(&live_hq),
            &[],
        )
        .unwrap_err();
        assert_eq!(blocked.reason, reason::OUT_OF_SCOPE);
        assert!(blocked.message.contains(pstn), "{}", blocked.message);
        // Activating what the provider already gave is still the API's to do.
        let activate = json!({"locationRef": "HQ", "numbers": [n(1)], "state": "ACTIVE"});
        assert!(
            plan(
                "LocationNumbers",
                "HQ",
                Operation::Update,
                &activate,
                Some(&live_hq)
            )
            .is_ok()
        );
    }
}

#[tokio::test]
async fn the_inventory_is_read_per_location_with_its_pstn_connection() {
    let server = Fixture::start().await;
    server.reply(Reply::json(
        200,
        json!({"phoneNumbers": [
            {"phoneNumber": n(1), "state": "ACTIVE", "mainNumber": true, "location": {"id": "LOC1"}},
            {"phoneNumber": n(2), "state": "INACTIVE", "mainNumber": false, "location": {"id": "LOC1"},
             "owner": {"id": "P1", "type": "PEOPLE", "displayName": "Ana Ruiz"}},
            {"extension": "1001", "state": "ACTIVE", "location": {"id": "LOC1"}}]}),
    ));
    server.reply(Reply::json(
        200,
        json!({"pstnConnectionType": "LOCAL_GATEWAY", "routeType": "ROUTE_GROUP", "routeId": "RG1"}),
    ));
    let client = server.client(None);
    let found = LocationNumbers
        .observe(&client, &Scope::one("HQ"), &ids())
        .await
        .unwrap();
    let seen = server.take();
    assert_eq!(seen[0].line(), "GET /v1/telephony/config/numbers");
    assert_eq!(seen[0].query_values("locationId"), ["LOC1"]);
    assert_eq!(
        seen[1].line(),
        "GET /v1/telephony/pstn/locations/LOC1/connection"
    );
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].state,
        json!({"locationRef": "HQ", "numbers": [n(1), n(2)], "state": "INACTIVE"})
    );
    assert_eq!(found[0].meta["pstnConnectionType"], "LOCAL_GATEWAY");
    assert_eq!(found[0].meta["numbers"][n(2)]["owner"], "PEOPLE Ana Ruiz");
    assert_eq!(found[0].meta["numbers"][n(1)]["mainNumber"], true);
}

#[tokio::test]
async fn a_few_numbers_are_read_one_filtered_request_each() {
    let server = Fixture::start().await;
    server.reply(Reply::json(
        200,
        json!({"phoneNumbers": [{"phoneNumber": n(5), "state": "ACTIVE", "mainNumber": false,
            "location": {"id": "LOC1"}, "owner": {"id": "P1", "type": "PEOPLE"}}]}),
    ));
    let client = server.client(None);
    let found = Number
        .observe(&client, &Scope::one(&n(5)), &ids())
        .await
        .unwrap();
    let seen = server.take();
    assert_eq!(seen[0].query_values("phoneNumber"), [n(5).as_str()]);
    assert_eq!(
        found[0].state,
        json!({"phoneNumber": n(5), "locationRef": "HQ", "state": "ACTIVE", "mainNumber": false,
            "owner": {"type": "PEOPLE", "key": "ana@example.com"}})
    );
    let blocked = plan_with(
        "Number",
        &n(5),
        Operation::Create,
        &found[0].state,
        None,
        &[],
    )
    .unwrap_err();
    assert_eq!(blocked.reason, reason::NUMBER_INVENTORY_MISSING);
}

fn location_hq() -> LiveObject {
    live(
        "Location",
        "HQ",
        "LOC1",
        json!({"name": "HQ", "timeZone": "Europe/Madrid", "preferredLanguage": "es_es",
            "announcementLanguage": "es_es", "notes": "not for calling",
            "address": {"address1": "Calle 1", "city": "Madrid", "state": "M", "postalCode": "28001", "country": "ES"}}),
        Value::Null,
    )
}

fn calling_live(state: Value, meta: Value) -> LiveObject {
    live("LocationCalling", "HQ", "LOC1", state, meta)
}

#[tokio::test]
async fn each_changed_calling_section_is_one_request() {
    let live_hq = calling_live(json!({"locationRef": "HQ", "enabled": false}), json!({}));
    let desired = json!({"locationRef": "HQ", "enabled": true, "pstn": {"routeGroupRef": "RG"},
        "callingLineId": {"name": "HQ main", "phoneNumber": n(1)}, "routingPrefix": "34",
        "outgoingPermission": {"useCustomEnabled": true, "callingPermissions": [
            {"callType": "INTERNATIONAL", "action": "BLOCK", "transferEnabled": false}]}});
    let location = location_hq();
    let referenced = [("/locationRef".to_string(), &location)];
    let steps = plan_with(
        "LocationCalling",
        "HQ",
        Operation::Update,
        &desired,
        Some(&live_hq),
        &referenced,
    )
    .unwrap();
    assert_eq!(
        names(&steps),
        [
            "location_calling_enable",
            "location_pstn_connection_update",
            "location_update_call_profile",
            "location_outgoing_permission_update"
        ]
    );
    let server = Fixture::start().await;
    run_all(&LocationCalling, &steps, &server).await;
    let seen = server.take();
    let lines: Vec<String> = seen.iter().map(|s| s.line()).collect();
    assert_eq!(
        lines,
        [
            "POST /v1/telephony/config/locations",
            "PUT /v1/telephony/pstn/locations/LOC1/connection",
            "PUT /v1/telephony/config/locations/LOC1",
            "PUT /v1/telephony/config/locations/LOC1/outgoingPermission",
        ]
    );
    // Enabling takes the location's own fields and its id (README §2.1 "calling enable").
    assert_eq!(
        seen[0].body,
        json!({"id": "LOC1", "name": "HQ", "timeZone": "Europe/Madrid", "preferredLanguage": "es_es",
            "announcementLanguage": "es_es", "address": location.state["address"]})
    );
    assert_eq!(
        seen[1].body,
        json!({"premiseRouteType": "ROUTE_GROUP", "premiseRouteId": "RG1"})
    );
    assert_eq!(
        seen[2].body,
        json!({"callingLineId": {"name": "HQ main", "phoneNumber": n(1)}, "routingPrefix": "34"})
    );
    assert_fields_within(&seen[2].body, CALLING_UPDATE);
    assert_eq!(seen[3].body, desired["outgoingPermission"]);
}

#[test]
fn outgoing_permissions_compare_only_the_call_types_listed() {
    let all: Vec<Value> = ["LOCAL", "NATIONAL", "INTERNATIONAL"]
        .iter()
        .map(|t| {
            json!({"callType": t, "action": if *t == "INTERNATIONAL" { "BLOCK" } else { "ALLOW" },
            "transferEnabled": false, "isCallTypeRestrictionEnabled": false})
        })
        .collect();
    let live_hq = calling_live(
        json!({"locationRef": "HQ", "enabled": true,
            "outgoingPermission": {"useCustomEnabled": true, "callingPermissions": all}}),
        json!({}),
    );
    let mut desired = json!({"locationRef": "HQ", "outgoingPermission": {"useCustomEnabled": true,
        "callingPermissions": [{"callType": "INTERNATIONAL", "action": "BLOCK"}]}});
    let steps = plan(
        "LocationCalling",
        "HQ",
        Operation::Update,
        &desired,
        Some(&live_hq),
    )
    .unwrap();
    assert!(steps.is_empty(), "{steps:?}");
    desired["outgoingPermission"]["callingPermissions"][0]["action"] = json!("ALLOW");
    let steps = plan(
        "LocationCalling",
        "HQ",
        Operation::Update,
        &desired,
        Some(&live_hq),
    )
    .unwrap();
    assert_eq!(names(&steps), ["location_outgoing_permission_update"]);
}

#[test]
fn calling_refuses_what_the_api_cannot_do() {
    let enabled = calling_live(json!({"locationRef": "HQ", "enabled": true}), json!({}));
    let off = json!({"locationRef": "HQ", "enabled": false});
    let blocked = plan_with(
        "LocationCalling",
        "HQ",
        Operation::Update,
        &off,
        Some(&enabled),
        &[],
    )
    .unwrap_err();
    assert_eq!(blocked.reason, reason::OUT_OF_SCOPE);

    let ccp = calling_live(
        json!({"locationRef": "HQ", "enabled": true}),
        json!({"pstnConnectionType": "INTEGRATED_CCP"}),
    );
    let premises = json!({"locationRef": "HQ", "pstn": {"trunkRef": "T1"}});
    let blocked = plan_with(
        "LocationCalling",
        "HQ",
        Operation::Update,
        &premises,
        Some(&ccp),
        &[],
    )
    .unwrap_err();
    assert_eq!(blocked.reason, reason::OUT_OF_SCOPE);

    // A main number the location's inventory (as observed) does not hold.
    let observed = calling_live(
        json!({"locationRef": "HQ", "enabled": true, "callingLineId": {"phoneNumber": n(1)}}),
        json!({"numbers": [n(1), n(2)]}),
    );
    let elsewhere = json!({"locationRef": "HQ", "callingLineId": {"phoneNumber": n(3)}});
    let blocked = plan_with(
        "LocationCalling",
        "HQ",
        Operation::Update,
        &elsewhere,
        Some(&observed),
        &[],
    )
    .unwrap_err();
    assert_eq!(blocked.reason, reason::NUMBER_INVENTORY_MISSING);
    let own = json!({"locationRef": "HQ", "callingLineId": {"phoneNumber": n(2)}});
    let steps = plan(
        "LocationCalling",
        "HQ",
        Operation::Update,
        &own,
        Some(&observed),
    )
    .unwrap();
    assert_eq!(names(&steps), ["location_update_call_profile"]);
}
