//! The executor's guarantees that need no target: a journal that cannot be written stops the
//! run before the request it would have announced.

use super::*;
use crate::model::LiveObject;
use crate::plan::{Action, ActionType, Plan};
use crate::providers::{IdIndex, ProviderError, Scope, Step};
use futures::future::BoxFuture;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts the steps it is asked to run; it is the engine, not a vendor, under test here.
#[derive(Default)]
struct CountingTarget {
    runs: AtomicUsize,
}

impl ConnectedTarget for CountingTarget {
    fn observe<'a>(
        &'a self,
        _kind: &'a str,
        _scope: &'a Scope,
        _ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Vec<LiveObject>, ProviderError>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    fn run<'a>(
        &'a self,
        _kind: &'a str,
        _step: &'a Step,
        _ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Option<String>, ProviderError>> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Ok(Some("id".to_string())) })
    }
}

fn create(name: &str) -> Action {
    Action {
        target: "t".into(),
        kind: "Location".into(),
        name: name.into(),
        key: name.into(),
        action: ActionType::Create,
        pending: None,
        steps: vec![Step::new("location_create", serde_json::json!({})).creating()],
        changes: Vec::new(),
        depends_on: Vec::new(),
        live_id: None,
        live_fingerprint: None,
        desired: serde_json::json!({}),
        sensitive: Vec::new(),
        source: Default::default(),
        owned_by: None,
    }
}

async fn run_with_journal(file: std::fs::File) -> (RunSummary, usize) {
    let target = Arc::new(CountingTarget::default());
    let plan = Plan::new(
        "e",
        vec!["t".into()],
        "now",
        vec![create("a"), create("b")],
        Vec::new(),
    );
    let prepared = plan
        .actions
        .iter()
        .map(|a| Prepared {
            steps: a.steps.clone(),
            spec: serde_json::json!({}),
        })
        .collect();
    let run = Arc::new(TargetRun {
        target: target.clone(),
        journal: Arc::new(Journal::with_file("journal".into(), file)),
        ids: Mutex::new(IdIndex::default()),
        verify_absence: HashSet::new(),
    });
    let targets = [("t".to_string(), run)].into_iter().collect();
    let interpolate: Arc<Interpolate> = Arc::new(|v: &serde_json::Value| Ok(v.clone()));
    let summary = execute(
        &plan,
        prepared,
        Vec::new(),
        targets,
        interpolate,
        ExecuteOptions {
            concurrency: 1,
            deadline: None,
        },
        Arc::new(Progress::hidden()),
    )
    .await;
    (summary, target.runs.load(Ordering::SeqCst))
}

#[tokio::test]
async fn a_journal_that_refuses_writes_stops_the_run_before_any_request() {
    let full = std::fs::OpenOptions::new()
        .append(true)
        .open("/dev/full")
        .expect("/dev/full");
    let (summary, runs) = run_with_journal(full).await;
    assert_eq!(runs, 0, "no step may run unjournaled");
    assert_eq!(summary.failed, 2, "{summary:?}");
    let error = summary.results[0].error.clone().unwrap_or_default();
    assert!(error.contains("journal"), "{error}");
}

#[tokio::test]
async fn with_a_writable_journal_the_same_run_goes_through() {
    let file = tempfile::tempfile().expect("temp file");
    let (summary, runs) = run_with_journal(file).await;
    assert_eq!((runs, summary.created), (2, 2), "{summary:?}");
}
