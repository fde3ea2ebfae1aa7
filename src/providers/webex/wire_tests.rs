//! Fixture tests of the Webex wire mapping, built from the offline reference
//! (`../shared/reference/webex/`: README §1.6 and §2, `wxc_sdk-wire-capture.txt`).
//!
//! * `steps`: each kind's pure `steps()` against the request shapes of its endpoints.
//! * `wire`: `Kind::run` against a recording HTTP server; the exact requests are compared with
//!   the ones wxc-sdk sent (method, path with ids from the `IdIndex`, query, JSON body).
//! * `errors`: the error table of README §1.6, answered by the server, as `ProviderError`s.
//!
//! Ids follow the capture's dummies: Location `HQ` = `LOC1`, Trunks `T1`/`T2` = `TR1`/`TR2`,
//! RouteGroup `RG` = `RG1`, DialPlan `DP` = `DP1`, Schedule `HQ/holidays/Holidays` = `SCH1`,
//! Person `ana@example.com` = `P1`, Workspaces `HQ/Lobby`/`HQ/Kitchen` = `WS1`/`WS2`.

mod errors;
mod location_inventory;
mod steps;
mod user_calling;
mod wire;
mod workspaces;

use crate::diff;
use crate::model::LiveObject;
use crate::plan::build::{Planned, change_steps};
use crate::providers::kind::Operation;
use crate::providers::webex::client::WebexClient;
use crate::providers::{Blocked, IdIndex, Step, kind_info};
use crate::transport::{Gate, Limits};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{Method, Uri};
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::{BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};

/// The steps plan would save for one change: field changes and member changes computed the
/// way `plan::build` computes them, then `change_steps` (the kinds' pure `steps`).
fn plan(
    kind: &str,
    key: &str,
    operation: Operation,
    desired: &Value,
    live: Option<&LiveObject>,
) -> Result<Vec<Step>, String> {
    plan_with(kind, key, operation, desired, live, &[]).map_err(|b| b.message)
}

/// `plan`, with the live objects the spec references, and the kind's refusal as it is (its
/// registry reason and message).
fn plan_with(
    kind: &str,
    key: &str,
    operation: Operation,
    desired: &Value,
    live: Option<&LiveObject>,
    referenced: &[(String, &LiveObject)],
) -> Result<Vec<Step>, Blocked> {
    let info = kind_info(kind).expect("a known kind");
    let rules = &info.diff_rules;
    let changes = match (operation, live) {
        (Operation::Create, _) => diff::all_fields(rules, desired),
        (Operation::Update, Some(live)) => diff::diff(rules, desired, &live.state),
        (Operation::Update, None) => diff::all_fields(rules, desired),
        _ => Vec::new(),
    };
    change_steps(&Planned {
        info,
        key,
        template: desired,
        spec: desired,
        live,
        referenced,
        operation,
        changes: &changes,
    })
}

fn names(steps: &[Step]) -> Vec<&str> {
    steps.iter().map(|s| s.name.as_str()).collect()
}

fn creates(steps: &[Step]) -> Vec<bool> {
    steps.iter().map(|s| s.creates).collect()
}

/// The top-level keys of a JSON object.
fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// Every key of `body` is one the reference allows in that request.
#[track_caller]
fn assert_fields_within(body: &Value, allowed: &[&str]) {
    let extra: Vec<&str> = keys(body)
        .into_iter()
        .filter(|k| !allowed.contains(k))
        .collect();
    assert!(
        extra.is_empty(),
        "fields the reference does not allow in this body: {extra:?} (body {body})"
    );
}

/// The vendor ids the capture uses, keyed the way the kinds' steps name their objects.
fn ids() -> IdIndex {
    let mut ids = IdIndex::default();
    for (kind, key, id) in [
        ("Location", "HQ", "LOC1"),
        ("Trunk", "T1", "TR1"),
        ("Trunk", "T2", "TR2"),
        ("RouteGroup", "RG", "RG1"),
        ("DialPlan", "DP", "DP1"),
        ("Schedule", "HQ/holidays/Holidays", "SCH1"),
        ("Schedule", "HQ/businessHours/BH", "SCH2"),
        ("LocationInternalDialing", "HQ", "LOC1"),
        ("Person", "ana@example.com", "P1"),
        ("Workspace", "HQ/Lobby", "WS1"),
        ("Workspace", "HQ/Kitchen", "WS2"),
        ("License", "Webex Calling - Workspaces", "LICWS"),
    ] {
        ids.insert(kind, key, id);
    }
    ids
}

/// A live object as observation builds it (with `meta`, e.g. schedule event ids).
fn live(kind: &str, key: &str, id: &str, state: Value, meta: Value) -> LiveObject {
    let mut object = LiveObject::new(kind, key, id, state);
    object.meta = meta;
    object
}

/// One request the fixture server received.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    /// The JSON body (Null when there was none).
    body: Value,
}

impl Seen {
    /// `METHOD /path`, as the capture writes a request.
    fn line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
    fn query_values(&self, name: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// One canned answer.
#[derive(Debug, Clone)]
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

impl Reply {
    fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string(),
        }
    }
    fn raw(status: u16, content_type: &str, body: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type", content_type.into())],
            body: body.into(),
        }
    }
    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

#[derive(Clone, Default)]
struct Shared {
    seen: Arc<Mutex<Vec<Seen>>>,
    replies: Arc<Mutex<VecDeque<Reply>>>,
}

/// A recording HTTP server on 127.0.0.1: answers queued replies in order, then the stub's
/// defaults (POST 201 `{"id": "STUBID"}`, GET 200 `{}`, PUT and DELETE 204).
struct Fixture {
    base: String,
    shared: Shared,
}

async fn answer(State(s): State<Shared>, method: Method, uri: Uri, body: Bytes) -> Response {
    let query = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()))
    };
    s.seen.lock().expect("log").push(Seen {
        method: method.to_string(),
        path: uri.path().to_string(),
        query,
        body,
    });
    let queued = s.replies.lock().expect("replies").pop_front();
    let reply = queued.unwrap_or_else(|| match method {
        Method::POST => Reply::json(201, json!({"id": "STUBID"})),
        Method::GET => Reply::json(200, json!({})),
        _ => Reply {
            status: 204,
            headers: Vec::new(),
            body: String::new(),
        },
    });
    let mut response = Response::builder().status(reply.status);
    for (name, value) in reply.headers {
        response = response.header(name, value);
    }
    response.body(Body::from(reply.body)).expect("response")
}

impl Fixture {
    async fn start() -> Self {
        let shared = Shared::default();
        let app = Router::new().fallback(answer).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            base: format!("http://{addr}/v1"),
            shared,
        }
    }
    fn reply(&self, reply: Reply) {
        self.shared
            .replies
            .lock()
            .expect("replies")
            .push_back(reply);
    }
    fn client(&self, org_id: Option<&str>) -> WebexClient {
        self.client_with(org_id, Limits::default())
    }
    fn client_with(&self, org_id: Option<&str>, limits: Limits) -> WebexClient {
        let gate = Arc::new(Gate::new(limits));
        WebexClient::new(&self.base, "token", org_id.map(str::to_string), gate).expect("client")
    }
    /// Everything received so far, and forget it.
    fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.shared.seen.lock().expect("log"))
    }
}
