//! Bulk observation of one target, scoped to what the manifests need and ordered by the kinds'
//! references: a kind is read once the kinds it references are (their ids map its references
//! to keys), and kinds of the same depth are read concurrently.

use super::Inventory;
use crate::model::LiveObject;
use crate::ownership::Rule;
use crate::progress::Progress;
use crate::providers::{ConnectedTarget, IdIndex, KindInfo, ProviderError, Scope, kind_info};
use crate::resolve::Resolved;
use std::collections::BTreeMap;

/// What to read of one target: a scope per kind.
#[derive(Debug, Clone, Default)]
pub struct ObservePlan {
    pub kinds: BTreeMap<&'static str, Scope>,
}

impl ObservePlan {
    /// Every object of every given kind, in full detail (`inventory pull`).
    pub fn everything(kinds: impl IntoIterator<Item = &'static KindInfo>) -> Self {
        Self {
            kinds: kinds.into_iter().map(|k| (k.kind, Scope::all())).collect(),
        }
    }
}

/// The scopes the manifests and ownership rules need on `target`: detail for the managed and
/// referenced keys, children only under the parents asked about, everything of owned kinds, and
/// a list (no detail) of each kind they reference, to map its ids.
pub fn scopes_for(
    resolved: &Resolved,
    rules: &[Rule],
    target: &str,
    provider: &str,
) -> ObservePlan {
    let mut kinds: BTreeMap<&'static str, Scope> = BTreeMap::new();
    fn scope_of<'m>(
        kinds: &'m mut BTreeMap<&'static str, Scope>,
        kind: &str,
    ) -> Option<&'m mut Scope> {
        let info = kind_info(kind)?;
        Some(
            kinds
                .entry(info.kind)
                .or_insert_with(|| Scope::list_only(info.parent().is_some())),
        )
    }
    for o in resolved.objects.iter().filter(|o| o.target() == target) {
        let info = kind_info(&o.desired.id.kind);
        if let Some(scope) = scope_of(&mut kinds, &o.desired.id.kind) {
            let fields = o.spec.as_object().into_iter().flat_map(|m| m.keys());
            scope.add_fields(&o.key, fields);
            if let Some((field, _)) = info.and_then(KindInfo::parent)
                && let Some(parent) = o.spec.get(field).and_then(|v| v.as_str())
            {
                scope.add_parent(parent);
            }
        }
        for external in o.external.iter().filter(|e| e.target == target) {
            if let Some(scope) = scope_of(&mut kinds, &external.key.kind) {
                scope.add_detail(&external.key.key);
                // Where an unmanaged child lives is only known once it is read.
                scope.all_parents();
            }
        }
    }
    for rule in rules
        .iter()
        .filter(|r| r.target.as_deref().is_none_or(|t| t == target))
    {
        if kind_info(&rule.kind).is_some_and(|k| k.provider == provider)
            && let Some(scope) = scope_of(&mut kinds, &rule.kind)
        {
            *scope = Scope::all();
        }
    }
    with_referenced_kinds(kinds)
}

impl ObservePlan {
    /// Detail for these `(kind, key, desired spec)`s only, with the fields each spec sets
    /// (apply of a saved plan reads what it will touch, as the plan read it).
    pub fn for_keys<'a>(
        keys: impl IntoIterator<Item = (&'a str, &'a str, &'a serde_json::Value)>,
    ) -> Self {
        let mut kinds: BTreeMap<&'static str, Scope> = BTreeMap::new();
        for (kind, key, desired) in keys {
            if let Some(info) = kind_info(kind) {
                let scope = kinds
                    .entry(info.kind)
                    .or_insert_with(|| Scope::list_only(false));
                match desired.as_object() {
                    Some(fields) => scope.add_fields(key, fields.keys()),
                    None => scope.add_all_fields(key),
                }
            }
        }
        with_referenced_kinds(kinds)
    }
}

/// Add the kinds referenced by what is read, transitively: listed, so ids map to keys.
fn with_referenced_kinds(mut kinds: BTreeMap<&'static str, Scope>) -> ObservePlan {
    let mut pending: Vec<&'static str> = kinds.keys().copied().collect();
    while let Some(kind) = pending.pop() {
        let Some(info) = kind_info(kind) else {
            continue;
        };
        for (_, referenced) in info.ref_fields {
            if let Some(r) = kind_info(referenced)
                && !kinds.contains_key(r.kind)
            {
                kinds.insert(r.kind, Scope::list_only(r.parent().is_some()));
                pending.push(r.kind);
            }
        }
    }
    ObservePlan { kinds }
}

/// Read `plan` from one target.
pub async fn observe(
    target: &dyn ConnectedTarget,
    environment: &str,
    name: &str,
    plan: &ObservePlan,
    progress: &Progress,
) -> Result<Inventory, ProviderError> {
    let mut ids = IdIndex::default();
    let mut objects: Vec<LiveObject> = Vec::new();
    for wave in waves(plan.kinds.keys().copied()) {
        let reads = wave.iter().map(|kind| {
            let (scope, ids) = (&plan.kinds[kind], &ids);
            async move {
                let found = target.observe(kind, scope, ids).await;
                progress.inc(1);
                found
            }
        });
        for found in futures::future::join_all(reads).await {
            let found = found?;
            ids.extend(&found);
            objects.extend(found);
        }
    }
    Ok(Inventory::new(environment, name, objects))
}

/// The kinds in waves: each wave references only kinds of earlier waves.
fn waves(kinds: impl Iterator<Item = &'static str>) -> Vec<Vec<&'static str>> {
    let kinds: Vec<&'static str> = kinds.collect();
    let mut depth: BTreeMap<&'static str, usize> = BTreeMap::new();
    fn depth_of(
        kind: &'static str,
        kinds: &[&'static str],
        depth: &mut BTreeMap<&'static str, usize>,
        seen: &mut Vec<&'static str>,
    ) -> usize {
        if let Some(&d) = depth.get(kind) {
            return d;
        }
        // A reference loop between kinds cannot order them: cut it where it closes.
        if seen.contains(&kind) {
            return 0;
        }
        seen.push(kind);
        let d = kind_info(kind)
            .map(|info| {
                info.ref_fields
                    .iter()
                    .filter(|(_, r)| kinds.contains(r) && *r != kind)
                    .filter_map(|(_, r)| kind_info(r))
                    .map(|r| depth_of(r.kind, kinds, depth, seen) + 1)
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        seen.pop();
        depth.insert(kind, d);
        d
    }
    for kind in &kinds {
        depth_of(kind, &kinds, &mut depth, &mut Vec::new());
    }
    let levels = depth.values().max().map_or(0, |m| m + 1);
    let mut out = vec![Vec::new(); levels];
    for (kind, d) in depth {
        out[d].push(kind);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_read_after_the_kinds_they_reference() {
        let all = ["DialPlan", "Schedule", "Trunk", "Location", "RouteGroup"];
        let waves = waves(all.into_iter());
        let wave_of = |k: &str| waves.iter().position(|w| w.contains(&k)).expect("placed");
        assert_eq!(wave_of("Location"), 0);
        assert!(wave_of("Trunk") > wave_of("Location"));
        assert!(wave_of("RouteGroup") > wave_of("Trunk"));
        assert!(wave_of("DialPlan") > wave_of("RouteGroup"));
        assert_eq!(
            wave_of("Schedule"),
            wave_of("Trunk"),
            "independent kinds read together"
        );
    }
}
