//! The small contract every target system implements, and the catalog of kinds it serves.
//!
//! A `KindInfo` is static knowledge (schema, references, natural key, diff rules, step names);
//! a `Provider` does the I/O: bulk observe, lookup by key, create, update. The engine owns
//! ordering, concurrency and journaling; a provider never loops or sleeps on its own.

pub mod webex;

use crate::model::{LiveObject, TargetKey};
use futures::future::BoxFuture;
use serde_json::Value;
use std::collections::HashSet;

/// Static description of one manifest kind.
pub struct KindInfo {
    pub kind: &'static str,
    pub provider: &'static str,
    pub description: &'static str,
    /// JSON Schema of `spec`, generated from the Rust type with schemars.
    pub spec_schema: fn() -> schemars::Schema,
    /// `xxxRef` field name → the kind it points at.
    pub ref_fields: &'static [(&'static str, &'static str)],
    /// The natural key from the resolved spec (references replaced by their targets' keys).
    pub natural_key: fn(&Value) -> String,
    pub steps: Steps,
    /// A singleton exists whenever its parent does (e.g. a location's internal dialing): it is
    /// configured with an update and never created.
    pub singleton: bool,
    pub diff_rules: DiffRules,
}

/// The names of the steps an action is made of, as in the actions registry (seeds/002).
#[derive(Debug, Clone, Copy)]
pub struct Steps {
    pub lookup: &'static str,
    pub create: &'static str,
    pub update: &'static str,
}

/// How desired and live values compare for one kind.
#[derive(Debug, Clone, Copy)]
pub struct DiffRules {
    /// Fields the API accepts but never returns (passwords): never compared, always sent.
    pub write_only: &'static [&'static str],
    /// Lists whose order the API ignores, with the field that identifies an item ("" = the
    /// item itself).
    pub unordered_lists: &'static [(&'static str, &'static str)],
    /// Fields that cannot change once the object exists: a change needs a replacement.
    pub immutable: &'static [&'static str],
    /// Fields compared case-insensitively.
    pub case_insensitive: &'static [&'static str],
}

impl DiffRules {
    pub const NONE: DiffRules = DiffRules {
        write_only: &[],
        unordered_lists: &[],
        immutable: &[],
        case_insensitive: &[],
    };
}

/// Every kind Switchboard knows, across providers.
pub fn catalog() -> &'static [&'static KindInfo] {
    webex::KINDS
}

pub fn kind_info(kind: &str) -> Option<&'static KindInfo> {
    catalog().iter().copied().find(|k| k.kind == kind)
}

/// Kinds that name an operation Switchboard refuses to perform, with the reason (seeds/002).
pub fn forbidden_kind(kind: &str) -> Option<&'static str> {
    match kind {
        "Person" | "User" | "People" => Some(
            "user_create and user_update_identity are forbidden: people come from the identity \
             source (LDAP/SCIM/Control Hub); manage their calling settings instead",
        ),
        _ => None,
    }
}

/// Two-way map between vendor ids and natural keys, built from observations and updated as
/// objects are created. Persistent maps: every running action takes a snapshot, and a clone
/// costs O(1) however large the org (a plain HashMap clone per action was quadratic).
#[derive(Debug, Clone, Default)]
pub struct IdIndex {
    by_key: imbl::HashMap<TargetKey, String>,
    by_id: imbl::HashMap<(String, String), String>,
}

impl IdIndex {
    pub fn insert(&mut self, kind: &str, key: &str, id: &str) {
        self.by_key
            .insert(TargetKey::new(kind, key), id.to_string());
        self.by_id
            .insert((kind.to_string(), id.to_string()), key.to_string());
    }
    pub fn id_of(&self, kind: &str, key: &str) -> Option<&str> {
        self.by_key
            .get(&TargetKey::new(kind, key))
            .map(String::as_str)
    }
    pub fn key_of(&self, kind: &str, id: &str) -> Option<&str> {
        self.by_id
            .get(&(kind.to_string(), id.to_string()))
            .map(String::as_str)
    }
    pub fn from_live<'a>(objects: impl IntoIterator<Item = &'a LiveObject>) -> Self {
        let mut index = Self::default();
        for o in objects {
            index.insert(&o.kind, &o.key, &o.id);
        }
        index
    }
}

/// What to observe: every object of these kinds, with full detail for the keys in `detail`
/// (None = detail for everything, as `inventory pull` wants).
#[derive(Debug, Clone, Default)]
pub struct ObserveRequest {
    pub kinds: Vec<String>,
    pub detail: Option<HashSet<TargetKey>>,
}

impl ObserveRequest {
    pub fn wants_detail(&self, kind: &str, key: &str) -> bool {
        self.detail
            .as_ref()
            .is_none_or(|d| d.contains(&TargetKey::new(kind, key)))
    }
}

/// A desired object handed to a provider for a write: the spec is interpolated (secrets in
/// clear, so it is never logged) and references hold the natural keys of their targets.
#[derive(Debug, Clone)]
pub struct WriteRequest {
    pub kind: String,
    pub key: String,
    pub spec: Value,
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("{method} {path} answered {status}: {message}{}", tracking_id.as_ref().map(|t| format!(" (trackingId {t})")).unwrap_or_default())]
    Api {
        method: String,
        path: String,
        status: u16,
        message: String,
        /// The target says the object already exists (a create raced or was repeated).
        duplicate: bool,
        tracking_id: Option<String>,
    },
    #[error("{0}")]
    Transport(String),
    #[error("{0}")]
    Unresolved(String),
    #[error("{0}")]
    Unsupported(String),
}

impl ProviderError {
    /// The write may or may not have happened (a 5xx, a timeout, a broken connection): the
    /// object must be looked up before anything else is tried.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            ProviderError::Api { status, .. } => *status >= 500,
            ProviderError::Transport(_) => true,
            _ => false,
        }
    }

    pub fn is_duplicate(&self) -> bool {
        matches!(
            self,
            ProviderError::Api {
                duplicate: true,
                ..
            }
        )
    }
}

/// The I/O half of a provider.
pub trait Provider: Send + Sync {
    /// Read the live inventory in bulk (list calls, paginated).
    fn observe<'a>(
        &'a self,
        request: &'a ObserveRequest,
    ) -> BoxFuture<'a, Result<Vec<LiveObject>, ProviderError>>;
    /// Find one object by its natural key, right before a write.
    fn lookup<'a>(
        &'a self,
        kind: &'a str,
        key: &'a str,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Option<LiveObject>, ProviderError>>;
    /// Create the object; returns the vendor id.
    fn create<'a>(
        &'a self,
        request: &'a WriteRequest,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<String, ProviderError>>;
    /// Bring an existing object to the desired spec.
    fn update<'a>(
        &'a self,
        request: &'a WriteRequest,
        live: &'a LiveObject,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<(), ProviderError>>;
}
