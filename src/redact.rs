//! One place that knows how secrets are hidden: every renderer, journal and log line asks here.

use serde_json::Value;

pub const SENSITIVE: &str = "(sensitive)";

/// Replace the values at the given JSON pointers with the `(sensitive)` marker.
pub fn redact_pointers(value: &Value, pointers: &[String]) -> Value {
    let mut out = value.clone();
    for pointer in pointers {
        if let Some(slot) = out.pointer_mut(pointer) {
            *slot = Value::String(SENSITIVE.to_string());
        }
    }
    out
}

/// True when `pointer` is one of `sensitive` or lies below one of them.
pub fn is_sensitive(pointer: &str, sensitive: &[String]) -> bool {
    sensitive.iter().any(|s| {
        pointer == s
            || pointer.starts_with(&format!("{s}/"))
            || s.starts_with(&format!("{pointer}/"))
    })
}

/// Scrub known secret strings out of free text (error bodies, messages) before it is recorded.
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(secret.as_str(), SENSITIVE);
    }
    out
}
