//! `Kind::run` against the recording server: the exact requests, compared with the ones
//! wxc-sdk sent (`wxc_sdk-wire-capture.txt`), with ids resolved from the `IdIndex`.

use super::steps::{business_hours_spec, cert_trunk_spec, holidays, holidays_live, new_year};
use super::{Fixture, Reply, Seen, ids, live, plan};
use crate::manifest::interpolate::interpolate;
use crate::providers::kind::Operation;
use crate::providers::webex::client::WebexClient;
use crate::providers::webex::kinds::{
    dial_plan::DialPlan, internal_dialing::InternalDialing, location::Location,
    route_group::RouteGroup, schedule::Schedule, trunk::Trunk,
};
use crate::providers::{ErrorClass, IdIndex, Kind, ProviderError, Step};
use serde_json::{Value, json};

const TRUNKS: &str = "/v1/telephony/config/premisePstn/trunks";
const DIAL_PLANS: &str = "/v1/telephony/config/premisePstn/dialPlans";
const SCHEDULES: &str = "/v1/telephony/config/locations/LOC1/schedules";

/// Fill the steps' secret templates the way apply does just before `run`.
fn filled(steps: Vec<Step>) -> Vec<Step> {
    let env = |name: &str| (name == "TRUNK_PASSWORD").then(|| "P@ssw0rd123".to_string());
    steps
        .into_iter()
        .map(|mut s| {
            s.input = interpolate(&s.input, &env)
                .expect("every variable is set")
                .0;
            s
        })
        .collect()
}

/// Run every step of one kind in order; the result of each.
async fn run_all(
    kind: &dyn Kind<WebexClient>,
    client: &WebexClient,
    steps: &[Step],
    ids: &IdIndex,
) -> Vec<Result<Option<String>, ProviderError>> {
    let mut out = Vec::new();
    for step in steps {
        out.push(kind.run(client, step, ids).await);
    }
    out
}

/// `(METHOD /path, body)` of each request, for comparing with the capture.
fn wire(seen: &[Seen]) -> Vec<(String, Value)> {
    seen.iter().map(|s| (s.line(), s.body.clone())).collect()
}

fn req(line: &str, body: Value) -> (String, Value) {
    (line.to_string(), body)
}

#[tokio::test]
async fn trunk_requests_match_the_capture() {
    let server = Fixture::start().await;
    let client = server.client(None);
    let ids = ids();
    // `trunk.create`: a registering trunk, the secret filled in only when it runs.
    let spec = json!({"name": "T1", "locationRef": "HQ", "password": "${env:TRUNK_PASSWORD}", "trunkType": "REGISTERING"});
    let steps = filled(plan("Trunk", "T1", Operation::Create, &spec, None).unwrap());
    let results = run_all(&Trunk, &client, &steps, &ids).await;
    assert_eq!(results[0].as_ref().unwrap().as_deref(), Some("STUBID"));
    // `trunk.create_cert`.
    let steps = filled(plan("Trunk", "T2", Operation::Create, &cert_trunk_spec(), None).unwrap());
    run_all(&Trunk, &client, &steps, &ids).await;
    // `trunk.update` (name and password are required on PUT), then `trunk.delete`.
    let live_t1 = live(
        "Trunk",
        "T1",
        "TR1",
        json!({"name": "T1", "locationRef": "HQ", "trunkType": "REGISTERING"}),
        Value::Null,
    );
    let steps = filled(plan("Trunk", "T1", Operation::Update, &spec, Some(&live_t1)).unwrap());
    run_all(&Trunk, &client, &steps, &ids).await;
    let steps = plan(
        "Trunk",
        "T1",
        Operation::Delete,
        &Value::Null,
        Some(&live_t1),
    )
    .unwrap();
    run_all(&Trunk, &client, &steps, &ids).await;

    let seen = server.take();
    assert_eq!(
        wire(&seen),
        [
            req(
                &format!("POST {TRUNKS}"),
                json!({"name": "T1", "locationId": "LOC1", "password": "P@ssw0rd123", "trunkType": "REGISTERING"})
            ),
            req(
                &format!("POST {TRUNKS}"),
                json!({"name": "T2", "locationId": "LOC1", "password": "P@ssw0rd123", "trunkType": "CERTIFICATE_BASED", "deviceType": "Cisco Unified Border Element", "address": "sbc.example.com", "domain": "example.com", "port": 5061, "maxConcurrentCalls": 100})
            ),
            req(
                &format!("PUT {TRUNKS}/TR1"),
                json!({"name": "T1", "password": "P@ssw0rd123"})
            ),
            req(&format!("DELETE {TRUNKS}/TR1"), Value::Null),
        ]
    );
    // No orgId unless the client was given one (README §1.2).
    assert!(seen.iter().all(|s| s.query.is_empty()), "{seen:?}");
}

#[tokio::test]
async fn route_group_requests_match_the_capture() {
    let server = Fixture::start().await;
    let client = server.client(None);
    let ids = ids();
    let spec = json!({"name": "RG", "localGateways": [{"trunkRef": "T1", "priority": 1}, {"trunkRef": "T2", "priority": 2}]});
    let steps = plan("RouteGroup", "RG", Operation::Create, &spec, None).unwrap();
    run_all(&RouteGroup, &client, &steps, &ids).await;
    let live_rg = live("RouteGroup", "RG", "RG1", spec, Value::Null);
    let desired = json!({"name": "RG", "localGateways": [{"trunkRef": "T1", "priority": 1}]});
    let steps = plan(
        "RouteGroup",
        "RG",
        Operation::Update,
        &desired,
        Some(&live_rg),
    )
    .unwrap();
    run_all(&RouteGroup, &client, &steps, &ids).await;
    let steps = plan(
        "RouteGroup",
        "RG",
        Operation::Delete,
        &Value::Null,
        Some(&live_rg),
    )
    .unwrap();
    run_all(&RouteGroup, &client, &steps, &ids).await;
    let groups = "/v1/telephony/config/premisePstn/routeGroups";
    assert_eq!(
        wire(&server.take()),
        [
            req(
                &format!("POST {groups}"),
                json!({"name": "RG", "localGateways": [{"id": "TR1", "priority": 1}, {"id": "TR2", "priority": 2}]})
            ),
            req(
                &format!("PUT {groups}/RG1"),
                json!({"name": "RG", "localGateways": [{"id": "TR1", "priority": 1}]})
            ),
            req(&format!("DELETE {groups}/RG1"), Value::Null),
        ]
    );
}

#[tokio::test]
async fn dial_plan_requests_match_the_capture() {
    let server = Fixture::start().await;
    let client = server.client(None);
    let ids = ids();
    // `dial_plan.create`.
    server.reply(Reply::json(
        201,
        json!({"id": "DP1", "dialPatternErrors": []}),
    ));
    let spec =
        json!({"name": "DP", "routeGroupRef": "RG", "dialPatterns": ["+1408XXXXXXX", "8XXX"]});
    let steps = plan("DialPlan", "DP", Operation::Create, &spec, None).unwrap();
    let results = run_all(&DialPlan, &client, &steps, &ids).await;
    assert_eq!(results[0].as_ref().unwrap().as_deref(), Some("DP1"));
    // `dial_plan.update` (route to a trunk) and `dial_plan.modify_patterns`.
    let live_dp = live("DialPlan", "DP", "DP1", spec, Value::Null);
    let desired =
        json!({"name": "DP", "trunkRef": "T1", "dialPatterns": ["+1408XXXXXXX", "+1919XXXXXXX"]});
    let steps = plan(
        "DialPlan",
        "DP",
        Operation::Update,
        &desired,
        Some(&live_dp),
    )
    .unwrap();
    run_all(&DialPlan, &client, &steps, &ids).await;
    // `dial_plan.delete`.
    let steps = plan(
        "DialPlan",
        "DP",
        Operation::Delete,
        &Value::Null,
        Some(&live_dp),
    )
    .unwrap();
    run_all(&DialPlan, &client, &steps, &ids).await;
    assert_eq!(
        wire(&server.take()),
        [
            req(
                &format!("POST {DIAL_PLANS}"),
                json!({"name": "DP", "routeId": "RG1", "routeType": "ROUTE_GROUP", "dialPatterns": ["+1408XXXXXXX", "8XXX"]})
            ),
            req(
                &format!("PUT {DIAL_PLANS}/DP1"),
                json!({"name": "DP", "routeId": "TR1", "routeType": "TRUNK"})
            ),
            req(
                &format!("PUT {DIAL_PLANS}/DP1/dialPatterns"),
                json!({"dialPatterns": [{"dialPattern": "+1919XXXXXXX", "action": "ADD"}, {"dialPattern": "8XXX", "action": "DELETE"}]})
            ),
            req(&format!("DELETE {DIAL_PLANS}/DP1"), Value::Null),
        ]
    );
}

#[tokio::test]
async fn dial_plan_batches_go_out_as_one_put_each_and_rejected_patterns_fail_the_create() {
    let server = Fixture::start().await;
    let client = server.client(None);
    let mut ids = ids();
    let all: Vec<String> = (0..401).map(|i| format!("8{i:03}")).collect();
    let spec = json!({"name": "DP9", "trunkRef": "T2", "dialPatterns": all});
    let steps = plan("DialPlan", "DP9", Operation::Create, &spec, None).unwrap();
    server.reply(Reply::json(
        201,
        json!({"id": "DP9ID", "dialPatternErrors": []}),
    ));
    let id = DialPlan.run(&client, &steps[0], &ids).await.unwrap();
    ids.insert("DialPlan", "DP9", id.as_deref().unwrap());
    run_all(&DialPlan, &client, &steps[1..], &ids).await;
    let seen = server.take();
    let lines: Vec<String> = seen.iter().map(Seen::line).collect();
    let patterns = format!("PUT {DIAL_PLANS}/DP9ID/dialPatterns");
    assert_eq!(
        lines,
        [format!("POST {DIAL_PLANS}"), patterns.clone(), patterns]
    );
    assert_eq!(seen[0].body["dialPatterns"].as_array().unwrap().len(), 200);
    assert_eq!(seen[0].body["routeId"], "TR2");
    assert_eq!(seen[1].body["dialPatterns"].as_array().unwrap().len(), 200);
    assert_eq!(
        seen[2].body,
        json!({"dialPatterns": [{"dialPattern": "8400", "action": "ADD"}]})
    );

    // README §2.9: a create can answer 201 with per-pattern errors.
    server.reply(Reply::json(
        201,
        json!({"id": "DP9ID", "dialPatternErrors": [
        {"dialPattern": "8000", "patternStatus": "DUPLICATE", "message": "duplicate"}]}),
    ));
    let error = DialPlan.run(&client, &steps[0], &ids).await.unwrap_err();
    assert_eq!(error.class, ErrorClass::Definite);
    assert!(error.message.contains("DUPLICATE"), "{}", error.message);
}

#[tokio::test]
async fn schedule_and_event_requests_match_the_capture() {
    let server = Fixture::start().await;
    let client = server.client(None);
    let ids = ids();
    let run = |steps: Vec<Step>| {
        let (client, ids) = (&client, &ids);
        async move { run_all(&Schedule, client, &steps, ids).await }
    };
    // `schedules.create`.
    let spec = business_hours_spec();
    let results = run(plan(
        "Schedule",
        "HQ/businessHours/BH",
        Operation::Create,
        &spec,
        None,
    )
    .unwrap())
    .await;
    assert_eq!(results[0].as_ref().unwrap().as_deref(), Some("STUBID"));
    // `schedules.event_create`, `schedules.event_update`, `schedules.event_delete`, each as its
    // own change of the holiday schedule.
    let key = "HQ/holidays/Holidays";
    let none = holidays_live(json!([]), json!({}));
    run(plan(
        "Schedule",
        key,
        Operation::Update,
        &holidays(json!([new_year()])),
        Some(&none),
    )
    .unwrap())
    .await;
    let mut moved = new_year();
    moved["endDate"] = json!("2026-01-02");
    let with_ny = holidays_live(json!([moved]), json!({"NY": "EV1"}));
    run(plan(
        "Schedule",
        key,
        Operation::Update,
        &holidays(json!([new_year()])),
        Some(&with_ny),
    )
    .unwrap())
    .await;
    run(plan(
        "Schedule",
        key,
        Operation::Update,
        &holidays(json!([])),
        Some(&with_ny),
    )
    .unwrap())
    .await;
    // `schedules.delete`.
    run(plan(
        "Schedule",
        key,
        Operation::Delete,
        &Value::Null,
        Some(&with_ny),
    )
    .unwrap())
    .await;

    let mut updated = new_year();
    updated["newName"] = json!("NY");
    let mut create = spec.clone();
    create.as_object_mut().unwrap().remove("locationRef");
    assert_eq!(
        wire(&server.take()),
        [
            req(&format!("POST {SCHEDULES}"), create),
            req(
                &format!("POST {SCHEDULES}/holidays/SCH1/events"),
                new_year()
            ),
            req(
                &format!("PUT {SCHEDULES}/holidays/SCH1/events/EV1"),
                updated
            ),
            req(
                &format!("DELETE {SCHEDULES}/holidays/SCH1/events/EV1"),
                Value::Null
            ),
            req(&format!("DELETE {SCHEDULES}/holidays/SCH1"), Value::Null),
        ]
    );
}

#[tokio::test]
async fn location_and_internal_dialing_requests_match_the_reference() {
    let server = Fixture::start().await;
    let client = server.client(None);
    let ids = ids();
    let spec = json!({"name": "HQ", "timeZone": "America/New_York", "preferredLanguage": "en_us",
        "announcementLanguage": "en_us", "address": {"address1": "1 Main St", "city": "Austin",
        "state": "TX", "postalCode": "78701", "country": "US"}});
    let steps = plan("Location", "HQ", Operation::Create, &spec, None).unwrap();
    run_all(&Location, &client, &steps, &ids).await;
    let live_hq = live("Location", "HQ", "LOC1", spec.clone(), Value::Null);
    let steps = plan(
        "Location",
        "HQ",
        Operation::Delete,
        &Value::Null,
        Some(&live_hq),
    )
    .unwrap();
    run_all(&Location, &client, &steps, &ids).await;
    // `internal_dialing.update` (the SDK also sends `"name": null` in the identity).
    let live_d = live(
        "LocationInternalDialing",
        "HQ",
        "LOC1",
        json!({"locationRef": "HQ", "enableUnknownExtensionRoutePolicy": false}),
        Value::Null,
    );
    let desired = json!({"locationRef": "HQ", "enableUnknownExtensionRoutePolicy": true, "unknownExtensionRouteIdentity": {"routeGroupRef": "RG"}});
    let kind = "LocationInternalDialing";
    let steps = plan(kind, "HQ", Operation::Update, &desired, Some(&live_d)).unwrap();
    run_all(&InternalDialing, &client, &steps, &ids).await;
    let steps = plan(kind, "HQ", Operation::Delete, &Value::Null, Some(&live_d)).unwrap();
    run_all(&InternalDialing, &client, &steps, &ids).await;
    let dialing = "/v1/telephony/config/locations/LOC1/internalDialing";
    assert_eq!(
        wire(&server.take()),
        [
            req("POST /v1/locations", spec.clone()),
            // Reference §2.1 "calling enable": the common location's id plus its calling fields.
            req("POST /v1/telephony/config/locations", {
                let mut enable = spec;
                enable["id"] = json!("LOC1");
                enable
            }),
            req("DELETE /v1/locations/LOC1", Value::Null),
            req(
                &format!("PUT {dialing}"),
                json!({"enableUnknownExtensionRoutePolicy": true, "unknownExtensionRouteIdentity": {"id": "RG1", "type": "ROUTE_GROUP"}})
            ),
            req(
                &format!("PUT {dialing}"),
                json!({"enableUnknownExtensionRoutePolicy": false})
            ),
        ]
    );
}

#[tokio::test]
async fn org_id_goes_on_every_request_once_when_the_client_has_one() {
    let server = Fixture::start().await;
    let client = server.client(Some("ORG"));
    let ids = ids();
    let spec = json!({"name": "T1", "locationRef": "HQ", "password": "${env:TRUNK_PASSWORD}", "trunkType": "REGISTERING"});
    let live_t1 = live("Trunk", "T1", "TR1", json!({"name": "T1"}), Value::Null);
    let mut steps = filled(plan("Trunk", "T1", Operation::Create, &spec, None).unwrap());
    steps.extend(filled(
        plan("Trunk", "T1", Operation::Update, &spec, Some(&live_t1)).unwrap(),
    ));
    steps.extend(
        plan(
            "Trunk",
            "T1",
            Operation::Delete,
            &Value::Null,
            Some(&live_t1),
        )
        .unwrap(),
    );
    run_all(&Trunk, &client, &steps, &ids).await;
    let with_ny = holidays_live(json!([new_year()]), json!({"NY": "EV1"}));
    let key = "HQ/holidays/Holidays";
    let steps = plan(
        "Schedule",
        key,
        Operation::Update,
        &holidays(json!([])),
        Some(&with_ny),
    )
    .unwrap();
    run_all(&Schedule, &client, &steps, &ids).await;
    // A list that pages: the next link (absolute, as Webex gives it) lacks orgId.
    let next = format!(
        "<{}/telephony/config/premisePstn/trunks?max=1&start=1>; rel=\"next\"",
        server.base
    );
    server.reply(
        Reply::json(200, json!({"trunks": [{"id": "TR1", "name": "T1"}]})).header("link", &next),
    );
    server.reply(Reply::json(
        200,
        json!({"trunks": [{"id": "TR2", "name": "T2"}]}),
    ));
    let scope = crate::providers::Scope::list_only(false);
    let found = Trunk.observe(&client, &scope, &ids).await.unwrap();
    assert_eq!(found.len(), 2);

    let seen = server.take();
    let lines: Vec<String> = seen.iter().map(Seen::line).collect();
    assert_eq!(
        lines,
        [
            format!("POST {TRUNKS}"),
            format!("PUT {TRUNKS}/TR1"),
            format!("DELETE {TRUNKS}/TR1"),
            format!("DELETE {SCHEDULES}/holidays/SCH1/events/EV1"),
            format!("GET {TRUNKS}"),
            format!("GET {TRUNKS}"),
        ]
    );
    for s in &seen {
        assert_eq!(s.query_values("orgId"), ["ORG"], "{}", s.line());
    }
    assert_eq!(seen[4].query_values("max"), ["1000"]);
    assert_eq!(seen[5].query_values("start"), ["1"]);
}
