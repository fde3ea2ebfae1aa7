//! Request extractors that fail with Webex error bodies instead of axum's plain-text rejections.
//! `Params` keeps the raw query pairs in order (pagination links must repeat every filter);
//! `JsonBody` accepts `application/json;charset=utf-8` and answers 400 on malformed JSON.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Request};
use axum::http::{StatusCode, header, request::Parts};
use serde_json::{Map, Value};

use crate::errors::{ApiError, ApiResult, code};

/// Query parameters plus what is needed to build an absolute `next` link.
#[derive(Debug, Clone)]
pub struct Params {
    pairs: Vec<(String, String)>,
    /// `http://host:port/v1/...` without query.
    url_base: String,
}

impl Params {
    pub fn from_parts(parts: &Parts) -> Self {
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map(|o| o.0.clone())
            .unwrap_or_else(|| parts.uri.clone());
        let pairs = uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_string)
            .or_else(|| uri.authority().map(|a| a.to_string()))
            .unwrap_or_else(|| "localhost".to_string());
        Self {
            pairs,
            url_base: format!("http://{host}{}", uri.path()),
        }
    }

    /// First value of a query parameter; an empty value counts as absent.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Every non-empty value of a repeated query parameter (`a=1&a=2`), in order.
    pub fn get_all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn get_bool(&self, key: &str) -> ApiResult<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(ApiError::invalid(format!(
                "query parameter {key} must be true or false, got '{v}'"
            ))),
        }
    }

    pub fn get_usize(&self, key: &str) -> ApiResult<Option<usize>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.parse::<usize>().map(Some).map_err(|_| {
                ApiError::invalid(format!(
                    "query parameter {key} must be a non-negative integer, got '{v}'"
                ))
            }),
        }
    }

    /// Absolute link to another page: every other query parameter is repeated as received.
    pub fn link_with(&self, max: usize, start: usize) -> String {
        switchboard_sandbox_kit::paging::link(&self.url_base, &self.pairs, max, start)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_parts(parts))
    }
}

/// A JSON object body.
#[derive(Debug, Clone)]
pub struct JsonBody(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
            let essence = ct
                .to_str()
                .unwrap_or("")
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if essence != "application/json" && !essence.ends_with("+json") {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    code::UNSUPPORTED_MEDIA_TYPE,
                    format!("Content-Type must be application/json, got '{essence}'"),
                ));
            }
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::invalid(format!("could not read request body: {e}")))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::invalid("a JSON request body is required"));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(JsonBody(map)),
            Ok(_) => Err(ApiError::invalid("the request body must be a JSON object")),
            Err(e) => Err(ApiError::invalid(format!("malformed JSON body: {e}"))),
        }
    }
}
