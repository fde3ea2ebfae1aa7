//! What HTTP answers mean for retries, shared by every HTTP provider (Webex now, Genesys
//! later): 429, 5xx, timeouts and broken connections do not depend on the vendor. A request
//! that may have been applied (a POST that timed out or got a 5xx) is never retried here: the
//! engine looks the object up instead.

use super::retry::Failure;
use std::time::Duration;

/// Decide whether an attempt that failed this way may be repeated. `idempotent` is false for
/// requests that create something (POST): those are only repeated when the target cannot have
/// acted on them (throttled before processing, or the connection never opened).
pub fn classify(
    status: Option<u16>,
    timed_out: bool,
    connect_failed: bool,
    retry_after: Option<Duration>,
    idempotent: bool,
) -> (Failure, bool) {
    match status {
        Some(429) => (Failure::Throttled, true),
        Some(423) if retry_after.is_some() => (Failure::Throttled, true),
        Some(500 | 502 | 503 | 504) => (Failure::Server, idempotent),
        Some(_) => (Failure::Client, false),
        None if connect_failed => (Failure::Connection, true),
        None if timed_out => (Failure::Timeout, idempotent),
        None => (Failure::Connection, idempotent),
    }
}

/// `Retry-After` in seconds (the form Webex sends). An HTTP date is not used by Webex; it is
/// treated as absent, which falls back to the backoff.
pub fn parse_retry_after(value: Option<&str>) -> Option<Duration> {
    let seconds: f64 = value?.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_create_is_not_repeated_when_it_may_have_been_applied() {
        assert_eq!(
            classify(Some(503), false, false, None, false),
            (Failure::Server, false)
        );
        assert_eq!(
            classify(None, true, false, None, false),
            (Failure::Timeout, false)
        );
        assert_eq!(
            classify(None, false, false, None, false),
            (Failure::Connection, false)
        );
        // …but it is when the target cannot have acted on it.
        assert_eq!(
            classify(Some(429), false, false, None, false),
            (Failure::Throttled, true)
        );
        assert_eq!(
            classify(None, false, true, None, false),
            (Failure::Connection, true)
        );
    }

    #[test]
    fn reads_go_again_on_server_errors_but_not_on_client_errors() {
        assert_eq!(
            classify(Some(502), false, false, None, true),
            (Failure::Server, true)
        );
        assert_eq!(
            classify(Some(404), false, false, None, true),
            (Failure::Client, false)
        );
        assert_eq!(
            classify(Some(423), false, false, None, true),
            (Failure::Client, false)
        );
        assert_eq!(
            classify(Some(423), false, false, Some(Duration::from_secs(1)), true),
            (Failure::Throttled, true)
        );
    }

    #[test]
    fn retry_after_is_seconds() {
        assert_eq!(parse_retry_after(Some("2")), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after(Some(" 0.5 ")),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            None
        );
        assert_eq!(parse_retry_after(None), None);
    }
}
