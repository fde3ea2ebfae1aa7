//! `PATCH /licenses/users` (reference §2.3) and the calling-user rules of `PUT /people/{id}`
//! (§2.2): assignment makes a calling user (location, extension, number), units are counted and
//! run out, numbers and extensions have one owner, the location never changes.

mod common;

use common::{Client, sandbox};
use reqwest::Method;
use serde_json::{Value, json};

async fn license_id(c: &Client, name: &str) -> String {
    c.get("/licenses").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == name)
        .map(|l| l["id"].as_str().unwrap().to_string())
        .expect("license exists")
}

async fn license(c: &Client, id: &str) -> Value {
    c.get(&format!("/licenses/{id}")).await.body
}

async fn new_person(c: &Client, email: &str) -> String {
    let resp = c
        .post(
            "/people",
            &json!({"emails": [email], "displayName": email, "firstName": "New"}),
        )
        .await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    resp.id()
}

async fn patch(c: &Client, body: &Value) -> common::Resp {
    c.call(Method::PATCH, "/licenses/users", Some(body)).await
}

fn add(license: &str, properties: Value) -> Value {
    json!({"personId": null, "licenses": [{"id": license, "operation": "add", "properties": properties}]})
}

fn with_person(mut body: Value, person: &str) -> Value {
    body["personId"] = person.into();
    body
}

#[tokio::test]
async fn assigning_and_removing_a_calling_license() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let austin = c.location_id("Austin HQ").await;
    let pro = license_id(&c, "Webex Calling - Professional").await;
    let before = license(&c, &pro).await;
    let person = new_person(&c, "newbie@example.com").await;

    let resp = patch(
        &c,
        &with_person(
            add(
                &pro,
                json!({"locationId": austin, "phoneNumber": "+15125550120", "extension": "4321"}),
            ),
            &person,
        ),
    )
    .await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    assert_eq!(resp.body["personId"], person.as_str());
    assert_eq!(resp.body["email"], "newbie@example.com");
    assert_eq!(resp.body["licenses"], json!([pro]));
    assert!(resp.body["orgId"].is_string());
    assert_eq!(resp.body["siteUrls"], json!([]));

    let got = c
        .get(&format!("/people/{person}?callingData=true"))
        .await
        .body;
    assert_eq!(got["locationId"], austin.as_str());
    assert_eq!(got["extension"], "4321");
    assert_eq!(got["phoneNumbers"][0]["value"], "+15125550120");
    let after = license(&c, &pro).await;
    assert_eq!(
        after["consumedUnits"],
        before["consumedUnits"].as_u64().unwrap() + 1
    );
    assert_eq!(
        after["consumedByUsers"],
        before["consumedByUsers"].as_u64().unwrap() + 1
    );
    let number = c
        .get("/telephony/config/numbers?phoneNumber=%2B15125550120")
        .await
        .body;
    assert_eq!(number["phoneNumbers"][0]["owner"]["id"], person.as_str());
    assert_eq!(number["phoneNumbers"][0]["owner"]["type"], "PEOPLE");
    // Calling settings exist now.
    assert_eq!(
        c.get(&format!("/people/{person}/features/callWaiting"))
            .await
            .status,
        200
    );

    // Remove: calling ends, the unit and the number are free again.
    let removed = patch(
        &c,
        &json!({"email": "newbie@example.com", "licenses": [{"id": pro, "operation": "remove"}]}),
    )
    .await;
    assert_eq!(removed.status, 200, "{:?}", removed.body);
    assert_eq!(removed.body["licenses"], json!([]));
    let got = c
        .get(&format!("/people/{person}?callingData=true"))
        .await
        .body;
    assert!(got.get("locationId").is_none(), "{got:?}");
    assert!(got.get("extension").is_none(), "{got:?}");
    assert_eq!(
        license(&c, &pro).await["consumedUnits"],
        before["consumedUnits"]
    );
    let number = c
        .get("/telephony/config/numbers?phoneNumber=%2B15125550120")
        .await
        .body;
    assert!(number["phoneNumbers"][0].get("owner").is_none());
    assert_eq!(
        c.get(&format!("/people/{person}/features/callWaiting"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn calling_license_properties_are_checked() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let austin = c.location_id("Austin HQ").await;
    let london = c.location_id("London Office").await;
    let pro = license_id(&c, "Webex Calling - Professional").await;
    let person = new_person(&c, "props@example.com").await;
    let try_add = |props: Value| {
        let body = with_person(add(&pro, props), &person);
        let c = &c;
        async move { patch(c, &body).await }
    };

    // Neither phoneNumber nor extension.
    let r = try_add(json!({"locationId": austin})).await;
    assert_eq!((r.status, r.error_code()), (400, 25008), "{:?}", r.body);
    // Extension without locationId.
    let r = try_add(json!({"extension": "5555"})).await;
    assert_eq!(r.status, 400);
    assert!(r.body["message"].as_str().unwrap().contains("locationId"));
    // A number of another location.
    let r = try_add(json!({"locationId": london, "phoneNumber": "+15125550120"})).await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    // The location's main number.
    let r = try_add(json!({"phoneNumber": "+15125550100"})).await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    // A number someone else owns: 409 with the "number exists" codes.
    let r = try_add(json!({"phoneNumber": "+15125550101"})).await;
    assert_eq!((r.status, r.error_code()), (409, 8363), "{:?}", r.body);
    assert_eq!(r.body["errorCode"], 25223);
    // An extension already used in the location (seed: 1001 is Austin's first person).
    let r = try_add(json!({"locationId": austin, "extension": "1001"})).await;
    assert_eq!((r.status, r.error_code()), (409, 8363), "{:?}", r.body);
    // Nothing was assigned by the failures.
    let got = c.get(&format!("/people/{person}")).await.body;
    assert_eq!(got["licenses"], json!([]));

    // With only a number, the location is the number's.
    let r = try_add(json!({"phoneNumber": "+15125550121"})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let got = c
        .get(&format!("/people/{person}?callingData=true"))
        .await
        .body;
    assert_eq!(got["locationId"], austin.as_str());

    // The location of a calling user cannot change.
    let r = try_add(json!({"locationId": london, "extension": "7777"})).await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("cannot be changed")
    );
}

#[tokio::test]
async fn licenses_run_out_of_units() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let cx = license_id(&c, "Customer Experience - Essential").await;
    let total = license(&c, &cx).await["totalUnits"].as_u64().unwrap();
    for i in 0..total {
        let person = new_person(&c, &format!("cx{i}@example.com")).await;
        let r = patch(&c, &json!({"personId": person, "licenses": [{"id": cx}]})).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    assert_eq!(license(&c, &cx).await["consumedUnits"], total);
    let last = new_person(&c, "cx-last@example.com").await;
    let r = patch(&c, &json!({"personId": last, "licenses": [{"id": cx}]})).await;
    assert_eq!((r.status, r.error_code()), (400, 25008), "{:?}", r.body);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("No units left"),
        "{:?}",
        r.body
    );
}

#[tokio::test]
async fn request_shape_is_checked() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let pro = license_id(&c, "Webex Calling - Professional").await;
    let r = patch(&c, &json!({"licenses": [{"id": pro}]})).await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    let r = patch(
        &c,
        &json!({"email": "nobody@example.com", "licenses": [{"id": pro}]}),
    )
    .await;
    assert_eq!(r.status, 404, "{:?}", r.body);
    let person = new_person(&c, "shape@example.com").await;
    let r = patch(
        &c,
        &json!({"personId": person, "licenses": [{"id": "nope"}]}),
    )
    .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    let r = patch(
        &c,
        &json!({"personId": person, "licenses": [{"id": pro, "operation": "replace"}]}),
    )
    .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    let r = patch(
        &c,
        &json!({"personId": person, "siteUrls": [{"siteUrl": "x.webex.com"}], "licenses": []}),
    )
    .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
}

/// PUT is a full replacement: left-out fields go, the calling location cannot move, and dropping
/// the calling license ends calling (the GET body's locationId/extension go with it).
#[tokio::test]
async fn person_put_is_a_full_replacement() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let london = c.location_id("London Office").await;
    let people = c.get("/people?callingData=true&max=1").await.body;
    let mut person = people["items"][0].clone();
    let id = person["id"].as_str().unwrap().to_string();
    let path = format!("/people/{id}?callingData=true");

    person["title"] = "Engineer".into();
    let r = c.put(&path, &person).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["title"], "Engineer");
    // Left out: dropped.
    let mut without = person.clone();
    without.as_object_mut().unwrap().remove("title");
    let r = c.put(&path, &without).await;
    assert_eq!(r.status, 200);
    assert!(r.body.get("title").is_none(), "{:?}", r.body);

    let mut moved = person.clone();
    moved["locationId"] = london.clone().into();
    let r = c.put(&path, &moved).await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("cannot be changed")
    );

    let number = person["phoneNumbers"][0]["value"]
        .as_str()
        .unwrap()
        .to_string();
    let mut dropped = person.clone();
    dropped["licenses"] = json!([]);
    let r = c.put(&path, &dropped).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(r.body.get("locationId").is_none(), "{:?}", r.body);
    assert!(r.body.get("extension").is_none(), "{:?}", r.body);
    assert_eq!(
        c.get(&format!("/people/{id}/features/callForwarding"))
            .await
            .status,
        404
    );
    let listed = c
        .get(&format!(
            "/telephony/config/numbers?phoneNumber={}",
            number.replace('+', "%2B")
        ))
        .await
        .body;
    assert!(
        listed["phoneNumbers"][0].get("owner").is_none(),
        "{listed:?}"
    );
}
