//! Every HTTP exchange a provider makes is reported here; the apply engine scopes a recorder
//! around each step (a tokio task-local) so the journal can list the requests of that step
//! without threading a logger through every provider call.

use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HttpExchange {
    pub method: String,
    /// Path and query, relative to the target's base URL. Never contains credentials.
    pub path: String,
    pub status: Option<u16>,
    #[serde(rename = "trackingId", skip_serializing_if = "Option::is_none")]
    pub tracking_id: Option<String>,
    pub millis: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Recorder(Arc<Mutex<Vec<HttpExchange>>>);

impl Recorder {
    pub fn take(&self) -> Vec<HttpExchange> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

tokio::task_local! {
    static CURRENT: Recorder;
}

/// Run `future` with a fresh recorder; returns its output and the exchanges it made.
pub async fn recorded<F: std::future::Future>(future: F) -> (F::Output, Vec<HttpExchange>) {
    let recorder = Recorder::default();
    let output = CURRENT.scope(recorder.clone(), future).await;
    (output, recorder.take())
}

/// Called by HTTP clients after each exchange; a no-op outside `recorded`.
pub fn record(exchange: HttpExchange) {
    let _ = CURRENT.try_with(|r| {
        if let Ok(mut v) = r.0.lock() {
            v.push(exchange);
        }
    });
}
