//! Stage 3: which target each document goes to: the only target of its kind's provider in the
//! environment, or the one `metadata.target` names when there are several (like a Terraform
//! provider alias). Runs between loading and resolving, so a misplaced document is reported with
//! its position before anything is read from a target.

use crate::config::Selected;
use crate::manifest::{Diagnostic, Diagnostics, ManifestSet};
use crate::providers::kind_info;
use crate::resolve::Resolved;

/// Fill every object's `target`, or say why it cannot be placed.
pub fn place(mut set: ManifestSet, selected: &Selected) -> Result<ManifestSet, Diagnostics> {
    let mut problems = Diagnostics::default();
    for o in &mut set.objects {
        let provider = kind_info(&o.id.kind)
            .map(|k| k.provider)
            .unwrap_or_default();
        let candidates: Vec<&str> = selected
            .all_targets
            .iter()
            .filter(|(_, t)| t.provider == provider)
            .map(|(name, _)| name.as_str())
            .collect();
        let placed = match (&o.target, candidates.as_slice()) {
            (Some(t), _) if candidates.contains(&t.as_str()) => Ok(t.clone()),
            (Some(t), []) | (Some(t), _) => Err((
                format!(
                    "metadata.target `{t}` is not a {provider} target of environment `{}`",
                    selected.environment
                ),
                format!("its {provider} targets: {}", list(&candidates)),
            )),
            (None, [only]) => Ok((*only).to_string()),
            (None, []) => Err((
                format!(
                    "environment `{}` has no {provider} target for this {}",
                    selected.environment, o.id.kind
                ),
                format!(
                    "add a target with `provider: {provider}` to the environment in switchboard.yaml, or pick another with --env"
                ),
            )),
            (None, several) => Err((
                format!(
                    "environment `{}` has several {provider} targets; say which one this {} goes to",
                    selected.environment, o.id.kind
                ),
                format!("set metadata.target to one of: {}", list(several)),
            )),
        };
        match placed {
            Ok(target) => o.target = Some(target),
            Err((message, hint)) => problems.push(
                Diagnostic::new(o.source.clone(), message)
                    .object(o.id.to_string())
                    .path("/metadata/target")
                    .hint(hint),
            ),
        }
    }
    // `--target` narrows the run: what goes elsewhere is not this run's business.
    set.objects.retain(|o| {
        o.target
            .as_ref()
            .is_some_and(|t| selected.targets.contains_key(t))
    });
    problems.into_result(set)
}

/// A reference to an unmanaged object of another provider points at that provider's target
/// (its only one in the environment); resolve assumed the referencing object's own target.
pub fn retarget_external(resolved: &mut Resolved, selected: &Selected) {
    for o in &mut resolved.objects {
        let own = kind_info(&o.desired.id.kind).map(|k| k.provider);
        for external in &mut o.external {
            let provider = kind_info(&external.key.kind).map(|k| k.provider);
            if provider == own {
                continue;
            }
            let mut of_provider = selected
                .all_targets
                .iter()
                .filter(|(_, t)| Some(t.provider.as_str()) == provider);
            if let (Some((name, _)), None) = (of_provider.next(), of_provider.next()) {
                external.target = name.clone();
            }
        }
    }
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}
