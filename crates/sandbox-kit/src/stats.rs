//! Request counters for the API and the unauthenticated admin endpoints that expose them:
//! `GET /_sandbox/stats` and `POST /_sandbox/stats/reset`. Lets a test or a load run check what
//! the client really sent and which faults it met.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;

/// The `GET /_sandbox/stats` body.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsSnapshot {
    /// Every API request received, including throttled, faulted and dropped ones.
    pub requests: u64,
    pub by_method: BTreeMap<String, u64>,
    /// The same requests by method and route template, e.g.
    /// `"POST /telephony/config/locations/{id}/schedules"` (the API prefix left out; a request that
    /// matched no route is not listed here).
    pub by_route: BTreeMap<String, u64>,
    /// Final status sent (dropped requests have none).
    pub by_status: BTreeMap<String, u64>,
    pub throttled: u64,
    pub injected_errors: u64,
    pub dropped: u64,
    pub slow: u64,
    pub applied_but_failed: u64,
}

#[derive(Default)]
pub struct Stats {
    inner: Mutex<StatsSnapshot>,
}

impl Stats {
    fn update(&self, f: impl FnOnce(&mut StatsSnapshot)) {
        f(&mut self.inner.lock().unwrap_or_else(|e| e.into_inner()));
    }

    /// One request; `route` is its matched route template, if any.
    pub fn request(&self, method: &str, route: Option<&str>) {
        self.update(|s| {
            s.requests += 1;
            *s.by_method.entry(method.to_string()).or_default() += 1;
            if let Some(route) = route {
                *s.by_route.entry(format!("{method} {route}")).or_default() += 1;
            }
        });
    }

    pub fn status(&self, status: StatusCode) {
        self.update(|s| *s.by_status.entry(status.as_u16().to_string()).or_default() += 1);
    }

    pub fn throttled(&self) {
        self.update(|s| s.throttled += 1);
    }

    pub fn injected_error(&self) {
        self.update(|s| s.injected_errors += 1);
    }

    pub fn dropped(&self) {
        self.update(|s| s.dropped += 1);
    }

    pub fn slow(&self) {
        self.update(|s| s.slow += 1);
    }

    pub fn applied_but_failed(&self) {
        self.update(|s| s.applied_but_failed += 1);
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn reset(&self) {
        self.update(|s| *s = StatsSnapshot::default());
    }
}

/// `/_sandbox/stats` and `/_sandbox/stats/reset`, outside the API: no auth, no faults, not counted.
pub fn routes(stats: Arc<Stats>) -> Router {
    Router::new()
        .route("/_sandbox/stats", get(show))
        .route("/_sandbox/stats/reset", post(reset))
        .with_state(stats)
}

async fn show(State(stats): State<Arc<Stats>>) -> Response {
    axum::Json(stats.snapshot()).into_response()
}

async fn reset(State(stats): State<Arc<Stats>>) -> Response {
    stats.reset();
    axum::Json(stats.snapshot()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_method_route_and_status() {
        let stats = Stats::default();
        stats.request("GET", Some("/things"));
        stats.request("GET", Some("/things"));
        stats.request("POST", None);
        stats.status(StatusCode::OK);
        stats.injected_error();
        let s = stats.snapshot();
        assert_eq!(s.requests, 3);
        assert_eq!(s.by_method["GET"], 2);
        assert_eq!(s.by_route["GET /things"], 2);
        assert_eq!(s.by_route.len(), 1);
        assert_eq!(s.by_status["200"], 1);
        assert_eq!(s.injected_errors, 1);
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["byRoute"]["GET /things"], 2);
        stats.reset();
        assert_eq!(stats.snapshot().requests, 0);
    }
}
