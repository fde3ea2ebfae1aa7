//! The engine's control over every request to a target, whatever the vendor: one rate budget
//! (token bucket + a pause that a `Retry-After` sets for all requests), an adaptive limit on
//! requests in flight, and retries with exponential backoff and full jitter. Providers' HTTP
//! clients ask the `Gate` before each attempt and tell it how the attempt went; they never sleep
//! or loop on their own. Plan and apply share the gate of a connected target.

pub mod http;
mod limiter;
mod pacer;
mod retry;

pub use limiter::Slot;
pub use retry::{Failure, Verdict};

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A target's limits, from `switchboard.yaml` (`limits:`) and command-line flags.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Limits {
    /// Steady request rate; none = no fixed rate (only the target's 429s slow us down).
    pub requests_per_second: Option<f64>,
    /// Requests that may go at once before the rate applies.
    pub burst: u32,
    /// Most requests in flight; cut in half on throttling or server errors, grown back slowly.
    pub max_concurrency: usize,
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// First retry delay, in milliseconds; doubles each attempt (with full jitter).
    pub backoff_ms: u64,
    /// Longest retry delay and longest honoured `Retry-After`, in milliseconds.
    pub max_backoff_ms: u64,
    /// Per-request timeout, in seconds.
    pub request_timeout_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            requests_per_second: None,
            burst: 1,
            max_concurrency: 8,
            max_attempts: 6,
            backoff_ms: 250,
            max_backoff_ms: 60_000,
            request_timeout_secs: 30,
        }
    }
}

/// The allowed ranges of `Limits`, checked by `Limits::validate` and also enforced (by
/// clamping) inside the pacer, the limiter and the gate, so a value that slipped past the check
/// can never overflow a `Duration` or an `Instant`.
pub const MIN_RATE: f64 = 0.001;
pub const MAX_RATE: f64 = 10_000.0;
pub const MAX_BURST: u32 = 10_000;
pub const MAX_CONCURRENCY: usize = 1024;
pub const MAX_ATTEMPTS: u32 = 100;
/// Longest backoff, `Retry-After` honoured, and request timeout: one hour.
pub const MAX_WAIT_MS: u64 = 3_600_000;
pub const MAX_TIMEOUT_SECS: u64 = 3600;

impl Limits {
    /// The per-request timeout, within 1 s..=1 h whatever the configuration says.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs.clamp(1, MAX_TIMEOUT_SECS))
    }

    /// Every value within its range, or a message naming the first key that is not (with the
    /// command-line flag that can set it, if any) and the range it must be in. Used by the
    /// configuration loader and again on the final limits (configuration + flags) of a target.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(rate) = self.requests_per_second
            && !(rate == 0.0 || (MIN_RATE..=MAX_RATE).contains(&rate))
        {
            return Err(format!(
                "limits.requestsPerSecond (--rate-limit) must be 0 (off) or from {MIN_RATE} to {MAX_RATE}, not {rate}"
            ));
        }
        let range = |key: &str, value: u64, low: u64, high: u64| {
            if (low..=high).contains(&value) {
                Ok(())
            } else {
                Err(format!(
                    "limits.{key} must be from {low} to {high}, not {value}"
                ))
            }
        };
        range("burst", self.burst.into(), 1, MAX_BURST.into())?;
        range(
            "maxConcurrency",
            self.max_concurrency as u64,
            1,
            MAX_CONCURRENCY as u64,
        )?;
        range(
            "maxAttempts (--max-attempts)",
            self.max_attempts.into(),
            1,
            MAX_ATTEMPTS.into(),
        )?;
        range("backoffMs", self.backoff_ms, 0, MAX_WAIT_MS)?;
        range("maxBackoffMs", self.max_backoff_ms, 0, MAX_WAIT_MS)?;
        range(
            "requestTimeoutSecs (--request-timeout)",
            self.request_timeout_secs,
            1,
            MAX_TIMEOUT_SECS,
        )
    }

    /// `max_backoff_ms` within range, as a duration.
    fn max_wait(&self) -> Duration {
        Duration::from_millis(self.max_backoff_ms.min(MAX_WAIT_MS))
    }
}

/// What a run cost on the wire, for the run summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransportStats {
    /// Every attempt sent, retries included.
    pub requests: u64,
    pub retries: u64,
    /// Answers 429 (or 423) that asked us to wait.
    pub throttled: u64,
    /// Wall time during which the target was paused by `Retry-After`.
    pub throttled_ms: u64,
    /// Time requests waited for the rate budget (summed over requests).
    pub rate_wait_ms: u64,
    pub server_errors: u64,
    pub transport_errors: u64,
    /// The lowest the adaptive concurrency went.
    pub lowest_concurrency: usize,
}

#[derive(Debug)]
pub struct Gate {
    limits: Limits,
    pacer: pacer::Pacer,
    limiter: limiter::Limiter,
    requests: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
    rate_wait_ms: AtomicU64,
    server_errors: AtomicU64,
    transport_errors: AtomicU64,
}

/// Permission to send one attempt; hold it until the response is read.
#[derive(Debug)]
pub struct Admission {
    _slot: Slot,
}

impl Gate {
    pub fn new(limits: Limits) -> Self {
        Self {
            pacer: pacer::Pacer::new(limits.requests_per_second, limits.burst),
            limiter: limiter::Limiter::new(limits.max_concurrency.min(MAX_CONCURRENCY)),
            limits,
            requests: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            rate_wait_ms: AtomicU64::new(0),
            server_errors: AtomicU64::new(0),
            transport_errors: AtomicU64::new(0),
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Wait for a concurrency slot and the rate budget (and any pause), then count the attempt.
    pub async fn admit(&self) -> Admission {
        let slot = self.limiter.acquire().await;
        let waited = self.pacer.admit().await;
        self.rate_wait_ms
            .fetch_add(millis(waited), Ordering::Relaxed);
        self.requests.fetch_add(1, Ordering::Relaxed);
        Admission { _slot: slot }
    }

    /// Run `attempt` until it succeeds, fails for good, or the attempts are used up. Each call of
    /// `attempt` must itself call `admit` (so a retry waits for the budget like any request).
    pub async fn run<T, E, F, Fut>(&self, mut attempt: F) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Verdict<T, E>>,
    {
        let mut tries = 0u32;
        loop {
            tries += 1;
            let verdict = attempt().await;
            let (error, retry_after) = match verdict {
                Verdict::Done(value) => {
                    self.limiter.on_success();
                    return Ok(value);
                }
                Verdict::Fail(error, failure) => {
                    self.count(failure);
                    return Err(error);
                }
                Verdict::Retry(error, failure, retry_after) => {
                    self.count(failure);
                    (error, retry_after)
                }
            };
            if tries >= self.limits.max_attempts.clamp(1, MAX_ATTEMPTS) {
                return Err(error);
            }
            self.retries.fetch_add(1, Ordering::Relaxed);
            let cap = self.limits.max_wait();
            match retry_after {
                // The target said when: every request waits, not just this one.
                Some(wait) => self.pacer.pause(wait.min(cap)),
                None => tokio::time::sleep(self.backoff(tries)).await,
            }
        }
    }

    fn count(&self, failure: Failure) {
        match failure {
            Failure::Throttled => {
                self.throttled.fetch_add(1, Ordering::Relaxed);
                self.limiter.on_overload();
            }
            Failure::Server => {
                self.server_errors.fetch_add(1, Ordering::Relaxed);
                self.limiter.on_overload();
            }
            Failure::Timeout | Failure::Connection => {
                self.transport_errors.fetch_add(1, Ordering::Relaxed);
                self.limiter.on_overload();
            }
            // The request was answered: the target is healthy.
            Failure::Client => self.limiter.on_success(),
        }
    }

    /// Exponential backoff with full jitter: uniform in [0, min(cap, base·2^(n-1))].
    fn backoff(&self, tries: u32) -> Duration {
        let base = self.limits.backoff_ms.clamp(1, MAX_WAIT_MS);
        let ceiling = base
            .saturating_mul(1u64 << tries.saturating_sub(1).min(20))
            .min(self.limits.max_backoff_ms.max(base))
            .min(MAX_WAIT_MS);
        Duration::from_millis(fastrand::u64(0..=ceiling))
    }

    pub fn stats(&self) -> TransportStats {
        TransportStats {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            throttled_ms: millis(self.pacer.paused_total()),
            rate_wait_ms: self.rate_wait_ms.load(Ordering::Relaxed),
            server_errors: self.server_errors.load(Ordering::Relaxed),
            transport_errors: self.transport_errors.load(Ordering::Relaxed),
            lowest_concurrency: self.limiter.lowest(),
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicU32;

    fn fast_limits(max_attempts: u32) -> Limits {
        Limits {
            max_attempts,
            backoff_ms: 1,
            max_backoff_ms: 5,
            ..Limits::default()
        }
    }

    #[tokio::test]
    async fn retries_a_retryable_failure_until_it_succeeds() {
        let gate = Gate::new(fast_limits(5));
        let calls = &AtomicU32::new(0);
        let gate = &gate;
        let result: Result<u32, &str> = gate
            .run(move || async move {
                let _a = gate.admit().await;
                let n = calls.fetch_add(1, Ordering::Relaxed) + 1;
                if n < 3 {
                    Verdict::Retry("busy", Failure::Server, None)
                } else {
                    Verdict::Done(n)
                }
            })
            .await;
        assert_eq!(result, Ok(3));
        let stats = gate.stats();
        assert_eq!(
            (stats.requests, stats.retries, stats.server_errors),
            (3, 2, 2)
        );
    }

    #[tokio::test]
    async fn gives_up_after_max_attempts_and_never_retries_a_final_failure() {
        let gate = Gate::new(fast_limits(3));
        let calls = &AtomicU32::new(0);
        let r: Result<(), &str> = gate
            .run(move || async move {
                calls.fetch_add(1, Ordering::Relaxed);
                Verdict::Retry("down", Failure::Connection, None)
            })
            .await;
        assert_eq!((r, calls.load(Ordering::Relaxed)), (Err("down"), 3));
        let r: Result<(), &str> = gate
            .run(move || async move {
                calls.fetch_add(1, Ordering::Relaxed);
                Verdict::Fail("bad request", Failure::Client)
            })
            .await;
        assert_eq!((r, calls.load(Ordering::Relaxed)), (Err("bad request"), 4));
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_holds_back_every_request_to_the_target() {
        let gate = Arc::new(Gate::new(Limits {
            max_attempts: 3,
            ..Limits::default()
        }));
        let start = tokio::time::Instant::now();
        let throttled = {
            let gate = gate.clone();
            tokio::spawn(async move {
                let first = &AtomicU32::new(0);
                let gate = &gate;
                let _: Result<(), ()> = gate
                    .run(move || async move {
                        let _a = gate.admit().await;
                        if first.fetch_add(1, Ordering::Relaxed) == 0 {
                            Verdict::Retry((), Failure::Throttled, Some(Duration::from_secs(2)))
                        } else {
                            Verdict::Done(())
                        }
                    })
                    .await;
            })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        // Another request, sent after the 429 by someone else, waits for the pause too.
        let _b = gate.admit().await;
        assert!(
            start.elapsed() >= Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
        throttled.await.expect("task");
        assert!(start.elapsed() >= Duration::from_secs(2));
        let stats = gate.stats();
        assert_eq!((stats.throttled, stats.retries, stats.requests), (1, 1, 3));
        assert!(stats.throttled_ms >= 1990, "{stats:?}");
    }

    #[test]
    fn limits_are_checked_key_by_key_with_their_range() {
        assert_eq!(Limits::default().validate(), Ok(()));
        let ok = |l: Limits| l.validate().is_ok();
        let d = Limits::default;
        assert!(ok(Limits {
            requests_per_second: Some(0.0),
            ..d()
        }));
        assert!(ok(Limits {
            requests_per_second: Some(0.001),
            ..d()
        }));
        assert!(ok(Limits {
            requests_per_second: Some(10_000.0),
            burst: 10_000,
            ..d()
        }));
        let cases: [(Limits, &str); 12] = [
            (
                Limits {
                    requests_per_second: Some(1e-20),
                    ..d()
                },
                "requestsPerSecond",
            ),
            (
                Limits {
                    requests_per_second: Some(1e-30),
                    ..d()
                },
                "requestsPerSecond",
            ),
            (
                Limits {
                    requests_per_second: Some(-1.0),
                    ..d()
                },
                "requestsPerSecond",
            ),
            (
                Limits {
                    requests_per_second: Some(f64::NAN),
                    ..d()
                },
                "requestsPerSecond",
            ),
            (
                Limits {
                    requests_per_second: Some(f64::INFINITY),
                    ..d()
                },
                "requestsPerSecond",
            ),
            (Limits { burst: 0, ..d() }, "burst"),
            (
                Limits {
                    burst: u32::MAX,
                    ..d()
                },
                "burst",
            ),
            (
                Limits {
                    max_concurrency: usize::MAX,
                    ..d()
                },
                "maxConcurrency",
            ),
            (
                Limits {
                    max_attempts: 0,
                    ..d()
                },
                "maxAttempts",
            ),
            (
                Limits {
                    max_backoff_ms: u64::MAX,
                    ..d()
                },
                "maxBackoffMs",
            ),
            (
                Limits {
                    backoff_ms: 3_600_001,
                    ..d()
                },
                "backoffMs",
            ),
            (
                Limits {
                    request_timeout_secs: u64::MAX,
                    ..d()
                },
                "requestTimeoutSecs",
            ),
        ];
        for (limits, key) in cases {
            let error = limits.validate().expect_err(key);
            assert!(error.contains(key) && error.contains("must be"), "{error}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_gate_built_from_absurd_limits_neither_panics_nor_overflows() {
        for limits in [
            Limits {
                requests_per_second: Some(1e-300),
                burst: u32::MAX,
                ..Limits::default()
            },
            Limits {
                requests_per_second: Some(f64::MAX),
                ..Limits::default()
            },
            Limits {
                requests_per_second: Some(f64::NAN),
                ..Limits::default()
            },
            Limits {
                requests_per_second: Some(-5.0),
                ..Limits::default()
            },
            Limits {
                max_concurrency: usize::MAX,
                max_attempts: u32::MAX,
                backoff_ms: u64::MAX,
                max_backoff_ms: u64::MAX,
                request_timeout_secs: u64::MAX,
                ..Limits::default()
            },
        ] {
            assert!(limits.request_timeout() <= Duration::from_secs(MAX_TIMEOUT_SECS));
            let gate = Gate::new(limits);
            let _a = gate.admit().await;
            let _b = gate.admit().await;
            gate.pacer.pause(Duration::MAX);
            assert!(gate.backoff(u32::MAX) <= Duration::from_millis(MAX_WAIT_MS));
            let _ = gate.stats();
        }
    }
}
