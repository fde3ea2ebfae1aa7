//! Person call settings (reference §2.16): defaults, PUT checks and merges, both outgoing
//! permission paths, recording unavailable on Basic, monitoring's GET/PUT asymmetry, the
//! executive assistants, and non-calling people.

mod common;

use common::{Client, sandbox};
use reqwest::Method;
use serde_json::{Value, json};

/// The first `n` seeded calling people, with their ids.
async fn people(c: &Client, n: usize) -> Vec<String> {
    c.get(&format!("/people?max={n}")).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

async fn status_put(c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.put(path, &body).await;
    (r.status, r.body)
}

#[tokio::test]
async fn defaults_for_a_calling_person() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let id = &people(&c, 1).await[0];
    let base = format!("/people/{id}/features");
    let fwd = c.get(&format!("{base}/callForwarding")).await.body;
    assert_eq!(fwd["callForwarding"]["always"]["enabled"], false);
    assert_eq!(fwd["callForwarding"]["noAnswer"]["numberOfRings"], 3);
    assert_eq!(
        fwd["callForwarding"]["noAnswer"]["systemMaxNumberOfRings"],
        20
    );
    let rec = c.get(&format!("{base}/callRecording")).await.body;
    assert_eq!(
        (rec["enabled"].clone(), rec["record"].clone()),
        (json!(false), json!("Never"))
    );
    assert_eq!(
        c.get(&format!("{base}/callWaiting")).await.body,
        json!({"enabled": true})
    );
    let dnd = c.get(&format!("{base}/doNotDisturb")).await.body;
    assert_eq!(
        (dnd["enabled"].clone(), dnd["ringSplashEnabled"].clone()),
        (json!(false), json!(false))
    );
    let vm = c.get(&format!("{base}/voicemail")).await.body;
    assert_eq!(vm["enabled"], true);
    assert_eq!(vm["sendAllCalls"]["enabled"], false);
    assert_eq!(vm["sendUnansweredCalls"]["numberOfRings"], 3);
    assert_eq!(
        c.get(&format!("{base}/executiveAssistant")).await.body,
        json!({"type": "UNASSIGNED"})
    );
    let perm = c.get(&format!("{base}/outgoingPermission")).await.body;
    assert_eq!(perm["useCustomEnabled"], false);
    assert_eq!(perm["callingPermissions"].as_array().unwrap().len(), 12);
    let numbers = c.get(&format!("{base}/numbers")).await.body;
    assert_eq!(numbers["phoneNumbers"][0]["primary"], true);
    assert_eq!(numbers["phoneNumbers"][0]["extension"], "1001");
    assert!(numbers["phoneNumbers"][0]["directNumber"].is_string());
    // numbers is read-only; unknown settings are 404.
    assert_eq!(
        c.put(&format!("{base}/numbers"), &json!({})).await.status,
        405
    );
    assert_eq!(c.get(&format!("{base}/nonsense")).await.status, 404);
}

#[tokio::test]
async fn puts_are_checked_then_merged() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let id = &people(&c, 1).await[0];
    let base = format!("/people/{id}/features");

    // Forwarding: a destination is required when enabled; rings 2..=20.
    let path = format!("{base}/callForwarding");
    let (s, _) = status_put(
        &c,
        &path,
        json!({"callForwarding": {"always": {"enabled": true}}}),
    )
    .await;
    assert_eq!(s, 400);
    let (s, _) = status_put(
        &c,
        &path,
        json!({"callForwarding": {"noAnswer": {"enabled": false, "numberOfRings": 21}}}),
    )
    .await;
    assert_eq!(s, 400);
    let (s, b) = status_put(
        &c,
        &path,
        json!({"callForwarding": {"always": {"enabled": true, "destination": "+15125559999"}}}),
    )
    .await;
    assert_eq!(s, 204, "{b:?}");
    let fwd = c.get(&path).await.body;
    assert_eq!(
        fwd["callForwarding"]["always"]["destination"],
        "+15125559999"
    );
    assert_eq!(
        fwd["callForwarding"]["noAnswer"]["numberOfRings"], 3,
        "merged, not replaced"
    );

    // Recording: enums checked; the SDK's `"type": null` means None.
    let path = format!("{base}/callRecording");
    let (s, _) = status_put(&c, &path, json!({"record": "Sometimes"})).await;
    assert_eq!(s, 400);
    let (s, _) = status_put(&c, &path, json!({"notification": {"type": "Siren"}})).await;
    assert_eq!(s, 400);
    let (s, _) = status_put(&c, &path, json!({"repeat": {"interval": 5}})).await;
    assert_eq!(s, 400);
    let (s, b) = status_put(
        &c,
        &path,
        json!({"enabled": true, "record": "Always with Pause/Resume",
        "notification": {"type": null, "enabled": true}}),
    )
    .await;
    assert_eq!(s, 204, "{b:?}");
    let rec = c.get(&path).await.body;
    assert_eq!(rec["record"], "Always with Pause/Resume");
    assert_eq!(
        rec["notification"],
        json!({"type": "None", "enabled": true})
    );

    // Call waiting, DND, voicemail.
    let (s, _) = status_put(
        &c,
        &format!("{base}/callWaiting"),
        json!({"enabled": "maybe"}),
    )
    .await;
    assert_eq!(s, 400);
    let (s, _) = status_put(
        &c,
        &format!("{base}/callWaiting"),
        json!({"enabled": false}),
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(
        c.get(&format!("{base}/callWaiting")).await.body["enabled"],
        false
    );
    let (s, _) = status_put(
        &c,
        &format!("{base}/doNotDisturb"),
        json!({"enabled": true}),
    )
    .await;
    assert_eq!(s, 204);
    let dnd = c.get(&format!("{base}/doNotDisturb")).await.body;
    assert_eq!(
        (dnd["enabled"].clone(), dnd["ringSplashEnabled"].clone()),
        (json!(true), json!(false))
    );
    let vm = format!("{base}/voicemail");
    let (s, _) = status_put(
        &c,
        &vm,
        json!({"sendUnansweredCalls": {"enabled": true, "numberOfRings": 1}}),
    )
    .await;
    assert_eq!(s, 400);
    let (s, _) = status_put(
        &c,
        &vm,
        json!({"sendBusyCalls": {"enabled": true, "greeting": "CUSTOM"}}),
    )
    .await;
    assert_eq!(s, 400, "no custom greeting was uploaded");
    let (s, _) = status_put(&c, &vm, json!({"notifications": {"enabled": true}})).await;
    assert_eq!(s, 400);
    let (s, _) = status_put(
        &c,
        &vm,
        json!({"messageStorage": {"storageType": "EXTERNAL"}}),
    )
    .await;
    assert_eq!(s, 400);
    let (s, b) = status_put(
        &c,
        &vm,
        json!({"sendAllCalls": {"enabled": true},
        "sendUnansweredCalls": {"enabled": true, "numberOfRings": 5}}),
    )
    .await;
    assert_eq!(s, 204, "{b:?}");
    let got = c.get(&vm).await.body;
    assert_eq!(got["sendAllCalls"]["enabled"], true);
    assert_eq!(got["sendUnansweredCalls"]["numberOfRings"], 5);
    assert_eq!(
        got["sendBusyCalls"]["enabled"], false,
        "the failed PUTs changed nothing"
    );
    assert_eq!(got["notifications"]["enabled"], false);
}

#[tokio::test]
async fn outgoing_permission_has_two_paths_and_one_setting() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let id = &people(&c, 1).await[0];
    let old = format!("/people/{id}/features/outgoingPermission");
    let new = format!("/telephony/config/people/{id}/outgoingPermission");
    let (s, _) = status_put(
        &c,
        &new,
        json!({"callingPermissions": [{"callType": "MARS", "action": "ALLOW"}]}),
    )
    .await;
    assert_eq!(s, 400);
    let (s, _) = status_put(
        &c,
        &new,
        json!({"callingPermissions": [{"callType": "TOLL", "action": "MAYBE"}]}),
    )
    .await;
    assert_eq!(s, 400);
    let (s, b) = status_put(&c, &new, json!({"useCustomEnabled": true, "useCustomPermissions": true,
        "callingPermissions": [{"callType": "INTERNATIONAL", "action": "BLOCK", "transferEnabled": false}]})).await;
    assert_eq!(s, 204, "{b:?}");
    let via_old = c.get(&old).await.body;
    assert_eq!(via_old, c.get(&new).await.body);
    assert_eq!(via_old["useCustomEnabled"], true);
    let international = via_old["callingPermissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["callType"] == "INTERNATIONAL")
        .unwrap()
        .clone();
    assert_eq!(international["action"], "BLOCK");
    let (s, _) = status_put(&c, &old, json!({"useCustomEnabled": false})).await;
    assert_eq!(s, 204);
    assert_eq!(c.get(&new).await.body["useCustomEnabled"], false);
}

/// Call recording is a feature of the license: Basic holders have none (400/4410).
#[tokio::test]
async fn recording_is_unavailable_on_basic() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let licenses = c.get("/licenses").await.body;
    let find = |name: &str| {
        licenses["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == name)
            .map(|l| l["id"].as_str().unwrap().to_string())
            .unwrap()
    };
    let (pro, basic) = (
        find("Webex Calling - Professional"),
        find("Webex Calling - Basic"),
    );
    let id = &people(&c, 1).await[0];
    let swap = c
        .call(
            Method::PATCH,
            "/licenses/users",
            Some(
                &json!({"personId": id, "licenses": [{"id": pro, "operation": "remove"},
                {"id": basic, "operation": "add"}]}),
            ),
        )
        .await;
    assert_eq!(swap.status, 200, "{:?}", swap.body);
    let person = c.get(&format!("/people/{id}?callingData=true")).await.body;
    assert_eq!(
        person["extension"], "1001",
        "the swap kept the calling identity"
    );
    let path = format!("/people/{id}/features/callRecording");
    let got = c.get(&path).await;
    assert_eq!(
        (got.status, got.error_code()),
        (400, 4410),
        "{:?}",
        got.body
    );
    let put = c
        .put(&path, &json!({"enabled": true, "record": "Always"}))
        .await;
    assert_eq!((put.status, put.error_code()), (400, 4410));
    assert!(
        put.body["message"]
            .as_str()
            .unwrap()
            .contains("not available")
    );
    // Other settings still work.
    assert_eq!(
        c.get(&format!("/people/{id}/features/callWaiting"))
            .await
            .status,
        200
    );
}

/// GET says `callParkNotificationEnabled` and `{member: {...}}`; PUT takes
/// `enableCallParkNotification` (bool or string) and ids or `{id, type}`.
#[tokio::test]
async fn monitoring_get_and_put_differ() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let ids = people(&c, 3).await;
    let path = format!("/people/{}/features/monitoring", ids[0]);
    let (s, b) = status_put(
        &c,
        &path,
        json!({"enableCallParkNotification": "true",
        "monitoredElements": [ids[1], {"id": ids[2], "type": "MEMBER"}]}),
    )
    .await;
    assert_eq!(s, 204, "{b:?}");
    let got = c.get(&path).await.body;
    assert_eq!(got["callParkNotificationEnabled"], true);
    assert!(got.get("enableCallParkNotification").is_none());
    let members = got["monitoredElements"].as_array().unwrap();
    assert_eq!(members.len(), 2);
    assert_eq!(members[0]["member"]["id"], ids[1].as_str());
    assert_eq!(members[0]["member"]["type"], "PEOPLE");
    assert!(members[1]["member"]["displayName"].is_string());

    // Unknown and non-calling ids are refused; at most 50.
    let (s, _) = status_put(&c, &path, json!({"monitoredElements": ["nobody"]})).await;
    assert_eq!(s, 400);
    let plain = c
        .post(
            "/people",
            &json!({"emails": ["plain@example.com"], "displayName": "Plain"}),
        )
        .await
        .id();
    let (s, _) = status_put(&c, &path, json!({"monitoredElements": [plain]})).await;
    assert_eq!(s, 400);
    let many: Vec<Value> = (0..51).map(|_| json!(ids[1])).collect();
    let (s, _) = status_put(&c, &path, json!({"monitoredElements": many})).await;
    assert_eq!(s, 400);
    let (s, _) = status_put(&c, &path, json!({"enableCallParkNotification": false})).await;
    assert_eq!(s, 204);
    let got = c.get(&path).await.body;
    assert_eq!(got["callParkNotificationEnabled"], false);
    assert_eq!(got["monitoredElements"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn executive_assistants() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let ids = people(&c, 3).await;
    let exec_type = format!("/people/{}/features/executiveAssistant", ids[0]);
    let assistants = format!(
        "/telephony/config/people/{}/executive/assignedAssistants",
        ids[0]
    );
    // Not an executive yet: 400/4410.
    let r = c.get(&assistants).await;
    assert_eq!((r.status, r.error_code()), (400, 4410));
    let r = c.put(&assistants, &json!({"assistantIds": [ids[1]]})).await;
    assert_eq!((r.status, r.error_code()), (400, 4410));

    let (s, _) = status_put(&c, &exec_type, json!({"type": "BOSS"})).await;
    assert_eq!(s, 400);
    let (s, _) = status_put(&c, &exec_type, json!({"type": "EXECUTIVE"})).await;
    assert_eq!(s, 204);
    assert_eq!(c.get(&exec_type).await.body, json!({"type": "EXECUTIVE"}));
    assert_eq!(c.get(&assistants).await.body, json!({"assistants": []}));
    let (s, _) = status_put(&c, &assistants, json!({"assistantIds": ["nobody"]})).await;
    assert_eq!(s, 400);
    let (s, _) = status_put(&c, &assistants, json!({"assistantIds": [ids[0]]})).await;
    assert_eq!(s, 400, "not their own assistant");
    let (s, b) = status_put(&c, &assistants, json!({"assistantIds": [ids[1], ids[2]]})).await;
    assert_eq!(s, 204, "{b:?}");
    let got = c.get(&assistants).await.body;
    let list = got["assistants"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], ids[1].as_str());
    assert!(list[0]["firstName"].is_string() && list[0]["extension"].is_string());
    // `null` removes them all.
    let (s, _) = status_put(&c, &assistants, json!({"assistantIds": null})).await;
    assert_eq!(s, 204);
    assert_eq!(c.get(&assistants).await.body["assistants"], json!([]));
    // No longer an executive: the assistants endpoint refuses again.
    status_put(&c, &assistants, json!({"assistantIds": [ids[1]]})).await;
    let (s, _) = status_put(&c, &exec_type, json!({"type": "UNASSIGNED"})).await;
    assert_eq!(s, 204);
    assert_eq!(c.get(&assistants).await.status, 400);
}

/// The calling backend does not know people without a calling license: 404.
#[tokio::test]
async fn non_calling_people_have_no_settings() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let plain = c
        .post(
            "/people",
            &json!({"emails": ["plain@example.com"], "displayName": "Plain"}),
        )
        .await
        .id();
    for feature in ["callForwarding", "voicemail", "numbers"] {
        let r = c.get(&format!("/people/{plain}/features/{feature}")).await;
        assert_eq!((r.status, r.error_code()), (404, 4008), "{feature}");
    }
    let r = c
        .put(
            &format!("/telephony/config/people/{plain}/outgoingPermission"),
            &json!({"useCustomEnabled": true}),
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        c.get("/people/nobody/features/callWaiting").await.status,
        404
    );
}
