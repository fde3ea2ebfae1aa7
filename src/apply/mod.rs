//! Stage 8: execute a plan. Actions run in dependency order, independent ones concurrently,
//! from the inventory just read; an object is looked up by key again only when that read cannot
//! be trusted (see `action`). A failure skips its dependents and the rest carries on.

mod action;
pub mod dead_letter;
pub mod journal;

use crate::inventory::Inventory;
use crate::model::TargetKey;
use crate::plan::{ActionType, Plan};
use crate::providers::Provider;
use crate::transport::TransportStats;
use action::ActionRun;
use journal::{Journal, StepRecord};
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::task::JoinSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
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
    pub kind: String,
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
    /// Requests made by the apply steps (the journal lists each).
    pub requests: usize,
    /// The run stopped at its --timeout.
    pub timed_out: bool,
    /// The target's wire cost over the whole command (observation included), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport: Option<TransportStats>,
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

/// How a run is carried out.
#[derive(Debug, Clone, Default)]
pub struct ExecuteOptions {
    /// Objects written at once (each may make several requests; the target's gate limits those).
    pub concurrency: usize,
    /// Stop starting work at this instant; what is unfinished is reported failed (re-run to go on).
    pub deadline: Option<tokio::time::Instant>,
    /// Keys an interrupted run may have created without recording it: looked up before a create
    /// even though the inventory did not list them.
    pub verify_absence: HashSet<TargetKey>,
}

/// Run every create/update of `plan`. `specs[i]` is the interpolated desired spec of action i.
pub async fn execute(
    plan: &Plan,
    specs: Specs,
    secrets: Vec<String>,
    provider: Arc<dyn Provider>,
    inventory: &Inventory,
    journal: Arc<Journal>,
    options: ExecuteOptions,
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
            outcome[i] = Some(result_of(a, o, error));
        }
    }

    let mut running: JoinSet<(usize, ActionRun)> = JoinSet::new();
    let specs = Arc::new(specs);
    let concurrency = options.concurrency.max(1);
    let mut timed_out = false;
    // Each action waits for its unsettled dependencies; settling one wakes its dependents, so
    // scheduling costs O(actions + edges), whatever the size of the plan.
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); plan.actions.len()];
    for (i, deps) in dependencies.iter().enumerate() {
        for &d in deps {
            dependents[d].push(i);
        }
    }
    let mut waiting: Vec<usize> = dependencies
        .iter()
        .map(|deps| deps.iter().filter(|&&d| outcome[d].is_none()).count())
        .collect();
    let mut ready: VecDeque<usize> = (0..plan.actions.len())
        .filter(|&i| outcome[i].is_none() && waiting[i] == 0)
        .collect();
    // Noop and pending actions are settled before anything runs; they are never scheduled.
    let to_run: Vec<bool> = outcome.iter().map(Option::is_none).collect();
    let settle = |i: usize, waiting: &mut Vec<usize>, ready: &mut VecDeque<usize>| {
        for &j in dependents[i].iter().filter(|&&j| to_run[j]) {
            waiting[j] -= 1;
            if waiting[j] == 0 {
                ready.push_back(j);
            }
        }
    };
    loop {
        // Start whatever is ready, up to the concurrency limit.
        while running.len() < concurrency && !timed_out {
            let Some(i) = ready.pop_front() else { break };
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
                journal.record(&skipped_record(a, &error));
                outcome[i] = Some(result_of(a, Outcome::Skipped, Some(error)));
                settle(i, &mut waiting, &mut ready);
                continue;
            }
            let target_key = TargetKey::new(&a.kind, &a.key);
            let start = action::Start {
                live: inventory.get(&target_key).cloned(),
                verify_absence: options.verify_absence.contains(&target_key),
            };
            let (action, provider, ids, specs, secrets, journal) = (
                a.clone(),
                provider.clone(),
                ids.clone(),
                specs.clone(),
                secrets.clone(),
                journal.clone(),
            );
            running.spawn(async move {
                let ctx = action::ActionContext {
                    provider: provider.as_ref(),
                    ids: &ids,
                    secrets: &secrets,
                    journal: &journal,
                };
                let run = action::run(&ctx, &action, &specs[i], start).await;
                (i, run)
            });
        }
        let joined = match options.deadline {
            Some(deadline) => tokio::select! {
                joined = running.join_next() => joined,
                () = tokio::time::sleep_until(deadline), if !timed_out => {
                    timed_out = true;
                    running.abort_all();
                    continue;
                }
            },
            None => running.join_next().await,
        };
        let Some(joined) = joined else {
            break;
        };
        match joined {
            Ok((i, run)) => {
                requests += run.requests;
                outcome[i] = Some(result_of(&plan.actions[i], run.outcome, run.error));
                settle(i, &mut waiting, &mut ready);
            }
            Err(e) if e.is_cancelled() => {}
            // A panicking task is a bug: log it; its action stays unsettled and is reported failed.
            Err(e) => tracing::error!("an apply task failed: {e}"),
        }
    }
    for (i, a) in plan.actions.iter().enumerate() {
        if outcome[i].is_none() {
            let error = if timed_out {
                "the run's --timeout elapsed before this object was done; re-run to finish"
            } else {
                "internal error"
            };
            outcome[i] = Some(result_of(a, Outcome::Failed, Some(error.into())));
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
        timed_out,
        transport: None,
        results,
    }
}

fn result_of(a: &crate::plan::Action, outcome: Outcome, error: Option<String>) -> ObjectResult {
    ObjectResult {
        object: a.object(),
        kind: a.kind.clone(),
        key: a.key.clone(),
        outcome,
        error,
    }
}

fn skipped_record(a: &crate::plan::Action, error: &str) -> StepRecord {
    StepRecord {
        at: crate::inventory::now_rfc3339(),
        object: a.object(),
        key: a.key.clone(),
        step: a.steps.first().cloned().unwrap_or_default(),
        outcome: "skipped".into(),
        id: None,
        requests: Vec::new(),
        changes: Vec::new(),
        error: Some(error.to_string()),
    }
}
