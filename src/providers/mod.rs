//! The small contract every target system implements, with no vendor in it.
//!
//! A kind is static knowledge (`KindInfo`: schema, references, key, diff rules, shape) plus three
//! operations: observe a scope, turn one planned change into vendor steps (pure), and run one
//! step. A provider is a folder of kinds over one connection type; `registry` lists providers.
//! The engine owns ordering, concurrency, retries and journaling: a kind never loops or sleeps.

pub mod error;
pub mod ids;
pub mod kind;
pub mod registry;
pub mod webex;

pub use error::{ErrorClass, Exchange, ProviderError};
pub use ids::IdIndex;
pub use kind::{Blocked, Change, ConnectedTarget, Kind, KindSet, MemberChange, Scope, Step};
pub use registry::{ProviderInfo, TargetSettings, catalog, kind_info, provider};

/// Static description of one manifest kind.
pub struct KindInfo {
    pub kind: &'static str,
    /// The provider that serves it (`webex`, later `radius`, `genesys`…).
    pub provider: &'static str,
    pub description: &'static str,
    /// Other names a document may use for this kind (an observed-only `Person` is also `User`).
    pub aliases: &'static [&'static str],
    /// JSON Schema of `spec`, generated from the Rust type with schemars.
    pub spec_schema: fn() -> schemars::Schema,
    /// `xxxRef` field name → the kind it points at.
    pub ref_fields: &'static [(&'static str, &'static str)],
    /// The natural key from the resolved spec (references replaced by their targets' keys).
    pub natural_key: fn(&serde_json::Value) -> String,
    pub shape: Shape,
    /// The step that reads one object by key (journaled when apply has to look again).
    pub lookup_step: &'static str,
    pub diff_rules: DiffRules,
    /// A field (or member list) whose value is a key of another kind: `/numbers` of a
    /// location's inventory are `Number`s, a person's calling document `/personRef` provides
    /// the `Person` as a calling user. A reference to such a key depends on the object that
    /// provides it (and waits while it is pending) instead of having to be live already.
    pub provides: Option<(&'static str, &'static str)>,
}

/// The registry's reason codes for a pending object (seeds/002), shared by the engine and kinds.
pub mod reason {
    pub const DEPENDENCY_MISSING: &str = "resource_dependency_missing";
    pub const REQUIRES_REPLACEMENT: &str = "requires_replacement";
    /// The kind cannot compute the steps from what was observed, or the target would refuse.
    pub const PRECONDITION_MISSING: &str = "precondition_missing";
    pub const USER_NOT_FOUND: &str = "user_not_found";
    pub const WORKSPACE_NOT_FOUND: &str = "workspace_not_found";
    pub const LICENSE_OR_FEATURE_MISSING: &str = "license_or_feature_missing";
    pub const NUMBER_INVENTORY_MISSING: &str = "number_inventory_missing";
    /// The API cannot do or check it; it is done by hand or by the PSTN provider.
    pub const OUT_OF_SCOPE: &str = "out_of_scope";
}

/// The four shapes the engine knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Created, updated and deleted.
    Object,
    /// Exists whenever its parent does (a location's internal dialing): configured with an
    /// update, never created; its "delete" puts it back to the vendor's default.
    Singleton,
    /// Read and referenced, never written (people come from the identity source). A document
    /// of this kind is a validation error that gives `reason`; a reference to one that is not
    /// live makes the referencing object pending with the registry code `missing`.
    ObservedOnly {
        reason: &'static str,
        missing: &'static str,
    },
    /// A document the engine reads itself and that is never a live object (`Ownership`).
    Declaration,
}

impl KindInfo {
    pub fn is_singleton(&self) -> bool {
        self.shape == Shape::Singleton
    }
    pub fn is_observed_only(&self) -> bool {
        matches!(self.shape, Shape::ObservedOnly { .. })
    }
    /// The reason code of an object whose reference to this kind finds nothing.
    pub fn missing_reason(&self) -> &'static str {
        match self.shape {
            Shape::ObservedOnly { missing, .. } => missing,
            _ => reason::DEPENDENCY_MISSING,
        }
    }
    pub fn is_declaration(&self) -> bool {
        self.shape == Shape::Declaration
    }
    /// The field naming the parent (e.g. `locationRef`) and the parent's kind, for kinds that
    /// live under another object: observation asks only for the parents the manifests need.
    pub fn parent(&self) -> Option<(&'static str, &'static str)> {
        self.diff_rules.parent
    }
}

/// How desired and live values compare for one kind.
#[derive(Debug, Clone, Copy)]
pub struct DiffRules {
    /// Fields the API accepts but never returns (passwords): never compared, always sent.
    pub write_only: &'static [&'static str],
    /// Lists whose order the API ignores, with the field that identifies an item ("" = the
    /// item itself).
    pub unordered_lists: &'static [(&'static str, &'static str)],
    /// Member lists: unordered lists the engine reconciles item by item, each add, change or
    /// remove its own step (dial patterns, schedule events, later queue agents). With the field
    /// that identifies an item ("" = the item itself).
    pub member_lists: &'static [(&'static str, &'static str)],
    /// Lists of which a manifest sets only some items, each identified by a field: live items
    /// whose identity the manifest does not list are not owned and never compared (an outgoing
    /// permission lists the call types it sets; the others keep whatever they have).
    pub partial_lists: &'static [(&'static str, &'static str)],
    /// Fields that cannot change once the object exists: a change needs a replacement.
    pub immutable: &'static [&'static str],
    /// Fields compared case-insensitively.
    pub case_insensitive: &'static [&'static str],
    /// The reference field that names the parent object, and the parent's kind.
    pub parent: Option<(&'static str, &'static str)>,
    /// Kinds whose object under the same parent is written first (a location's PSTN
    /// connection before its numbers: only a non-integrated connection takes them).
    pub after_siblings: &'static [&'static str],
}

impl DiffRules {
    pub const NONE: DiffRules = DiffRules {
        write_only: &[],
        unordered_lists: &[],
        member_lists: &[],
        partial_lists: &[],
        immutable: &[],
        case_insensitive: &[],
        parent: None,
        after_siblings: &[],
    };

    /// The item-identifying field of a list that compares without order, member lists included.
    pub fn unordered(&self, path: &str) -> Option<&'static str> {
        self.unordered_lists
            .iter()
            .chain(self.member_lists)
            .chain(self.partial_lists)
            .find(|(p, _)| *p == path)
            .map(|(_, id)| *id)
    }
}
