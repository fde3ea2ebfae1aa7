//! Partial plans (`plan --changed-since REV`): which documents changed since a revision, which
//! managed objects depend on them, and the resolved set narrowed to those, so that only they
//! are read from the targets and planned. Everything is still loaded and resolved first: keys
//! and references need the whole set.

use crate::manifest::ManifestSet;
use crate::model::{DesiredObject, ObjectRef, TargetKey};
use crate::providers::kind_info;
use crate::resolve::{ExternalRef, Resolved, ResolvedObject};
use std::collections::{BTreeMap, HashMap, HashSet};

/// How the documents differ between a revision and now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    /// Documents that are new, or whose effective content differs.
    pub changed: HashSet<ObjectRef>,
    /// Documents at the revision that are gone now, sorted.
    pub deleted: Vec<ObjectRef>,
}

/// Compare the effective documents (CallingPolicy settings merged in) of `before` and `now`,
/// per identity: spec as written (templates, not secret values), labels and target. A changed
/// policy so changes every document it selected before or selects now. Declarations are not
/// objects and are compared only through their effect.
pub fn changed_documents(before: &ManifestSet, now: &ManifestSet) -> Changes {
    fn objects(set: &ManifestSet) -> Vec<&DesiredObject> {
        set.objects
            .iter()
            .filter(|o| kind_info(&o.id.kind).is_none_or(|k| !k.is_declaration()))
            .collect()
    }
    let old: HashMap<&ObjectRef, &DesiredObject> =
        objects(before).into_iter().map(|o| (&o.id, o)).collect();
    let current: HashSet<&ObjectRef> = objects(now).into_iter().map(|o| &o.id).collect();
    let changed = objects(now)
        .into_iter()
        .filter(|o| {
            old.get(&o.id).is_none_or(|was| {
                was.spec_template != o.spec_template
                    || was.labels != o.labels
                    || was.target != o.target
            })
        })
        .map(|o| o.id.clone())
        .collect();
    let mut deleted: Vec<ObjectRef> = old
        .keys()
        .filter(|id| !current.contains(*id))
        .map(|id| (*id).clone())
        .collect();
    deleted.sort();
    Changes { changed, deleted }
}

/// Which objects a partial plan covers: the changed ones and, transitively, every managed
/// object that depends on one (a renamed location changes the trunks that name it).
pub fn select(resolved: &Resolved, changed: &HashSet<ObjectRef>) -> Vec<bool> {
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); resolved.objects.len()];
    for (i, o) in resolved.objects.iter().enumerate() {
        for &j in &o.depends_on {
            dependents[j].push(i);
        }
    }
    let mut selected = vec![false; resolved.objects.len()];
    let mut pending: Vec<usize> = resolved
        .objects
        .iter()
        .enumerate()
        .filter(|(_, o)| changed.contains(&o.desired.id))
        .map(|(i, _)| i)
        .collect();
    while let Some(i) = pending.pop() {
        if !std::mem::replace(&mut selected[i], true) {
            pending.extend(&dependents[i]);
        }
    }
    selected
}

/// Per target and kind, the managed objects left out of the selection. A partial plan does not
/// read them, and its safety thresholds count them as existing: they are unchanged since the
/// revision, so a plan that changes 20 of 5,000 trunks is not refused as changing 20 of 20.
pub fn unread(resolved: &Resolved, selected: &[bool]) -> BTreeMap<(String, String), usize> {
    let mut counts = BTreeMap::new();
    for (o, _) in resolved
        .objects
        .iter()
        .zip(selected)
        .filter(|(_, selected)| !**selected)
    {
        *counts
            .entry((o.target().to_string(), o.desired.id.kind.clone()))
            .or_default() += 1;
    }
    counts
}

/// Only the selected objects. A reference from one of them to a managed object left out
/// becomes an external reference, checked live like a reference to an unmanaged object: that
/// object is unchanged, but nothing says it exists.
pub fn narrow(resolved: Resolved, selected: &[bool]) -> Resolved {
    let mut new_index = vec![None; resolved.objects.len()];
    for (next, (i, _)) in selected.iter().enumerate().filter(|(_, s)| **s).enumerate() {
        new_index[i] = Some(next);
    }
    let identities: Vec<(ObjectRef, String, TargetKey)> = resolved
        .objects
        .iter()
        .map(|o| (o.desired.id.clone(), o.target().to_string(), o.target_key()))
        .collect();
    let objects = resolved
        .objects
        .into_iter()
        .zip(selected)
        .filter(|(_, selected)| **selected)
        .map(|(mut o, _)| {
            for &j in &o.depends_on {
                if new_index[j].is_none() {
                    let (id, target, key) = &identities[j];
                    let pointer = reference_to(&o, id, key);
                    o.external.push(ExternalRef {
                        pointer,
                        target: target.clone(),
                        key: key.clone(),
                    });
                }
            }
            o.depends_on = o.depends_on.iter().filter_map(|&j| new_index[j]).collect();
            o
        })
        .collect();
    let order = resolved
        .order
        .iter()
        .filter_map(|&i| new_index[i])
        .collect();
    Resolved { objects, order }
}

/// The pointer of `o`'s reference to the object `id` (named by manifest name or by key).
fn reference_to(o: &ResolvedObject, id: &ObjectRef, key: &TargetKey) -> String {
    o.desired
        .references
        .iter()
        .find(|r| {
            r.target_kind == id.kind
                && (r.target_name == id.name
                    || TargetKey::new(&r.target_kind, &r.target_name) == *key)
        })
        .map(|r| r.pointer.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::validate::validate_document;
    use crate::manifest::yaml::parse_documents;

    const MANIFESTS: &str = "apiVersion: switchboard/v1\nkind: Location\nmetadata: {name: hq}\nspec:\n  name: HQ\n  timeZone: Europe/Madrid\n  preferredLanguage: es_es\n  announcementLanguage: es_es\n  address: {address1: Calle 1, city: Madrid, state: Madrid, postalCode: \"28001\", country: ES}\n---\napiVersion: switchboard/v1\nkind: Trunk\nmetadata: {name: sbc}\nspec:\n  name: SBC\n  locationRef: hq\n  password: ${env:PW}\n  trunkType: REGISTERING\n---\napiVersion: switchboard/v1\nkind: RouteGroup\nmetadata: {name: rg}\nspec:\n  name: RG\n  localGateways: [{trunkRef: sbc, priority: 1}]\n---\napiVersion: switchboard/v1\nkind: Location\nmetadata: {name: other}\nspec:\n  name: Other\n  timeZone: Europe/Madrid\n  preferredLanguage: es_es\n  announcementLanguage: es_es\n  address: {address1: Calle 2, city: Madrid, state: Madrid, postalCode: \"28001\", country: ES}\n";

    fn load(text: &str, password: &str) -> ManifestSet {
        let env = |_: &str| Some(password.to_string());
        let objects = parse_documents("m.yaml", text)
            .expect("yaml")
            .iter()
            .map(|d| validate_document(d, &env).expect("valid"))
            .collect();
        ManifestSet { objects }
    }

    fn names(ids: impl IntoIterator<Item = ObjectRef>) -> Vec<String> {
        let mut names: Vec<String> = ids.into_iter().map(|id| id.to_string()).collect();
        names.sort();
        names
    }

    #[test]
    fn documents_compare_as_written_so_secret_values_never_count() {
        let before = load(MANIFESTS, "one");
        assert_eq!(
            changed_documents(&before, &load(MANIFESTS, "two")),
            Changes::default()
        );
        let now = MANIFESTS.replace("name: SBC", "name: SBC 2").replace(
            "---\napiVersion: switchboard/v1\nkind: Location\nmetadata: {name: other}",
            "---\napiVersion: switchboard/v1\nkind: Location\nmetadata: {name: new}",
        );
        let changes = changed_documents(&before, &load(&now, "one"));
        assert_eq!(names(changes.changed), vec!["Location/new", "Trunk/sbc"]);
        assert_eq!(names(changes.deleted), vec!["Location/other"]);
    }

    #[test]
    fn dependents_are_selected_and_references_out_of_the_selection_are_checked_live() {
        let resolved = crate::resolve::resolve(load(MANIFESTS, "pw")).expect("resolves");
        let changed: HashSet<ObjectRef> = [ObjectRef::new("Trunk", "sbc")].into();
        let selected = select(&resolved, &changed);
        let chosen: Vec<String> = resolved
            .objects
            .iter()
            .zip(&selected)
            .filter(|(_, s)| **s)
            .map(|(o, _)| o.desired.id.to_string())
            .collect();
        assert_eq!(chosen, vec!["Trunk/sbc", "RouteGroup/rg"]);
        assert_eq!(
            unread(&resolved, &selected),
            [(("".to_string(), "Location".to_string()), 2)].into()
        );
        let narrowed = narrow(resolved, &selected);
        assert_eq!(narrowed.objects.len(), 2);
        let trunk = &narrowed.objects[0];
        assert!(trunk.depends_on.is_empty());
        assert_eq!(trunk.external.len(), 1);
        assert_eq!(trunk.external[0].pointer, "/locationRef");
        assert_eq!(trunk.external[0].key, TargetKey::new("Location", "HQ"));
        assert_eq!(narrowed.objects[1].depends_on, vec![0], "re-indexed");
        assert_eq!(narrowed.order, vec![0, 1]);
    }
}
