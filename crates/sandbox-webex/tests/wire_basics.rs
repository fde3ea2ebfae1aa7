//! Cross-cutting wire behaviour: auth, tracking ids, error bodies, orgId, pagination links,
//! and persistence across restarts.

mod common;

use common::{Client, sandbox};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn missing_or_empty_token_is_401_with_error_body() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let url = format!("{}/locations", c.base);
    for token in [None, Some("")] {
        let resp = c.raw(Method::GET, &url, None, token).await;
        assert_eq!(resp.status, 401);
        assert_eq!(resp.error_code(), 401);
        assert!(resp.header("trackingid").unwrap().starts_with("ROUTER_"));
        assert_eq!(resp.header("content-type"), Some("application/json"));
    }
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn tracking_id_is_echoed_or_minted() {
    let sb = sandbox(None).await;
    let http = reqwest::Client::new();
    let resp = http
        .get(format!("{}/trunks-that-do-not-exist", sb.base_url()))
        .header("Authorization", "Bearer t")
        .header("TrackingID", "SIMPLE_abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["trackingid"], "SIMPLE_abc-123");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["trackingId"], "SIMPLE_abc-123");

    let c = Client::new(&sb);
    let ok = c.get("/licenses").await;
    assert_eq!(ok.status, 200);
    assert!(ok.header("trackingid").unwrap().starts_with("ROUTER_"));
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn not_found_method_not_allowed_and_bad_json() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let unknown_path = c.get("/no/such/thing").await;
    assert_eq!(unknown_path.status, 404);
    assert_eq!(unknown_path.error_code(), 4008);
    let unknown_id = c.get("/locations/bm9wZQ").await;
    assert_eq!(unknown_id.status, 404);
    assert_eq!(unknown_id.error_code(), 4008);
    assert_eq!(
        unknown_id.body["message"],
        unknown_id.body["errors"][0]["description"]
    );

    let wrong_method = c.call(Method::PATCH, "/locations", None).await;
    assert_eq!(wrong_method.status, 405);
    wrong_method.error_code();

    let malformed = c
        .raw(
            Method::POST,
            &format!("{}/locations", c.base),
            None,
            Some("t"),
        )
        .await;
    assert_eq!(malformed.status, 400);
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("{}/locations", c.base))
        .header("Authorization", "Bearer t")
        .header("Content-Type", "application/json;charset=utf-8")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(body["errors"][0]["errorCode"].is_i64());
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn org_id_must_match_and_deletes_accept_bodies() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let org_id = c.get("/locations").await.body["items"][0]["orgId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        c.get(&format!("/locations?orgId={org_id}")).await.status,
        200
    );
    let wrong = c.get("/locations?orgId=T1RIRVI").await;
    assert_eq!(wrong.status, 404);
    assert_eq!(wrong.error_code(), 4008);

    let loc = c.location_id("Madrid Branch").await;
    let trunk = c.create_trunk("Body Trunk", &loc).await;
    let deleted = c
        .call(
            Method::DELETE,
            &format!("/telephony/config/premisePstn/trunks/{trunk}"),
            Some(&json!({"x": 1})),
        )
        .await;
    assert_eq!(deleted.status, 204);
    assert!(deleted.body.is_null());
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn pagination_follows_absolute_links_and_repeats_filters() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    for i in 0..5 {
        let body = json!({"name": format!("Page Test {i}"), "timeZone": "Europe/Paris", "preferredLanguage": "fr_fr",
            "announcementLanguage": "fr_fr",
            "address": {"address1": "1 Rue", "city": "Paris", "state": "IDF", "postalCode": "75001", "country": "FR"}});
        assert_eq!(c.post("/locations", &body).await.status, 201);
    }
    let (items, links) = c
        .collect("/locations?name=page%20test&max=2", "items")
        .await;
    assert_eq!(items.len(), 5);
    assert_eq!(links.len(), 2);
    for link in &links {
        assert!(link.starts_with(&c.base), "{link}");
        assert!(
            link.contains("name=page+test") || link.contains("name=page%20test"),
            "{link}"
        );
        assert!(link.contains("max=2"), "{link}");
    }
    // Last page has no Link; a page past the end is an empty list.
    let past = c.get("/locations?name=page%20test&max=2&start=10").await;
    assert_eq!(past.status, 200);
    assert_eq!(past.body["items"], json!([]));
    assert!(past.header("link").is_none());

    let (people, links) = c.collect("/people?max=25&callingData=true", "items").await;
    assert_eq!(people.len(), 60);
    assert_eq!(links.len(), 2);
    assert!(links.iter().all(|l| l.contains("callingData=true")));
    assert!(c.get("/people?max=0").await.status == 400);
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn state_persists_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let first = sandbox(Some(dir.path().to_path_buf())).await;
    let c = Client::new(&first);
    let seeded_austin = c.location_id("Austin HQ").await;
    let trunk = c.create_trunk("Persistent Trunk", &seeded_austin).await;
    // The background flusher writes without waiting for shutdown.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let on_disk = std::fs::read_to_string(dir.path().join("org.json")).unwrap();
    assert!(on_disk.contains("Persistent Trunk"));
    let renamed = c
        .put(
            &format!("/telephony/config/premisePstn/trunks/{trunk}"),
            &json!({"name": "Renamed Trunk", "password": "An0therP@ss"}),
        )
        .await;
    assert_eq!(renamed.status, 204);
    first.shutdown().await.unwrap();

    let started = std::time::Instant::now();
    let second = sandbox(Some(dir.path().to_path_buf())).await;
    assert!(started.elapsed() < std::time::Duration::from_millis(500));
    let c = Client::new(&second);
    assert_eq!(c.location_id("Austin HQ").await, seeded_austin);
    let got = c
        .get(&format!("/telephony/config/premisePstn/trunks/{trunk}"))
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["name"], "Renamed Trunk");
    second.shutdown().await.unwrap();

    // A fresh in-memory sandbox is seeded identically (deterministic ids).
    let third = sandbox(None).await;
    assert_eq!(
        Client::new(&third).location_id("Austin HQ").await,
        seeded_austin
    );
    third.shutdown().await.unwrap();
}

#[tokio::test]
async fn corrupt_state_file_is_an_error_not_a_reseed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("org.json"), "{ broken").unwrap();
    let bind = "127.0.0.1:0".parse().unwrap();
    let result = switchboard_sandbox::start(switchboard_sandbox::SandboxOptions {
        state_dir: Some(dir.path().into()),
        bind,
        faults: Default::default(),
        lock_timeout: Default::default(),
    })
    .await;
    assert!(result.is_err());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("org.json")).unwrap(),
        "{ broken"
    );
}
