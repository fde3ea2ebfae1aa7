//! Workspaces (reference §2.5): create/list/filter/get/update/delete, the fields that cannot
//! change, duplicate names and numbers, the location reference, and the call settings under
//! `/workspaces/{id}/features/…`.

mod common;

use common::{Client, sandbox};
use serde_json::{Value, json};

const AUSTIN_NUMBER: &str = "+15125550120";

async fn austin_number(c: &Client, austin: &str) -> String {
    // An active, unowned, non-main number of the location.
    let resp = c
        .get(&format!(
            "/telephony/config/numbers?locationId={austin}&available=true"
        ))
        .await;
    resp.body["phoneNumbers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["phoneNumber"].as_str().unwrap().to_string())
        .find(|n| n != AUSTIN_NUMBER)
        .expect("an available number")
}

fn calling(location: &str, number: Option<&str>, extension: Option<&str>) -> Value {
    json!({"type": "webexCalling", "webexCalling":
        {"phoneNumber": number, "extension": extension, "locationId": location}})
}

#[tokio::test]
async fn workspace_lifecycle() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let austin = c.location_id("Austin HQ").await;
    let number = austin_number(&c, &austin).await;

    let created = c
        .post(
            "/workspaces",
            &json!({"locationId": austin, "displayName": "Lobby", "capacity": 4,
                "type": "huddle", "calling": calling(&austin, Some(&number), Some("2000"))}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.id();
    let b = &created.body;
    assert_eq!(b["displayName"], "Lobby");
    assert_eq!(b["locationId"], austin.as_str());
    assert_eq!(b["calling"]["type"], "webexCalling");
    assert_eq!(b["calling"]["webexCalling"]["phoneNumber"], number.as_str());
    assert_eq!(b["calling"]["webexCalling"]["extension"], "2000");
    assert_eq!(
        b["calling"]["webexCalling"]["licenses"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(b["supportedDevices"], "collaborationDevices");

    // A plain workspace elsewhere, then list and filter.
    let london = c.location_id("London Office").await;
    let plain = c
        .post(
            "/workspaces",
            &json!({"displayName": "Quiet room", "locationId": london}),
        )
        .await;
    assert_eq!(plain.status, 201, "{:?}", plain.body);
    assert_eq!(plain.body["calling"]["type"], "freeCalling");
    let (all, _) = c.collect("/workspaces", "items").await;
    assert_eq!(all.len(), 2);
    let (found, _) = c.collect("/workspaces?displayName=lob", "items").await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["id"], id.as_str());
    let (in_london, _) = c
        .collect(&format!("/workspaces?locationId={london}"), "items")
        .await;
    assert_eq!(in_london.len(), 1);
    assert_eq!(in_london[0]["displayName"], "Quiet room");
    let (calling_only, _) = c.collect("/workspaces?calling=webexCalling", "items").await;
    assert_eq!(calling_only.len(), 1);
    let (paged, links) = c.collect("/workspaces?max=1", "items").await;
    assert_eq!(paged.len(), 2);
    assert_eq!(links.len(), 1);
    assert!(links[0].contains("max=1&start=1"), "{links:?}");

    // Get, update (capacity/type/notes cleared when omitted, calling kept).
    let got = c.get(&format!("/workspaces/{id}")).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["capacity"], 4);
    let updated = c
        .put(
            &format!("/workspaces/{id}"),
            &json!({"displayName": "Lobby 2"}),
        )
        .await;
    assert_eq!(updated.status, 200, "{:?}", updated.body);
    assert_eq!(updated.body["displayName"], "Lobby 2");
    assert!(updated.body.get("capacity").is_none(), "{:?}", updated.body);
    assert_eq!(updated.body["calling"]["webexCalling"]["extension"], "2000");
    assert_eq!(updated.body["locationId"], austin.as_str());

    // Immutable fields: the same value is fine, another value is refused.
    let same = c
        .put(
            &format!("/workspaces/{id}"),
            &json!({"displayName": "Lobby 2", "locationId": austin}),
        )
        .await;
    assert_eq!(same.status, 200, "{:?}", same.body);
    for body in [
        json!({"displayName": "Lobby 2", "locationId": london}),
        json!({"displayName": "Lobby 2", "supportedDevices": "phones"}),
    ] {
        let refused = c.put(&format!("/workspaces/{id}"), &body).await;
        assert_eq!(refused.status, 400, "{:?}", refused.body);
        assert_eq!(refused.error_code(), 25008);
        assert!(
            refused.body["message"]
                .as_str()
                .unwrap()
                .contains("cannot be changed"),
            "{:?}",
            refused.body
        );
    }
    assert_eq!(
        c.get(&format!("/workspaces/{id}")).await.body["locationId"],
        austin.as_str()
    );

    // Delete, then 404 everywhere.
    assert_eq!(c.delete(&format!("/workspaces/{id}")).await.status, 204);
    for resp in [
        c.get(&format!("/workspaces/{id}")).await,
        c.put(&format!("/workspaces/{id}"), &json!({"displayName": "x"}))
            .await,
        c.delete(&format!("/workspaces/{id}")).await,
    ] {
        assert_eq!(resp.status, 404, "{:?}", resp.body);
        assert_eq!(resp.error_code(), 4008);
    }
}

#[tokio::test]
async fn create_validation_and_duplicates() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let austin = c.location_id("Austin HQ").await;
    let number = austin_number(&c, &austin).await;

    for body in [
        json!({"locationId": austin}),
        json!({"displayName": "X", "calling": {"type": "webexCalling"}}),
        json!({"displayName": "X", "calling": calling(&austin, None, None)}),
        json!({"displayName": "X", "type": "castle"}),
        json!({"displayName": "X", "locationId": "nope"}),
        json!({"displayName": "X", "calling": calling(&austin, Some("+15550000000"), None)}),
    ] {
        let resp = c.post("/workspaces", &body).await;
        assert_eq!(resp.status, 400, "{body}: {:?}", resp.body);
        assert_eq!(resp.error_code(), 25008);
    }

    let first = c
        .post(
            "/workspaces",
            &json!({"displayName": "Desk A", "calling": calling(&austin, Some(&number), Some("3000"))}),
        )
        .await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    assert_eq!(first.body["locationId"], austin.as_str());

    // Same name in the same location: 409/27601, case-insensitively.
    let dup = c
        .post(
            "/workspaces",
            &json!({"displayName": "desk a", "locationId": austin}),
        )
        .await;
    assert_eq!(dup.status, 409, "{:?}", dup.body);
    assert_eq!(dup.error_code(), 27601);
    // In another location the name is free.
    let london = c.location_id("London Office").await;
    let other = c
        .post(
            "/workspaces",
            &json!({"displayName": "Desk A", "locationId": london}),
        )
        .await;
    assert_eq!(other.status, 201, "{:?}", other.body);

    // Taken number or extension (another workspace, or a person): 409 8363 / top-level 25223.
    let person_ext = c.get("/people?callingData=true&max=1").await.body["items"][0].clone();
    let person_loc = person_ext["locationId"].as_str().unwrap().to_string();
    let person_extension = person_ext["extension"].as_str().unwrap().to_string();
    for (body, what) in [
        (calling(&austin, Some(&number), None), "number"),
        (calling(&austin, None, Some("3000")), "extension"),
        (
            calling(&person_loc, None, Some(&person_extension)),
            "person extension",
        ),
    ] {
        let resp = c
            .post(
                "/workspaces",
                &json!({"displayName": format!("Dup {what}"), "calling": body}),
            )
            .await;
        assert_eq!(resp.status, 409, "{what}: {:?}", resp.body);
        assert_eq!(resp.error_code(), 8363);
        assert_eq!(resp.body["errorCode"], 25223);
    }
    // A person cannot take the workspace's number either.
    let licenses = c.get("/licenses").await.body["items"].clone();
    let professional = licenses
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "Webex Calling - Professional")
        .unwrap()["id"]
        .clone();
    let person = c
        .post(
            "/people",
            &json!({"emails": ["ws.clash@example.com"], "displayName": "Clash",
                "locationId": austin, "licenses": [professional],
                "phoneNumbers": [{"type": "work", "value": number}]}),
        )
        .await;
    assert_eq!(person.status, 400, "{:?}", person.body);

    // The workspace license now counts a workspace.
    let ws_license = licenses
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "Webex Calling - Workspaces")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let lic = c.get(&format!("/licenses/{ws_license}")).await;
    assert_eq!(lic.body["consumedByWorkspaces"], 1, "{:?}", lic.body);
}

#[tokio::test]
async fn location_with_workspaces_is_not_deleted() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let loc = c
        .post(
            "/locations",
            &json!({"name": "WS Site", "timeZone": "America/Chicago",
                "preferredLanguage": "en_us", "announcementLanguage": "en_us",
                "address": {"address1": "1 Main", "city": "Austin", "state": "TX",
                    "postalCode": "78701", "country": "US"}}),
        )
        .await;
    assert_eq!(loc.status, 201, "{:?}", loc.body);
    let loc = loc.id();
    let ws = c
        .post(
            "/workspaces",
            &json!({"displayName": "Booth", "locationId": loc}),
        )
        .await
        .id();
    let refused = c.delete(&format!("/locations/{loc}")).await;
    assert_eq!(refused.status, 400, "{:?}", refused.body);
    assert_eq!(refused.error_code(), 6675);
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("workspace 'Booth'"),
        "{:?}",
        refused.body
    );
    assert_eq!(c.delete(&format!("/workspaces/{ws}")).await.status, 204);
    assert_eq!(c.delete(&format!("/locations/{loc}")).await.status, 204);
}

#[tokio::test]
async fn workspaces_persist_in_the_org_file() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let sb = sandbox(Some(dir.path().to_path_buf())).await;
        let c = Client::new(&sb);
        let id = c
            .post("/workspaces", &json!({"displayName": "Kept"}))
            .await
            .id();
        sb.shutdown().await.unwrap();
        id
    };
    let sb = sandbox(Some(dir.path().to_path_buf())).await;
    let c = Client::new(&sb);
    assert_eq!(
        c.get(&format!("/workspaces/{id}")).await.body["displayName"],
        "Kept"
    );
}

#[tokio::test]
async fn call_settings() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let austin = c.location_id("Austin HQ").await;
    let ws = c
        .post(
            "/workspaces",
            &json!({"displayName": "Front desk", "calling": calling(&austin, None, Some("4000"))}),
        )
        .await
        .id();
    let base = format!("/workspaces/{ws}/features");

    let fwd = c.get(&format!("{base}/callForwarding")).await;
    assert_eq!(fwd.status, 200);
    assert_eq!(fwd.body["callForwarding"]["always"]["enabled"], false);
    let bad = json!({"callForwarding": {"always": {"enabled": true}}});
    assert_eq!(
        c.put(&format!("{base}/callForwarding"), &bad).await.status,
        400
    );
    let good = json!({"callForwarding": {"always": {"enabled": true, "destination": "+15125550199",
        "ringReminderEnabled": true}, "noAnswer": {"enabled": false, "numberOfRings": 5}}});
    assert_eq!(
        c.put(&format!("{base}/callForwarding"), &good).await.status,
        204
    );
    let fwd = c.get(&format!("{base}/callForwarding")).await.body;
    assert_eq!(
        fwd["callForwarding"]["always"]["destination"],
        "+15125550199"
    );
    assert_eq!(fwd["callForwarding"]["noAnswer"]["numberOfRings"], 5);
    assert_eq!(fwd["callForwarding"]["busy"]["enabled"], false);

    let person = c.get("/people?max=1").await.body["items"][0]["id"].clone();
    let monitoring = json!({"enableCallParkNotification": "true",
        "monitoredElements": [{"id": person, "type": "MEMBER"}]});
    assert_eq!(
        c.put(&format!("{base}/monitoring"), &monitoring)
            .await
            .status,
        204
    );
    let got = c.get(&format!("{base}/monitoring")).await.body;
    assert_eq!(got["callParkNotificationEnabled"], true);
    assert_eq!(got["monitoredElements"][0]["member"]["id"], person);
    let unknown = json!({"monitoredElements": ["nobody"]});
    assert_eq!(
        c.put(&format!("{base}/monitoring"), &unknown).await.status,
        400
    );

    let perm = json!({"useCustomEnabled": true, "callingPermissions":
        [{"callType": "INTERNATIONAL", "action": "BLOCK", "transferEnabled": false}]});
    assert_eq!(
        c.put(&format!("{base}/outgoingPermission"), &perm)
            .await
            .status,
        204
    );
    let got = c.get(&format!("{base}/outgoingPermission")).await.body;
    assert_eq!(got["useCustomEnabled"], true);
    let intl = got["callingPermissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["callType"] == "INTERNATIONAL")
        .unwrap();
    assert_eq!(intl["action"], "BLOCK");
    let bad = json!({"callingPermissions": [{"callType": "MARS", "action": "ALLOW"}]});
    assert_eq!(
        c.put(&format!("{base}/outgoingPermission"), &bad)
            .await
            .status,
        400
    );

    assert_eq!(
        c.put(&format!("{base}/callWaiting"), &json!({"enabled": false}))
            .await
            .status,
        204
    );
    assert_eq!(
        c.get(&format!("{base}/callWaiting")).await.body["enabled"],
        false
    );
    let numbers = c.get(&format!("{base}/numbers/")).await;
    assert_eq!(numbers.status, 200, "{:?}", numbers.body);
    assert_eq!(numbers.body["phoneNumbers"][0]["extension"], "4000");
    assert_eq!(c.get(&format!("{base}/voicePortal")).await.status, 404);

    // A workspace without Webex Calling has no call settings.
    let plain = c
        .post("/workspaces", &json!({"displayName": "Plain"}))
        .await
        .id();
    let resp = c
        .get(&format!("/workspaces/{plain}/features/callForwarding"))
        .await;
    assert_eq!(resp.status, 400, "{:?}", resp.body);
}
