//! Fault injection over real HTTP: throttling, latency, injected errors before and after the
//! handler, dropped connections, reproducibility from a seed, and the `/_sandbox/stats` counters.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::Client;
use serde_json::{Value, json};
use switchboard_sandbox::{FaultConfig, RunningSandbox, SandboxOptions, start};

async fn faulty(state_dir: Option<&Path>, faults: FaultConfig) -> RunningSandbox {
    start(SandboxOptions {
        state_dir: state_dir.map(Path::to_path_buf),
        bind: "127.0.0.1:0".parse().unwrap(),
        faults,
        lock_timeout: Default::default(),
    })
    .await
    .expect("sandbox starts")
}

fn location_body(name: &str) -> Value {
    json!({
        "name": name, "timeZone": "America/New_York", "preferredLanguage": "en_us",
        "announcementLanguage": "en_us",
        "address": {"address1": "1 Main St", "city": "Boston", "state": "MA", "postalCode": "02110", "country": "US"}
    })
}

/// Names of the locations in a state dir, read through a fault-free sandbox.
async fn location_names(dir: &Path) -> Vec<String> {
    let sandbox = common::sandbox(Some(dir.to_path_buf())).await;
    let c = Client::new(&sandbox);
    let (items, _) = c.collect("/locations", "items").await;
    sandbox.shutdown().await.unwrap();
    items
        .iter()
        .map(|l| l["name"].as_str().unwrap().to_string())
        .collect()
}

async fn stats(sandbox: &RunningSandbox) -> Value {
    let url = sandbox.base_url().replace("/v1", "/_sandbox/stats");
    // No Authorization header: the admin endpoint is open.
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn over_the_rate_answers_429_and_does_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = faulty(
        Some(dir.path()),
        FaultConfig {
            rate_limit: Some(0.5),
            burst: Some(2),
            ..FaultConfig::default()
        },
    )
    .await;
    let c = Client::new(&sandbox);
    assert_eq!(
        c.post("/locations", &location_body("Rate 1")).await.status,
        201
    );
    assert_eq!(
        c.post("/locations", &location_body("Rate 2")).await.status,
        201
    );
    let throttled = c.post("/locations", &location_body("Rate 3")).await;
    assert_eq!(throttled.status, 429, "{:?}", throttled.body);
    let retry_after: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    assert_eq!(throttled.error_code(), 429);
    assert!(throttled.header("trackingid").is_some());
    let s = stats(&sandbox).await;
    assert_eq!(s["throttled"], 1);
    assert_eq!(s["requests"], 3);
    assert_eq!(s["byStatus"]["429"], 1);
    sandbox.shutdown().await.unwrap();

    let names = location_names(dir.path()).await;
    assert!(names.contains(&"Rate 2".to_string()));
    assert!(!names.contains(&"Rate 3".to_string()));
}

#[tokio::test]
async fn latency_delays_every_api_request() {
    let sandbox = faulty(
        None,
        FaultConfig {
            latency_ms: 150,
            jitter_ms: 20,
            ..FaultConfig::default()
        },
    )
    .await;
    let c = Client::new(&sandbox);
    let started = Instant::now();
    assert_eq!(c.get("/locations").await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
    // The admin endpoint is not an API route: no delay there.
    let started = Instant::now();
    stats(&sandbox).await;
    assert!(started.elapsed() < Duration::from_millis(150));
}

#[tokio::test]
async fn injected_errors_apply_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = faulty(
        Some(dir.path()),
        FaultConfig {
            error_rate: 1.0,
            ..FaultConfig::default()
        },
    )
    .await;
    let c = Client::new(&sandbox);
    let resp = c.post("/locations", &location_body("Never")).await;
    assert!([500, 502, 503].contains(&resp.status), "{}", resp.status);
    assert_eq!(resp.error_code(), i64::from(resp.status));
    assert_eq!(stats(&sandbox).await["injectedErrors"], 1);
    sandbox.shutdown().await.unwrap();
    assert!(
        !location_names(dir.path())
            .await
            .contains(&"Never".to_string())
    );
}

#[tokio::test]
async fn applied_but_failed_post_still_creates() {
    let sandbox = faulty(
        None,
        FaultConfig {
            applied_but_fail_rate: 1.0,
            ..FaultConfig::default()
        },
    )
    .await;
    let c = Client::new(&sandbox);
    let resp = c.post("/locations", &location_body("Ghost")).await;
    assert!([500, 502, 503].contains(&resp.status), "{}", resp.status);
    resp.error_code();
    // GETs are not POSTs: they answer normally and show the object exists.
    let found = c.get("/locations?name=Ghost").await;
    assert_eq!(found.status, 200);
    assert_eq!(found.body["items"][0]["name"], "Ghost");
    // A POST that fails validation stays a plain 4xx (nothing was applied).
    let dup = c.post("/locations", &location_body("Ghost")).await;
    assert_eq!(dup.status, 409);
    let s = stats(&sandbox).await;
    assert_eq!(s["appliedButFailed"], 1);
    assert_eq!(s["byMethod"]["POST"], 2);
    assert_eq!(s["byMethod"]["GET"], 1);
}

#[tokio::test]
async fn dropped_connection_is_a_transport_error() {
    let sandbox = faulty(
        None,
        FaultConfig {
            drop_rate: 1.0,
            ..FaultConfig::default()
        },
    )
    .await;
    let result = reqwest::Client::new()
        .get(format!("{}/locations", sandbox.base_url()))
        .bearer_auth("t")
        .timeout(Duration::from_secs(10))
        .send()
        .await;
    let err = result.expect_err("no HTTP response at all");
    assert!(!err.is_timeout(), "{err:?}");
    assert!(err.status().is_none(), "{err:?}");
    let s = stats(&sandbox).await;
    assert_eq!(s["dropped"], 1);
    assert_eq!(s["requests"], 1);
    assert!(s["byStatus"].as_object().unwrap().is_empty(), "{s}");
}

#[tokio::test]
async fn slow_answers_still_apply() {
    let sandbox = faulty(
        None,
        FaultConfig {
            slow_rate: 1.0,
            slow_ms: 300,
            ..FaultConfig::default()
        },
    )
    .await;
    let result = reqwest::Client::new()
        .post(format!("{}/locations", sandbox.base_url()))
        .bearer_auth("t")
        .json(&location_body("Slowpoke"))
        .timeout(Duration::from_millis(100))
        .send()
        .await;
    assert!(result.expect_err("times out").is_timeout());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let c = Client::new(&sandbox);
    let found = c.get("/locations?name=Slowpoke").await;
    assert_eq!(found.body["items"][0]["name"], "Slowpoke");
    assert_eq!(stats(&sandbox).await["slow"], 2);
}

/// Statuses of a fixed sequential series of requests.
async fn series(seed: u64) -> Vec<u16> {
    let sandbox = faulty(
        None,
        FaultConfig {
            seed,
            error_rate: 0.5,
            ..FaultConfig::default()
        },
    )
    .await;
    let c = Client::new(&sandbox);
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(c.get("/locations?max=1").await.status);
    }
    statuses
}

#[tokio::test]
async fn same_seed_same_fault_sequence() {
    let a = series(42).await;
    assert_eq!(a, series(42).await);
    assert!(a.contains(&200));
    assert!(a.iter().any(|s| *s >= 500));
    assert_ne!(a, series(43).await);
}

#[tokio::test]
async fn stats_count_and_reset() {
    let sandbox = faulty(None, FaultConfig::default()).await;
    let c = Client::new(&sandbox);
    c.get("/locations").await;
    c.get("/people").await;
    c.get("/no/such/path").await;
    c.post("/locations", &location_body("Counted")).await;
    let s = stats(&sandbox).await;
    assert_eq!(s["requests"], 4);
    assert_eq!(s["byMethod"], json!({"GET": 3, "POST": 1}));
    assert_eq!(s["byStatus"], json!({"200": 2, "201": 1, "404": 1}));
    for key in [
        "throttled",
        "injectedErrors",
        "dropped",
        "slow",
        "appliedButFailed",
    ] {
        assert_eq!(s[key], 0, "{key}");
    }
    assert_eq!(sandbox.stats().requests, 4);
    let url = sandbox.base_url().replace("/v1", "/_sandbox/stats/reset");
    let reset = reqwest::Client::new().post(url).send().await.unwrap();
    assert_eq!(reset.status(), 200);
    assert_eq!(stats(&sandbox).await["requests"], 0);
}

#[tokio::test]
async fn nth_matching_request_fails_without_being_applied() {
    let faults: FaultConfig = serde_json::from_value(json!({
        "failRequests": [{"method": "POST", "pathContains": "/events", "nth": 2, "status": 400}]
    }))
    .unwrap();
    let sandbox = faulty(None, faults).await;
    let c = Client::new(&sandbox);
    let austin = c.location_id("Austin HQ").await;
    let base = format!("/telephony/config/locations/{austin}/schedules");
    let schedule = c
        .post(&base, &json!({"name": "Holidays", "type": "holidays"}))
        .await;
    assert_eq!(schedule.status, 201, "{:?}", schedule.body);
    let events = format!("{base}/holidays/{}/events", schedule.id());
    let event = |name: &str| json!({"name": name, "startDate": "2025-12-25", "endDate": "2025-12-25", "allDayEnabled": true});
    assert_eq!(c.post(&events, &event("One")).await.status, 201);
    let failed = c.post(&events, &event("Two")).await;
    assert_eq!(failed.status, 400, "{:?}", failed.body);
    assert_eq!(failed.error_code(), 400);
    assert_eq!(
        failed.body["trackingId"].as_str(),
        failed.header("trackingid")
    );
    // Only the 2nd matching request fails; "Two" was never applied, so it can be created now.
    assert_eq!(c.post(&events, &event("Two")).await.status, 201);
    let got = c.get(&format!("{base}/holidays/{}", schedule.id())).await;
    assert_eq!(got.body["events"].as_array().unwrap().len(), 2);

    let s = stats(&sandbox).await;
    assert_eq!(s["injectedErrors"], 1);
    assert_eq!(
        s["byRoute"]["POST /telephony/config/locations/{id}/schedules/{kind}/{schedule}/events"], 3,
        "{s}"
    );
    assert_eq!(
        s["byRoute"]["POST /telephony/config/locations/{id}/schedules"],
        1
    );
    assert_eq!(s["byRoute"]["GET /locations"], 1);
}

#[tokio::test]
async fn invalid_fail_rule_is_refused_at_start() {
    let faults: FaultConfig = serde_json::from_value(json!({
        "failRequests": [{"pathContains": "/x", "nth": 0, "status": 400}]
    }))
    .unwrap();
    let started = start(SandboxOptions {
        state_dir: None,
        bind: "127.0.0.1:0".parse().unwrap(),
        faults,
        lock_timeout: Default::default(),
    })
    .await;
    let err = started.err().expect("refused").to_string();
    assert!(err.contains("failRequests[0].nth"), "{err}");
}
