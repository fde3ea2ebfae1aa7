//! The built binary against a misbehaving Webex: redirects to another host, HTML or `{}` where a
//! list belongs, pagination that loops, an endless body, absurd `Retry-After`s, and absurd
//! numbers from flags and configuration. Each run must end with exit code 1 and a message that
//! says what went wrong (never a panic, an abort, a hang or an empty inventory), and nothing may
//! reach the second ("evil") server: no body, no token.

mod common;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use common::Workspace;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "tok-HOSTILE-4711";
/// Fast retries, so throttling tests end quickly.
const LIMITS: &str = "{requestsPerSecond: 0, backoffMs: 10, maxBackoffMs: 200, maxAttempts: 3}";

/// One request a test server received.
#[derive(Clone, Debug)]
struct Hit {
    method: Method,
    /// Path and query.
    target: String,
    headers: HeaderMap,
    /// Kept so a test can show what a server was sent.
    #[allow(dead_code)]
    body: Bytes,
    at: Instant,
}

/// A server on 127.0.0.1 in this process that answers every request with `handler` and
/// remembers what it received.
struct Server {
    origin: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    fn start(handler: impl Fn(&Hit, &str) -> Response + Send + Sync + 'static) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let origin = format!("http://{}", listener.local_addr().expect("addr"));
        let hits = Arc::new(Mutex::new(Vec::new()));
        let (recorded, handler, me) = (hits.clone(), Arc::new(handler), origin.clone());
        let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
            let (recorded, handler, me) = (recorded.clone(), handler.clone(), me.clone());
            async move {
                let (parts, body) = request.into_parts();
                let body = axum::body::to_bytes(body, 1 << 20)
                    .await
                    .unwrap_or_default();
                let hit = Hit {
                    method: parts.method,
                    target: parts
                        .uri
                        .path_and_query()
                        .map(|p| p.to_string())
                        .unwrap_or_default(),
                    headers: parts.headers,
                    body,
                    at: Instant::now(),
                };
                recorded.lock().expect("hits").push(hit.clone());
                handler(&hit, &me)
            }
        });
        runtime.spawn(async move { axum::serve(listener, app).await });
        Server {
            origin,
            hits,
            _runtime: runtime,
        }
    }

    /// A server that answers every request `201 {"id": "evil"}`, as a foreign "created" would.
    fn evil() -> Server {
        Server::start(|_, _| {
            (StatusCode::CREATED, axum::Json(json!({"id": "evil"}))).into_response()
        })
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().expect("hits").clone()
    }

    fn base(&self) -> String {
        format!("{}/v1", self.origin)
    }
}

/// Every list wrapper the Webex kinds read, empty: a genuinely empty org.
fn empty_lists() -> serde_json::Value {
    json!({"items": [], "locations": [], "trunks": [], "routeGroups": [], "dialPlans": [],
           "schedules": [], "dialPatterns": [], "phoneNumbers": []})
}

fn empty_org() -> Response {
    axum::Json(empty_lists()).into_response()
}

struct Run {
    code: Option<i32>,
    text: String,
}

/// Run the binary against `server` (a `webex` target `x` in environment `lab`), with a timeout.
fn run(ws: &Workspace, server: &Server, limits: &str, args: &[&str]) -> Run {
    ws.write(
        "switchboard.yaml",
        &format!(
            "environments: {{lab: {{targets: {{x: {{provider: webex, baseUrl: \"{}\", limits: {limits}}}}}}}}}\n",
            server.base()
        ),
    );
    run_raw(ws, args)
}

fn run_raw(ws: &Workspace, args: &[&str]) -> Run {
    let out = ws
        .cmd()
        .args(args)
        .env("WEBEX_ACCESS_TOKEN", TOKEN)
        .timeout(Duration::from_secs(90))
        .output()
        .expect("runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("panicked"), "{text}");
    Run {
        code: out.status.code(),
        text,
    }
}

/// Exit 1 (not 101, an abort, a signal or the timeout) with `says` in the output.
fn fails_with(run: &Run, says: &str) {
    assert_eq!(run.code, Some(1), "{}", run.text);
    assert!(
        run.text.contains(says),
        "expected {says:?} in:\n{}",
        run.text
    );
}

fn pull(ws: &Workspace, server: &Server) -> Run {
    run(
        ws,
        server,
        LIMITS,
        &["inventory", "pull", "--out", "snap.json"],
    )
}

#[test]
fn a_redirected_write_is_never_followed_and_nothing_reaches_the_other_host() {
    for status in [307u16, 308, 302] {
        let evil = Server::evil();
        let to = format!("{}/v1/locations", evil.origin);
        let server = Server::start(move |hit, _| {
            if hit.method == Method::GET {
                return empty_org();
            }
            let status = StatusCode::from_u16(status).expect("status");
            (status, [("location", to.clone())]).into_response()
        });
        let ws = Workspace::new();
        let out = run(&ws, &server, LIMITS, &["apply", "manifests", "--yes"]);
        fails_with(&out, "Switchboard never follows a redirect on a write");
        assert!(
            out.text.contains(&format!("redirect to {}", evil.origin)),
            "{}",
            out.text
        );
        assert!(evil.hits().is_empty(), "{status}: {:?}", evil.hits());
        assert!(
            server.hits().iter().any(|h| h.method == Method::POST),
            "the create was sent to the target"
        );
    }
}

#[test]
fn a_read_redirected_to_another_origin_fails_and_sends_no_token_there() {
    let evil = Server::evil();
    let to = evil.origin.clone();
    let server = Server::start(move |hit, _| {
        (
            StatusCode::FOUND,
            [("location", format!("{to}{}", hit.target))],
        )
            .into_response()
    });
    let ws = Workspace::new();
    let out = pull(&ws, &server);
    fails_with(
        &out,
        "follows a redirect on a read only within the target's origin",
    );
    assert!(evil.hits().is_empty(), "{:?}", evil.hits());
    assert!(!ws.file("snap.json").exists());
}

#[test]
fn a_read_redirected_within_the_origin_is_followed_with_the_token() {
    let server = Server::start(|hit, _| {
        if hit.target.starts_with("/moved") {
            empty_org()
        } else {
            let to = format!("/moved{}", hit.target);
            (StatusCode::MOVED_PERMANENTLY, [("location", to)]).into_response()
        }
    });
    let ws = Workspace::new();
    let out = pull(&ws, &server);
    assert_eq!(out.code, Some(0), "{}", out.text);
    let moved: Vec<Hit> = server
        .hits()
        .into_iter()
        .filter(|h| h.target.starts_with("/moved"))
        .collect();
    assert!(!moved.is_empty());
    let bearer = format!("Bearer {TOKEN}");
    assert!(
        moved
            .iter()
            .all(|h| h.headers["authorization"] == bearer.as_str())
    );
}

#[test]
fn an_error_body_that_echoes_the_request_headers_is_only_an_error() {
    let server = Server::start(|hit, _| {
        let echoed: serde_json::Map<String, serde_json::Value> = hit
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v.to_str().unwrap_or(""))))
            .collect();
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"message": "bad", "echo": echoed})),
        )
            .into_response()
    });
    let ws = Workspace::new();
    fails_with(&pull(&ws, &server), "answered 400");
}

#[test]
fn a_success_with_html_is_an_error_not_an_empty_org() {
    let server = Server::start(|_, _| {
        (
            [("content-type", "text/html")],
            "<html><body>Welcome to the portal</body></html>",
        )
            .into_response()
    });
    let ws = Workspace::new();
    fails_with(&pull(&ws, &server), "answered 200 but its body is not JSON");
    assert!(!ws.file("snap.json").exists());
}

#[test]
fn a_success_without_the_list_wrapper_is_an_error_not_an_empty_org() {
    let server = Server::start(|_, _| axum::Json(json!({})).into_response());
    let ws = Workspace::new();
    fails_with(
        &pull(&ws, &server),
        "answered 200 but its body is not the expected JSON list (",
    );
    assert!(!ws.file("snap.json").exists());
}

#[test]
fn a_genuinely_empty_org_is_pulled() {
    let server = Server::start(|_, _| empty_org());
    let ws = Workspace::new();
    let out = pull(&ws, &server);
    assert_eq!(out.code, Some(0), "{}", out.text);
    assert!(ws.file("snap.json").exists());
}

#[test]
fn a_pagination_link_back_to_a_page_already_read_stops_the_list() {
    // Page `start=1` links to `start=0`, which links to `start=1`: a loop of two pages.
    let server = Server::start(|hit, origin| {
        let path = hit.target.split('?').next().unwrap_or("").to_string();
        let next = if hit.target.contains("start=1") { 0 } else { 1 };
        let mut page = empty_lists();
        for list in page.as_object_mut().expect("object").values_mut() {
            *list = json!([{"id": format!("id-{next}"), "name": format!("Loop {next}")}]);
        }
        let link = format!("<{origin}{path}?max=1000&start={next}>; rel=\"next\"");
        ([("link", link)], axum::Json(page)).into_response()
    });
    let ws = Workspace::new();
    fails_with(&pull(&ws, &server), "leads back to a page already read");
    assert!(
        server.hits().len() < 100,
        "{} requests",
        server.hits().len()
    );
}

#[test]
fn an_endless_body_is_cut_off_at_the_cap() {
    let server = Server::start(|_, _| {
        let chunk = Bytes::from(vec![b' '; 1 << 20]);
        let endless = futures::stream::repeat(Ok::<_, std::convert::Infallible>(chunk));
        Body::from_stream(endless).into_response()
    });
    let ws = Workspace::new();
    fails_with(&pull(&ws, &server), "with a body larger than 64 MiB");
}

#[test]
fn an_absurd_retry_after_is_capped_not_a_panic() {
    for value in [
        "1e20",
        "18446744073709551616",
        "-5",
        "NaN",
        "Fri, 31 Dec 9999 23:59:59 GMT",
    ] {
        let server = Server::start(move |_, _| {
            (StatusCode::TOO_MANY_REQUESTS, [("retry-after", value)]).into_response()
        });
        let ws = Workspace::new();
        fails_with(&pull(&ws, &server), "answered 429");
    }
}

#[test]
fn an_http_date_retry_after_is_honoured() {
    let first = Arc::new(Mutex::new(true));
    let server = Server::start(move |_, _| {
        let mut first = first.lock().expect("flag");
        if std::mem::take(&mut *first) {
            let at = std::time::SystemTime::now() + Duration::from_secs(2);
            let date = httpdate::fmt_http_date(at);
            (StatusCode::TOO_MANY_REQUESTS, [("retry-after", date)]).into_response()
        } else {
            empty_org()
        }
    });
    let ws = Workspace::new();
    let out = run(
        &ws,
        &server,
        "{requestsPerSecond: 0, backoffMs: 10, maxBackoffMs: 10000, maxAttempts: 3}",
        &["inventory", "pull", "--out", "snap.json"],
    );
    assert_eq!(out.code, Some(0), "{}", out.text);
    let hits = server.hits();
    let again = hits[1..]
        .iter()
        .find(|h| h.target == hits[0].target)
        .expect("the throttled request was sent again");
    let gap = again.at.duration_since(hits[0].at);
    // The date has a one-second resolution: the wait is between one and two seconds.
    assert!(gap >= Duration::from_millis(900), "{gap:?}");
}

#[test]
fn absurd_numbers_from_flags_and_configuration_are_refused_naming_the_key() {
    let server = Server::start(|_, _| empty_org());
    let ws = Workspace::new();
    let pull = ["inventory", "pull", "--out", "snap.json"];
    for (flags, says) in [
        (
            vec!["--rate-limit", "1e-20"],
            "requestsPerSecond (--rate-limit)",
        ),
        (vec!["--rate-limit=-3"], "requestsPerSecond (--rate-limit)"),
        (
            vec!["--rate-limit", "NaN"],
            "requestsPerSecond (--rate-limit)",
        ),
        (
            vec!["--request-timeout", "18446744073709551615"],
            "requestTimeoutSecs",
        ),
        (vec!["--max-attempts", "4000000000"], "maxAttempts"),
    ] {
        let args: Vec<&str> = pull.iter().copied().chain(flags.iter().copied()).collect();
        fails_with(&run(&ws, &server, LIMITS, &args), says);
    }
    for (limits, says) in [
        ("{requestsPerSecond: 1e-30}", "requestsPerSecond"),
        ("{requestsPerSecond: 0.001, burst: 4000000000}", "burst"),
        ("{maxConcurrency: 18446744073709551615}", "maxConcurrency"),
        ("{maxBackoffMs: 18446744073709551615}", "maxBackoffMs"),
    ] {
        fails_with(&run(&ws, &server, limits, &pull), says);
    }
    assert!(
        server.hits().is_empty(),
        "nothing is sent with absurd limits"
    );
}

#[test]
fn nonsense_configuration_is_refused() {
    let ws = Workspace::new();
    for (yaml, says) in [
        (
            "environments: {lab: {targets: {x: {provider: webex, baseUrl: \"http://webexapis.com/v1\"}}}}\n",
            "plain http",
        ),
        (
            "environments: {lab: {targets: {x: {provider: webex, baseUrl: \"webexapis\"}}}}\n",
            "is not a URL",
        ),
        (
            "environments: {lab: {targets: {x: {provider: webex, sandbox: {stateDir: \"\"}}}}}\n",
            "stateDir",
        ),
    ] {
        ws.write("switchboard.yaml", yaml);
        fails_with(
            &run_raw(&ws, &["inventory", "pull", "--out", "snap.json"]),
            says,
        );
    }
    #[cfg(unix)]
    fails_with(
        &run_raw(&ws, &["--config", "/dev/zero", "inventory", "pull"]),
        "not a regular file",
    );
}
