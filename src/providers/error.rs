//! Provider-neutral errors and exchange records. Whatever the transport (HTTP, SQL, RADIUS
//! packets), a failure is classified the way the engine needs to act on it, and every exchange
//! with a target is described by its operation, status, correlation id and duration.

use serde::{Deserialize, Serialize};

/// What the engine may conclude from a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ErrorClass {
    /// The target answered and did not act (a validation error, a 404, a refused delete).
    Definite,
    /// The target may or may not have acted (a timeout, a 5xx, a broken connection): the object
    /// must be looked up before anything else is tried.
    OutcomeUnknown,
    /// The target says the object already exists (a create raced or was repeated).
    Duplicate,
    /// The target asked us to slow down and the retries ran out.
    Throttled,
    /// The engine could not build the request (an unresolved reference, an unknown step).
    Local,
}

/// One exchange with a target, as the journal lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Exchange {
    /// What was sent: `PUT /telephony/config/…`, `INSERT radcheck`, `CoA-Request nas-1`.
    pub operation: String,
    /// The answer's status (`201`, `400`), if any came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The target's id for the exchange (Webex trackingId, a SQL transaction id…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    pub millis: u64,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    pub class: ErrorClass,
    /// Says what failed and where (`POST /x answered 400: …`); never holds credentials.
    pub message: String,
    /// The target's status for the failed exchange, when it answered.
    pub status: Option<String>,
}

impl ProviderError {
    pub fn new(class: ErrorClass, message: impl Into<String>) -> Self {
        Self {
            class,
            message: message.into(),
            status: None,
        }
    }
    /// A request the engine could not even build.
    pub fn local(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::Local, message)
    }
    pub fn with_status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }
    pub fn outcome_unknown(&self) -> bool {
        self.class == ErrorClass::OutcomeUnknown
    }
    pub fn is_duplicate(&self) -> bool {
        self.class == ErrorClass::Duplicate
    }
    /// The target said the object is not there (a delete of something already gone).
    pub fn is_not_found(&self) -> bool {
        self.class == ErrorClass::Definite && self.status.as_deref() == Some("404")
    }
}
