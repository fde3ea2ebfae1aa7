//! Stage 8: execute a plan. Actions run in dependency order, independent ones concurrently;
//! every object re-does its lookup by key right before a write, so a re-run after a crash adopts
//! what an interrupted run created instead of duplicating it. A failure skips its dependents and
//! the rest carries on.

pub mod journal;

use crate::diff;
use crate::http_log;
use crate::inventory::Inventory;
use crate::plan::{ActionType, Plan};
use crate::providers::{IdIndex, Provider, WriteRequest, kind_info};
use crate::redact::scrub;
use journal::{Journal, StepRecord};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::task::JoinSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Created,
    Updated,
    /// Found live by its key and already as desired (e.g. created by an interrupted run).
    Adopted,
    Unchanged,
    Pending,
    Skipped,
    Failed,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObjectResult {
    pub object: String,
    pub key: String,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    pub target: String,
    pub plan_checksum: String,
    pub started_at: String,
    pub finished_at: String,
    pub created: usize,
    pub updated: usize,
    pub adopted: usize,
    pub unchanged: usize,
    pub pending: usize,
    pub skipped: usize,
    pub failed: usize,
    pub requests: usize,
    pub results: Vec<ObjectResult>,
}

impl Outcome {
    /// The object is now as desired: dependents may go ahead.
    pub fn is_done(self) -> bool {
        matches!(
            self,
            Outcome::Created | Outcome::Updated | Outcome::Adopted | Outcome::Unchanged
        )
    }
}

impl RunSummary {
    pub fn succeeded(&self) -> bool {
        self.failed == 0 && self.skipped == 0
    }
}

/// An action's interpolated spec (secrets in clear) — built by the caller, never persisted.
pub type Specs = Vec<Value>;

/// Run every create/update of `plan`. `specs[i]` is the interpolated desired spec of action i.
pub async fn execute(
    plan: &Plan,
    specs: Specs,
    secrets: Vec<String>,
    provider: Arc<dyn Provider>,
    inventory: &Inventory,
    journal: &Journal,
    concurrency: usize,
) -> RunSummary {
    let started_at = crate::inventory::now_rfc3339();
    let ids = Arc::new(Mutex::new(inventory.ids()));
    let secrets = Arc::new(secrets);
    let index: HashMap<String, usize> = plan
        .actions
        .iter()
        .enumerate()
        .map(|(i, a)| (a.object(), i))
        .collect();
    let dependencies: Vec<Vec<usize>> = plan
        .actions
        .iter()
        .map(|a| {
            a.depends_on
                .iter()
                .filter_map(|d| index.get(d).copied())
                .collect()
        })
        .collect();
    let mut outcome: Vec<Option<ObjectResult>> = vec![None; plan.actions.len()];
    let mut requests = 0usize;

    for (i, a) in plan.actions.iter().enumerate() {
        let settled = match a.action {
            ActionType::Noop => Some(Outcome::Unchanged),
            ActionType::Pending => Some(Outcome::Pending),
            _ => None,
        };
        if let Some(o) = settled {
            let error = a
                .pending
                .as_ref()
                .map(|p| format!("{}: {}", p.code, p.message));
            outcome[i] = Some(ObjectResult {
                object: a.object(),
                key: a.key.clone(),
                outcome: o,
                error,
            });
        }
    }

    let mut running: JoinSet<(usize, ActionRun)> = JoinSet::new();
    let mut started = vec![false; plan.actions.len()];
    let specs = Arc::new(specs);
    loop {
        // Start whatever is ready, up to the concurrency limit.
        for i in 0..plan.actions.len() {
            if running.len() >= concurrency.max(1) {
                break;
            }
            if started[i]
                || outcome[i].is_some()
                || dependencies[i].iter().any(|&d| outcome[d].is_none())
            {
                continue;
            }
            let a = &plan.actions[i];
            let failed_dependency = dependencies[i]
                .iter()
                .copied()
                .find(|&d| !outcome[d].as_ref().is_some_and(|r| r.outcome.is_done()));
            if let Some(bad) = failed_dependency {
                let error = format!(
                    "resource_dependency_missing: {} did not complete",
                    plan.actions[bad].object()
                );
                journal.record(&record(
                    a.object(),
                    &a.key,
                    &a.steps[0],
                    "skipped",
                    None,
                    Vec::new(),
                    Some(error.clone()),
                ));
                outcome[i] = Some(ObjectResult {
                    object: a.object(),
                    key: a.key.clone(),
                    outcome: Outcome::Skipped,
                    error: Some(error),
                });
                continue;
            }
            started[i] = true;
            let (action, provider, ids, specs, secrets) = (
                a.clone(),
                provider.clone(),
                ids.clone(),
                specs.clone(),
                secrets.clone(),
            );
            running.spawn(async move {
                let run = run_action(&action, &specs[i], provider.as_ref(), &ids, &secrets).await;
                (i, run)
            });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        match joined {
            Ok((i, run)) => {
                for r in &run.records {
                    requests += r.requests.len();
                    journal.record(r);
                }
                let a = &plan.actions[i];
                outcome[i] = Some(ObjectResult {
                    object: a.object(),
                    key: a.key.clone(),
                    outcome: run.outcome,
                    error: run.error,
                });
            }
            // A panicking task is a bug: log it; its action stays unsettled and is reported failed.
            Err(e) => tracing::error!("an apply task failed: {e}"),
        }
    }
    for (i, a) in plan.actions.iter().enumerate() {
        if outcome[i].is_none() {
            outcome[i] = Some(ObjectResult {
                object: a.object(),
                key: a.key.clone(),
                outcome: Outcome::Failed,
                error: Some("internal error".into()),
            });
        }
    }

    let results: Vec<ObjectResult> = outcome.into_iter().flatten().collect();
    let count = |o: Outcome| results.iter().filter(|r| r.outcome == o).count();
    RunSummary {
        target: plan.target.clone(),
        plan_checksum: plan.checksum.clone(),
        started_at,
        finished_at: crate::inventory::now_rfc3339(),
        created: count(Outcome::Created),
        updated: count(Outcome::Updated),
        adopted: count(Outcome::Adopted),
        unchanged: count(Outcome::Unchanged),
        pending: count(Outcome::Pending),
        skipped: count(Outcome::Skipped),
        failed: count(Outcome::Failed),
        requests,
        results,
    }
}

/// What one action did: its outcome and the journal records of its steps.
struct ActionRun {
    outcome: Outcome,
    error: Option<String>,
    records: Vec<StepRecord>,
}

fn record(
    object: String,
    key: &str,
    step: &str,
    outcome: &str,
    id: Option<String>,
    requests: Vec<http_log::HttpExchange>,
    error: Option<String>,
) -> StepRecord {
    StepRecord {
        at: crate::inventory::now_rfc3339(),
        object,
        key: key.to_string(),
        step: step.to_string(),
        outcome: outcome.to_string(),
        id,
        requests,
        changes: Vec::new(),
        error,
    }
}

/// Lookup by key, then create, update or adopt.
async fn run_action(
    action: &crate::plan::Action,
    spec: &Value,
    provider: &dyn Provider,
    ids: &Mutex<IdIndex>,
    secrets: &[String],
) -> ActionRun {
    let object = action.object();
    let mut records = Vec::new();
    let Some(info) = kind_info(&action.kind) else {
        return ActionRun {
            outcome: Outcome::Failed,
            error: Some(format!("unknown kind {}", action.kind)),
            records,
        };
    };
    let snapshot = ids.lock().map(|g| g.clone()).unwrap_or_default();
    let fail = |records: Vec<StepRecord>, error: String| ActionRun {
        outcome: Outcome::Failed,
        error: Some(error),
        records,
    };

    let (found, requests) =
        http_log::recorded(provider.lookup(&action.kind, &action.key, &snapshot)).await;
    let found = match found {
        Ok(found) => found,
        Err(e) => {
            let error = scrub(&e.to_string(), secrets);
            records.push(record(
                object,
                &action.key,
                info.steps.lookup,
                "failed",
                None,
                requests,
                Some(error.clone()),
            ));
            return fail(records, error);
        }
    };
    records.push(record(
        object.clone(),
        &action.key,
        info.steps.lookup,
        "ok",
        found.as_ref().map(|f| f.id.clone()),
        requests,
        None,
    ));

    let request = WriteRequest {
        kind: action.kind.clone(),
        key: action.key.clone(),
        spec: spec.clone(),
    };
    let (step_name, result, outcome, changes) = match &found {
        Some(live) => {
            let changes = diff::diff(&info.diff_rules, spec, &live.state);
            if changes.is_empty() && !info.singleton {
                return ActionRun {
                    outcome: Outcome::Adopted,
                    error: None,
                    records,
                };
            }
            if changes.is_empty() {
                return ActionRun {
                    outcome: Outcome::Unchanged,
                    error: None,
                    records,
                };
            }
            let (r, requests) =
                http_log::recorded(provider.update(&request, live, &snapshot)).await;
            (
                info.steps.update,
                r.map(|_| live.id.clone())
                    .map_err(|e| (e, requests.clone()))
                    .map(|id| (id, requests)),
                Outcome::Updated,
                changes,
            )
        }
        None => {
            let (r, requests) = http_log::recorded(provider.create(&request, &snapshot)).await;
            (
                info.steps.create,
                r.map_err(|e| (e, requests.clone()))
                    .map(|id| (id, requests)),
                Outcome::Created,
                diff::all_fields(&info.diff_rules, spec),
            )
        }
    };
    let changes = crate::plan::build::redact_changes(changes, &action.sensitive);
    match result {
        Ok((id, requests)) => {
            if let Ok(mut index) = ids.lock() {
                index.insert(&action.kind, &action.key, &id);
            }
            let mut r = record(
                object,
                &action.key,
                step_name,
                "ok",
                Some(id),
                requests,
                None,
            );
            r.changes = changes;
            records.push(r);
            ActionRun {
                outcome,
                error: None,
                records,
            }
        }
        Err((e, requests)) => {
            let error = scrub(&e.to_string(), secrets);
            records.push(record(
                object,
                &action.key,
                step_name,
                "failed",
                None,
                requests,
                Some(error.clone()),
            ));
            fail(records, error)
        }
    }
}
