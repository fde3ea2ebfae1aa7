//! The Webex REST client: bearer auth, JSON bodies, `Link: rel="next"` pagination, Webex error
//! bodies and tracking ids. Every request goes through `attempt`, which reports it to
//! `exchange_log`.
//!
//! It trusts nothing a server sends: it never lets reqwest follow a redirect (a redirected write
//! fails; a redirected read is followed only within the target's origin, so neither the token
//! nor a body ever reaches another host), reads at most `MAX_BODY_BYTES` of an answer, refuses a
//! success whose body is not the JSON it expects (never an empty list), and stops a pagination
//! that loops or runs past `MAX_PAGES`.

use crate::exchange_log;
use crate::providers::{ErrorClass, Exchange, ProviderError};
pub use crate::transport::http::next_link;
use crate::transport::http::{
    BodyError, MAX_BODY_BYTES, classify, is_redirect, parse_retry_after, read_body,
    redirect_target, same_origin,
};
use crate::transport::{Failure, Gate, Verdict};
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const DEFAULT_BASE_URL: &str = "https://webexapis.com/v1";
const PAGE_SIZE: &str = "1000";
/// Same-origin redirects followed for one read.
const MAX_REDIRECTS: usize = 5;
/// Pages read for one list (a million items at the page size asked for).
const MAX_PAGES: usize = 1000;

pub struct WebexClient {
    http: reqwest::Client,
    base: String,
    token: String,
    /// A partner administrator's customer org, sent as `orgId` on every request (as wxc-sdk
    /// and wxcli do), so one partner token can manage several orgs.
    org_id: Option<String>,
    gate: Arc<Gate>,
}

/// A success answer: its final URL (after same-origin redirects), status, headers and body.
struct Answer {
    url: String,
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
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
            // Redirects are judged by `attempt`, never followed by reqwest (which would re-send
            // a 307's body, and the token, to wherever the server points).
            .redirect(reqwest::redirect::Policy::none())
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

    /// One object: a success whose body is not a JSON object is an error, never `null`.
    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, ProviderError> {
        let answer = self.send(Method::GET, &self.url(path), query, None).await?;
        if !answer.body.is_object() {
            return Err(ProviderError::new(
                ErrorClass::Definite,
                format!(
                    "GET {} answered {} but its body is not the expected JSON object",
                    self.display_path(&self.url(path), query),
                    answer.status.as_u16()
                ),
            ));
        }
        Ok(answer.body)
    }

    /// `get` with an owned path, so a batch of detail reads can be collected and run together.
    pub async fn get_owned(&self, path: String) -> Result<Value, ProviderError> {
        self.get(&path, &[]).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, ProviderError> {
        Ok(self
            .send(Method::POST, &self.url(path), &[], Some(body))
            .await?
            .body)
    }

    pub async fn put(&self, path: &str, body: &Value) -> Result<Value, ProviderError> {
        Ok(self
            .send(Method::PUT, &self.url(path), &[], Some(body))
            .await?
            .body)
    }

    /// PUT with query parameters (`/people/{id}?callingData=true`).
    pub async fn put_with(
        &self,
        path: &str,
        query: &[(&str, &str)],
        body: &Value,
    ) -> Result<Value, ProviderError> {
        Ok(self
            .send(Method::PUT, &self.url(path), query, Some(body))
            .await?
            .body)
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Result<Value, ProviderError> {
        Ok(self
            .send(Method::PATCH, &self.url(path), &[], Some(body))
            .await?
            .body)
    }

    pub async fn delete(&self, path: &str) -> Result<(), ProviderError> {
        self.send(Method::DELETE, &self.url(path), &[], None)
            .await
            .map(|_| ())
    }

    /// A DELETE that names what to delete in its body (`DELETE …/locations/{loc}/numbers` takes
    /// `{"phoneNumbers": […]}`, reference §1.1).
    pub async fn delete_with_body(&self, path: &str, body: &Value) -> Result<(), ProviderError> {
        self.send(Method::DELETE, &self.url(path), &[], Some(body))
            .await
            .map(|_| ())
    }

    /// Every item of a paginated list: follows `Link: rel="next"` until there is none, taking
    /// the array under `wrapper` from each page. A page without that array is an error (an
    /// HTML page or `{}` is not an empty org), and so is a link back to a page already read.
    pub async fn list(
        &self,
        path: &str,
        query: &[(&str, &str)],
        wrapper: &str,
    ) -> Result<Vec<Value>, ProviderError> {
        let mut items = Vec::new();
        // Large pages: fewer requests against the rate budget. Webex telephony lists default to
        // (and accept) far more than this; Link carries the page size on.
        let mut first_query = query.to_vec();
        if !first_query.iter().any(|(k, _)| *k == "max") {
            first_query.push(("max", PAGE_SIZE));
        }
        let first = self.url(path);
        let mut visited = HashSet::new();
        if let Ok(u) = url::Url::parse_with_params(&first, &first_query) {
            visited.insert(u.to_string());
        }
        let (mut url, mut query) = (first, first_query.as_slice());
        let list_error = |message: String| Err(ProviderError::new(ErrorClass::Definite, message));
        let mut pages = 0;
        loop {
            pages += 1;
            let shown = self.display_path(&url, query);
            let mut answer = self.send(Method::GET, &url, query, None).await?;
            let batch = match answer.body.get_mut(wrapper).map(Value::take) {
                Some(Value::Array(batch)) => batch,
                _ => {
                    return list_error(format!(
                        "GET {shown} answered {} but its body is not the expected JSON list ({wrapper})",
                        answer.status.as_u16()
                    ));
                }
            };
            if batch.is_empty() {
                break;
            }
            items.extend(batch);
            let Some(link) = next_link(&answer.headers) else {
                break;
            };
            let next = url::Url::parse(&answer.url)
                .and_then(|u| u.join(&link))
                .map(|u| u.to_string())
                .unwrap_or(link);
            // The token is only ever sent to the configured origin, whatever a Link says.
            if !same_origin(&next, &self.base) {
                return list_error(format!(
                    "GET {shown}: refusing to follow a pagination link to another host: {next}"
                ));
            }
            if !visited.insert(next.clone()) {
                return list_error(format!(
                    "GET {shown}: the pagination link leads back to a page already read ({}); the list loops",
                    self.display_path(&next, &[])
                ));
            }
            if pages >= MAX_PAGES {
                return list_error(format!(
                    "GET {}: more than {MAX_PAGES} pages; refusing to read on",
                    self.display_path(&self.url(path), &[])
                ));
            }
            (url, query) = (next, &[]);
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
    ) -> Result<Answer, ProviderError> {
        let method = &method;
        self.gate
            .run(move || async move { self.attempt(method, url, query, body).await })
            .await
    }

    /// One attempt, with the same-origin redirects of a read (each hop admitted by the gate).
    async fn attempt(
        &self,
        method: &Method,
        url: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Verdict<Answer, ProviderError> {
        // A PATCH adds or removes (a license assignment): repeating one is not safe either.
        let idempotent = *method != Method::POST && *method != Method::PATCH;
        let (mut url, mut query) = (url.to_string(), query);
        let mut admission = self.gate.admit().await;
        let mut hops = 0;
        loop {
            let display_path = self.display_path(&url, query);
            // Whatever built the URL, the token and the body go to the target's origin only.
            if !same_origin(&url, &self.base) {
                let error = ProviderError::local(format!(
                    "refusing to send {method} {display_path} outside the target's origin"
                ));
                return Verdict::Fail(error, Failure::Client);
            }
            let tracking = format!("SWITCHBOARD_{}", uuid::Uuid::new_v4());
            let mut request = self
                .http
                .request(method.clone(), &url)
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
            let started = Instant::now();
            let mut response = match request.send().await {
                Ok(r) => r,
                Err(e) => {
                    record(method, &display_path, None, Some(tracking), started);
                    return send_failed(method, &display_path, &e, idempotent);
                }
            };
            let status = response.status();
            let headers = response.headers().clone();
            let tracking_id = headers
                .get("trackingid")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
                .or(Some(tracking));
            if is_redirect(status.as_u16()) {
                record(method, &display_path, Some(status), tracking_id, started);
                let location = headers
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok());
                let next = redirect_target(
                    &format!("{method} {display_path}"),
                    method == Method::GET,
                    status.as_u16(),
                    location,
                    &url,
                    &self.base,
                );
                let error = match next {
                    Ok(_) if hops >= MAX_REDIRECTS => format!(
                        "{method} {display_path} was redirected more than {MAX_REDIRECTS} times"
                    ),
                    Ok(next) => {
                        (url, query, hops) = (next, &[], hops + 1);
                        drop(admission);
                        admission = self.gate.admit().await;
                        continue;
                    }
                    Err(message) => message,
                };
                let error = ProviderError::new(ErrorClass::Definite, error)
                    .with_status(status.as_u16().to_string());
                return Verdict::Fail(error, Failure::Client);
            }
            let bytes = match read_body(&mut response, MAX_BODY_BYTES).await {
                Ok(bytes) => bytes,
                Err(e) => {
                    record(method, &display_path, Some(status), tracking_id, started);
                    return body_failed(method, &display_path, status, e, idempotent);
                }
            };
            record(
                method,
                &display_path,
                Some(status),
                tracking_id.clone(),
                started,
            );
            return answered(
                method,
                &display_path,
                url,
                status,
                headers,
                &bytes,
                tracking_id,
                idempotent,
            );
        }
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

/// A request that got no answer: a connection that never opened carried nothing, so the
/// target cannot have acted; anything else may have been applied.
fn send_failed(
    method: &Method,
    display_path: &str,
    e: &reqwest::Error,
    idempotent: bool,
) -> Verdict<Answer, ProviderError> {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let class = if e.is_connect() {
        ErrorClass::Definite
    } else {
        ErrorClass::OutcomeUnknown
    };
    let error = ProviderError::new(
        class,
        format!("{method} {display_path} {what}: {}", without_url(e)),
    );
    let (failure, again) = classify(None, e.is_timeout(), e.is_connect(), None, idempotent);
    verdict(error, failure, again, None)
}

/// An answer whose body could not be read: cut off (a broken connection), or over the cap.
fn body_failed(
    method: &Method,
    display_path: &str,
    status: StatusCode,
    e: BodyError,
    idempotent: bool,
) -> Verdict<Answer, ProviderError> {
    match e {
        BodyError::Broken(e) => {
            let error = ProviderError::new(
                ErrorClass::OutcomeUnknown,
                format!(
                    "{method} {display_path}: the response was cut off: {}",
                    without_url(&e)
                ),
            );
            let (failure, again) = classify(None, e.is_timeout(), false, None, idempotent);
            verdict(error, failure, again, None)
        }
        BodyError::TooLarge(cap) => {
            // A write the target accepted did something, whatever its answer says.
            let class = if status.is_success() && method != Method::GET {
                ErrorClass::OutcomeUnknown
            } else {
                ErrorClass::Definite
            };
            let error = ProviderError::new(
                class,
                format!(
                    "{method} {display_path} answered {} with a body larger than {} MiB; refusing to read it",
                    status.as_u16(),
                    cap >> 20
                ),
            )
            .with_status(status.as_u16().to_string());
            Verdict::Fail(error, Failure::Client)
        }
    }
}

/// What a read answer means: a success with its JSON body, or the error it carries.
#[allow(clippy::too_many_arguments)]
fn answered(
    method: &Method,
    display_path: &str,
    url: String,
    status: StatusCode,
    headers: HeaderMap,
    bytes: &[u8],
    tracking_id: Option<String>,
    idempotent: bool,
) -> Verdict<Answer, ProviderError> {
    let text = String::from_utf8_lossy(bytes);
    let parsed: Result<Value, _> = if text.trim().is_empty() {
        Ok(Value::Null)
    } else {
        serde_json::from_slice(bytes)
    };
    if status.is_success() {
        return match parsed {
            Ok(body) => Verdict::Done(Answer {
                url,
                status,
                headers,
                body,
            }),
            // The target acted (2xx) but its answer cannot be read: what it did is unknown.
            Err(e) => Verdict::Fail(
                ProviderError::new(
                    ErrorClass::OutcomeUnknown,
                    format!(
                        "{method} {display_path} answered {} but its body is not JSON: {e}",
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
    let (failure, again) = classify(Some(status.as_u16()), false, false, retry_after, idempotent);
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

#[cfg(test)]
mod tests {
    use super::*;

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
