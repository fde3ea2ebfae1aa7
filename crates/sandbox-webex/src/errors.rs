//! Webex error bodies and tracking ids.
//! Handlers return `ApiError`; it becomes a bare response carrying an `ErrorInfo` extension, and the
//! tracking middleware (which knows the request's tracking id) renders the final Webex error body.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use switchboard_sandbox_kit::{Referrer, TableError};

use crate::records::index;

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
    /// A number (or extension) that is already taken: errors[0].errorCode of "add a number that
    /// already exists" (409), whose top-level errorCode is `NUMBER_EXISTS_TOP`.
    pub const NUMBER_EXISTS: u32 = 8363;
    pub const NUMBER_EXISTS_TOP: u32 = 25223;
    /// A feature the person does not have: "executive feature not assigned to the user" (§1.6),
    /// reused for call recording on a license without it.
    pub const FEATURE_NOT_ASSIGNED: u32 = 4410;
    /// Numbers named that are not in the location (the earlier 400/25089 of §1.6).
    pub const NUMBER_NOT_IN_LOCATION: u32 = 25089;
}

/// What the middleware needs to render an error body.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub message: String,
    pub code: u32,
    /// The optional top-level `errorCode` (reference §1.6: "delete … still referenced" carries
    /// top-level errorCode 6675).
    pub top_code: Option<u32>,
}

/// An error answer from a handler.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub code: u32,
    pub top_code: Option<u32>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: u32, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            code,
            top_code: None,
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

    /// 409 with errors[0].errorCode 8363 and top-level errorCode 25223 (reference §1.6, "add a
    /// number that already exists"): a number or extension already taken.
    pub fn number_taken(message: impl Into<String>) -> Self {
        Self {
            top_code: Some(code::NUMBER_EXISTS_TOP),
            ..Self::new(StatusCode::CONFLICT, code::NUMBER_EXISTS, message)
        }
    }

    /// 400/6675 (also as the top-level errorCode) when deleting something still referenced;
    /// the message names the first few users.
    pub fn in_use(kind: &str, label: &str, users: &[Referrer]) -> Self {
        const SHOWN: usize = 3;
        let mut by: Vec<String> = users
            .iter()
            .take(SHOWN)
            .map(|u| format!("{} '{}'", u.role, u.label))
            .collect();
        if users.len() > SHOWN {
            by.push(format!("{} more", users.len() - SHOWN));
        }
        Self {
            top_code: Some(code::IN_USE),
            ..Self::new(
                StatusCode::BAD_REQUEST,
                code::IN_USE,
                format!(
                    "{kind} '{label}' cannot be deleted because it is in use by {}",
                    by.join(", ")
                ),
            )
        }
    }
}

/// A table's refusal in Webex terms: unknown id 404; a taken unique key 409 with the code of that
/// kind of duplicate (a routing prefix is 400/5600).
impl From<TableError> for ApiError {
    fn from(e: TableError) -> Self {
        match e {
            TableError::NotFound { kind, key } => ApiError::not_found(kind, &key),
            TableError::Duplicate { kind, index, key } => match (kind, index) {
                (_, index::ROUTING_PREFIX) => ApiError::new(
                    StatusCode::BAD_REQUEST,
                    code::ROUTING_PREFIX_IN_USE,
                    format!("routingPrefix {key} is already used by another location"),
                ),
                ("Schedule", _) => ApiError::new(
                    StatusCode::CONFLICT,
                    code::DUPLICATE_SCHEDULE,
                    "A schedule with this name and type already exists in this location",
                ),
                ("Schedule event", _) => ApiError::new(
                    StatusCode::CONFLICT,
                    code::DUPLICATE_SCHEDULE,
                    "An event with this name already exists in this schedule",
                ),
                ("Workspace", index::DISPLAY_NAME) => ApiError::new(
                    StatusCode::CONFLICT,
                    code::DUPLICATE_NAME,
                    "A workspace with this displayName already exists in this location",
                ),
                ("Workspace", _) => ApiError::number_taken(format!(
                    "Workspace: {index} {} is already in use",
                    key.rsplit('\0').next().unwrap_or_default()
                )),
                ("Person", _) => ApiError::new(
                    StatusCode::CONFLICT,
                    code::CONFLICT,
                    format!("A person with {index} {key} already exists"),
                ),
                _ => ApiError::new(
                    StatusCode::CONFLICT,
                    code::DUPLICATE_NAME,
                    format!("{kind} with {index} '{key}' already exists"),
                ),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(ErrorInfo {
            message: self.message,
            code: self.code,
            top_code: self.top_code,
        });
        response
    }
}

/// The Webex error body: `{"message", "errors": [{"description", "errorCode"}], "trackingId"}`.
pub fn error_body(info: &ErrorInfo, tracking_id: &str) -> serde_json::Value {
    let mut body = serde_json::json!({
        "message": info.message,
        "errors": [{"description": info.message, "errorCode": info.code}],
        "trackingId": tracking_id,
    });
    if let Some(top) = info.top_code {
        body["errorCode"] = top.into();
    }
    body
}

/// `response` with the Webex error body as its JSON body.
pub fn with_error_body(mut response: Response, info: &ErrorInfo, tracking_id: &str) -> Response {
    *response.body_mut() = Body::from(error_body(info, tracking_id).to_string());
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response.headers_mut().remove(header::CONTENT_LENGTH);
    response
}

/// The kit's error renderer (throttling, injected faults): errorCode = the HTTP status.
pub fn render_kit_error(status: StatusCode, message: &str, tracking_id: Option<&str>) -> Response {
    let info = ErrorInfo {
        message: message.to_string(),
        code: status.as_u16().into(),
        top_code: None,
    };
    let minted;
    let tracking = match tracking_id {
        Some(t) => t,
        None => {
            minted = mint_tracking_id();
            &minted
        }
    };
    with_error_body(status.into_response(), &info, tracking)
}

/// Tracking id used when the client sent none.
pub fn mint_tracking_id() -> String {
    format!("ROUTER_{}", uuid::Uuid::new_v4())
}
