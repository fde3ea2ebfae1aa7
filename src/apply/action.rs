//! One object's part of a run: find it (from the fresh inventory, or by key when that cannot be
//! trusted), then create, update or adopt it. A create whose outcome is unknown (timeout, 5xx,
//! broken connection) or that the target calls a duplicate is never blindly repeated: the object
//! is looked up by key first and adopted if it exists.

use super::Outcome;
use super::journal::{Journal, StepRecord};
use crate::diff;
use crate::http_log::{self, HttpExchange};
use crate::model::LiveObject;
use crate::plan::Action;
use crate::providers::{IdIndex, KindInfo, Provider, ProviderError, WriteRequest};
use crate::redact::scrub;
use serde_json::Value;
use std::sync::Mutex;

/// How many times a create is tried when each attempt's outcome was unknown and the lookup
/// that followed found nothing.
const CREATE_ATTEMPTS: u32 = 3;

/// What one action did.
pub struct ActionRun {
    pub outcome: Outcome,
    pub error: Option<String>,
    pub requests: usize,
}

/// Everything an action needs besides itself; shared by all the actions of a run.
pub struct ActionContext<'a> {
    pub provider: &'a dyn Provider,
    pub ids: &'a Mutex<IdIndex>,
    pub secrets: &'a [String],
    pub journal: &'a Journal,
}

/// Where the runner starts from: what the inventory said, and whether to trust its absence.
pub struct Start {
    pub live: Option<LiveObject>,
    /// Look the object up before writing even if the inventory did not have it (a create an
    /// interrupted run may have sent).
    pub verify_absence: bool,
}

struct Runner<'a, 'b> {
    ctx: &'b ActionContext<'a>,
    action: &'b Action,
    info: &'static KindInfo,
    request: WriteRequest,
    requests: usize,
}

pub async fn run(
    ctx: &ActionContext<'_>,
    action: &Action,
    spec: &Value,
    start: Start,
) -> ActionRun {
    let Some(info) = crate::providers::kind_info(&action.kind) else {
        return ActionRun {
            outcome: Outcome::Failed,
            error: Some(format!("unknown kind {}", action.kind)),
            requests: 0,
        };
    };
    let mut runner = Runner {
        ctx,
        action,
        info,
        request: WriteRequest {
            kind: action.kind.clone(),
            key: action.key.clone(),
            spec: spec.clone(),
        },
        requests: 0,
    };
    let result = runner.go(start).await;
    let (outcome, error) = match result {
        Ok(outcome) => (outcome, None),
        Err(error) => (Outcome::Failed, Some(error)),
    };
    ActionRun {
        outcome,
        error,
        requests: runner.requests,
    }
}

impl Runner<'_, '_> {
    async fn go(&mut self, start: Start) -> Result<Outcome, String> {
        let live = match start.live {
            Some(live) => Some(live),
            None if start.verify_absence || self.info.singleton => self.lookup().await?,
            None => None,
        };
        match live {
            Some(live) => self.reconcile(live).await,
            None => self.create().await,
        }
    }

    /// Create, and when the outcome is unknown, find out before trying again.
    async fn create(&mut self) -> Result<Outcome, String> {
        let step = self.info.steps.create;
        for attempt in 1..=CREATE_ATTEMPTS {
            // Written (and flushed) before the request: after a crash, the next run knows this
            // key may exist although no completion was recorded.
            self.record(step, "intent", None, Vec::new(), None);
            let ids = self.ids();
            let (result, exchanges) =
                http_log::recorded(self.ctx.provider.create(&self.request, &ids)).await;
            match result {
                Ok(id) => {
                    self.remember(&id);
                    let changes = diff::all_fields(&self.info.diff_rules, &self.request.spec);
                    let mut record = self.step_record(step, "ok", Some(id), exchanges, None);
                    record.changes =
                        crate::plan::build::redact_changes(changes, &self.action.sensitive);
                    self.write(record);
                    return Ok(Outcome::Created);
                }
                Err(e) if e.outcome_unknown() || e.is_duplicate() => {
                    let error = self.scrub(&e);
                    let outcome = if e.is_duplicate() {
                        "duplicate"
                    } else {
                        "unknown"
                    };
                    self.record(step, outcome, None, exchanges, Some(error.clone()));
                    if let Some(live) = self.lookup().await? {
                        return self.reconcile(live).await;
                    }
                    if e.is_duplicate() || attempt == CREATE_ATTEMPTS {
                        return Err(error);
                    }
                }
                Err(e) => {
                    let error = self.scrub(&e);
                    self.record(step, "failed", None, exchanges, Some(error.clone()));
                    return Err(error);
                }
            }
        }
        Err(format!("{step} did not complete"))
    }

    /// The object exists: adopt it as it is, or update it to the desired spec.
    async fn reconcile(&mut self, live: LiveObject) -> Result<Outcome, String> {
        self.remember(&live.id);
        let changes = diff::diff(&self.info.diff_rules, &self.request.spec, &live.state);
        if changes.is_empty() {
            self.record(
                self.info.steps.lookup,
                "adopted",
                Some(live.id.clone()),
                Vec::new(),
                None,
            );
            return Ok(if self.info.singleton || self.action.live_id.is_some() {
                Outcome::Unchanged
            } else {
                Outcome::Adopted
            });
        }
        let step = self.info.steps.update;
        let ids = self.ids();
        let (result, exchanges) =
            http_log::recorded(self.ctx.provider.update(&self.request, &live, &ids)).await;
        match result {
            Ok(()) => {
                let mut record =
                    self.step_record(step, "ok", Some(live.id.clone()), exchanges, None);
                record.changes =
                    crate::plan::build::redact_changes(changes, &self.action.sensitive);
                self.write(record);
                Ok(Outcome::Updated)
            }
            Err(e) => {
                let error = self.scrub(&e);
                self.record(
                    step,
                    "failed",
                    Some(live.id.clone()),
                    exchanges,
                    Some(error.clone()),
                );
                Err(error)
            }
        }
    }

    async fn lookup(&mut self) -> Result<Option<LiveObject>, String> {
        let step = self.info.steps.lookup;
        let ids = self.ids();
        let (found, exchanges) = http_log::recorded(self.ctx.provider.lookup(
            &self.action.kind,
            &self.action.key,
            &ids,
        ))
        .await;
        match found {
            Ok(found) => {
                let id = found.as_ref().map(|f| f.id.clone());
                self.record(
                    step,
                    if id.is_some() { "found" } else { "absent" },
                    id,
                    exchanges,
                    None,
                );
                Ok(found)
            }
            Err(e) => {
                let error = self.scrub(&e);
                self.record(step, "failed", None, exchanges, Some(error.clone()));
                Err(error)
            }
        }
    }

    fn ids(&self) -> IdIndex {
        self.ctx.ids.lock().map(|g| g.clone()).unwrap_or_default()
    }

    fn remember(&self, id: &str) {
        if let Ok(mut index) = self.ctx.ids.lock() {
            index.insert(&self.action.kind, &self.action.key, id);
        }
    }

    fn scrub(&self, e: &ProviderError) -> String {
        scrub(&e.to_string(), self.ctx.secrets)
    }

    fn step_record(
        &self,
        step: &str,
        outcome: &str,
        id: Option<String>,
        requests: Vec<HttpExchange>,
        error: Option<String>,
    ) -> StepRecord {
        StepRecord {
            at: crate::inventory::now_rfc3339(),
            object: self.action.object(),
            key: self.action.key.clone(),
            step: step.to_string(),
            outcome: outcome.to_string(),
            id,
            requests,
            changes: Vec::new(),
            error,
        }
    }

    fn record(
        &mut self,
        step: &str,
        outcome: &str,
        id: Option<String>,
        requests: Vec<HttpExchange>,
        error: Option<String>,
    ) {
        let record = self.step_record(step, outcome, id, requests, error);
        self.write(record);
    }

    fn write(&mut self, record: StepRecord) {
        self.requests += record.requests.len();
        self.ctx.journal.record(&record);
    }
}
