//! The kit without any vendor: a two-route app behind `Server`, the fault middleware with a
//! made-up error body, the stats endpoint, and a store persisted across a restart.

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use switchboard_sandbox_kit::{
    FaultConfig, FaultLayer, Server, StateFile, Stats, Store, inject, stats,
};

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Notes {
    schema_version: u32,
    notes: Vec<String>,
}

impl StateFile for Notes {
    const SCHEMA_VERSION: u32 = 1;
}

/// A vendor whose errors look like `{"problem": …, "status": …}`.
fn vendor_error(status: StatusCode, message: &str, _tracking: Option<&str>) -> Response {
    (
        status,
        axum::Json(json!({"problem": message, "status": status.as_u16()})),
    )
        .into_response()
}

async fn launch(dir: &std::path::Path, faults: FaultConfig) -> (Server<Notes>, Arc<Stats>) {
    let store = Arc::new(
        Store::open(Some(dir), || Notes {
            schema_version: 1,
            notes: Vec::new(),
        })
        .unwrap(),
    );
    let stats = Arc::new(Stats::default());
    let layer = FaultLayer::new("/api", &faults, stats.clone(), vendor_error);
    let writer = store.clone();
    let reader = store.clone();
    let api = Router::new()
        .route(
            "/api/notes/{name}",
            post(
                move |axum::extract::Path(name): axum::extract::Path<String>| async move {
                    writer
                        .write(|n| {
                            n.notes.push(name);
                            Ok::<_, ()>(())
                        })
                        .unwrap();
                    StatusCode::CREATED
                },
            ),
        )
        .route(
            "/api/notes",
            get(move || async move { axum::Json(reader.read(|n| n.notes.clone())) }),
        )
        .layer(from_fn_with_state(layer, inject))
        .merge(stats::routes(stats.clone()));
    let server = Server::launch("127.0.0.1:0".parse().unwrap(), api, store)
        .await
        .unwrap();
    (server, stats)
}

#[tokio::test]
async fn scripted_failure_uses_the_vendor_body_and_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let faults: FaultConfig = serde_json::from_value(json!({
        "failRequests": [{"method": "POST", "pathContains": "/notes/", "nth": 2, "status": 503}]
    }))
    .unwrap();
    let (server, stats) = launch(dir.path(), faults).await;
    let http = reqwest::Client::new();
    let origin = server.origin();
    for name in ["a", "b", "c"] {
        http.post(format!("{origin}/api/notes/{name}"))
            .send()
            .await
            .unwrap();
    }
    let failed = stats.snapshot();
    assert_eq!(failed.injected_errors, 1);
    assert_eq!(failed.by_route["POST /notes/{name}"], 3);
    assert_eq!(failed.by_status["503"], 1);
    let notes: Value = http
        .get(format!("{origin}/api/notes"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        notes,
        json!(["a", "c"]),
        "the failed request was not applied"
    );
    let over_http: Value = http
        .get(format!("{origin}/_sandbox/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        over_http["requests"], 4,
        "the stats endpoint is not counted"
    );
    server.shutdown().await.unwrap();

    // Restarted from the same dir: the state was flushed on shutdown.
    let (server, _) = launch(dir.path(), FaultConfig::default()).await;
    let notes: Value = http
        .get(format!("{}/api/notes", server.origin()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(notes, json!(["a", "c"]));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn throttled_answers_carry_retry_after_and_the_vendor_body() {
    let dir = tempfile::tempdir().unwrap();
    let faults = FaultConfig {
        rate_limit: Some(0.5),
        burst: Some(1),
        ..FaultConfig::default()
    };
    let (server, _) = launch(dir.path(), faults).await;
    let url = format!("{}/api/notes", server.origin());
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 200);
    let throttled = reqwest::get(&url).await.unwrap();
    assert_eq!(throttled.status(), 429);
    assert!(throttled.headers().contains_key("retry-after"));
    let body: Value = throttled.json().await.unwrap();
    assert_eq!(body["status"], 429);
    server.shutdown().await.unwrap();
}
