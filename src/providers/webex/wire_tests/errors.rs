//! The error answers of README §1.6 (the live-test error table and the spec's status list),
//! served by the fixture, as the `ProviderError`s a kind's `run` returns.

use super::{Fixture, Reply, ids};
use crate::providers::webex::kinds::trunk::Trunk;
use crate::providers::{ErrorClass, Kind, ProviderError, Step};
use crate::transport::Limits;
use serde_json::{Value, json};

/// The Webex error body (`rest.ErrorDetail`): `errors[0]` plus an optional top-level code.
fn body(description: &str, code: Option<i64>, tracking: &str, top: Option<i64>) -> Value {
    let mut error = json!({"description": description});
    if let Some(code) = code {
        error["errorCode"] = json!(code);
    }
    // `message` differs from the description, to show which one the error carries.
    let message = format!("Request failed: {description}");
    let mut body = json!({"message": message, "errors": [error], "trackingId": tracking});
    if let Some(top) = top {
        body["errorCode"] = json!(top);
    }
    body
}

#[derive(Clone, Copy)]
enum Op {
    Create,
    Update,
    Delete,
}

fn step(op: Op) -> Step {
    match op {
        Op::Create => Step::new(
            "trunk_create",
            json!({"body": {"name": "T1", "password": "p", "trunkType": "REGISTERING"}, "locationRef": "HQ"}),
        )
        .creating(),
        Op::Update => Step::new(
            "trunk_update",
            json!({"key": "T1", "body": {"name": "T1", "password": "p"}}),
        ),
        Op::Delete => Step::new("trunk_delete", json!({"key": "T1"})),
    }
}

/// Answer `reply` to one trunk step, with no retries; the error and the one request it made.
async fn fail(op: Op, reply: Reply) -> ProviderError {
    let server = Fixture::start().await;
    let client = server.client_with(
        None,
        Limits {
            max_attempts: 1,
            ..Limits::default()
        },
    );
    server.reply(reply);
    let error = Trunk
        .run(&client, &step(op), &ids())
        .await
        .expect_err("an error answer");
    assert_eq!(server.take().len(), 1, "no retry with max_attempts 1");
    error
}

struct Row {
    situation: &'static str,
    op: Op,
    reply: Reply,
    class: ErrorClass,
    /// What the message must carry (description, errorCode, trackingId).
    carries: &'static [&'static str],
}

fn row(
    situation: &'static str,
    op: Op,
    reply: Reply,
    class: ErrorClass,
    carries: &'static [&'static str],
) -> Row {
    Row {
        situation,
        op,
        reply,
        class,
        carries,
    }
}

/// README §1.6's table, row by row ("(error)" statuses are sent as 400), then its status list.
fn table() -> Vec<Row> {
    use ErrorClass::{Definite, Duplicate, OutcomeUnknown, Throttled};
    use Op::{Create, Delete, Update};
    let e = |status, description, code, tracking, top| {
        Reply::json(status, body(description, code, tracking, top))
    };
    vec![
        row(
            "number already exists",
            Create,
            e(
                409,
                "Number already exists",
                Some(8363),
                "ROUTER_8363",
                Some(25223),
            ),
            Duplicate,
            &["Number already exists (errorCode 8363)", "ROUTER_8363"],
        ),
        row(
            "remove numbers not in the location",
            Delete,
            e(502, "Bad Gateway", None, "ROUTER_4251", None)
                .header("cisco-spark-error-codes", "4251"),
            OutcomeUnknown,
            &["Bad Gateway", "ROUTER_4251"],
        ),
        row(
            "remove numbers not in the location (earlier)",
            Delete,
            e(400, "Numbers not found", Some(25089), "ROUTER_25089", None),
            Definite,
            &["Numbers not found (errorCode 25089)", "ROUTER_25089"],
        ),
        row(
            "route group with an 11th trunk",
            Update,
            e(
                400,
                "Maximum of 10 trunks",
                Some(25043),
                "ROUTER_25043",
                None,
            ),
            Definite,
            &["Maximum of 10 trunks (errorCode 25043)", "ROUTER_25043"],
        ),
        row(
            "route list name already exists",
            Create,
            e(
                400,
                "Name already exists",
                Some(27601),
                "ROUTER_27601",
                None,
            ),
            Duplicate,
            &["Name already exists (errorCode 27601)", "ROUTER_27601"],
        ),
        row(
            "routing prefix already used",
            Update,
            e(
                400,
                "Routing prefix in use",
                Some(5600),
                "ROUTER_5600",
                None,
            ),
            Definite,
            &["Routing prefix in use (errorCode 5600)", "ROUTER_5600"],
        ),
        row(
            "schedule with a duplicate name/type",
            Create,
            e(400, "Schedule exists", Some(25030), "ROUTER_25030", None),
            Duplicate,
            &["Schedule exists (errorCode 25030)", "ROUTER_25030"],
        ),
        row(
            "delete of something still referenced (top-level errorCode)",
            Delete,
            e(
                400,
                "Announcement is in use",
                None,
                "ROUTER_6675",
                Some(6675),
            ),
            Definite,
            &["Announcement is in use", "ROUTER_6675"],
        ),
        row(
            "trunk FQDN/port already used",
            Create,
            e(409, "FQDN already used", Some(27571), "ROUTER_27571", None),
            Duplicate,
            &["FQDN already used (errorCode 27571)", "ROUTER_27571"],
        ),
        row(
            "invalid trunk domain",
            Create,
            e(400, "Invalid domain", Some(25024), "ROUTER_25024", None),
            Definite,
            &["Invalid domain (errorCode 25024)", "ROUTER_25024"],
        ),
        row(
            "executive feature not assigned",
            Update,
            e(400, "Not an executive", Some(4410), "ROUTER_4410", None),
            Definite,
            &["Not an executive (errorCode 4410)", "ROUTER_4410"],
        ),
        row(
            "call type not updatable",
            Update,
            e(
                400,
                "Call type not updatable",
                Some(25321),
                "ROUTER_25321",
                None,
            ),
            Definite,
            &["Call type not updatable (errorCode 25321)", "ROUTER_25321"],
        ),
        // README §4: the 404 wxc-sdk turned into RestError(.code == 4008).
        row(
            "unknown id",
            Delete,
            e(404, "Trunk not found", Some(4008), "ROUTER_4008", None),
            Definite,
            &["Trunk not found (errorCode 4008)", "ROUTER_4008"],
        ),
        row(
            "bad credentials",
            Update,
            e(401, "Authentication failed", None, "ROUTER_401", None),
            Definite,
            &["Authentication failed", "ROUTER_401"],
        ),
        row(
            "wrong scope",
            Create,
            e(403, "Forbidden", None, "ROUTER_403", None),
            Definite,
            &["Forbidden", "ROUTER_403"],
        ),
        row(
            "wrong method",
            Update,
            e(405, "Method not allowed", None, "ROUTER_405", None),
            Definite,
            &["Method not allowed", "ROUTER_405"],
        ),
        row(
            "gone",
            Delete,
            e(410, "Gone", None, "ROUTER_410", None),
            Definite,
            &["Gone", "ROUTER_410"],
        ),
        row(
            "wrong media type",
            Create,
            e(415, "Unsupported", None, "ROUTER_415", None),
            Definite,
            &["Unsupported", "ROUTER_415"],
        ),
        row(
            "locked",
            Update,
            e(423, "Locked", None, "ROUTER_423", None).header("retry-after", "1"),
            Throttled,
            &["Locked", "ROUTER_423"],
        ),
        row(
            "throttled",
            Create,
            e(429, "Too many requests", None, "ROUTER_429", None).header("retry-after", "1"),
            Throttled,
            &["Too many requests", "ROUTER_429"],
        ),
        row(
            "throttled read-side",
            Update,
            e(429, "Too many requests", None, "ROUTER_429b", None).header("retry-after", "2"),
            Throttled,
            &["Too many requests", "ROUTER_429b"],
        ),
        row(
            "server error",
            Create,
            e(500, "Internal error", None, "ROUTER_500", None),
            OutcomeUnknown,
            &["Internal error", "ROUTER_500"],
        ),
        row(
            "unavailable",
            Update,
            e(503, "Service unavailable", None, "ROUTER_503", None),
            OutcomeUnknown,
            &["Service unavailable", "ROUTER_503"],
        ),
        row(
            "gateway timeout",
            Delete,
            e(504, "Gateway timeout", None, "ROUTER_504", None),
            OutcomeUnknown,
            &["Gateway timeout", "ROUTER_504"],
        ),
    ]
}

#[tokio::test]
async fn every_error_of_the_reference_table_is_classified_and_explained() {
    for row in table() {
        let status = row.reply.status.to_string();
        let error = fail(row.op, row.reply).await;
        let what = format!("{}: {error:?}", row.situation);
        assert_eq!(error.class, row.class, "{what}");
        assert_eq!(error.status.as_deref(), Some(status.as_str()), "{what}");
        assert!(
            error.message.contains(&format!("answered {status}: ")),
            "{what}"
        );
        for fragment in row.carries {
            assert!(
                error.message.contains(fragment),
                "{what}: lacks `{fragment}`"
            );
        }
        assert_eq!(error.is_not_found(), status == "404", "{what}");
    }
}

/// MISMATCH (reported, not fixed): `client.rs` `error_message` reads the code only from
/// `errors[0].errorCode`, so the top-level `errorCode` form of README §1.6 (400/6675 on a
/// delete of something still referenced) loses its code; the 502's
/// `cisco-spark-error-codes: 4251` header is dropped the same way.
#[tokio::test]
async fn the_top_level_error_code_is_in_the_message() {
    let reply = Reply::json(
        400,
        body("Announcement is in use", None, "ROUTER_T", Some(6675)),
    );
    let error = fail(Op::Delete, reply).await;
    assert!(
        error.message.contains("errorCode 6675"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn a_tracking_id_only_in_the_header_is_kept_with_a_body_that_is_not_json() {
    let reply =
        Reply::raw(502, "text/html", "<html>Bad Gateway</html>").header("trackingid", "ROUTER_HDR");
    let error = fail(Op::Update, reply).await;
    assert_eq!(error.class, ErrorClass::OutcomeUnknown);
    assert!(
        error.message.contains("<html>Bad Gateway</html>"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("(trackingId ROUTER_HDR)"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn a_success_whose_body_is_not_json_is_an_unknown_outcome() {
    for (op, status) in [(Op::Create, 201), (Op::Update, 200), (Op::Delete, 200)] {
        let error = fail(op, Reply::raw(status, "text/plain", "OK, done")).await;
        assert_eq!(error.class, ErrorClass::OutcomeUnknown, "{error:?}");
        assert_eq!(error.status, Some(status.to_string()));
        assert!(error.message.contains("not JSON"), "{}", error.message);
    }
    // A create answered 2xx without an id may still have created the object.
    let error = fail(Op::Create, Reply::json(201, json!({}))).await;
    assert_eq!(error.class, ErrorClass::OutcomeUnknown, "{error:?}");
}
