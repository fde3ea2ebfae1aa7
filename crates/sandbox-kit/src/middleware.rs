//! The middleware every API request of a sandbox goes through: count it (method, route template,
//! final status), then apply the configured faults. Error answers it makes itself (429, injected
//! 5xx, scripted failures) are rendered by the vendor's [`ErrorBody`], so the kit never knows a
//! vendor's error JSON. Requests outside the API prefix (e.g. `/_sandbox/*`) pass untouched.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::faults::{FaultConfig, Faults};
use crate::serve::ConnectionKill;
use crate::stats::Stats;

/// Renders a vendor's error answer for a status, a message, and the request's tracking id.
pub trait ErrorBody: Send + Sync + 'static {
    fn render(&self, status: StatusCode, message: &str, tracking_id: Option<&str>) -> Response;
}

impl<F> ErrorBody for F
where
    F: Fn(StatusCode, &str, Option<&str>) -> Response + Send + Sync + 'static,
{
    fn render(&self, status: StatusCode, message: &str, tracking_id: Option<&str>) -> Response {
        self(status, message, tracking_id)
    }
}

/// The request's tracking (correlation) id, put into the request extensions by a vendor layer
/// outside this one, so that the kit's own error answers carry it.
#[derive(Debug, Clone)]
pub struct TrackingId(pub String);

/// The state of [`inject`]: the API prefix, the faults (if any), the counters and the renderer.
#[derive(Clone)]
pub struct FaultLayer {
    prefix: &'static str,
    faults: Option<Arc<Faults>>,
    stats: Arc<Stats>,
    errors: Arc<dyn ErrorBody>,
}

impl FaultLayer {
    /// `prefix` is the API's path prefix (e.g. `/v1`); only requests under it are counted and
    /// faulted, and it is left out of the route templates in the stats.
    pub fn new(
        prefix: &'static str,
        config: &FaultConfig,
        stats: Arc<Stats>,
        errors: impl ErrorBody,
    ) -> Self {
        Self {
            prefix,
            faults: config
                .is_active()
                .then(|| Arc::new(Faults::new(config.clone()))),
            stats,
            errors: Arc::new(errors),
        }
    }

    fn error(&self, req_tracking: Option<&str>, status: StatusCode, message: &str) -> Response {
        let mut response = self.errors.render(status, message, req_tracking);
        *response.status_mut() = status;
        response
    }

    fn injected(&self, tracking: Option<&str>, status: StatusCode, when: &str) -> Response {
        self.error(
            tracking,
            status,
            &format!("Injected sandbox fault ({}) {when}.", status.as_u16()),
        )
    }
}

/// Every API request: count it, then (when faults are configured) throttle, delay, fail, drop or
/// slow it as the dice and the `failRequests` rules say. Add it with `Router::layer` so that the
/// matched route template is known here.
pub async fn inject(State(layer): State<FaultLayer>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let prefix = layer.prefix;
    let under_prefix = path
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    if !under_prefix {
        return next.run(req).await;
    }
    let stats = &layer.stats;
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().map(|m| {
        m.as_str()
            .strip_prefix(prefix)
            .unwrap_or(m.as_str())
            .to_string()
    });
    stats.request(method.as_str(), route.as_deref());
    let Some(faults) = layer.faults.as_deref() else {
        let response = next.run(req).await;
        stats.status(response.status());
        return response;
    };
    let tracking = req.extensions().get::<TrackingId>().map(|t| t.0.clone());
    let tracking = tracking.as_deref();

    if let Err(retry_after) = faults.throttle() {
        stats.throttled();
        stats.status(StatusCode::TOO_MANY_REQUESTS);
        let mut response = layer.error(
            tracking,
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "Too many requests; retry after {retry_after} second(s) (sandbox rate limit)."
            ),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        return response;
    }
    // The dice are drawn for every request that passes the bucket, scripted failure or not, so
    // adding a rule does not shift the random sequence.
    let decision = faults.decide();
    let scripted = faults.scripted_failure(method.as_str(), &path);
    if decision.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(decision.delay_ms)).await;
    }
    if let Some((status, n)) = scripted {
        stats.injected_error();
        stats.status(status);
        let when = format!("for matching request #{n}, before it was processed");
        return layer.injected(tracking, status, &when);
    }
    if decision.drop {
        stats.dropped();
        return drop_connection(&layer, tracking, req).await;
    }
    if let Some(status) = decision.error {
        stats.injected_error();
        stats.status(status);
        return layer.injected(tracking, status, "before the request was processed");
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
        response = layer.injected(tracking, status, "after the request was applied");
    }
    stats.status(response.status());
    response
}

/// Ask the connection task to close the socket, then never answer: the task drops this future
/// together with the connection, so no byte of a response is written.
async fn drop_connection(layer: &FaultLayer, tracking: Option<&str>, req: Request) -> Response {
    match req.extensions().get::<ConnectionKill>() {
        Some(kill) => {
            kill.kill();
            std::future::pending::<Response>().await
        }
        // Only the kit's own accept loop can close a connection mid-request (it always inserts
        // the handle); anything else gets the closest thing, a 503.
        None => layer.injected(
            tracking,
            StatusCode::SERVICE_UNAVAILABLE,
            "instead of a dropped connection",
        ),
    }
}
