//! The request-rate half of a target's budget: a GCRA token bucket (requests per second with a
//! burst) plus a shared pause. A `Retry-After` from the target pauses every request to it, and the
//! bucket restarts empty after the pause so the resumed traffic does not arrive as one burst.
//!
//! All arithmetic here saturates: the rate is clamped to `MIN_RATE..=MAX_RATE`, the burst to
//! `MAX_BURST` and a pause to `MAX_WAIT_MS`, and instants are moved with `checked_add`, so no
//! value from a flag, a configuration file or a server can make the pacer panic.

use super::{MAX_BURST, MAX_RATE, MAX_WAIT_MS, MIN_RATE};
use std::sync::Mutex;
use std::time::Duration;
// tokio's clock, so tests can pause and advance time.
use tokio::time::Instant;

#[derive(Debug)]
pub struct Pacer {
    /// None = no fixed rate; only pauses apply.
    interval: Option<Duration>,
    /// How far ahead of its theoretical time a request may go (burst − 1 intervals).
    tolerance: Duration,
    state: Mutex<PacerState>,
}

#[derive(Debug)]
struct PacerState {
    /// Theoretical arrival time of the next request (GCRA).
    next: Instant,
    paused_until: Instant,
    /// Wall time covered by pauses (their union), for the run summary.
    paused_total: Duration,
}

impl Pacer {
    pub fn new(requests_per_second: Option<f64>, burst: u32) -> Self {
        let interval = requests_per_second
            .filter(|r| r.is_finite() && *r > 0.0)
            .and_then(|r| Duration::try_from_secs_f64(1.0 / r.clamp(MIN_RATE, MAX_RATE)).ok());
        let tolerance = interval
            .map(|i| i.saturating_mul(burst.clamp(1, MAX_BURST) - 1))
            .unwrap_or_default();
        let now = Instant::now();
        Self {
            interval,
            tolerance,
            state: Mutex::new(PacerState {
                next: now,
                paused_until: now,
                paused_total: Duration::ZERO,
            }),
        }
    }

    /// Wait for this request's slot. Returns how long it waited.
    pub async fn admit(&self) -> Duration {
        let started = Instant::now();
        loop {
            let wake = self.reserve(Instant::now());
            match wake {
                None => return started.elapsed(),
                Some(at) => tokio::time::sleep_until(at).await,
            }
        }
    }

    /// Take a slot now (None) or say when to try again. A request woken after a pause that was
    /// extended meanwhile simply waits again.
    fn reserve(&self, now: Instant) -> Option<Instant> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.paused_until > now {
            return Some(s.paused_until);
        }
        let interval = self.interval?;
        let next = s.next.max(now);
        let allowed_at = next.checked_sub(self.tolerance).unwrap_or(now);
        if allowed_at > now {
            return Some(allowed_at);
        }
        s.next = later(next, interval);
        None
    }

    /// Stop all requests until `now + wait` (a `Retry-After`). Never shortens a pause.
    pub fn pause(&self, wait: Duration) {
        let now = Instant::now();
        let until = later(now, wait.min(Duration::from_millis(MAX_WAIT_MS)));
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if until > s.paused_until {
            let from = s.paused_until.max(now);
            s.paused_total += until - from;
            s.paused_until = until;
            // Restart the bucket empty at the end of the pause.
            s.next = s.next.max(later(until, self.tolerance));
        }
    }

    pub fn paused_total(&self) -> Duration {
        self.state
            .lock()
            .map(|s| s.paused_total)
            .unwrap_or_default()
    }
}

/// `at + by`, or `at` itself in the (unreachable once clamped) case the clock cannot go that far.
fn later(at: Instant, by: Duration) -> Instant {
    at.checked_add(by).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_admitted_then_requests_are_spaced_by_the_interval() {
        let pacer = Pacer::new(Some(10.0), 3);
        let t0 = Instant::now();
        assert!(pacer.reserve(t0).is_none());
        assert!(pacer.reserve(t0).is_none());
        assert!(pacer.reserve(t0).is_none());
        let wait = pacer.reserve(t0).expect("the fourth must wait");
        let gap = wait - t0;
        assert!(
            gap >= Duration::from_millis(99) && gap <= Duration::from_millis(101),
            "{gap:?}"
        );
    }

    #[test]
    fn without_a_rate_only_pauses_hold_requests() {
        let pacer = Pacer::new(None, 1);
        let now = Instant::now();
        for _ in 0..1000 {
            assert!(pacer.reserve(now).is_none());
        }
        pacer.pause(Duration::from_secs(2));
        let until = pacer.reserve(Instant::now()).expect("paused");
        assert!(until >= now + Duration::from_millis(1990));
        assert!(pacer.paused_total() >= Duration::from_millis(1990));
    }

    #[test]
    fn overlapping_pauses_count_once() {
        let pacer = Pacer::new(None, 1);
        pacer.pause(Duration::from_secs(2));
        pacer.pause(Duration::from_secs(1));
        pacer.pause(Duration::from_secs(2));
        let total = pacer.paused_total();
        assert!(total < Duration::from_millis(2100), "{total:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn admit_sleeps_through_a_pause() {
        let pacer = Pacer::new(Some(100.0), 1);
        pacer.pause(Duration::from_secs(2));
        let waited = pacer.admit().await;
        assert!(waited >= Duration::from_secs(2), "{waited:?}");
    }

    #[test]
    fn absurd_rates_and_bursts_are_clamped_instead_of_overflowing() {
        let slow = Pacer::new(Some(1e-20), u32::MAX);
        assert_eq!(slow.interval, Some(Duration::from_secs(1000)));
        let t0 = Instant::now();
        assert!(slow.reserve(t0).is_none());
        let fast = Pacer::new(Some(1e300), 1);
        assert_eq!(fast.interval, Some(Duration::from_micros(100)));
        assert_eq!(Pacer::new(Some(f64::NAN), 5).interval, None);
        assert_eq!(Pacer::new(Some(-3.0), 5).interval, None);
        slow.pause(Duration::MAX);
        assert!(slow.paused_total() <= Duration::from_millis(MAX_WAIT_MS));
    }
}
