//! The concurrency half of a target's budget: how many requests may be in flight, adapted
//! AIMD-style. An overload signal (429, 5xx, timeout) halves the limit (at most once per
//! `COOL_DOWN`, so one burst of failures counts once); each full window of successes adds one
//! back, up to the configured maximum (clamped to `MAX_CONCURRENCY`, so an absurd value cannot
//! exceed what a semaphore holds).

use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

const COOL_DOWN: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub struct Limiter {
    semaphore: Arc<Semaphore>,
    state: Arc<Mutex<LimitState>>,
}

#[derive(Debug)]
struct LimitState {
    limit: usize,
    max: usize,
    successes: usize,
    /// Permits still held by requests that started under a higher limit; they are forgotten
    /// instead of returned when released.
    debt: usize,
    last_cut: Option<Instant>,
    lowest: usize,
}

/// A slot for one in-flight request; released on drop.
#[derive(Debug)]
pub struct Slot {
    permit: Option<OwnedSemaphorePermit>,
    state: Arc<Mutex<LimitState>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let Some(permit) = self.permit.take() else {
            return;
        };
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.debt > 0 {
            s.debt -= 1;
            permit.forget();
        }
    }
}

impl Limiter {
    pub fn new(max: usize) -> Self {
        let max = max.clamp(1, super::MAX_CONCURRENCY);
        Self {
            semaphore: Arc::new(Semaphore::new(max)),
            state: Arc::new(Mutex::new(LimitState {
                limit: max,
                max,
                successes: 0,
                debt: 0,
                last_cut: None,
                lowest: max,
            })),
        }
    }

    pub async fn acquire(&self) -> Slot {
        // The semaphore is never closed, so acquiring cannot fail; keep going without a slot
        // rather than panic if that ever changes.
        let permit = self.semaphore.clone().acquire_owned().await.ok();
        Slot {
            permit,
            state: self.state.clone(),
        }
    }

    pub fn on_success(&self) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.limit >= s.max {
            return;
        }
        s.successes += 1;
        if s.successes >= s.limit {
            s.successes = 0;
            s.limit += 1;
            if s.debt > 0 {
                s.debt -= 1;
            } else {
                self.semaphore.add_permits(1);
            }
        }
    }

    pub fn on_overload(&self) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if s.last_cut
            .is_some_and(|t| now.duration_since(t) < COOL_DOWN)
        {
            return;
        }
        s.last_cut = Some(now);
        s.successes = 0;
        let target = (s.limit / 2).max(1);
        let cut = s.limit - target;
        s.limit = target;
        s.lowest = s.lowest.min(target);
        let forgotten = self.semaphore.forget_permits(cut);
        s.debt += cut - forgotten;
    }

    #[cfg(test)]
    pub fn limit(&self) -> usize {
        self.state.lock().map(|s| s.limit).unwrap_or(1)
    }

    pub fn lowest(&self) -> usize {
        self.state.lock().map(|s| s.lowest).unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn overload_halves_the_limit_and_successes_grow_it_back() {
        let limiter = Limiter::new(8);
        limiter.on_overload();
        assert_eq!(limiter.limit(), 4);
        // Within the cool-down a second failure does not cut again.
        limiter.on_overload();
        assert_eq!(limiter.limit(), 4);
        for _ in 0..4 {
            limiter.on_success();
        }
        assert_eq!(limiter.limit(), 5);
        assert_eq!(limiter.lowest(), 4);
    }

    #[tokio::test]
    async fn held_slots_are_not_returned_after_a_cut() {
        let limiter = Limiter::new(4);
        let held: Vec<Slot> = futures::future::join_all((0..4).map(|_| limiter.acquire())).await;
        limiter.on_overload();
        drop(held);
        // Only two may be in flight now.
        let a = limiter.acquire().await;
        let b = limiter.acquire().await;
        let third = tokio::time::timeout(Duration::from_millis(50), limiter.acquire()).await;
        assert!(third.is_err(), "a third slot must wait");
        drop((a, b));
    }

    #[test]
    fn an_absurd_maximum_is_clamped() {
        let limiter = Limiter::new(usize::MAX);
        assert_eq!(limiter.limit(), crate::transport::MAX_CONCURRENCY);
        assert_eq!(Limiter::new(0).limit(), 1);
    }
}
