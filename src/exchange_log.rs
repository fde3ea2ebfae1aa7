//! Every exchange a provider makes with a target is reported here; the apply engine scopes a
//! recorder around each step (a tokio task-local) so the journal can list the exchanges of that
//! step without threading a logger through every provider call.

use crate::providers::Exchange;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Default)]
pub struct Recorder(Arc<Mutex<Vec<Exchange>>>);

impl Recorder {
    pub fn take(&self) -> Vec<Exchange> {
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
pub async fn recorded<F: std::future::Future>(future: F) -> (F::Output, Vec<Exchange>) {
    let recorder = Recorder::default();
    let output = CURRENT.scope(recorder.clone(), future).await;
    (output, recorder.take())
}

/// Called by provider clients after each exchange; a no-op outside `recorded`.
pub fn record(exchange: Exchange) {
    let _ = CURRENT.try_with(|r| {
        if let Ok(mut v) = r.0.lock() {
            v.push(exchange);
        }
    });
}
