//! How an attempt failed, in the engine's terms, whatever the transport: throttled, a server
//! fault, a timeout, a broken connection, or a final answer. Each transport maps its own
//! failures onto these (`http.rs` for HTTP providers; a SQL or RADIUS provider its own).

use std::time::Duration;

/// How an attempt failed, for the budget's accounting and adaptation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Not processed: come back later (HTTP 429).
    Throttled,
    /// The target failed while handling it (HTTP 5xx).
    Server,
    Timeout,
    /// The connection failed or broke.
    Connection,
    /// A final answer: retrying would not help (HTTP 4xx).
    Client,
}

/// What the client makes of one attempt.
#[derive(Debug)]
pub enum Verdict<T, E> {
    Done(T),
    /// Try again (after the `Retry-After`, if the target gave one; else after a backoff).
    Retry(E, Failure, Option<Duration>),
    Fail(E, Failure),
}
