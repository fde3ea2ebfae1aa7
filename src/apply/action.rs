//! One action's part of a run: its planned steps, in order, each journaled as an intent before
//! it is sent and an outcome after. Apply never diffs again, with one exception that cannot be
//! planned: a create that failed in any way is followed by a lookup by key, and an object found
//! there is adopted and, if it differs, brought to the desired state with fresh update steps.

use super::journal::StepRecord;
use super::{Outcome, TargetRun};
use crate::diff;
use crate::exchange_log;
use crate::model::LiveObject;
use crate::plan::{Action, ActionType};
use crate::progress::Progress;
use crate::providers::kind::Operation;
use crate::providers::{Exchange, IdIndex, KindInfo, ProviderError, Scope, Step};
use crate::redact::scrub;
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};

/// How many times a create is tried when each attempt's outcome was unknown and the lookup
/// that followed found nothing. Each try is proven safe by that lookup, so a few more cost
/// little: at 7 % server faults, three unlucky tries in a row failed about one create in 3,000
/// (the 10 %-fault benchmark needed a re-run); five make it one in a million.
const CREATE_ATTEMPTS: u32 = 5;

/// What one action did.
pub struct ActionRun {
    pub outcome: Outcome,
    pub error: Option<String>,
    pub requests: usize,
}

/// An action's steps and desired spec with their secrets filled in (never persisted).
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    pub steps: Vec<Step>,
    pub spec: Value,
}

/// Fills the `${env:…}` templates of a value (steps made during a run).
pub type Interpolate = dyn Fn(&Value) -> Result<Value, String> + Send + Sync;

/// Everything an action needs besides itself; shared by the actions of a run.
pub struct ActionContext<'a> {
    pub target: &'a TargetRun,
    pub secrets: &'a [String],
    /// Set when the journal cannot be written: nothing more is sent.
    pub halted: &'a AtomicBool,
    pub progress: &'a Progress,
    /// Fills `${env:…}` templates of steps made during the run (recovery after adoption).
    pub interpolate: &'a Interpolate,
}

struct Runner<'a, 'b> {
    ctx: &'b ActionContext<'a>,
    action: &'b Action,
    info: &'static KindInfo,
    prepared: &'b Prepared,
    requests: usize,
}

enum Created {
    Id,
    /// The create failed, but the object was found by key: adopted as it was.
    Adopted(Box<LiveObject>),
}

pub async fn run(ctx: &ActionContext<'_>, action: &Action, prepared: &Prepared) -> ActionRun {
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
        prepared,
        requests: 0,
    };
    let (outcome, error) = match runner.go().await {
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
    async fn go(&mut self) -> Result<Outcome, String> {
        let key = crate::model::TargetKey::new(&self.action.kind, &self.action.key);
        if self.action.action == ActionType::Create
            && self.ctx.target.verify_absence.contains(&key)
            && let Some(found) = self.lookup().await?
        {
            return self.adopt(found).await;
        }
        let steps = &self.prepared.steps;
        for (index, step) in steps.iter().enumerate() {
            if step.creates {
                if let Created::Adopted(found) = self.create(index, step).await? {
                    self.ctx.progress.inc((steps.len() - index) as u64);
                    return self.adopt(*found).await;
                }
            } else {
                match self.step(index, step).await {
                    Ok(_) => {}
                    // Deleting what is already gone is done.
                    Err(e) if self.action.action == ActionType::Delete && e.is_not_found() => {}
                    Err(e) => return Err(self.scrub(&e)),
                }
            }
            self.ctx.progress.inc(1);
        }
        Ok(match self.action.action {
            ActionType::Create => Outcome::Created,
            ActionType::Delete => {
                if let Ok(mut ids) = self.ctx.target.ids.lock() {
                    ids.remove(&self.action.kind, &self.action.key);
                }
                Outcome::Deleted
            }
            _ => Outcome::Updated,
        })
    }

    /// A creating step; after any failure, the object is looked up before the create is
    /// tried again (only when its outcome was unknown) or called failed.
    async fn create(&mut self, index: usize, step: &Step) -> Result<Created, String> {
        for attempt in 1..=CREATE_ATTEMPTS {
            let error = match self.step(index, step).await {
                Ok(_) => return Ok(Created::Id),
                Err(e) => e,
            };
            if self.ctx.halted.load(Ordering::Relaxed) {
                return Err(self.scrub(&error));
            }
            if let Some(found) = self.lookup().await? {
                return Ok(Created::Adopted(Box::new(found)));
            }
            if !error.outcome_unknown() || attempt == CREATE_ATTEMPTS {
                return Err(self.scrub(&error));
            }
        }
        Err(format!("{} did not complete", step.name))
    }

    /// The object exists already: take it as it is, or bring it to the desired state with the
    /// update steps its kind gives for what differs.
    async fn adopt(&mut self, found: LiveObject) -> Result<Outcome, String> {
        self.remember(&found.id);
        let changes = diff::diff(&self.info.diff_rules, &self.prepared.spec, &found.state);
        if changes.is_empty() {
            self.journal_record(StepRecord {
                step: self.info.lookup_step.to_string(),
                outcome: "adopted".into(),
                id: Some(found.id.clone()),
                ..self.record_base()
            })?;
            return Ok(Outcome::Adopted);
        }
        // Referenced objects are not re-read here: a kind's reference checks were made when
        // the plan was, and the target refuses what they would have caught.
        let steps = crate::plan::build::change_steps(&crate::plan::build::Planned {
            info: self.info,
            key: &self.action.key,
            template: &self.action.desired,
            spec: &self.prepared.spec,
            live: Some(&found),
            referenced: &[],
            operation: Operation::Update,
            changes: &changes,
        })
        .map_err(|b| format!("{}: {}", b.reason, b.message))?;
        let changes = crate::plan::build::redact_changes(changes, &self.action.sensitive);
        for (index, step) in steps.iter().enumerate() {
            let mut step = step.clone();
            step.input = (self.ctx.interpolate)(&step.input)?;
            step.detail = format!("recovery after adoption {}", step.detail)
                .trim()
                .to_string();
            let last = (index + 1 == steps.len()).then(|| changes.clone());
            self.step_with(index, &step, last)
                .await
                .map_err(|e| self.scrub(&e))?;
        }
        Ok(Outcome::Updated)
    }

    /// Run one planned step between its two journal lines; the last one's outcome line also
    /// carries the action's (redacted) field changes.
    async fn step(&mut self, index: usize, step: &Step) -> Result<Option<String>, ProviderError> {
        let last = index + 1 == self.prepared.steps.len();
        let changes = last.then(|| self.action.changes.clone());
        self.step_with(index, step, changes).await
    }

    async fn step_with(
        &mut self,
        index: usize,
        step: &Step,
        changes: Option<Vec<crate::diff::FieldChange>>,
    ) -> Result<Option<String>, ProviderError> {
        if self.ctx.halted.load(Ordering::Relaxed) {
            return Err(ProviderError::local(
                "the run stopped: its journal could not be written",
            ));
        }
        let base = StepRecord {
            step: step.name.clone(),
            index: Some(index),
            detail: step.detail.clone(),
            creates: step.creates,
            ..self.record_base()
        };
        self.journal_record(StepRecord {
            outcome: "intent".into(),
            ..base.clone()
        })
        .map_err(ProviderError::local)?;
        let ids = self.ids();
        let (result, exchanges) =
            exchange_log::recorded(self.ctx.target.target.run(&self.action.kind, step, &ids)).await;
        let record = match &result {
            Ok(id) => {
                if let Some(id) = id {
                    self.remember(id);
                }
                StepRecord {
                    at: crate::inventory::now_rfc3339(),
                    outcome: "ok".into(),
                    id: id.clone(),
                    changes: changes.unwrap_or_default(),
                    ..base
                }
            }
            Err(e) => StepRecord {
                at: crate::inventory::now_rfc3339(),
                outcome: if e.is_duplicate() {
                    "duplicate"
                } else if e.outcome_unknown() {
                    "unknown"
                } else if e.is_not_found() && self.action.action == ActionType::Delete {
                    "gone"
                } else {
                    "failed"
                }
                .into(),
                error: Some(self.scrub(e)),
                ..base
            },
        };
        self.write(record, exchanges)
            .map_err(ProviderError::local)?;
        result
    }

    async fn lookup(&mut self) -> Result<Option<LiveObject>, String> {
        let ids = self.ids();
        let scope = Scope::one(&self.action.key);
        let (found, exchanges) = exchange_log::recorded(self.ctx.target.target.observe(
            &self.action.kind,
            &scope,
            &ids,
        ))
        .await;
        let base = StepRecord {
            step: self.info.lookup_step.to_string(),
            ..self.record_base()
        };
        match found {
            Ok(found) => {
                let wanted = crate::model::TargetKey::new(&self.action.kind, &self.action.key);
                let found = found.into_iter().find(|o| o.target_key() == wanted);
                let record = StepRecord {
                    outcome: if found.is_some() { "found" } else { "absent" }.into(),
                    id: found.as_ref().map(|f| f.id.clone()),
                    ..base
                };
                self.write(record, exchanges)?;
                Ok(found)
            }
            Err(e) => {
                let error = self.scrub(&e);
                let record = StepRecord {
                    outcome: "failed".into(),
                    error: Some(error.clone()),
                    ..base
                };
                self.write(record, exchanges)?;
                Err(error)
            }
        }
    }

    fn ids(&self) -> IdIndex {
        self.ctx
            .target
            .ids
            .lock()
            .map(|g| g.clone())
            .unwrap_or_default()
    }

    fn remember(&self, id: &str) {
        if let Ok(mut index) = self.ctx.target.ids.lock() {
            index.insert(&self.action.kind, &self.action.key, id);
        }
    }

    fn scrub(&self, e: &ProviderError) -> String {
        scrub(&e.to_string(), self.ctx.secrets)
    }

    fn record_base(&self) -> StepRecord {
        StepRecord {
            at: crate::inventory::now_rfc3339(),
            object: self.action.object(),
            key: self.action.key.clone(),
            ..StepRecord::default()
        }
    }

    fn write(&mut self, mut record: StepRecord, requests: Vec<Exchange>) -> Result<(), String> {
        self.requests += requests.len();
        record.requests = requests;
        self.journal_record(record)
    }

    /// A record that cannot be written halts the whole run: no request goes out unjournaled.
    fn journal_record(&self, record: StepRecord) -> Result<(), String> {
        self.ctx.target.journal.record(&record).map_err(|e| {
            self.ctx.halted.store(true, Ordering::Relaxed);
            format!(
                "the journal {} cannot be written ({e}); the run stopped before sending more",
                self.ctx
                    .target
                    .journal
                    .dir()
                    .join("journal.jsonl")
                    .display()
            )
        })
    }
}
