//! Webex error bodies and tracking ids.
//! Handlers return `ApiError`; it becomes a bare response carrying an `ErrorInfo` extension, and the
//! tracking middleware (which knows the request's tracking id) renders the final Webex error body.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Numeric `errorCode`s. Where the reference table (§1.6) has a code for the same kind of failure it
/// is reused; the rest are sandbox choices kept in one place.
pub mod code {
    /// Unknown resource id or path (the code Webex uses for "not found").
    pub const NOT_FOUND: u32 = 4008;
    /// Generic validation failure: missing field, bad enum value, bad format, unknown reference.
    pub const INVALID: u32 = 25008;
    /// Route group with more than 10 trunks.
    pub const TOO_MANY_TRUNKS: u32 = 25043;
    /// Name already used (trunks, route groups, dial plans, locations): the route-list code.
    pub const DUPLICATE_NAME: u32 = 27601;
    /// Schedule name/type already used in the location (the person-schedule code).
    pub const DUPLICATE_SCHEDULE: u32 = 25030;
    /// Routing prefix already used by another location.
    pub const ROUTING_PREFIX_IN_USE: u32 = 5600;
    /// Object still referenced by others (the "announcement still in use" code).
    pub const IN_USE: u32 = 6675;
    /// Missing or malformed credentials.
    pub const UNAUTHORIZED: u32 = 401;
    /// Wrong HTTP method for an existing path.
    pub const METHOD_NOT_ALLOWED: u32 = 405;
    /// Body is not JSON.
    pub const UNSUPPORTED_MEDIA_TYPE: u32 = 415;
    /// The same thing already exists (e.g. a person with that email).
    pub const CONFLICT: u32 = 409;
}

/// What the middleware needs to render an error body.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub message: String,
    pub code: u32,
}

/// An error answer from a handler.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub code: u32,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: u32, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            code,
        }
    }

    /// 400 with the generic validation code.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code::INVALID, message)
    }

    /// 404 for an unknown id of the given kind.
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            code::NOT_FOUND,
            format!("{what} not found: {id}"),
        )
    }

    /// 409 for a name that must be unique.
    pub fn duplicate_name(what: &str, name: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            code::DUPLICATE_NAME,
            format!("{what} with name '{name}' already exists"),
        )
    }

    /// 400 when deleting something that is still referenced.
    pub fn in_use(what: &str, by: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            code::IN_USE,
            format!("{what} cannot be deleted because it is in use by {by}"),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(ErrorInfo {
            message: self.message,
            code: self.code,
        });
        response
    }
}

/// The Webex error body: `{"message", "errors": [{"description", "errorCode"}], "trackingId"}`.
pub fn error_body(info: &ErrorInfo, tracking_id: &str) -> serde_json::Value {
    serde_json::json!({
        "message": info.message,
        "errors": [{"description": info.message, "errorCode": info.code}],
        "trackingId": tracking_id,
    })
}

/// Tracking id used when the client sent none.
pub fn mint_tracking_id() -> String {
    format!("ROUTER_{}", uuid::Uuid::new_v4())
}
