//! Cross-cutting HTTP behaviour: tracking ids, auth, the `orgId` check, error-body rendering and
//! small response helpers shared by the route modules.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use switchboard_sandbox_kit::TrackingId;

use crate::errors::{ApiError, ErrorInfo, code, mint_tracking_id, with_error_body};
use crate::extract::Params;

pub const TRACKING_HEADER: &str = "trackingid";

/// Outermost layer: picks the tracking id (client's or minted), hands it to the kit's layer (its
/// own error answers carry it), renders handler error bodies with it and sets the `TrackingID`
/// response header on every response.
pub async fn tracking(mut req: Request, next: Next) -> Response {
    let tracking = req
        .headers()
        .get(TRACKING_HEADER)
        .filter(|v| !v.is_empty())
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::from_str(&mint_tracking_id()).unwrap_or(HeaderValue::from_static("ROUTER"))
        });
    let tracking_text = tracking.to_str().unwrap_or_default().to_string();
    req.extensions_mut()
        .insert(TrackingId(tracking_text.clone()));
    let mut response = next.run(req).await;
    if let Some(info) = response.extensions_mut().remove::<ErrorInfo>() {
        response = with_error_body(response, &info, &tracking_text);
    }
    response.headers_mut().insert("TrackingID", tracking);
    response
}

/// Auth (any non-empty bearer token) and the `orgId` query parameter (must be this org's id).
pub async fn gate(State(own_org): State<Arc<str>>, req: Request, next: Next) -> Response {
    let authorized = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .is_some_and(|(scheme, token)| {
            scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()
        });
    if !authorized {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            code::UNAUTHORIZED,
            "The request requires a valid access token set in the Authorization request header.",
        )
        .into_response();
    }
    let (parts, body) = req.into_parts();
    let params = Params::from_parts(&parts);
    if let Some(org_id) = params.get("orgId")
        && org_id != &*own_org
    {
        return ApiError::not_found("Organization", org_id).into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

pub async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        code::NOT_FOUND,
        "The requested resource could not be found.",
    )
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        code::METHOD_NOT_ALLOWED,
        "The requested method is not allowed for this resource.",
    )
}

pub fn ok(body: Value) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

pub fn created(id: &str) -> Response {
    (StatusCode::CREATED, axum::Json(json!({ "id": id }))).into_response()
}

pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// Case-insensitive substring match used by the `name`-style list filters.
pub fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(&needle.to_lowercase())
}
