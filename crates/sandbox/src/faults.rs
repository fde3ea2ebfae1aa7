//! Fault injection: makes the sandbox behave like a loaded production API (throttling, latency,
//! 5xx errors, dropped connections, slow answers, writes that succeed but answer 5xx), reproducibly
//! from a seed. A middleware on `/v1` requests only; `/_sandbox/*` is never faulted.
//!
//! Per request, the random draws happen in a fixed order and always all of them (jitter, error,
//! error status, drop, slow, applied-but-fail, its status), so a sequential series of requests sees
//! the same fault sequence for the same seed whatever the outcomes. Rate limiting depends on the
//! clock and is the only part that is not reproducible.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::errors::ApiError;
use crate::serve::ConnectionKill;
use crate::stats::Stats;

/// What to inject. `Default` injects nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct FaultConfig {
    /// Seeds the random draws; the same seed gives the same fault sequence.
    pub seed: u64,
    /// Requests per second over all `/v1` requests (token bucket); `None` = unlimited.
    pub rate_limit: Option<f64>,
    /// Bucket size; default `ceil(rateLimit)`, at least 1.
    pub burst: Option<u32>,
    /// Every `/v1` request is delayed `latencyMs + uniform[0, jitterMs]`.
    pub latency_ms: u64,
    pub jitter_ms: u64,
    /// Probability of a 500/502/503 before the handler runs (nothing is applied).
    pub error_rate: f64,
    /// Probability that the connection is closed without any HTTP response.
    pub drop_rate: f64,
    /// Probability that the answer is delayed by `slowMs` more. The handler runs first, so the
    /// change IS applied even when the client times out (the nastier, realistic case).
    pub slow_rate: f64,
    pub slow_ms: u64,
    /// Probability that a POST under `/v1` runs (the object is created) and then answers 5xx.
    pub applied_but_fail_rate: f64,
}

impl FaultConfig {
    /// Whether any fault is configured (a no-fault sandbox skips the middleware's work).
    pub fn is_active(&self) -> bool {
        self.rate_limit.is_some()
            || self.latency_ms > 0
            || self.jitter_ms > 0
            || self.error_rate > 0.0
            || self.drop_rate > 0.0
            || (self.slow_rate > 0.0 && self.slow_ms > 0)
            || self.applied_but_fail_rate > 0.0
    }

    /// Probabilities within [0, 1], a positive finite rate and burst.
    pub fn validate(&self) -> Result<(), String> {
        let probabilities = [
            ("errorRate", self.error_rate),
            ("dropRate", self.drop_rate),
            ("slowRate", self.slow_rate),
            ("appliedButFailRate", self.applied_but_fail_rate),
        ];
        for (name, p) in probabilities {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{name} must be a probability in [0, 1], got {p}"));
            }
        }
        if let Some(rate) = self.rate_limit
            && !(rate.is_finite() && rate > 0.0)
        {
            return Err(format!(
                "rateLimit must be a positive number of requests per second, got {rate}"
            ));
        }
        if self.burst == Some(0) {
            return Err("burst must be at least 1".to_string());
        }
        Ok(())
    }
}

/// splitmix64: tiny, fast and stable across crate versions, which matters more here than quality.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n].
    fn up_to(&mut self, n: u64) -> u64 {
        let draw = self.next_u64();
        if n == u64::MAX { draw } else { draw % (n + 1) }
    }
}

struct TokenBucket {
    rate: f64,
    capacity: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    fn new(rate: f64, burst: Option<u32>) -> Self {
        let capacity = f64::from(
            burst
                .unwrap_or_else(|| rate.ceil().min(f64::from(u32::MAX)) as u32)
                .max(1),
        );
        Self {
            rate,
            capacity,
            tokens: capacity,
            last: Instant::now(),
        }
    }

    /// `Ok` takes a token; `Err(seconds)` is the `Retry-After` (ceil, at least 1).
    fn take(&mut self) -> Result<(), u64> {
        let now = Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - self.tokens) / self.rate;
            Err((wait.ceil() as u64).max(1))
        }
    }
}

/// The dice for one request, all drawn up front.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub delay_ms: u64,
    pub error: Option<StatusCode>,
    pub drop: bool,
    pub slow: bool,
    pub applied_but_fail: Option<StatusCode>,
}

const ERROR_STATUSES: [StatusCode; 3] = [
    StatusCode::INTERNAL_SERVER_ERROR,
    StatusCode::BAD_GATEWAY,
    StatusCode::SERVICE_UNAVAILABLE,
];

/// Fault state shared by all connections: the config, one RNG and one bucket.
pub struct Faults {
    config: FaultConfig,
    rng: Mutex<SplitMix64>,
    bucket: Option<Mutex<TokenBucket>>,
}

impl Faults {
    pub fn new(config: FaultConfig) -> Self {
        let bucket = config
            .rate_limit
            .map(|rate| Mutex::new(TokenBucket::new(rate, config.burst)));
        Self {
            rng: Mutex::new(SplitMix64(config.seed)),
            bucket,
            config,
        }
    }

    fn throttle(&self) -> Result<(), u64> {
        match &self.bucket {
            Some(bucket) => bucket.lock().unwrap_or_else(|e| e.into_inner()).take(),
            None => Ok(()),
        }
    }

    /// Draw every die for one request, in a fixed order.
    pub fn decide(&self) -> Decision {
        let c = &self.config;
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        let jitter = rng.up_to(c.jitter_ms);
        let error_roll = rng.unit();
        let error_status = ERROR_STATUSES[rng.up_to(2) as usize];
        let drop_roll = rng.unit();
        let slow_roll = rng.unit();
        let abf_roll = rng.unit();
        let abf_status = ERROR_STATUSES[rng.up_to(2) as usize];
        Decision {
            delay_ms: c.latency_ms.saturating_add(jitter),
            error: (error_roll < c.error_rate).then_some(error_status),
            drop: drop_roll < c.drop_rate,
            slow: slow_roll < c.slow_rate && c.slow_ms > 0,
            applied_but_fail: (abf_roll < c.applied_but_fail_rate).then_some(abf_status),
        }
    }
}

/// The state of the fault middleware.
#[derive(Clone)]
pub struct FaultLayer {
    pub faults: Option<Arc<Faults>>,
    pub stats: Arc<Stats>,
}

/// Every `/v1` request: count it, then (when faults are configured) throttle, delay, fail, drop or
/// slow it as the dice say. Sits inside the tracking layer, so its error bodies carry a trackingId.
pub async fn inject(State(layer): State<FaultLayer>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if !(path == "/v1" || path.starts_with("/v1/")) {
        return next.run(req).await;
    }
    let stats = &layer.stats;
    let method = req.method().clone();
    stats.request(method.as_str());
    let Some(faults) = layer.faults.as_deref() else {
        let response = next.run(req).await;
        stats.status(response.status());
        return response;
    };

    if let Err(retry_after) = faults.throttle() {
        stats.throttled();
        stats.status(StatusCode::TOO_MANY_REQUESTS);
        return throttled(retry_after);
    }
    let decision = faults.decide();
    if decision.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(decision.delay_ms)).await;
    }
    if decision.drop {
        stats.dropped();
        return drop_connection(req).await;
    }
    if let Some(status) = decision.error {
        stats.injected_error();
        stats.status(status);
        return injected(status, "before the request was processed");
    }
    let mut response = next.run(req).await;
    if decision.slow {
        stats.slow();
        tokio::time::sleep(Duration::from_millis(faults.config.slow_ms)).await;
    }
    // Only a write that really happened can "succeed but fail": a 4xx stays as it is.
    if let Some(status) = decision.applied_but_fail
        && method == Method::POST
        && response.status().is_success()
    {
        stats.applied_but_failed();
        response = injected(status, "after the request was applied");
    }
    stats.status(response.status());
    response
}

fn throttled(retry_after: u64) -> Response {
    let mut response = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        StatusCode::TOO_MANY_REQUESTS.as_u16().into(),
        format!("Too many requests; retry after {retry_after} second(s) (sandbox rate limit)."),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}

fn injected(status: StatusCode, when: &str) -> Response {
    ApiError::new(
        status,
        status.as_u16().into(),
        format!("Injected sandbox fault ({}) {when}.", status.as_u16()),
    )
    .into_response()
}

/// Ask the connection task to close the socket, then never answer: the task drops this future
/// together with the connection, so no byte of a response is written.
async fn drop_connection(req: Request) -> Response {
    match req.extensions().get::<ConnectionKill>() {
        Some(kill) => {
            kill.kill();
            std::future::pending::<Response>().await
        }
        // Only the sandbox's own accept loop can close a connection mid-request (it always
        // inserts the handle); anything else gets the closest thing, a 503.
        None => injected(
            StatusCode::SERVICE_UNAVAILABLE,
            "instead of a dropped connection",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_decisions() {
        let config = FaultConfig {
            seed: 7,
            jitter_ms: 50,
            error_rate: 0.3,
            drop_rate: 0.1,
            slow_rate: 0.2,
            slow_ms: 10,
            applied_but_fail_rate: 0.4,
            ..FaultConfig::default()
        };
        let a = Faults::new(config.clone());
        let b = Faults::new(config);
        let xs: Vec<_> = (0..200).map(|_| a.decide()).collect();
        let ys: Vec<_> = (0..200).map(|_| b.decide()).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().any(|d| d.error.is_some()));
        assert!(xs.iter().any(|d| d.error.is_none()));
    }

    #[test]
    fn bucket_throttles_after_burst() {
        let mut bucket = TokenBucket::new(0.5, Some(2));
        assert!(bucket.take().is_ok());
        assert!(bucket.take().is_ok());
        assert_eq!(bucket.take(), Err(2));
    }

    #[test]
    fn validation() {
        let bad = FaultConfig {
            error_rate: 1.5,
            ..FaultConfig::default()
        };
        assert!(bad.validate().unwrap_err().contains("errorRate"));
        assert!(FaultConfig::default().validate().is_ok());
        assert!(!FaultConfig::default().is_active());
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let err = serde_json::from_str::<FaultConfig>(r#"{"errorRat": 0.1}"#).unwrap_err();
        assert!(err.to_string().contains("errorRat"));
        let ok: FaultConfig = serde_json::from_str(r#"{"rateLimit": 5, "seed": 3}"#).unwrap();
        assert_eq!(ok.rate_limit, Some(5.0));
    }
}
