//! `max`/`start` paging with an RFC 5988 `Link: <...>; rel="next"` header.
//! The link is absolute (built from the request's Host) and repeats every filter parameter, because
//! SDKs such as wxc_sdk follow it verbatim. No link on the last page; an empty list is a 200.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use switchboard_sandbox_kit::paging;

use crate::errors::{ApiError, ApiResult};
use crate::extract::Params;

/// Default page sizes (reference §1.4 and per-resource notes).
pub const TELEPHONY_DEFAULT_MAX: usize = 2000;
pub const PEOPLE_DEFAULT_MAX: usize = 100;
pub const LOCATIONS_DEFAULT_MAX: usize = 500;
pub const LICENSES_DEFAULT_MAX: usize = 100;
/// `/workspaces` (the reference gives no default; the generic Webex list size).
pub const WORKSPACES_DEFAULT_MAX: usize = 100;

pub struct Page {
    pub items: Vec<Value>,
    pub next: Option<String>,
}

pub fn paginate(all: Vec<Value>, params: &Params, default_max: usize) -> ApiResult<Page> {
    paginate_map(all, params, default_max, |v| v)
}

/// Page first, then render only the page's items (large orgs: the JSON of the other items is
/// never built).
pub fn paginate_map<T>(
    all: Vec<T>,
    params: &Params,
    default_max: usize,
    render: impl FnMut(T) -> Value,
) -> ApiResult<Page> {
    let max = params.get_usize("max")?.unwrap_or(default_max);
    if max == 0 {
        return Err(ApiError::invalid("query parameter max must be at least 1"));
    }
    let start = params.get_usize("start")?.unwrap_or(0);
    let page = paging::page(all, start, max, render);
    Ok(Page {
        items: page.items,
        next: page.next_start.map(|end| params.link_with(max, end)),
    })
}

/// `{"<wrapper>": [...]}` plus the Link header when there is a next page.
pub fn list_response(wrapper: &str, page: Page) -> Response {
    list_response_with(wrapper, page, Map::new())
}

/// Like `list_response`, with extra top-level keys placed after the wrapper array (SDKs take the
/// first array in the body when they do not know the wrapper key).
pub fn list_response_with(wrapper: &str, page: Page, extra: Map<String, Value>) -> Response {
    let mut body = Map::new();
    body.insert(wrapper.to_string(), Value::Array(page.items));
    body.extend(extra);
    let response = (StatusCode::OK, axum::Json(Value::Object(body))).into_response();
    paging::with_next_link(response, page.next.as_deref())
}
