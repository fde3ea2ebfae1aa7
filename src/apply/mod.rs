//! Stage 9: execute a plan's steps. Actions run in dependency order, independent ones
//! concurrently, on whichever targets they go to; deletes wait until every create and update is
//! settled. A failure skips its dependents and the rest carries on.

mod action;
pub mod dead_letter;
pub mod journal;
#[cfg(test)]
mod tests;

pub use action::{Interpolate, Prepared};

use crate::model::TargetKey;
use crate::plan::{ActionType, Plan};
use crate::progress::Progress;
use crate::providers::{ConnectedTarget, IdIndex};
use crate::transport::TransportStats;
use journal::{Journal, StepRecord};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use tokio::task::JoinSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Created,
    Updated,
    Deleted,
    /// Found live by its key and already as desired (e.g. created by an interrupted run).
    Adopted,
    Unchanged,
    Pending,
    Skipped,
    Failed,
}

impl Outcome {
    /// The object is now as desired: dependents may go ahead.
    pub fn is_done(self) -> bool {
        matches!(
            self,
            Outcome::Created
                | Outcome::Updated
                | Outcome::Deleted
                | Outcome::Adopted
                | Outcome::Unchanged
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ObjectResult {
    pub target: String,
    pub object: String,
    pub kind: String,
    pub key: String,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    pub environment: String,
    pub targets: Vec<String>,
    pub plan_checksum: String,
    pub started_at: String,
    pub finished_at: String,
    pub created: usize,
    pub updated: usize,
    pub deleted: usize,
    pub adopted: usize,
    pub unchanged: usize,
    pub pending: usize,
    pub skipped: usize,
    pub failed: usize,
    /// Requests made by the apply steps (the journal lists each).
    pub requests: usize,
    /// The run stopped at its --timeout.
    pub timed_out: bool,
    /// The targets' wire cost over the whole command (observation included), by target.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub transport: BTreeMap<String, TransportStats>,
    pub results: Vec<ObjectResult>,
}

impl RunSummary {
    pub fn succeeded(&self) -> bool {
        self.failed == 0 && self.skipped == 0
    }

    /// The part of the summary that concerns one target.
    pub fn for_target(&self, target: &str) -> RunSummary {
        let results: Vec<ObjectResult> = self
            .results
            .iter()
            .filter(|r| r.target == target)
            .cloned()
            .collect();
        let mut summary = RunSummary {
            targets: vec![target.to_string()],
            transport: self
                .transport
                .iter()
                .filter(|(t, _)| *t == target)
                .map(|(t, s)| (t.clone(), s.clone()))
                .collect(),
            results,
            ..self.clone()
        };
        summary.count();
        summary
    }

    fn count(&mut self) {
        let count = |o: Outcome| self.results.iter().filter(|r| r.outcome == o).count();
        (
            self.created,
            self.updated,
            self.deleted,
            self.adopted,
            self.unchanged,
        ) = (
            count(Outcome::Created),
            count(Outcome::Updated),
            count(Outcome::Deleted),
            count(Outcome::Adopted),
            count(Outcome::Unchanged),
        );
        (self.pending, self.skipped, self.failed) = (
            count(Outcome::Pending),
            count(Outcome::Skipped),
            count(Outcome::Failed),
        );
    }
}

/// One target of a run: its connection, its journal, and its ids.
pub struct TargetRun {
    pub target: Arc<dyn ConnectedTarget>,
    pub journal: Arc<Journal>,
    pub ids: Mutex<IdIndex>,
    /// Keys an interrupted run may have created without recording it: looked up before a create
    /// even though the inventory did not list them.
    pub verify_absence: HashSet<TargetKey>,
}

/// How a run is carried out.
#[derive(Debug, Clone, Default)]
pub struct ExecuteOptions {
    /// Objects written at once (each may make several requests; the target's gate limits those).
    pub concurrency: usize,
    /// Stop starting work at this instant; what is unfinished is reported failed (re-run to go on).
    pub deadline: Option<tokio::time::Instant>,
}

/// Run the steps of every create, update and delete of `plan`. `prepared[i]` holds action i's
/// steps and spec with secrets filled in.
pub async fn execute(
    plan: &Plan,
    prepared: Vec<Prepared>,
    secrets: Vec<String>,
    targets: HashMap<String, Arc<TargetRun>>,
    interpolate: Arc<Interpolate>,
    options: ExecuteOptions,
    progress: Arc<Progress>,
) -> RunSummary {
    let started_at = crate::inventory::now_rfc3339();
    let n = plan.actions.len();
    let secrets = Arc::new(secrets);
    let prepared = Arc::new(prepared);
    let halted = Arc::new(AtomicBool::new(false));
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
    let mut outcome: Vec<Option<ObjectResult>> = vec![None; n];
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
    let is_delete = |i: usize| plan.actions[i].action == ActionType::Delete;
    // Each action waits for its unsettled dependencies; settling one wakes its dependents, so
    // scheduling costs O(actions + edges), whatever the size of the plan. Deletes also wait
    // until no create or update is left.
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, deps) in dependencies.iter().enumerate() {
        for &d in deps {
            dependents[d].push(i);
        }
    }
    let to_run: Vec<bool> = outcome.iter().map(Option::is_none).collect();
    let mut waiting: Vec<usize> = dependencies
        .iter()
        .map(|deps| deps.iter().filter(|&&d| to_run[d]).count())
        .collect();
    let mut writes_left = (0..n).filter(|&i| to_run[i] && !is_delete(i)).count();
    let mut parked: Vec<usize> = Vec::new();
    let mut ready: VecDeque<usize> = VecDeque::new();
    for i in (0..n).filter(|&i| to_run[i] && waiting[i] == 0) {
        if is_delete(i) && writes_left > 0 {
            parked.push(i);
        } else {
            ready.push_back(i);
        }
    }
    macro_rules! sched {
        () => {
            Sched {
                dependents: &dependents,
                to_run: &to_run,
                waiting: &mut waiting,
                ready: &mut ready,
                parked: &mut parked,
                writes_left: &mut writes_left,
                is_delete: &is_delete,
            }
        };
    }
    let mut running: JoinSet<(usize, action::ActionRun)> = JoinSet::new();
    let concurrency = options.concurrency.max(1);
    let mut timed_out = false;
    let mut requests = 0usize;
    loop {
        while running.len() < concurrency && !timed_out {
            let Some(i) = ready.pop_front() else { break };
            let a = &plan.actions[i];
            let failed_dependency = dependencies[i]
                .iter()
                .copied()
                .find(|&d| !outcome[d].as_ref().is_some_and(|r| r.outcome.is_done()));
            let target = targets.get(&a.target).cloned();
            let refusal = match (failed_dependency, &target) {
                (Some(bad), _) => Some(format!(
                    "resource_dependency_missing: {} did not complete",
                    plan.actions[bad].object()
                )),
                (None, None) => Some(format!("target `{}` is not connected", a.target)),
                (None, Some(_)) => None,
            };
            if let Some(error) = refusal {
                if let Some(t) = &target {
                    let _ = t.journal.record(&skipped_record(a, &error));
                }
                outcome[i] = Some(result_of(a, Outcome::Skipped, Some(error)));
                progress.inc(a.steps.len() as u64);
                settle(i, &mut sched!());
                continue;
            }
            let Some(target) = target else { continue };
            let (action, prepared, secrets, halted, progress, interpolate) = (
                a.clone(),
                prepared.clone(),
                secrets.clone(),
                halted.clone(),
                progress.clone(),
                interpolate.clone(),
            );
            running.spawn(async move {
                let ctx = action::ActionContext {
                    target: &target,
                    secrets: &secrets,
                    halted: &halted,
                    progress: &progress,
                    interpolate: interpolate.as_ref(),
                };
                let run = action::run(&ctx, &action, &prepared[i]).await;
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
        let Some(joined) = joined else { break };
        match joined {
            Ok((i, run)) => {
                requests += run.requests;
                outcome[i] = Some(result_of(&plan.actions[i], run.outcome, run.error));
                settle(i, &mut sched!());
            }
            Err(e) if e.is_cancelled() => {}
            // A panicking task is a bug: log it; its action stays unsettled and is reported failed.
            Err(e) => tracing::error!("an apply task failed: {e}"),
        }
    }
    progress.finish();
    for (i, a) in plan.actions.iter().enumerate() {
        if outcome[i].is_none() {
            let error = if timed_out {
                "the run's --timeout elapsed before this object was done; re-run to finish"
            } else if halted.load(std::sync::atomic::Ordering::Relaxed) {
                "the run stopped because its journal could not be written; nothing more was sent"
            } else {
                "internal error"
            };
            outcome[i] = Some(result_of(a, Outcome::Failed, Some(error.into())));
        }
    }
    let mut summary = RunSummary {
        environment: plan.environment.clone(),
        targets: plan.targets.clone(),
        plan_checksum: plan.checksum.clone(),
        started_at,
        finished_at: crate::inventory::now_rfc3339(),
        requests,
        timed_out,
        results: outcome.into_iter().flatten().collect(),
        ..RunSummary::default()
    };
    summary.count();
    summary
}

/// The scheduler's bookkeeping that settling an action updates.
struct Sched<'a, F: Fn(usize) -> bool> {
    dependents: &'a [Vec<usize>],
    to_run: &'a [bool],
    waiting: &'a mut Vec<usize>,
    ready: &'a mut VecDeque<usize>,
    parked: &'a mut Vec<usize>,
    writes_left: &'a mut usize,
    is_delete: &'a F,
}

fn settle<F: Fn(usize) -> bool>(i: usize, s: &mut Sched<'_, F>) {
    if !(s.is_delete)(i) {
        *s.writes_left -= 1;
        if *s.writes_left == 0 {
            s.ready.extend(s.parked.drain(..));
        }
    }
    for &j in s.dependents[i].iter().filter(|&&j| s.to_run[j]) {
        s.waiting[j] -= 1;
        if s.waiting[j] == 0 {
            if (s.is_delete)(j) && *s.writes_left > 0 {
                s.parked.push(j);
            } else {
                s.ready.push_back(j);
            }
        }
    }
}

fn result_of(a: &crate::plan::Action, outcome: Outcome, error: Option<String>) -> ObjectResult {
    ObjectResult {
        target: a.target.clone(),
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
        step: a.steps.first().map(|s| s.name.clone()).unwrap_or_default(),
        outcome: "skipped".into(),
        error: Some(error.to_string()),
        ..StepRecord::default()
    }
}
