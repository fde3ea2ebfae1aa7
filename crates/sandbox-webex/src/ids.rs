//! Webex-style public identifiers.
//! An id is unpadded standard base64 of `ciscospark://us/<TYPE>/<opaque>`; clients must treat it as
//! opaque, but the sandbox keeps the real shape so id-parsing bugs in clients show up here too.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use uuid::Uuid;

/// Namespace for the sandbox's deterministic (seeded) ids, so the seeded org is identical on every run.
fn namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, b"https://switchboard.invalid/sandbox")
}

/// Stable uuid derived from a name (used for everything the seed creates).
pub fn stable_uuid(name: &str) -> Uuid {
    Uuid::new_v5(&namespace(), name.as_bytes())
}

/// Public id for `TYPE` + opaque part.
pub fn encode(kind: &str, opaque: &str) -> String {
    STANDARD_NO_PAD.encode(format!("ciscospark://us/{kind}/{opaque}"))
}

/// Fresh random id of the given type (objects created through the API).
pub fn new_id(kind: &str) -> String {
    encode(kind, &Uuid::new_v4().to_string())
}

/// Deterministic id of the given type derived from a seed name.
pub fn seeded_id(kind: &str, seed_name: &str) -> String {
    encode(
        kind,
        &stable_uuid(&format!("{kind}:{seed_name}")).to_string(),
    )
}

/// Schedule and schedule-event ids embed base64 of the object's name, so a rename changes the id
/// (this mirrors Webex, where the PUT answers with the new id).
pub fn name_derived_id(kind: &str, name: &str) -> String {
    encode(kind, &STANDARD.encode(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decode an id to `(type, opaque)`; padding is optional. `None` for anything malformed.
    fn decode(id: &str) -> Option<(String, String)> {
        let trimmed = id.trim_end_matches('=');
        let bytes = STANDARD_NO_PAD.decode(trimmed).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let rest = text.strip_prefix("ciscospark://")?;
        let mut parts = rest.splitn(3, '/');
        let _region = parts.next()?;
        let kind = parts.next()?;
        let opaque = parts.next()?;
        Some((kind.to_string(), opaque.to_string()))
    }

    #[test]
    fn round_trip() {
        let id = encode("TRUNK", "abc");
        assert!(!id.ends_with('='));
        assert_eq!(decode(&id), Some(("TRUNK".into(), "abc".into())));
    }

    #[test]
    fn schedule_id_changes_with_name() {
        assert_ne!(
            name_derived_id("SCHEDULE", "a"),
            name_derived_id("SCHEDULE", "b")
        );
        let (kind, opaque) = decode(&name_derived_id("SCHEDULE", "BH")).unwrap();
        assert_eq!(kind, "SCHEDULE");
        assert_eq!(STANDARD.decode(opaque).unwrap(), b"BH");
    }

    #[test]
    fn seeded_ids_are_stable() {
        assert_eq!(seeded_id("LOCATION", "x"), seeded_id("LOCATION", "x"));
    }
}
