//! A saved plan, checked before anything runs: its format, its checksum over every field, its
//! summary against its actions, its signature when `SWITCHBOARD_PLAN_KEY` is set, that no step
//! carries a secret template its manifest did not, and that nothing it touches changed live.
//! What apply shows of it is rendered from the steps it will run.

use crate::inventory::{Inventories, ObservePlan};
use crate::model::TargetKey;
use crate::plan::render::safe;
use crate::plan::{Plan, model::PLAN_FORMAT, signing};
use crate::redact::template_pointers;
use serde_json::Value;
use std::collections::HashSet;
use std::fmt::Write;
use std::path::Path;

/// Read and check a plan file.
pub fn load(path: &Path) -> anyhow::Result<Plan> {
    let text = crate::files::read_bounded(path, crate::files::MAX_STATE_FILE_BYTES, "the plan")?;
    let version = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v.get("formatVersion").and_then(Value::as_u64));
    if version.is_some_and(|v| v != u64::from(PLAN_FORMAT)) {
        anyhow::bail!(
            "{}: plan format {} is not supported (expected {PLAN_FORMAT}); re-run `switchboard plan`",
            path.display(),
            version.unwrap_or_default()
        );
    }
    let plan: Plan = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{} is not a Switchboard plan: {e}", path.display()))?;
    let key = signing::key();
    signing::verify(&plan, key.as_deref())
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    if key.is_none() && plan.signature.is_some() {
        crate::shout!(
            "note: {} is signed, but {} is not set here, so the signature was not checked",
            path.display(),
            signing::KEY_VARIABLE
        );
    }
    refuse_foreign_templates(&plan).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(plan)
}

/// A step may fill only the secret templates its action's manifest spec has: a template added
/// to a plan by hand is never filled and sent.
fn refuse_foreign_templates(plan: &Plan) -> Result<(), String> {
    for a in &plan.actions {
        let allowed: HashSet<&str> = template_strings(&a.desired);
        for step in &a.steps {
            if let Some(foreign) = template_strings(&step.input)
                .into_iter()
                .find(|t| !allowed.contains(t))
            {
                return Err(format!(
                    "step {} of {} carries a secret template ({}) that its manifest does not have; re-run `switchboard plan`",
                    step.name,
                    a.object(),
                    crate::redact::scrub_all(foreign)
                ));
            }
        }
    }
    Ok(())
}

fn template_strings(value: &Value) -> HashSet<&str> {
    template_pointers(value)
        .iter()
        .filter_map(|p| value.pointer(p).and_then(Value::as_str))
        .collect()
}

/// What a saved plan touches on one target, read again to check it is not stale: the same
/// objects, with the same fields (settings read one request each) as when it was planned, so
/// their fingerprints compare.
pub fn scope(plan: &Plan, target: &str) -> ObservePlan {
    ObservePlan::for_keys(
        plan.actions
            .iter()
            .filter(|a| a.target == target)
            .map(|a| (a.kind.as_str(), a.key.as_str(), &a.desired)),
    )
}

/// A saved plan is only valid while every object it writes is as it was when planned.
pub fn refuse_if_stale(plan: &Plan, inventories: &Inventories) -> anyhow::Result<()> {
    let changed: Vec<String> = plan
        .actions
        .iter()
        .filter(|a| a.changes_anything())
        .filter(|a| {
            inventories
                .get(&a.target)
                .and_then(|i| i.get(&TargetKey::new(&a.kind, &a.key)))
                .map(|l| l.fingerprint_of(&a.desired))
                != a.live_fingerprint
        })
        .map(|a| a.object())
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "the plan is stale: {} changed live since it was made ({}); run `switchboard plan` again",
        changed.join(", "),
        plan.observed_at
    )
}

/// What apply will run, rendered from the steps themselves (not from the plan's description
/// of its changes, which an edited plan could make say something else).
pub fn render_steps(plan: &Plan) -> String {
    let mut out = String::from("Steps to run, from the saved plan:\n");
    for a in plan.actions.iter().filter(|a| a.changes_anything()) {
        let _ = writeln!(
            out,
            "  {} {} on `{}`",
            a.action.symbol(),
            safe(&a.object()),
            safe(&a.target)
        );
        for s in &a.steps {
            let input = s.input.to_string();
            let shown: String = input.chars().take(200).collect();
            let more = if input.len() > shown.len() {
                " …"
            } else {
                ""
            };
            let _ = writeln!(out, "    {} {}{more}", safe(&s.name), safe(&shown));
        }
    }
    let s = &plan.summary;
    let _ = writeln!(
        out,
        "{} to create, {} to update, {} to delete.",
        s.create, s.update, s.delete
    );
    out
}
