//! A location's numbers (reference §2.4), its PSTN connection and outgoing permissions (§2.1),
//! and the org number list's owners.

mod common;

use common::{Client, sandbox};
use reqwest::Method;
use serde_json::{Value, json};

async fn send(c: &Client, method: Method, path: &str, body: Value) -> common::Resp {
    c.call(method, path, Some(&body)).await
}

async fn number_row(c: &Client, number: &str) -> Value {
    let r = c
        .get(&format!(
            "/telephony/config/numbers?phoneNumber={}",
            number.replace('+', "%2B")
        ))
        .await;
    r.body["phoneNumbers"][0].clone()
}

#[tokio::test]
async fn pstn_connection_options_and_both_views() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let austin = c.location_id("Austin HQ").await;
    let madrid = c.location_id("Madrid Branch").await;
    let path = format!("/telephony/pstn/locations/{austin}/connection");
    assert_eq!(c.get(&path).await.body, json!({}), "nothing set up yet");
    let madrid_conn = c
        .get(&format!("/telephony/pstn/locations/{madrid}/connection"))
        .await
        .body;
    assert_eq!(madrid_conn["pstnConnectionType"], "CISCO_PSTN");

    let trunk = c.create_trunk("Austin SBC", &austin).await;
    let options = c
        .get(&format!(
            "/telephony/pstn/locations/{austin}/connectionOptions"
        ))
        .await
        .body;
    let items = options["items"].as_array().unwrap();
    let lgw = items
        .iter()
        .find(|o| o["routeId"] == trunk.as_str())
        .unwrap();
    assert_eq!(lgw["pstnConnectionType"], "LOCAL_GATEWAY");
    assert_eq!(lgw["routeType"], "TRUNK");
    let kinds: Vec<&str> = items
        .iter()
        .map(|o| o["pstnConnectionType"].as_str().unwrap())
        .collect();
    for kind in ["NON_INTEGRATED_CCP", "INTEGRATED_CCP", "CISCO_PSTN"] {
        assert!(kinds.contains(&kind), "{kinds:?}");
    }
    let mobile = c
        .get(&format!(
            "/telephony/pstn/locations/{austin}/connectionOptions?serviceTypes=MOBILE_NUMBERS"
        ))
        .await
        .body;
    assert_eq!(mobile["items"].as_array().unwrap().len(), 1);
    let option = |kind: &str| {
        items
            .iter()
            .find(|o| o["pstnConnectionType"] == kind)
            .map(|o| o["id"].as_str().unwrap().to_string())
            .unwrap()
    };

    // Premises route: must exist; shows in both views.
    let r = send(
        &c,
        Method::PUT,
        &path,
        json!({"premiseRouteType": "TRUNK", "premiseRouteId": "nope"}),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = send(&c, Method::PUT, &path, json!({"premiseRouteType": "TRUNK"})).await;
    assert_eq!(r.status, 400);
    let r = send(
        &c,
        Method::PUT,
        &path,
        json!({"premiseRouteType": "TRUNK", "premiseRouteId": trunk}),
    )
    .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let got = c.get(&path).await.body;
    assert_eq!(
        (got["routeType"].clone(), got["routeId"].clone()),
        (json!("TRUNK"), json!(trunk))
    );
    assert_eq!(got["pstnConnectionType"], "LOCAL_GATEWAY");
    let calling = c
        .get(&format!("/telephony/config/locations/{austin}"))
        .await
        .body;
    assert_eq!(calling["connection"], json!({"type": "TRUNK", "id": trunk}));
    // The trunk is in use by the connection now.
    assert_eq!(
        c.delete(&format!("/telephony/config/premisePstn/trunks/{trunk}"))
            .await
            .status,
        400
    );

    // Cloud options: integrated ones cannot be set through the API.
    let r = send(
        &c,
        Method::PUT,
        &path,
        json!({"id": option("INTEGRATED_CCP")}),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = send(&c, Method::PUT, &path, json!({"id": "unknown"})).await;
    assert_eq!(r.status, 400);
    let r = send(
        &c,
        Method::PUT,
        &path,
        json!({"id": option("NON_INTEGRATED_CCP")}),
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        c.get(&path).await.body["pstnConnectionType"],
        "NON_INTEGRATED_CCP"
    );
    let calling = c
        .get(&format!("/telephony/config/locations/{austin}"))
        .await
        .body;
    assert!(calling.get("connection").is_none(), "{calling:?}");
    // The old view sets it back to the trunk (by option id = route id here).
    let r = send(&c, Method::PUT, &path, json!({"id": trunk})).await;
    assert_eq!(r.status, 204);
    assert_eq!(c.get(&path).await.body["routeId"], trunk.as_str());
    assert_eq!(
        c.get("/telephony/pstn/locations/nope/connection")
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn adding_activating_and_removing_numbers() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let austin = c.location_id("Austin HQ").await;
    let madrid = c.location_id("Madrid Branch").await;
    let numbers = format!("/telephony/config/locations/{austin}/numbers");
    let new = ["+15125557001", "+15125557002"];

    // No PSTN connection (and Cisco PSTN): numbers come from the provider.
    let r = send(&c, Method::POST, &numbers, json!({"phoneNumbers": new})).await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert!(r.body["message"].as_str().unwrap().contains("not set up"));
    let r = send(
        &c,
        Method::POST,
        &format!("/telephony/config/locations/{madrid}/numbers"),
        json!({"phoneNumbers": ["+34915559999"]}),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.body["message"].as_str().unwrap().contains("CISCO_PSTN"));

    let trunk = c.create_trunk("Austin SBC", &austin).await;
    let r = send(
        &c,
        Method::PUT,
        &format!("/telephony/pstn/locations/{austin}/connection"),
        json!({"premiseRouteType": "TRUNK", "premiseRouteId": trunk}),
    )
    .await;
    assert_eq!(r.status, 204);
    let r = send(
        &c,
        Method::POST,
        &numbers,
        json!({"phoneNumbers": ["5125557001"]}),
    )
    .await;
    assert_eq!(r.status, 400, "not E.164");
    let r = send(
        &c,
        Method::POST,
        &numbers,
        json!({"phoneNumbers": new, "state": "ON"}),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = send(&c, Method::POST, &numbers, json!({"phoneNumbers": new})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let row = number_row(&c, new[0]).await;
    assert_eq!(row["state"], "INACTIVE", "the default state");
    assert_eq!(row["location"]["id"], austin.as_str());
    assert_eq!(row["mainNumber"], false);
    // Again: numbers already here are ignored.
    let r = send(&c, Method::POST, &numbers, json!({"phoneNumbers": new})).await;
    assert_eq!(r.status, 201);
    // A number of another location: 409 with the "number exists" codes.
    let r = send(
        &c,
        Method::POST,
        &numbers,
        json!({"phoneNumbers": ["+442079460101"]}),
    )
    .await;
    assert_eq!((r.status, r.error_code()), (409, 8363), "{:?}", r.body);
    assert_eq!(r.body["errorCode"], 25223);

    // Activate; not in the location: 400/25089.
    let r = send(
        &c,
        Method::PUT,
        &numbers,
        json!({"phoneNumbers": ["+442079460101"], "action": "ACTIVATE"}),
    )
    .await;
    assert_eq!((r.status, r.error_code()), (400, 25089));
    let r = send(
        &c,
        Method::PUT,
        &numbers,
        json!({"phoneNumbers": new, "action": "ACTIVATE"}),
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(number_row(&c, new[0]).await["state"], "ACTIVE");
    let (active, _) = c
        .collect(
            &format!("/telephony/config/numbers?locationId={austin}&state=ACTIVE"),
            "phoneNumbers",
        )
        .await;
    assert!(active.iter().any(|n| n["phoneNumber"] == new[1]));
    // Owned numbers cannot be deactivated.
    let r = send(
        &c,
        Method::PUT,
        &numbers,
        json!({"phoneNumbers": ["+15125550101"], "action": "DEACTIVATE"}),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = send(
        &c,
        Method::PUT,
        &numbers,
        json!({"phoneNumbers": [new[1]], "action": "DEACTIVATE"}),
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(number_row(&c, new[1]).await["state"], "INACTIVE");

    // Remove: an owned number is refused with its owner named; the main number too.
    let owner = number_row(&c, "+15125550101").await["owner"]["displayName"]
        .as_str()
        .unwrap()
        .to_string();
    let r = send(
        &c,
        Method::DELETE,
        &numbers,
        json!({"phoneNumbers": ["+15125550101"]}),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(
        r.body["message"].as_str().unwrap().contains(&owner),
        "{:?}",
        r.body
    );
    let r = send(
        &c,
        Method::DELETE,
        &numbers,
        json!({"phoneNumbers": ["+15125550100"]}),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.body["message"].as_str().unwrap().contains("main number"));
    let r = send(
        &c,
        Method::DELETE,
        &numbers,
        json!({"phoneNumbers": ["+34915550105"]}),
    )
    .await;
    assert_eq!((r.status, r.error_code()), (400, 25089));
    let r = send(&c, Method::DELETE, &numbers, json!({"phoneNumbers": new})).await;
    assert_eq!(r.status, 204);
    assert!(number_row(&c, new[0]).await.is_null());
}

/// A number (or extension) held by a workspace shows its owner as `PLACE`.
#[tokio::test]
async fn workspace_numbers_have_owners() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let austin = c.location_id("Austin HQ").await;
    let ws = c
        .post(
            "/workspaces",
            &json!({"displayName": "Lobby", "locationId": austin, "calling": {"type": "webexCalling",
                "webexCalling": {"phoneNumber": "+15125550122", "extension": "7100", "locationId": austin}}}),
        )
        .await;
    assert_eq!(ws.status, 201, "{:?}", ws.body);
    let id = ws.id();
    let row = number_row(&c, "+15125550122").await;
    assert_eq!(row["owner"]["type"], "PLACE");
    assert_eq!(row["owner"]["id"], id.as_str());
    assert_eq!(row["owner"]["displayName"], "Lobby");
    assert_eq!(row["extension"], "7100");
    let (owned, _) = c
        .collect(
            &format!("/telephony/config/numbers?ownerId={id}"),
            "phoneNumbers",
        )
        .await;
    assert_eq!(owned.len(), 1);
    let (places, _) = c
        .collect("/telephony/config/numbers?ownerType=PLACE", "phoneNumbers")
        .await;
    assert_eq!(places.len(), 1);
    let (available, _) = c
        .collect(
            &format!("/telephony/config/numbers?locationId={austin}&available=true"),
            "phoneNumbers",
        )
        .await;
    assert!(available.iter().all(|n| n["phoneNumber"] != "+15125550122"));
    // And it cannot be removed from the location while the workspace holds it.
    let r = send(
        &c,
        Method::DELETE,
        &format!("/telephony/config/locations/{austin}/numbers"),
        json!({"phoneNumbers": ["+15125550122"]}),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("workspace 'Lobby'")
    );
}

#[tokio::test]
async fn location_outgoing_permission() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let austin = c.location_id("Austin HQ").await;
    let path = format!("/telephony/config/locations/{austin}/outgoingPermission");
    let got = c.get(&path).await.body;
    assert_eq!(got["callingPermissions"].as_array().unwrap().len(), 12);
    let r = send(
        &c,
        Method::PUT,
        &path,
        json!({"callingPermissions": [{"callType": "TOLL", "action": "NOPE"}]}),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = send(
        &c,
        Method::PUT,
        &path,
        json!({"callingPermissions": [{"action": "BLOCK"}]}),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = send(&c, Method::PUT, &path, json!({"useCustomEnabled": true,
        "callingPermissions": [{"callType": "PREMIUM_SERVICES_I", "action": "BLOCK", "transferEnabled": false}]})).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let got = c.get(&path).await.body;
    assert_eq!(got["useCustomEnabled"], true);
    let premium = got["callingPermissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["callType"] == "PREMIUM_SERVICES_I")
        .unwrap()
        .clone();
    assert_eq!(premium["action"], "BLOCK");
    assert_eq!(got["callingPermissions"].as_array().unwrap().len(), 12);
    assert_eq!(
        c.get("/telephony/config/locations/nope/outgoingPermission")
            .await
            .status,
        404
    );
}
