//! What HTTP answers mean for retries, shared by every HTTP provider (Webex now, Genesys
//! later): 429, 5xx, timeouts and broken connections do not depend on the vendor. A request
//! that may have been applied (a POST that timed out or got a 5xx) is never retried here: the
//! engine looks the object up instead.
//!
//! Also what every HTTP provider must refuse from a configuration or a server, whatever the
//! vendor: a base URL that would send a token in clear to another machine, a `Retry-After` that
//! does not fit a `Duration`, and a redirect that leaves the target's origin.

use super::retry::Failure;
use std::time::{Duration, SystemTime};

/// The most of one answer's body that is read; past it the answer is refused, so a server
/// cannot make the process allocate without bound.
pub const MAX_BODY_BYTES: usize = 64 << 20;

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// Longer than the cap (the rest is never read).
    TooLarge(usize),
    /// The connection broke or timed out mid-way.
    Broken(reqwest::Error),
}

/// The body of `response`, chunk by chunk, refusing it as soon as it passes `cap` bytes (a
/// `Content-Length` above the cap is refused before anything is read).
pub async fn read_body(response: &mut reqwest::Response, cap: usize) -> Result<Vec<u8>, BodyError> {
    if response.content_length().is_some_and(|n| n > cap as u64) {
        return Err(BodyError::TooLarge(cap));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Broken)? {
        if body.len().saturating_add(chunk.len()) > cap {
            return Err(BodyError::TooLarge(cap));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The statuses that redirect (with a `Location`). Clients never follow them on their own: see
/// `redirect_target`.
pub fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// Where a redirect answer to a request for `current` may be followed: only a read, only to
/// `base`'s origin (so the token goes nowhere else), else a message saying why not. `what` is
/// the request as messages name it (`GET /locations`).
pub fn redirect_target(
    what: &str,
    is_read: bool,
    status: u16,
    location: Option<&str>,
    current: &str,
    base: &str,
) -> Result<String, String> {
    let resolved = location.and_then(|l| url::Url::parse(current).ok()?.join(l.trim()).ok());
    let Some(resolved) = resolved else {
        return Err(format!(
            "{what} answered {status} redirect without a usable Location; Switchboard does not follow it"
        ));
    };
    let to = resolved.origin().ascii_serialization();
    if !is_read {
        return Err(format!(
            "{what} answered {status} redirect to {to}; Switchboard never follows a redirect on a write"
        ));
    }
    if !same_origin(resolved.as_str(), base) {
        return Err(format!(
            "{what} answered {status} redirect to {to}; Switchboard follows a redirect on a read only within the target's origin ({})",
            origin_of(base)
        ));
    }
    Ok(resolved.to_string())
}

/// The longest `Retry-After` read from a server (the gate caps it further at `maxBackoffMs`).
pub const MAX_RETRY_AFTER: Duration = Duration::from_millis(super::MAX_WAIT_MS);

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

/// `Retry-After` as seconds (the form Webex sends: finite, not negative, fractions allowed) or
/// as an HTTP date (RFC 9110), capped at `MAX_RETRY_AFTER`. Anything else is absent, which
/// falls back to the backoff. Never panics, whatever the header holds.
pub fn parse_retry_after(value: Option<&str>) -> Option<Duration> {
    retry_after_at(value?, SystemTime::now())
}

fn retry_after_at(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        if !(seconds.is_finite() && seconds >= 0.0) {
            return None;
        }
        let capped = seconds.min(MAX_RETRY_AFTER.as_secs_f64());
        return Duration::try_from_secs_f64(capped).ok();
    }
    let at = httpdate::parse_http_date(value).ok()?;
    // A date already past means "now".
    Some(
        at.duration_since(now)
            .unwrap_or_default()
            .min(MAX_RETRY_AFTER),
    )
}

/// Whether two URLs share scheme, host and port: the only place a token, a body or a redirect
/// may go.
pub fn same_origin(a: &str, b: &str) -> bool {
    match (url::Url::parse(a), url::Url::parse(b)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin() && a.origin().is_tuple(),
        _ => false,
    }
}

/// `scheme://host:port` of a URL, for messages (never its path or query).
pub fn origin_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| "an unreadable location".to_string())
}

/// A target's base URL must be an absolute http(s) URL with a host and no credentials, and
/// plain `http` only to this machine (127.0.0.0/8, ::1, localhost): a token sent in clear to
/// another host is readable by anyone on the path.
pub fn check_base_url(key: &str, value: &str) -> Result<(), String> {
    let url = url::Url::parse(value).map_err(|e| {
        format!("`{key}` {value:?} is not a URL ({e}); e.g. https://webexapis.com/v1")
    })?;
    let Some(host) = url.host() else {
        return Err(format!("`{key}` {value:?} has no host"));
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "`{key}` must not carry credentials; the token comes from the environment"
        ));
    }
    let loopback = match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(format!(
            "`{key}` {value:?} is plain http to another machine, which would send the token unencrypted; use https (plain http is allowed only to 127.0.0.1, ::1 or localhost)"
        )),
        other => Err(format!(
            "`{key}` {value:?} has scheme `{other}`; only https (or http to this machine) is allowed"
        )),
    }
}

/// The `rel="next"` target of a `Link` header (RFC 8288), if any.
pub fn next_link(headers: &reqwest::header::HeaderMap) -> Option<String> {
    for value in headers.get_all("link") {
        let Ok(text) = value.to_str() else { continue };
        for part in text.split(',') {
            let mut pieces = part.split(';');
            let target = pieces.next()?.trim();
            let is_next = pieces.any(|p| {
                let p = p.trim().replace(' ', "");
                p == "rel=\"next\"" || p == "rel=next"
            });
            if is_next {
                return Some(
                    target
                        .trim_start_matches('<')
                        .trim_end_matches('>')
                        .to_string(),
                );
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_next_link_among_others() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            "link",
            reqwest::header::HeaderValue::from_static("<https://x/v1/a?max=2&start=0>; rel=\"first\", <https://x/v1/a?max=2&start=2>; rel=\"next\""),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://x/v1/a?max=2&start=2")
        );
        assert_eq!(next_link(&reqwest::header::HeaderMap::new()), None);
    }

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
    fn retry_after_is_seconds_or_an_http_date_and_never_overflows() {
        assert_eq!(parse_retry_after(Some("2")), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after(Some(" 0.5 ")),
            Some(Duration::from_millis(500))
        );
        assert_eq!(parse_retry_after(None), None);
        // Numbers no Duration can hold are capped, not a panic.
        for huge in [
            "1e20",
            "1e308",
            "18446744073709551616",
            "99999999999999999999999",
        ] {
            assert_eq!(
                parse_retry_after(Some(huge)),
                Some(MAX_RETRY_AFTER),
                "{huge}"
            );
        }
        for junk in ["-1", "NaN", "inf", "-inf", "soon", "", "1e400"] {
            assert_eq!(parse_retry_after(Some(junk)), None, "{junk}");
        }
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").expect("date");
        assert_eq!(
            retry_after_at("Wed, 21 Oct 2015 07:28:05 GMT", now),
            Some(Duration::from_secs(5))
        );
        // Already past: now. Far future: capped.
        assert_eq!(
            retry_after_at("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after_at("Fri, 31 Dec 9999 23:59:59 GMT", now),
            Some(MAX_RETRY_AFTER)
        );
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert!(same_origin(
            "http://127.0.0.1:8080/v1/x?a=1",
            "http://127.0.0.1:8080/v1"
        ));
        assert!(same_origin(
            "https://webexapis.com/v1/x",
            "https://webexapis.com:443/v1"
        ));
        assert!(!same_origin(
            "http://127.0.0.1:9090/v1/x",
            "http://127.0.0.1:8080/v1"
        ));
        assert!(!same_origin(
            "https://evil.example/v1",
            "https://webexapis.com/v1"
        ));
        assert!(!same_origin(
            "http://webexapis.com/v1",
            "https://webexapis.com/v1"
        ));
        assert!(!same_origin("/v1/x", "https://webexapis.com/v1"));
        assert_eq!(
            origin_of("http://127.0.0.1:9/a?token=x"),
            "http://127.0.0.1:9"
        );
    }

    #[test]
    fn redirects_are_followed_only_for_reads_within_the_origin() {
        let base = "http://127.0.0.1:8080/v1";
        let here = "http://127.0.0.1:8080/v1/locations?max=5";
        assert_eq!(
            redirect_target(
                "GET /locations",
                true,
                302,
                Some("/v1/places?max=5"),
                here,
                base
            ),
            Ok("http://127.0.0.1:8080/v1/places?max=5".to_string())
        );
        let away = redirect_target(
            "GET /locations",
            true,
            307,
            Some("http://127.0.0.1:9/x"),
            here,
            base,
        )
        .expect_err("another port");
        assert!(away.contains("redirect to http://127.0.0.1:9;"), "{away}");
        for status in [301, 302, 303, 307, 308] {
            let write = redirect_target(
                "POST /trunks",
                false,
                status,
                Some("/v1/trunks2"),
                here,
                base,
            )
            .expect_err("a write");
            assert!(
                write.contains("never follows a redirect on a write"),
                "{write}"
            );
        }
        assert!(redirect_target("GET /x", true, 302, None, here, base).is_err());
        assert!(!is_redirect(304) && !is_redirect(300) && is_redirect(308));
    }

    #[test]
    fn a_base_url_is_https_or_http_to_this_machine() {
        for ok in [
            "https://webexapis.com/v1",
            "http://127.0.0.1:8101/v1",
            "http://127.1.2.3/v1",
            "http://[::1]:9/v1",
            "http://localhost:9/v1",
        ] {
            assert_eq!(check_base_url("baseUrl", ok), Ok(()), "{ok}");
        }
        for (bad, says) in [
            ("http://webexapis.com/v1", "plain http"),
            ("http://10.0.0.1/v1", "plain http"),
            ("not a url", "is not a URL"),
            ("webexapis.com/v1", "is not a URL"),
            ("ftp://webexapis.com/v1", "scheme"),
            ("https://user:pw@webexapis.com/v1", "credentials"),
        ] {
            let error = check_base_url("baseUrl", bad).expect_err(bad);
            assert!(error.contains(says), "{bad}: {error}");
        }
    }
}
