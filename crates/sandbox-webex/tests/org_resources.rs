//! Locations, calling locations, people, licenses and numbers.

mod common;

use common::{Client, sandbox};
use serde_json::{Value, json};

fn location_body(name: &str) -> Value {
    json!({"name": name, "timeZone": "America/New_York", "preferredLanguage": "en_us",
        "announcementLanguage": "en_us",
        "address": {"address1": "1 Main St", "city": "Austin", "state": "TX", "postalCode": "78701", "country": "US"}})
}

#[tokio::test]
async fn location_create_list_get_update_delete() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let all = c.get("/locations").await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 3);

    let created = c.post("/locations", &location_body("Boston Lab")).await;
    assert_eq!(created.status, 201);
    let id = created.id();

    let listed = c.get("/locations?name=boston").await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        c.get(&format!("/locations?id={id}")).await.body["items"][0]["name"],
        "Boston Lab"
    );

    let got = c.get(&format!("/locations/{id}")).await;
    assert_eq!(got.status, 200);
    let keys: Vec<&str> = got
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "name",
            "orgId",
            "timeZone",
            "preferredLanguage",
            "announcementLanguage",
            "address"
        ]
    );
    assert!(got.body["address"].get("address2").is_none());

    // Partial update: only the sent fields change.
    let updated = c
        .put(
            &format!("/locations/{id}"),
            &json!({"name": "Boston Lab 2", "notes": "n"}),
        )
        .await;
    assert_eq!(updated.status, 204);
    assert!(updated.body.is_null());
    let got = c.get(&format!("/locations/{id}")).await;
    assert_eq!(got.body["name"], "Boston Lab 2");
    assert_eq!(got.body["notes"], "n");
    assert_eq!(got.body["timeZone"], "America/New_York");

    // Every location is calling-enabled; enabling again is idempotent.
    let calling = c.get(&format!("/telephony/config/locations/{id}")).await;
    assert_eq!(calling.body["name"], "Boston Lab 2");
    let mut enable = location_body("Boston Lab 2");
    enable["id"] = json!(id);
    let enabled = c.post("/telephony/config/locations", &enable).await;
    assert_eq!(enabled.status, 200);
    assert_eq!(enabled.body["id"], json!(id));
    let list = c.get("/telephony/config/locations").await;
    assert_eq!(list.body["locations"].as_array().unwrap().len(), 4);

    assert_eq!(c.delete(&format!("/locations/{id}")).await.status, 204);
    assert_eq!(c.get(&format!("/locations/{id}")).await.status, 404);
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn location_validation() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let dup = c.post("/locations", &location_body("Austin HQ")).await;
    assert_eq!(dup.status, 409);
    dup.error_code();
    let mut missing = location_body("X");
    missing["address"].as_object_mut().unwrap().remove("city");
    let resp = c.post("/locations", &missing).await;
    assert_eq!(resp.status, 400);
    assert!(
        resp.body["message"]
            .as_str()
            .unwrap()
            .contains("address.city")
    );
    let mut bad_country = location_body("Y");
    bad_country["address"]["country"] = json!("USA");
    assert_eq!(c.post("/locations", &bad_country).await.status, 400);
    // Wrong field name (snake_case) is a missing required field.
    let snake = json!({"name": "Z", "time_zone": "America/New_York", "preferredLanguage": "en_us",
        "announcementLanguage": "en_us", "address": location_body("Z")["address"]});
    assert_eq!(c.post("/locations", &snake).await.status, 400);
    let seeded = c.location_id("Austin HQ").await;
    assert_eq!(c.delete(&format!("/locations/{seeded}")).await.status, 400);
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn calling_location_update() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let austin = c.location_id("Austin HQ").await;
    let london = c.location_id("London Office").await;
    let path = format!("/telephony/config/locations/{austin}");
    let before = c.get(&path).await;
    assert_eq!(before.body["callingLineId"]["phoneNumber"], "+15125550100");
    let resp = c
        .put(
            &path,
            &json!({"outsideDialDigit": "9", "routingPrefix": "8001"}),
        )
        .await;
    assert_eq!(resp.status, 204);
    let after = c.get(&path).await;
    assert_eq!(after.body["outsideDialDigit"], "9");
    assert_eq!(after.body["routingPrefix"], "8001");
    let cli = json!({"callingLineId": {"phoneNumber": "+15125550125"}});
    assert_eq!(c.put(&path, &cli).await.status, 204);
    let after = c.get(&path).await;
    assert_eq!(
        after.body["callingLineId"],
        json!({"name": "Austin HQ", "phoneNumber": "+15125550125"})
    );
    let foreign = json!({"callingLineId": {"phoneNumber": "+442079460101"}});
    assert_eq!(c.put(&path, &foreign).await.status, 400);
    let clash = c
        .put(
            &format!("/telephony/config/locations/{london}"),
            &json!({"routingPrefix": "8001"}),
        )
        .await;
    assert_eq!(clash.status, 400);
    assert_eq!(clash.error_code(), 5600);
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn people_filters_and_calling_data() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let all = c.get("/people").await;
    let people = all.body["items"].as_array().unwrap();
    assert_eq!(people.len(), 60);
    assert!(
        people[0].get("extension").is_none(),
        "calling fields need callingData=true"
    );
    let email = people[0]["emails"][0].as_str().unwrap().to_uppercase();
    let by_email = c
        .get(&format!("/people?email={email}&callingData=true"))
        .await;
    let found = &by_email.body["items"][0];
    assert_eq!(by_email.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(found["extension"], "1001");
    assert!(found["locationId"].is_string());

    let austin = c.location_id("Austin HQ").await;
    let in_austin = c
        .get(&format!("/people?locationId={austin}&callingData=true"))
        .await;
    assert_eq!(in_austin.body["items"].as_array().unwrap().len(), 20);
    let prefix = c.get("/people?displayName=alice").await;
    assert!(!prefix.body["items"].as_array().unwrap().is_empty());

    let id = found["id"].as_str().unwrap();
    let by_ids = c.get(&format!("/people?id={id},bm9wZQ")).await;
    assert_eq!(by_ids.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(by_ids.body["notFoundIds"], json!(["bm9wZQ"]));
    let one = c.get(&format!("/people/{id}?callingData=true")).await;
    assert_eq!(one.body["id"], found["id"]);
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn people_create_update_delete() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let licenses = c.get("/licenses").await;
    let pro = licenses.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "Webex Calling - Professional")
        .unwrap()
        .clone();
    assert_eq!(pro["consumedUnits"], 60);
    let pro_id = pro["id"].as_str().unwrap();
    let austin = c.location_id("Austin HQ").await;

    let no_location = json!({"emails": ["new.user@sandbox.example.com"], "displayName": "New User",
        "extension": "2001", "licenses": [pro_id]});
    assert_eq!(
        c.post("/people?callingData=true", &no_location)
            .await
            .status,
        400
    );

    let body = json!({"emails": ["new.user@sandbox.example.com"], "displayName": "New User",
        "firstName": "New", "lastName": "User", "extension": "2001", "locationId": austin,
        "phoneNumbers": [{"type": "work", "value": "+15125550120"}], "licenses": [pro_id]});
    let created = c.post("/people?callingData=true", &body).await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    let id = created.id();
    assert_eq!(created.body["extension"], "2001");
    let owned = c
        .get("/telephony/config/numbers?phoneNumber=%2B15125550120")
        .await;
    assert_eq!(owned.body["phoneNumbers"][0]["owner"]["id"], json!(id));
    assert_eq!(owned.body["phoneNumbers"][0]["owner"]["type"], "PEOPLE");
    assert_eq!(c.post("/people", &body).await.status, 409);

    let mut replacement = body.clone();
    replacement["displayName"] = json!("Renamed User");
    replacement["extension"] = json!("2002");
    let updated = c
        .put(&format!("/people/{id}?callingData=true"), &replacement)
        .await;
    assert_eq!(updated.status, 200);
    assert_eq!(updated.body["displayName"], "Renamed User");
    assert_eq!(updated.body["extension"], "2002");
    let mut moved = replacement.clone();
    moved["locationId"] = json!(c.location_id("London Office").await);
    assert_eq!(c.put(&format!("/people/{id}"), &moved).await.status, 400);

    assert_eq!(c.delete(&format!("/people/{id}")).await.status, 204);
    assert_eq!(c.get(&format!("/people/{id}")).await.status, 404);
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn licenses_and_numbers() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let licenses = c.get("/licenses").await;
    let items = licenses.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    for key in [
        "id",
        "name",
        "totalUnits",
        "consumedUnits",
        "consumedByUsers",
        "consumedByWorkspaces",
        "subscriptionId",
    ] {
        assert!(items[0].get(key).is_some(), "{key}");
    }
    let one = c
        .get(&format!("/licenses/{}", items[0]["id"].as_str().unwrap()))
        .await;
    assert_eq!(one.body["name"], items[0]["name"]);

    let austin = c.location_id("Austin HQ").await;
    let numbers = c
        .get(&format!(
            "/telephony/config/numbers?locationId={austin}&numberType=NUMBER"
        ))
        .await;
    let rows = numbers.body["phoneNumbers"].as_array().unwrap();
    assert_eq!(rows.len(), 30);
    assert!(
        rows.iter()
            .all(|r| r["phoneNumber"].as_str().unwrap().starts_with("+1512555"))
    );
    assert!(rows.iter().all(|r| r["location"]["name"] == "Austin HQ"));
    let available = c
        .get(&format!(
            "/telephony/config/numbers?locationId={austin}&available=true"
        ))
        .await;
    let free = available.body["phoneNumbers"].as_array().unwrap();
    assert_eq!(free.len(), 14);
    assert!(free.iter().all(|r| r.get("owner").is_none()));
    // wxc_sdk sends a raw '+', which decodes to a space.
    let by_number = c
        .get("/telephony/config/numbers?phoneNumber=+15125550101")
        .await;
    let row = &by_number.body["phoneNumbers"][0];
    assert_eq!(row["phoneNumber"], "+15125550101");
    assert_eq!(row["owner"]["type"], "PEOPLE");
    let by_ext = c.get("/telephony/config/numbers?extension=1001").await;
    assert_eq!(by_ext.body["phoneNumbers"].as_array().unwrap().len(), 1);
    sb.shutdown().await.unwrap();
}
