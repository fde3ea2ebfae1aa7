//! Fault injection settings and dice: makes a sandbox behave like a loaded production API
//! (throttling, latency, 5xx errors, dropped connections, slow answers, writes that succeed but
//! answer 5xx, and deterministic "fail the Nth matching request" rules), reproducibly from a seed.
//! The middleware that applies them is `middleware.rs`.
//!
//! Per request, the random draws happen in a fixed order and always all of them (jitter, error,
//! error status, drop, slow, applied-but-fail, its status), so a sequential series of requests sees
//! the same fault sequence for the same seed whatever the outcomes. Rate limiting depends on the
//! clock and is the only part that is not reproducible.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

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
    /// Probability that a POST to the API runs (the object is created) and then answers 5xx.
    pub applied_but_fail_rate: f64,
    /// Deterministic failures: the `nth` request matching a rule is answered with its status and
    /// the vendor's error body, without being applied.
    #[serde(default)]
    pub fail_requests: Vec<FailRequest>,
}

/// `{method: "POST", pathContains: "/events", nth: 3, status: 400}`: the 3rd POST whose path
/// contains `/events` (counted per rule, 1-based, throttled requests not counted) fails with 400.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FailRequest {
    /// HTTP method, case-insensitive; absent = any method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Substring of the request path (e.g. `/events`); absent = any path.
    #[serde(default)]
    pub path_contains: String,
    /// Which matching request fails (1 = the first).
    pub nth: u64,
    /// The status to answer (400–599).
    pub status: u16,
}

impl FailRequest {
    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && path.contains(&self.path_contains)
    }
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
            || !self.fail_requests.is_empty()
    }

    /// Every number within a sane range, so that no setting can make the sandbox send absurd
    /// headers or sleep for ages: probabilities in [0, 1], `rateLimit` in
    /// [`MIN_RATE_LIMIT`, `MAX_RATE_LIMIT`] requests per second, `burst` in [1, `MAX_BURST`],
    /// delays at most `MAX_DELAY_MS`, and `failRequests` with `nth` >= 1 and a 400-599 status.
    pub fn validate(&self) -> Result<(), String> {
        let probabilities = [
            ("errorRate", self.error_rate),
            ("dropRate", self.drop_rate),
            ("slowRate", self.slow_rate),
            ("appliedButFailRate", self.applied_but_fail_rate),
        ];
        for (name, p) in probabilities {
            // `contains` is false for NaN.
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{name} must be a probability in [0, 1], got {p}"));
            }
        }
        if let Some(rate) = self.rate_limit
            && !(MIN_RATE_LIMIT..=MAX_RATE_LIMIT).contains(&rate)
        {
            return Err(format!(
                "rateLimit must be between {MIN_RATE_LIMIT} and {MAX_RATE_LIMIT} requests per \
                 second, got {rate}"
            ));
        }
        if let Some(burst) = self.burst
            && !(1..=MAX_BURST).contains(&burst)
        {
            return Err(format!(
                "burst must be between 1 and {MAX_BURST} requests, got {burst}"
            ));
        }
        let delays = [
            ("latencyMs", self.latency_ms),
            ("jitterMs", self.jitter_ms),
            ("slowMs", self.slow_ms),
        ];
        for (name, ms) in delays {
            if ms > MAX_DELAY_MS {
                return Err(format!(
                    "{name} must be at most {MAX_DELAY_MS} ms (one minute), got {ms}"
                ));
            }
        }
        for (i, rule) in self.fail_requests.iter().enumerate() {
            if rule.nth == 0 {
                return Err(format!("failRequests[{i}].nth must be at least 1"));
            }
            if !(400..=599).contains(&rule.status) {
                return Err(format!(
                    "failRequests[{i}].status must be an error status (400-599), got {}",
                    rule.status
                ));
            }
        }
        Ok(())
    }
}

/// Bounds checked by [`FaultConfig::validate`].
pub const MIN_RATE_LIMIT: f64 = 0.001;
pub const MAX_RATE_LIMIT: f64 = 100_000.0;
pub const MAX_BURST: u32 = 100_000;
pub const MAX_DELAY_MS: u64 = 60_000;
/// The `Retry-After` the sandbox sends is always a whole number of seconds in
/// [1, `MAX_RETRY_AFTER_SECS`], whatever the bucket computes.
pub const MAX_RETRY_AFTER_SECS: u64 = 3600;

/// Seconds to wait, as a `Retry-After` value: rounded up, at least 1, at most an hour (also for
/// NaN or infinite input).
pub fn retry_after_secs(wait: f64) -> u64 {
    if wait.is_nan() || wait >= MAX_RETRY_AFTER_SECS as f64 {
        return MAX_RETRY_AFTER_SECS;
    }
    // In range now, so the cast is exact.
    (wait.ceil().max(1.0) as u64).min(MAX_RETRY_AFTER_SECS)
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

    /// `Ok` takes a token; `Err(seconds)` is the `Retry-After` (see [`retry_after_secs`]).
    fn take(&mut self) -> Result<(), u64> {
        let now = Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(retry_after_secs((1.0 - self.tokens) / self.rate))
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

/// Fault state shared by all connections: the config, one RNG, one bucket, and one counter per
/// `failRequests` rule.
pub struct Faults {
    pub(crate) config: FaultConfig,
    rng: Mutex<SplitMix64>,
    bucket: Option<Mutex<TokenBucket>>,
    matched: Vec<AtomicU64>,
}

impl Faults {
    pub fn new(config: FaultConfig) -> Self {
        let bucket = config
            .rate_limit
            .map(|rate| Mutex::new(TokenBucket::new(rate, config.burst)));
        Self {
            rng: Mutex::new(SplitMix64(config.seed)),
            bucket,
            matched: config
                .fail_requests
                .iter()
                .map(|_| AtomicU64::new(0))
                .collect(),
            config,
        }
    }

    /// Count this request against every rule it matches; the status of the first rule for which
    /// it is the `nth` match.
    pub fn scripted_failure(&self, method: &str, path: &str) -> Option<(StatusCode, u64)> {
        let mut failure = None;
        for (rule, counter) in self.config.fail_requests.iter().zip(&self.matched) {
            if !rule.matches(method, path) {
                continue;
            }
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            if n == rule.nth && failure.is_none() {
                failure = StatusCode::from_u16(rule.status).ok().map(|s| (s, n));
            }
        }
        failure
    }

    pub(crate) fn throttle(&self) -> Result<(), u64> {
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
    fn every_number_is_range_checked() {
        let bad = |config: FaultConfig, field: &str| {
            let err = config.validate().unwrap_err();
            assert!(err.contains(field), "{field}: {err}");
        };
        let with = |f: fn(&mut FaultConfig)| {
            let mut c = FaultConfig::default();
            f(&mut c);
            c
        };
        bad(with(|c| c.rate_limit = Some(1e-300)), "rateLimit");
        bad(with(|c| c.rate_limit = Some(0.0)), "rateLimit");
        bad(with(|c| c.rate_limit = Some(-1.0)), "rateLimit");
        bad(with(|c| c.rate_limit = Some(f64::NAN)), "rateLimit");
        bad(with(|c| c.rate_limit = Some(f64::INFINITY)), "rateLimit");
        bad(with(|c| c.rate_limit = Some(1e6)), "rateLimit");
        bad(with(|c| c.burst = Some(0)), "burst");
        bad(with(|c| c.burst = Some(100_001)), "burst");
        bad(with(|c| c.latency_ms = 60_001), "latencyMs");
        bad(with(|c| c.jitter_ms = u64::MAX), "jitterMs");
        bad(with(|c| c.slow_ms = 3_600_000), "slowMs");
        bad(with(|c| c.drop_rate = f64::NAN), "dropRate");
        bad(with(|c| c.slow_rate = -0.1), "slowRate");
        bad(
            with(|c| c.applied_but_fail_rate = f64::INFINITY),
            "appliedButFailRate",
        );
        let edges = FaultConfig {
            rate_limit: Some(MIN_RATE_LIMIT),
            burst: Some(MAX_BURST),
            latency_ms: MAX_DELAY_MS,
            jitter_ms: MAX_DELAY_MS,
            slow_ms: MAX_DELAY_MS,
            error_rate: 1.0,
            ..FaultConfig::default()
        };
        edges.validate().unwrap();
        assert!(
            FaultConfig {
                rate_limit: Some(MAX_RATE_LIMIT),
                ..edges
            }
            .validate()
            .is_ok()
        );
    }

    #[test]
    fn retry_after_is_a_bounded_whole_number_of_seconds() {
        assert_eq!(retry_after_secs(0.0), 1);
        assert_eq!(retry_after_secs(0.2), 1);
        assert_eq!(retry_after_secs(1.5), 2);
        assert_eq!(retry_after_secs(1e300), MAX_RETRY_AFTER_SECS);
        assert_eq!(retry_after_secs(f64::INFINITY), MAX_RETRY_AFTER_SECS);
        assert_eq!(retry_after_secs(f64::NAN), MAX_RETRY_AFTER_SECS);
        assert_eq!(retry_after_secs(-5.0), 1);
        // The slowest allowed rate: one token per 1000 s is still within the hour.
        let mut bucket = TokenBucket::new(MIN_RATE_LIMIT, Some(1));
        assert!(bucket.take().is_ok());
        assert_eq!(bucket.take(), Err(1000));
        // Even a rate that validation refuses cannot produce an absurd header.
        let mut bucket = TokenBucket::new(1e-300, Some(1));
        assert!(bucket.take().is_ok());
        assert_eq!(bucket.take(), Err(MAX_RETRY_AFTER_SECS));
    }

    #[test]
    fn nth_matching_request_fails_once_per_rule() {
        let config: FaultConfig = serde_json::from_str(
            r#"{"failRequests": [{"method": "post", "pathContains": "/events", "nth": 2, "status": 400}]}"#,
        )
        .unwrap();
        assert!(config.is_active());
        config.validate().unwrap();
        let faults = Faults::new(config);
        let path = "/v1/telephony/config/locations/L/schedules/holidays/S/events";
        assert_eq!(faults.scripted_failure("POST", path), None);
        assert_eq!(faults.scripted_failure("GET", path), None, "other method");
        assert_eq!(faults.scripted_failure("POST", "/v1/locations"), None);
        assert_eq!(
            faults.scripted_failure("POST", path),
            Some((StatusCode::BAD_REQUEST, 2))
        );
        assert_eq!(faults.scripted_failure("POST", path), None, "only the nth");
    }

    #[test]
    fn fail_rules_are_validated() {
        let rule = |nth, status| FaultConfig {
            fail_requests: vec![FailRequest {
                method: None,
                path_contains: String::new(),
                nth,
                status,
            }],
            ..FaultConfig::default()
        };
        assert!(rule(0, 400).validate().unwrap_err().contains("nth"));
        assert!(rule(1, 200).validate().unwrap_err().contains("status"));
        assert!(rule(1, 503).validate().is_ok());
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let err = serde_json::from_str::<FaultConfig>(r#"{"errorRat": 0.1}"#).unwrap_err();
        assert!(err.to_string().contains("errorRat"));
        let ok: FaultConfig = serde_json::from_str(r#"{"rateLimit": 5, "seed": 3}"#).unwrap();
        assert_eq!(ok.rate_limit, Some(5.0));
    }
}
