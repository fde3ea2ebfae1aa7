//! Saved plans that cannot lie. The checksum covers everything a plan says (summary, every
//! displayed field, every step), so an edit shows; with a key in `SWITCHBOARD_PLAN_KEY` the
//! plan is also signed (HMAC-SHA-256), so a CI job can prove a plan came from its own plan step:
//! anyone can recompute a checksum, no one without the key can recompute a signature.

use super::model::{Plan, Summary};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The environment variable holding the plan-signing key.
pub const KEY_VARIABLE: &str = "SWITCHBOARD_PLAN_KEY";

/// The key, when one is set (blank counts as unset).
pub fn key() -> Option<String> {
    std::env::var(KEY_VARIABLE)
        .ok()
        .filter(|k| !k.trim().is_empty())
}

/// HMAC-SHA-256 of the plan's checksum, hex.
pub fn sign(checksum: &str, key: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(checksum.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn signature_matches(checksum: &str, signature: &str, key: &str) -> bool {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        return false;
    };
    mac.update(checksum.as_bytes());
    let Some(bytes) = (0..signature.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(signature.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()
    else {
        return false;
    };
    // Constant-time comparison.
    mac.verify_slice(&bytes).is_ok()
}

/// Why a saved plan cannot be trusted, if it cannot.
pub fn verify(plan: &Plan, key: Option<&str>) -> Result<(), String> {
    if plan.compute_checksum() != plan.checksum {
        return Err(
            "the plan's checksum does not match its content (was it edited?); re-run `switchboard plan`"
                .into(),
        );
    }
    let recount = Plan::count(&plan.actions);
    if recount != plan.summary {
        return Err(format!(
            "the plan's summary ({}) does not match its actions ({}); re-run `switchboard plan`",
            describe(&plan.summary),
            describe(&recount)
        ));
    }
    match (key, &plan.signature) {
        (Some(key), Some(signature)) if signature_matches(&plan.checksum, signature, key) => Ok(()),
        (Some(_), Some(_)) => Err(format!(
            "the plan's signature does not match {KEY_VARIABLE}: it was not made by a plan step holding this key"
        )),
        (Some(_), None) => Err(format!(
            "{KEY_VARIABLE} is set, and the plan is not signed; make it with `switchboard plan --out` where the key is set"
        )),
        (None, _) => Ok(()),
    }
}

fn describe(s: &Summary) -> String {
    format!(
        "{} create, {} update, {} delete, {} pending, {} unchanged",
        s.create, s.update, s.delete, s.pending, s.noop
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_is_checked_in_constant_time_and_refuses_any_other_key() {
        let s = sign("abc", "key-1");
        assert!(signature_matches("abc", &s, "key-1"));
        assert!(!signature_matches("abc", &s, "key-2"));
        assert!(!signature_matches("abd", &s, "key-1"));
        assert!(!signature_matches("abc", "zz", "key-1"));
    }
}
