//! Stage 1–2 of the flow: load YAML manifests with positions, validate them against the
//! generated JSON Schemas, and fill secret templates.

pub mod diagnostics;
pub mod interpolate;
pub mod load;
pub mod revision;
pub mod schemas;
pub mod validate;
pub mod yaml;

pub use diagnostics::{Diagnostic, Diagnostics};
pub use load::{ManifestSet, load};
