//! Vendor-neutral `max`/`start` paging: slice a list, render only the page, and build the absolute
//! RFC 5988 `Link: <…>; rel="next"` header that repeats every other query parameter (SDKs follow
//! it verbatim). Wrapper keys and default page sizes are the vendor's.

use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde_json::Value;

/// One page of rendered items and where the next one starts (`None` on the last page).
pub struct Page {
    pub items: Vec<Value>,
    pub next_start: Option<usize>,
}

/// Skip `start`, take `max`, render only those.
pub fn page<T>(all: Vec<T>, start: usize, max: usize, render: impl FnMut(T) -> Value) -> Page {
    let total = all.len();
    let items: Vec<Value> = all.into_iter().skip(start).take(max).map(render).collect();
    let end = start.saturating_add(items.len());
    Page {
        items,
        next_start: (end < total).then_some(end),
    }
}

/// `url_base?<pairs except max/start>&max=…&start=…`, pairs in the order received.
pub fn link(url_base: &str, pairs: &[(String, String)], max: usize, start: usize) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs.iter().filter(|(k, _)| k != "max" && k != "start") {
        query.append_pair(k, v);
    }
    query.append_pair("max", &max.to_string());
    query.append_pair("start", &start.to_string());
    format!("{url_base}?{}", query.finish())
}

/// Add `Link: <next>; rel="next"` when there is a next page.
pub fn with_next_link(mut response: Response, next: Option<&str>) -> Response {
    if let Some(next) = next
        && let Ok(value) = HeaderValue::from_str(&format!("<{next}>; rel=\"next\""))
    {
        response.headers_mut().insert(header::LINK, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_links() {
        let p = page((0..5).collect(), 2, 2, Value::from);
        assert_eq!(p.items, [Value::from(2), Value::from(3)]);
        assert_eq!(p.next_start, Some(4));
        assert_eq!(page((0..5).collect(), 4, 2, Value::from).next_start, None);
        let pairs = vec![
            ("name".to_string(), "a b".to_string()),
            ("max".to_string(), "2".to_string()),
        ];
        assert_eq!(
            link("http://h/v1/x", &pairs, 2, 4),
            "http://h/v1/x?name=a+b&max=2&start=4"
        );
    }
}
