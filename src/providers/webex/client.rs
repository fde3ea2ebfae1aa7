//! The Webex REST client: bearer auth, JSON bodies, `Link: rel="next"` pagination, Webex error
//! bodies and tracking ids. Every request goes through `send`, which reports it to `http_log`.

use crate::exchange_log;
use crate::providers::{ErrorClass, Exchange, ProviderError};
use crate::transport::http::{classify, parse_retry_after};
use crate::transport::{Failure, Gate, Verdict};
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const DEFAULT_BASE_URL: &str = "https://webexapis.com/v1";
const PAGE_SIZE: &str = "1000";

pub struct WebexClient {
    http: reqwest::Client,
    base: String,
    token: String,
    /// A partner administrator's customer org, sent as `orgId` on every request (as wxc-sdk
    /// and wxcli do), so one partner token can manage several orgs.
    org_id: Option<String>,
    gate: Arc<Gate>,
}

impl std::fmt::Debug for WebexClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebexClient")
            .field("base", &self.base)
            .field("token", &"(sensitive)")
            .finish()
    }
}

impl WebexClient {
    /// A client whose every request goes through `gate` (shared by everything that talks to
    /// this target).
    pub fn new(
        base_url: &str,
        token: &str,
        org_id: Option<String>,
        gate: Arc<Gate>,
    ) -> Result<Self, ProviderError> {
        let http = reqwest::Client::builder()
            .timeout(gate.limits().request_timeout())
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ProviderError::local(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            http,
            base: base_url.trim_end_matches('/').to_string(),
            token: token.to_string(),
            org_id,
            gate,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, ProviderError> {
        Ok(self
            .send(Method::GET, &self.url(path), query, None)
            .await?
            .1)
    }

    /// `get` with an owned path, so a batch of detail reads can be collected and run together.
    pub async fn get_owned(&self, path: String) -> Result<Value, ProviderError> {
        self.get(&path, &[]).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, ProviderError> {
        Ok(self
            .send(Method::POST, &self.url(path), &[], Some(body))
            .await?
            .1)
    }

    pub async fn put(&self, path: &str, body: &Value) -> Result<Value, ProviderError> {
        Ok(self
            .send(Method::PUT, &self.url(path), &[], Some(body))
            .await?
            .1)
    }

    pub async fn delete(&self, path: &str) -> Result<(), ProviderError> {
        self.send(Method::DELETE, &self.url(path), &[], None)
            .await
            .map(|_| ())
    }

    /// Every item of a paginated list: follows `Link: rel="next"` until there is none, taking
    /// the array under `wrapper` from each page.
    pub async fn list(
        &self,
        path: &str,
        query: &[(&str, &str)],
        wrapper: &str,
    ) -> Result<Vec<Value>, ProviderError> {
        let mut items = Vec::new();
        // Large pages: fewer requests against the rate budget. Webex telephony lists default to
        // (and accept) far more than this; Link carries the page size on.
        let mut query = query.to_vec();
        if !query.iter().any(|(k, _)| *k == "max") {
            query.push(("max", PAGE_SIZE));
        }
        let (headers, mut page) = self
            .send(Method::GET, &self.url(path), &query, None)
            .await?;
        let mut next = next_link(&headers);
        loop {
            match page.get_mut(wrapper).map(Value::take) {
                Some(Value::Array(batch)) if !batch.is_empty() => items.extend(batch),
                _ => break,
            }
            let Some(url) = next.take() else { break };
            // The token is only ever sent to the configured origin, whatever a Link says.
            if !same_origin(&url, &self.base) {
                return Err(ProviderError::new(
                    ErrorClass::Definite,
                    format!("refusing to follow a pagination link to another host: {url}"),
                ));
            }
            let (h, p) = self.send(Method::GET, &url, &[], None).await?;
            next = next_link(&h);
            page = p;
        }
        Ok(items)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// One logical request: as many attempts as the gate allows. Only requests that cannot have
    /// been applied are repeated (see `transport::http::classify`).
    async fn send(
        &self,
        method: Method,
        url: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<(HeaderMap, Value), ProviderError> {
        let idempotent = method != Method::POST;
        let method = &method;
        self.gate
            .run(move || async move {
                let _admission = self.gate.admit().await;
                self.attempt(method, url, query, body, idempotent).await
            })
            .await
    }

    async fn attempt(
        &self,
        method: &Method,
        url: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        idempotent: bool,
    ) -> Verdict<(HeaderMap, Value), ProviderError> {
        let tracking = format!("SWITCHBOARD_{}", uuid::Uuid::new_v4());
        let mut request = self
            .http
            .request(method.clone(), url)
            .bearer_auth(&self.token)
            .header("TrackingID", &tracking)
            .header("Accept", "application/json");
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(org) = &self.org_id
            && !url.contains("orgId=")
        {
            request = request.query(&[("orgId", org.as_str())]);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let display_path = self.display_path(url, query);
        let started = Instant::now();
        let response = request.send().await;
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                record(method, &display_path, None, Some(tracking), started);
                let what = if e.is_timeout() {
                    "timed out"
                } else if e.is_connect() {
                    "could not connect"
                } else {
                    "failed"
                };
                // A connection that never opened carried nothing: the target cannot have acted.
                let class = if e.is_connect() {
                    ErrorClass::Definite
                } else {
                    ErrorClass::OutcomeUnknown
                };
                let error = ProviderError::new(
                    class,
                    format!("{method} {display_path} {what}: {}", without_url(&e)),
                );
                let (failure, again) =
                    classify(None, e.is_timeout(), e.is_connect(), None, idempotent);
                return verdict(error, failure, again, None);
            }
        };
        let status = response.status();
        let headers = response.headers().clone();
        let tracking_id = headers
            .get("trackingid")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or(Some(tracking));
        // A body cut off mid-way is a broken connection, like a failed send.
        let text = match response.text().await {
            Ok(text) => text,
            Err(e) => {
                record(method, &display_path, Some(status), tracking_id, started);
                let error = ProviderError::new(
                    ErrorClass::OutcomeUnknown,
                    format!(
                        "{method} {display_path}: the response was cut off: {}",
                        without_url(&e)
                    ),
                );
                let (failure, again) = classify(None, e.is_timeout(), false, None, idempotent);
                return verdict(error, failure, again, None);
            }
        };
        record(
            method,
            &display_path,
            Some(status),
            tracking_id.clone(),
            started,
        );
        let parsed: Result<Value, _> = if text.trim().is_empty() {
            Ok(Value::Null)
        } else {
            serde_json::from_str(&text)
        };
        if status.is_success() {
            return match parsed {
                Ok(value) => Verdict::Done((headers, value)),
                // The target acted (2xx) but its answer cannot be read: what it did is unknown.
                Err(e) => Verdict::Fail(
                    ProviderError::new(
                        ErrorClass::OutcomeUnknown,
                        format!(
                            "{method} {display_path} answered {} with a body that is not JSON: {e}",
                            status.as_u16()
                        ),
                    )
                    .with_status(status.as_u16().to_string()),
                    Failure::Client,
                ),
            };
        }
        let value = parsed.unwrap_or(Value::Null);
        let retry_after = parse_retry_after(
            headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
        );
        let (failure, again) =
            classify(Some(status.as_u16()), false, false, retry_after, idempotent);
        let tracking_id = value
            .get("trackingId")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or(tracking_id);
        let class = error_class(status, failure, &value);
        let message = format!(
            "{method} {display_path} answered {}: {}{}",
            status.as_u16(),
            error_message(status, &value, &text),
            tracking_id
                .map(|t| format!(" (trackingId {t})"))
                .unwrap_or_default()
        );
        let error = ProviderError::new(class, message).with_status(status.as_u16().to_string());
        verdict(error, failure, again, retry_after)
    }

    fn display_path(&self, url: &str, query: &[(&str, &str)]) -> String {
        let path = url.strip_prefix(&self.base).unwrap_or(url).to_string();
        if query.is_empty() {
            return path;
        }
        let q: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{path}?{}", q.join("&"))
    }
}

/// The text a Webex error body carries: `errors[0].description`, else `message`.
fn error_message(status: StatusCode, body: &Value, raw: &str) -> String {
    let description = body
        .pointer("/errors/0/description")
        .and_then(Value::as_str);
    // Webex puts the code in `errors[0]`, or (a delete of something in use) at the top level.
    let code = body
        .pointer("/errors/0/errorCode")
        .or_else(|| body.get("errorCode"))
        .and_then(Value::as_i64);
    let message = description.or_else(|| body.get("message").and_then(Value::as_str));
    match (message, code) {
        (Some(m), Some(c)) => format!("{m} (errorCode {c})"),
        (Some(m), None) => m.to_string(),
        _ if !raw.trim().is_empty() => raw.chars().take(300).collect(),
        _ => status.canonical_reason().unwrap_or("error").to_string(),
    }
}

fn verdict<T>(
    error: ProviderError,
    failure: Failure,
    again: bool,
    retry_after: Option<Duration>,
) -> Verdict<T, ProviderError> {
    if again {
        Verdict::Retry(error, failure, retry_after)
    } else {
        Verdict::Fail(error, failure)
    }
}

/// How the engine should read a Webex error answer. "Already exists" is 409, or 400 with a
/// duplicate-name error code; the engine looks the object up after any failed create anyway,
/// so a duplicate answer this list misses still ends in adoption, not a second object.
fn error_class(status: StatusCode, failure: Failure, body: &Value) -> ErrorClass {
    const DUPLICATE_CODES: [i64; 3] = [27601, 25030, 8363];
    let code = body
        .pointer("/errors/0/errorCode")
        .or_else(|| body.get("errorCode"))
        .and_then(Value::as_i64);
    if status == StatusCode::CONFLICT || code.is_some_and(|c| DUPLICATE_CODES.contains(&c)) {
        ErrorClass::Duplicate
    } else if failure == Failure::Throttled {
        // The same reading as the retries': a 429, or a 423 that says when to come back.
        ErrorClass::Throttled
    } else if status.is_server_error() {
        ErrorClass::OutcomeUnknown
    } else {
        ErrorClass::Definite
    }
}

fn record(
    method: &Method,
    path: &str,
    status: Option<StatusCode>,
    tracking_id: Option<String>,
    started: Instant,
) {
    exchange_log::record(Exchange {
        operation: format!("{method} {path}"),
        status: status.map(|s| s.as_u16().to_string()),
        correlation_id: tracking_id,
        millis: started.elapsed().as_millis() as u64,
    });
}

fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(url) = e.url() {
        s = s.replace(url.as_str(), "");
    }
    s.trim().trim_end_matches("()").trim().to_string()
}

/// The `rel="next"` target of a `Link` header (RFC 8288), if any.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
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

fn same_origin(a: &str, b: &str) -> bool {
    match (url::Url::parse(a), url::Url::parse(b)) {
        (Ok(a), Ok(b)) => {
            a.scheme() == b.scheme()
                && a.host_str() == b.host_str()
                && a.port_or_known_default() == b.port_or_known_default()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn finds_the_next_link_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            "link",
            HeaderValue::from_static("<https://x/v1/a?max=2&start=0>; rel=\"first\", <https://x/v1/a?max=2&start=2>; rel=\"next\""),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://x/v1/a?max=2&start=2")
        );
        assert_eq!(next_link(&HeaderMap::new()), None);
    }

    #[test]
    fn origin_check_rejects_other_hosts_and_ports() {
        assert!(same_origin(
            "http://127.0.0.1:8080/v1/x?a=1",
            "http://127.0.0.1:8080/v1"
        ));
        assert!(!same_origin(
            "http://127.0.0.1:9090/v1/x",
            "http://127.0.0.1:8080/v1"
        ));
        assert!(!same_origin(
            "https://evil.example/v1/x",
            "https://webexapis.com/v1"
        ));
    }

    #[test]
    fn error_text_prefers_the_description_and_code() {
        let body = serde_json::json!({"message": "m", "errors": [{"description": "Duplicate name", "errorCode": 27601}], "trackingId": "T"});
        assert_eq!(
            error_message(StatusCode::BAD_REQUEST, &body, ""),
            "Duplicate name (errorCode 27601)"
        );
        assert_eq!(
            error_message(StatusCode::NOT_FOUND, &Value::Null, ""),
            "Not Found"
        );
    }
}
