//! Stage 4: references by manifest name become graph edges; each object gets its natural key and
//! a spec whose references hold their targets' keys (the shape live objects are observed in).

use crate::graph::{self, DependencyGraph};
use crate::manifest::{Diagnostic, Diagnostics, ManifestSet};
use crate::model::{DesiredObject, ObjectRef, TargetKey};
use crate::providers::kind_info;
use serde_json::Value;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct ResolvedObject {
    pub desired: DesiredObject,
    pub key: String,
    /// Interpolated spec, references replaced by target keys. Holds secrets: never persisted.
    pub spec: Value,
    /// The same with secret templates left in place: safe to save in a plan.
    pub template: Value,
    /// Indices (into `Resolved::objects`) of the managed objects this one references.
    pub depends_on: Vec<usize>,
    /// Targets that no manifest manages: they must already exist live.
    pub external: Vec<ExternalRef>,
}

/// A reference to an object no manifest manages.
#[derive(Debug, Clone)]
pub struct ExternalRef {
    /// JSON pointer of the reference inside `spec`.
    pub pointer: String,
    /// The target it must exist on.
    pub target: String,
    pub key: TargetKey,
}

impl ResolvedObject {
    pub fn target_key(&self) -> TargetKey {
        TargetKey::new(&self.desired.id.kind, &self.key)
    }
    /// The target the object goes to ("" before placement, as in `validate`).
    pub fn target(&self) -> &str {
        self.desired.target.as_deref().unwrap_or_default()
    }
}

#[derive(Debug, Clone)]
pub struct Resolved {
    pub objects: Vec<ResolvedObject>,
    /// Dependencies first.
    pub order: Vec<usize>,
}

pub fn resolve(set: ManifestSet) -> Result<Resolved, Diagnostics> {
    let objects = set.objects;
    let index: HashMap<&ObjectRef, usize> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| (&o.id, i))
        .collect();

    // Pass 1: edges for references that name a manifest.
    let mut edges = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        for r in &o.references {
            if let Some(&j) = index.get(&ObjectRef::new(&r.target_kind, &r.target_name)) {
                edges.push((i, j));
            }
        }
    }
    let first = graph::build(objects.len(), &edges).map_err(|c| cycle_error(&objects, &c.0))?;

    // Pass 2: keys in dependency order, then references that name a managed object by its key.
    let keys = compute_keys(&objects, &index, &first);
    refuse_secret_keys(&objects, &index, &keys).into_result(())?;
    let placed_key = |o: &DesiredObject, kind: &str, key: &str| {
        (
            o.target.clone().unwrap_or_default(),
            TargetKey::new(kind, key),
        )
    };
    let mut by_key: HashMap<(String, TargetKey), usize> = objects
        .iter()
        .zip(&keys)
        .enumerate()
        .map(|(i, (o, k))| (placed_key(o, &o.id.kind, k), i))
        .collect();
    let mut problems = Diagnostics::default();
    for (i, (o, k)) in objects.iter().zip(&keys).enumerate() {
        if let Some(&j) = by_key.get(&placed_key(o, &o.id.kind, k))
            && j != i
        {
            problems.push(
                Diagnostic::new(
                    o.source.clone(),
                    format!(
                        "{} and {} both manage {} '{k}'",
                        objects[j].id, o.id, o.id.kind
                    ),
                )
                .object(o.id.to_string())
                .hint("keep one manifest per live object"),
            );
        }
    }
    problems.into_result(())?;
    // Keys an object's member list provides (a location's numbers): a reference to one depends
    // on that object. The object's own key wins where both exist.
    for (i, o) in objects.iter().enumerate() {
        for key in provided(&o.id.kind, &o.spec) {
            by_key
                .entry((o.target.clone().unwrap_or_default(), key))
                .or_insert(i);
        }
    }
    for (i, o) in objects.iter().enumerate() {
        for r in o
            .references
            .iter()
            .filter(|r| index_of(&index, r).is_none())
        {
            // An object may provide the key it references itself (a person's calling document
            // provides the person): no edge to itself.
            if let Some(&j) = by_key.get(&placed_key(o, &r.target_kind, &r.target_name))
                && j != i
            {
                edges.push((i, j));
            }
        }
    }
    edges.extend(sibling_edges(&objects, &keys, &index));
    let graph = graph::build(objects.len(), &edges).map_err(|c| cycle_error(&objects, &c.0))?;
    drop(index);

    let resolved = objects
        .into_iter()
        .zip(keys)
        .enumerate()
        // The specs move into the resolved object (references are rewritten there): no copy of
        // a large org's specs is kept twice.
        .map(|(i, (mut desired, key))| ResolvedObject {
            spec: std::mem::take(&mut desired.spec),
            template: std::mem::take(&mut desired.spec_template),
            desired,
            key,
            depends_on: graph.dependencies[i].clone(),
            external: Vec::new(),
        })
        .collect::<Vec<_>>();
    Ok(finish(resolved, &graph))
}

/// Edges from an object to its siblings (same parent key, same target) of the kinds its kind
/// must follow (`DiffRules::after_siblings`). One pass to place every child under its parent,
/// then a lookup per follower: linear in the objects.
fn sibling_edges(
    objects: &[DesiredObject],
    keys: &[String],
    index: &HashMap<&ObjectRef, usize>,
) -> Vec<(usize, usize)> {
    // The parent key as resolved: a reference by manifest name reads as the parent's key.
    let parent_of = |i: usize| -> Option<(String, &'static str, String)> {
        let o = &objects[i];
        let info = kind_info(&o.id.kind)?;
        let (field, _) = info.parent()?;
        let pointer = format!("/{field}");
        let by_name = o
            .references
            .iter()
            .find(|r| r.pointer == pointer)
            .and_then(|r| index_of(index, r));
        let parent = match by_name {
            Some(j) => keys[j].to_lowercase(),
            None => o.spec.get(field)?.as_str()?.to_lowercase(),
        };
        Some((o.target.clone().unwrap_or_default(), info.kind, parent))
    };
    let placed: Vec<Option<(String, &'static str, String)>> =
        (0..objects.len()).map(parent_of).collect();
    let mut children: HashMap<(&str, &str, &str), Vec<usize>> = HashMap::new();
    for (j, p) in placed.iter().enumerate() {
        if let Some((target, kind, parent)) = p {
            children
                .entry((target.as_str(), *kind, parent.as_str()))
                .or_default()
                .push(j);
        }
    }
    let mut edges = Vec::new();
    for (i, p) in placed.iter().enumerate() {
        let Some((target, kind, parent)) = p else {
            continue;
        };
        let Some(info) = kind_info(kind) else {
            continue;
        };
        for first in info.diff_rules.after_siblings {
            if let Some(siblings) = children.get(&(target.as_str(), *first, parent.as_str())) {
                edges.extend(siblings.iter().map(|&j| (i, j)));
            }
        }
    }
    edges
}

/// The keys of another kind that `o`'s member list provides (see `KindInfo::provides`).
pub fn provided_keys(o: &ResolvedObject) -> Vec<TargetKey> {
    provided(&o.desired.id.kind, &o.spec)
}

fn provided(kind: &str, spec: &Value) -> Vec<TargetKey> {
    let Some((list, provided_kind)) = kind_info(kind).and_then(|k| k.provides) else {
        return Vec::new();
    };
    let items = match spec.pointer(list) {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    items
        .into_iter()
        .filter_map(Value::as_str)
        .map(|item| TargetKey::new(provided_kind, item))
        .collect()
}

fn index_of(index: &HashMap<&ObjectRef, usize>, r: &crate::model::Reference) -> Option<usize> {
    index
        .get(&ObjectRef::new(&r.target_kind, &r.target_name))
        .copied()
}

/// Replace every reference with its target's key and list the external targets.
fn finish(mut objects: Vec<ResolvedObject>, graph: &DependencyGraph) -> Resolved {
    let ids: HashMap<ObjectRef, String> = objects
        .iter()
        .map(|o| (o.desired.id.clone(), o.key.clone()))
        .collect();
    for o in &mut objects {
        for r in &o.desired.references {
            let target = ids
                .get(&ObjectRef::new(&r.target_kind, &r.target_name))
                .cloned();
            let key = target.clone().unwrap_or_else(|| r.target_name.clone());
            for value in [&mut o.spec, &mut o.template] {
                if let Some(slot) = value.pointer_mut(&r.pointer) {
                    *slot = Value::String(key.clone());
                }
            }
            if target.is_none() {
                o.external.push(ExternalRef {
                    pointer: r.pointer.clone(),
                    target: o.desired.target.clone().unwrap_or_default(),
                    key: TargetKey::new(&r.target_kind, key),
                });
            }
        }
    }
    Resolved {
        objects,
        order: graph.order.clone(),
    }
}

fn compute_keys(
    objects: &[DesiredObject],
    index: &HashMap<&ObjectRef, usize>,
    graph: &DependencyGraph,
) -> Vec<String> {
    let mut keys = vec![String::new(); objects.len()];
    for &i in &graph.order {
        let o = &objects[i];
        keys[i] = key_of(o, &o.spec, index, &keys);
    }
    keys
}

/// The natural key of `spec` (the object's spec or its template), references replaced by the
/// keys of their targets.
fn key_of(
    o: &DesiredObject,
    spec: &Value,
    index: &HashMap<&ObjectRef, usize>,
    keys: &[String],
) -> String {
    let mut spec = spec.clone();
    for r in &o.references {
        let key = index_of(index, r)
            .map(|j| keys[j].clone())
            .unwrap_or_else(|| r.target_name.clone());
        if let Some(slot) = spec.pointer_mut(&r.pointer) {
            *slot = Value::String(key);
        }
    }
    kind_info(&o.id.kind)
        .map(|k| (k.natural_key)(&spec))
        .unwrap_or_default()
}

/// A natural key is written to plans, journals and summaries: a secret template in a field
/// the key is made of would put the secret there, so it is refused.
fn refuse_secret_keys(
    objects: &[DesiredObject],
    index: &HashMap<&ObjectRef, usize>,
    keys: &[String],
) -> Diagnostics {
    let mut problems = Diagnostics::default();
    for (i, o) in objects.iter().enumerate() {
        if !o.sensitive.is_empty() && key_of(o, &o.spec_template, index, keys) != keys[i] {
            problems.push(
                Diagnostic::new(
                    o.source.clone(),
                    "a secret template (`${env:…}`) in a field of the object's key; the key is written to plans and journals",
                )
                .object(o.id.to_string())
                .hint("write the name literally; secrets belong in fields like a password"),
            );
        }
    }
    problems
}

fn cycle_error(objects: &[DesiredObject], cycle: &[usize]) -> Diagnostics {
    let mut names: Vec<String> = cycle.iter().map(|&i| objects[i].id.to_string()).collect();
    if let Some(first) = names.first().cloned() {
        names.push(first);
    }
    let source = cycle
        .first()
        .map(|&i| objects[i].source.clone())
        .unwrap_or_default();
    let mut d = Diagnostics::default();
    d.push(
        Diagnostic::new(source, format!("reference cycle: {}", names.join(" → ")))
            .hint("objects cannot depend on each other in a loop; remove one of the references"),
    );
    d
}
