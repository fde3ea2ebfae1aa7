//! The per-kind contract (observe, steps, run) and the object-safe face of a connected target.
//!
//! `steps` is pure: plan calls it and saves its output, and apply runs exactly those steps.
//! Each kind picks its own granularity: a whole-object PUT, per-item ADD/DELETE batches, one
//! request per member, row CRUD.

use super::{IdIndex, KindInfo, ProviderError};
use crate::diff::{FieldChange, MemberChange as DiffMemberChange};
use crate::model::LiveObject;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap, HashSet};

pub use crate::diff::MemberChange;

/// What to observe of one kind. Keys and parents match without case: where a vendor's names
/// ignore case, `austin hq` must find `Austin HQ`; where they do not, reading a little more
/// detail than needed costs nothing.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Only these keys (case-folded) are wanted; None = every object of the kind.
    keys: Option<HashSet<String>>,
    /// Keys (case-folded) whose detail, the reads a list does not cover, is wanted; None = all.
    detail: Option<HashSet<String>>,
    /// For kinds under a parent: the parent keys (case-folded) to look under; None = all.
    parents: Option<HashSet<String>>,
    /// The one key of a lookup, as written, for a kind to filter its list call by.
    single: Option<String>,
    /// Per key (case-folded): the top-level spec fields the manifests set. A kind whose
    /// settings each cost a read (a person's forwarding, recording…) reads only these; None =
    /// every field of every key.
    fields: Option<HashMap<String, BTreeSet<String>>>,
}

/// In `Scope::fields`, every field of a key.
const ALL_FIELDS: &str = "*";

impl Scope {
    /// Everything, in full detail (`inventory pull`, owned kinds).
    pub fn all() -> Self {
        Self::default()
    }
    /// Every object listed, no detail, under no parent yet: add what is wanted.
    pub fn list_only(has_parent: bool) -> Self {
        Self {
            keys: None,
            detail: Some(HashSet::new()),
            parents: has_parent.then(HashSet::new),
            single: None,
            fields: Some(HashMap::new()),
        }
    }
    /// One object by its key, in full detail (apply's lookup).
    pub fn one(key: &str) -> Self {
        let keys: HashSet<String> = [key.to_lowercase()].into();
        Self {
            keys: Some(keys.clone()),
            detail: Some(keys),
            parents: None,
            single: Some(key.to_string()),
            fields: None,
        }
    }
    /// Want the detail of `key`.
    pub fn add_detail(&mut self, key: &str) {
        if let Some(detail) = &mut self.detail {
            detail.insert(key.to_lowercase());
        }
    }
    /// Want these top-level spec fields of `key` (its detail is wanted too).
    pub fn add_fields<'f>(&mut self, key: &str, fields: impl IntoIterator<Item = &'f String>) {
        self.add_detail(key);
        if let Some(map) = &mut self.fields {
            map.entry(key.to_lowercase())
                .or_default()
                .extend(fields.into_iter().cloned());
        }
    }
    /// Want every field of `key` (a delete reads the object whole, as the plan did).
    pub fn add_all_fields(&mut self, key: &str) {
        self.add_fields(key, [&ALL_FIELDS.to_string()]);
    }
    /// True when the manifests set `field` on `key` (or every field is wanted).
    pub fn wants_field(&self, key: &str, field: &str) -> bool {
        self.wants_detail(key)
            && self.fields.as_ref().is_none_or(|m| {
                m.get(&key.to_lowercase())
                    .is_some_and(|set| set.contains(field) || set.contains(ALL_FIELDS))
            })
    }
    /// Look under `parent` too.
    pub fn add_parent(&mut self, parent: &str) {
        if let Some(parents) = &mut self.parents {
            parents.insert(parent.to_lowercase());
        }
    }
    /// Look under every parent.
    pub fn all_parents(&mut self) {
        self.parents = None;
    }
    pub fn wants(&self, key: &str) -> bool {
        self.keys
            .as_ref()
            .is_none_or(|k| k.contains(&key.to_lowercase()))
    }
    pub fn wants_detail(&self, key: &str) -> bool {
        self.wants(key)
            && self
                .detail
                .as_ref()
                .is_none_or(|d| d.contains(&key.to_lowercase()))
    }
    pub fn wants_parent(&self, parent: &str) -> bool {
        self.parents
            .as_ref()
            .is_none_or(|p| p.contains(&parent.to_lowercase()))
    }
    /// The one key of a lookup, as written, so a kind can filter its list call by name.
    pub fn single_key(&self) -> Option<&str> {
        self.single.as_deref()
    }
    /// The keys wanted in detail when only some are (case-folded): a kind that can read by key
    /// reads just those.
    pub fn detail_keys(&self) -> Option<&HashSet<String>> {
        self.keys.as_ref().or(self.detail.as_ref())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    Create,
    Update,
    Delete,
}

/// One planned change of one object, as a kind sees it when asked for steps.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub kind: &'a str,
    pub key: &'a str,
    pub operation: Operation,
    /// The desired spec: references hold their targets' keys, secrets stay `${env:…}`
    /// templates (filled in only when a step runs). Null for a delete.
    pub desired: &'a Value,
    /// The object as observed (None: it does not exist yet).
    pub live: Option<&'a LiveObject>,
    /// Field changes outside member lists.
    pub fields: &'a [FieldChange],
    /// Per-item changes of the kind's member lists (all adds for a create).
    pub members: &'a [DiffMemberChange],
    /// The live objects the desired spec references, by the reference's JSON pointer (a
    /// license's remaining units, a number's location): what a kind checks before it commits
    /// to steps that the target would refuse.
    pub referenced: &'a [(String, &'a LiveObject)],
}

impl Change<'_> {
    /// True when a field at `pointer` (or below it) changes.
    pub fn touches(&self, pointer: &str) -> bool {
        self.fields
            .iter()
            .any(|c| c.path == pointer || c.path.starts_with(&format!("{pointer}/")))
    }
    /// The live object referenced at `pointer`, when it exists.
    pub fn referenced_at(&self, pointer: &str) -> Option<&LiveObject> {
        self.referenced
            .iter()
            .find(|(p, _)| p == pointer)
            .map(|(_, l)| *l)
    }
    /// The member changes of one list.
    pub fn members_of<'b>(&'b self, list: &'b str) -> impl Iterator<Item = &'b DiffMemberChange> {
        self.members.iter().filter(move |m| m.list == list)
    }
}

/// Why a kind cannot give steps for a change yet: a registry reason code (`reason::…`) and
/// what the operator should do. The plan shows the object as pending with both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    pub reason: &'static str,
    pub message: String,
}

impl Blocked {
    pub fn new(reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            reason,
            message: message.into(),
        }
    }
}

/// A bare message: the kind cannot compute its steps from what was observed.
impl From<String> for Blocked {
    fn from(message: String) -> Self {
        Self::new(super::reason::PRECONDITION_MISSING, message)
    }
}

/// One request or one transaction: what plan saves and apply runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// The registry's step name (seeds/002): `trunk_create`, `schedule_event_add`…
    pub name: String,
    /// What the step touches, for people (`event Christmas`, `patterns 1–200`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// Everything `run` needs, in manifest terms: references as keys (mapped to ids when the
    /// step runs) and secrets as templates.
    pub input: Value,
    /// The step brings the object into existence: journaled as an intent first, and any
    /// failure is followed by a lookup by key before the create is called failed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub creates: bool,
}

impl Step {
    pub fn new(name: &str, input: Value) -> Self {
        Self {
            name: name.to_string(),
            detail: String::new(),
            input,
            creates: false,
        }
    }
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
    pub fn creating(mut self) -> Self {
        self.creates = true;
        self
    }
}

/// One kind of a provider whose connection is `C`.
pub trait Kind<C>: Send + Sync + 'static {
    fn info(&self) -> &'static KindInfo;
    /// Read the objects of this kind within `scope`; `ids` maps the references it meets (the
    /// kinds it references are observed first).
    fn observe<'a>(
        &'a self,
        conn: &'a C,
        scope: &'a Scope,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Vec<LiveObject>, ProviderError>>;
    /// The steps that carry out one change. Pure: no I/O, the same change gives the same steps.
    fn steps(&self, change: &Change<'_>) -> Result<Vec<Step>, Blocked>;
    /// Run one step; returns the object's vendor id when the step created it.
    fn run<'a>(
        &'a self,
        conn: &'a C,
        step: &'a Step,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Option<String>, ProviderError>>;
}

/// A connected target as the engine sees it, whatever its provider.
pub trait ConnectedTarget: Send + Sync {
    fn observe<'a>(
        &'a self,
        kind: &'a str,
        scope: &'a Scope,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Vec<LiveObject>, ProviderError>>;
    fn run<'a>(
        &'a self,
        kind: &'a str,
        step: &'a Step,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Option<String>, ProviderError>>;
}

/// A provider's kinds over one live connection.
pub struct KindSet<C: 'static> {
    pub conn: C,
    pub kinds: &'static [&'static dyn Kind<C>],
}

impl<C: Send + Sync + 'static> KindSet<C> {
    fn kind(&self, name: &str) -> Result<&'static dyn Kind<C>, ProviderError> {
        self.kinds
            .iter()
            .copied()
            .find(|k| k.info().kind == name)
            .ok_or_else(|| ProviderError::local(format!("this target has no kind {name}")))
    }
}

impl<C: Send + Sync + 'static> ConnectedTarget for KindSet<C> {
    fn observe<'a>(
        &'a self,
        kind: &'a str,
        scope: &'a Scope,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Vec<LiveObject>, ProviderError>> {
        match self.kind(kind) {
            Ok(k) => k.observe(&self.conn, scope, ids),
            Err(e) => Box::pin(async move { Err(e) }),
        }
    }
    fn run<'a>(
        &'a self,
        kind: &'a str,
        step: &'a Step,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Option<String>, ProviderError>> {
        match self.kind(kind) {
            Ok(k) => k.run(&self.conn, step, ids),
            Err(e) => Box::pin(async move { Err(e) }),
        }
    }
}

/// The steps of `change` from whichever of `kinds` serves it (a provider's `steps` entry).
pub fn steps_from<C>(
    kinds: &'static [&'static dyn Kind<C>],
    change: &Change<'_>,
) -> Result<Vec<Step>, Blocked> {
    kinds
        .iter()
        .find(|k| k.info().kind == change.kind)
        .ok_or_else(|| Blocked::from(format!("no provider serves kind {}", change.kind)))?
        .steps(change)
}
