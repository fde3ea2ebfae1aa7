//! The shared front half of plan, apply and drift: load → validate → place → resolve →
//! observe → plan.

use super::target::Connections;
use crate::config::Selected;
use crate::inventory::{self, Inventories, ObservePlan};
use crate::manifest::{self, Diagnostics, ManifestSet};
use crate::ownership::{self, Rule};
use crate::partial;
use crate::placement;
use crate::plan::{self, Plan, PlanInput};
use crate::policy;
use crate::progress::Progress;
use crate::providers::kind_info;
use crate::resolve::{self, Resolved};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

/// Read the process environment (which includes a loaded .env file).
pub fn env_lookup(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Validated manifests, placed on their targets and resolved, with the ownership rules.
pub struct Desired {
    pub selected: Selected,
    pub resolved: Resolved,
    pub rules: Vec<Rule>,
    /// Set when only what changed since a revision is planned (`plan --changed-since`).
    pub partial: Option<Narrowed>,
}

/// How a partial plan was narrowed: what it says about itself, and the managed objects it did
/// not read (counted as existing by its safety thresholds).
pub struct Narrowed {
    pub partial: plan::model::Partial,
    pub unread: std::collections::BTreeMap<(String, String), usize>,
}

/// Offline: manifests → resolved objects (no target needed; `validate`).
pub fn load_and_resolve(paths: &[PathBuf]) -> Result<Resolved, Diagnostics> {
    let set = load_effective(paths)?;
    let (set, _) = ownership::split(set, |name| Some(name.to_string()))?;
    resolve::resolve(set)
}

/// The manifests as they take effect: loaded, validated, and with every CallingPolicy merged
/// into the documents it selects (a policy that selects nothing is a warning, not an error).
pub fn load_effective(paths: &[PathBuf]) -> Result<ManifestSet, Diagnostics> {
    let applied = policy::apply(manifest::load(paths, &env_lookup)?)?;
    for warning in &applied.warnings {
        crate::shout!("{warning}");
    }
    Ok(applied.set)
}

pub fn load_desired(paths: &[PathBuf], selected: Selected) -> Result<Desired, Diagnostics> {
    desired_from(load_effective(paths)?, selected)
}

/// Effective manifests → placed, resolved and checked against the environment.
pub fn desired_from(set: ManifestSet, selected: Selected) -> Result<Desired, Diagnostics> {
    // A Location manifest's name → its natural key, for Ownership's locationRef.
    let locations: HashMap<String, String> = set
        .objects
        .iter()
        .filter(|o| o.id.kind == "Location")
        .filter_map(|o| {
            let info = kind_info(&o.id.kind)?;
            Some((o.id.name.clone(), (info.natural_key)(&o.spec)))
        })
        .collect();
    let (set, mut rules) = ownership::split(set, |name| locations.get(name).cloned())?;
    let set = placement::place(set, &selected)?;
    let mut resolved = resolve::resolve(set)?;
    placement::retarget_external(&mut resolved, &selected);
    let mut problems = Diagnostics::default();
    // A manifest may not read a target's credentials or the plan key: their values would end
    // up in requests to the target, or in anything a mistake lets them reach.
    let forbidden = forbidden_variables(&selected);
    for o in &resolved.objects {
        for name in template_variables(&o.template) {
            if forbidden.contains(&name) {
                problems.push(
                    manifest::Diagnostic::new(
                        o.desired.source.clone(),
                        format!("`${{env:{name}}}` is a credential of this environment; a manifest may not read it"),
                    )
                    .object(o.desired.id.to_string())
                    .hint("give the secret its own variable (e.g. MADRID_SBC_PASSWORD)"),
                );
            }
        }
        register_template_values(&o.template);
    }
    register_credentials(&selected);
    for rule in &rules {
        if let Some(t) = &rule.target
            && !selected.all_targets.contains_key(t)
        {
            problems.push(
                manifest::Diagnostic::new(
                    Default::default(),
                    format!(
                        "{} names target `{t}`, which environment `{}` does not have",
                        rule.origin, selected.environment
                    ),
                )
                .object(rule.origin.clone())
                .hint("fix spec.target, or pick the environment with --env"),
            );
        }
    }
    // `--target` narrows the run: rules about other targets are not its business.
    rules.retain(|r| {
        r.target
            .as_ref()
            .is_none_or(|t| selected.targets.contains_key(t))
    });
    problems.into_result(Desired {
        selected,
        resolved,
        rules,
        partial: None,
    })
}

/// `plan --changed-since REV`: everything loaded and resolved as usual, then narrowed to the
/// documents whose effective content differs from REV's (the working tree counts, committed or
/// not) and the managed objects that depend on them.
pub fn load_changed_since(
    paths: &[PathBuf],
    selected: Selected,
    revision: &str,
) -> anyhow::Result<Desired> {
    let at = manifest::revision::files_at(paths, revision)?;
    let now = load_effective(paths).map_err(super::report)?;
    let changes = partial::changed_documents(&effective_at_revision(&at.files), &now);
    let desired = desired_from(now, selected).map_err(super::report)?;
    Ok(desired.narrowed(&changes, at.revision))
}

/// The effective documents of the files at a revision. Their variables may not be set any more,
/// so every `${env:…}` is filled with a placeholder: only templates are compared. Policies that
/// do not merge there leave the documents as written, which then count as changed: a partial
/// plan may plan too much, never too little.
fn effective_at_revision(files: &[(String, String)]) -> ManifestSet {
    let set = manifest::load::load_texts(files, &|_| Some("unset".to_string()));
    policy::apply(set.clone()).map_or(set, |applied| applied.set)
}

impl Desired {
    /// Only the changed objects and their dependents, no ownership deletes (they need every
    /// object of a kind read).
    fn narrowed(mut self, changes: &partial::Changes, since: manifest::revision::Revision) -> Self {
        let chosen = partial::select(&self.resolved, &changes.changed);
        let total = self.resolved.objects.len();
        let unread = partial::unread(&self.resolved, &chosen);
        self.resolved = partial::narrow(self.resolved, &chosen);
        self.rules.clear();
        self.partial = Some(Narrowed {
            partial: plan::model::Partial {
                since: plan::model::Since {
                    revision: since.given,
                    commit: since.commit,
                },
                selected: self.resolved.objects.len(),
                total,
                deleted_documents: changes.deleted.iter().map(ToString::to_string).collect(),
            },
            unread,
        });
        self
    }

    /// The targets the run must read: those objects go to, those their references point at,
    /// and those ownership rules cover.
    pub fn targets(&self) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = BTreeSet::new();
        for o in &self.resolved.objects {
            out.insert(o.target().to_string());
            out.extend(o.external.iter().map(|e| e.target.clone()));
        }
        for rule in &self.rules {
            let provider = kind_info(&rule.kind).map(|k| k.provider);
            out.extend(
                self.selected
                    .targets
                    .iter()
                    .filter(|(name, t)| {
                        rule.target.as_deref().is_none_or(|r| r == *name)
                            && Some(t.provider.as_str()) == provider
                    })
                    .map(|(name, _)| name.clone()),
            );
        }
        out.retain(|t| self.selected.targets.contains_key(t));
        out
    }

    pub fn observe_plan(&self, target: &str, provider: &str) -> ObservePlan {
        inventory::scopes_for(&self.resolved, &self.rules, target, provider)
    }

    pub fn plan(&self, inventories: &Inventories) -> Plan {
        let plan = plan::build(&PlanInput {
            environment: &self.selected.environment,
            resolved: &self.resolved,
            inventories,
            ownership: &self.rules,
            safety: &self.selected.safety,
        });
        let identities = target_identities(&self.selected, &plan.targets);
        let plan = plan.with_target_identities(identities);
        let Some(narrowed) = &self.partial else {
            return plan;
        };
        // Thresholds against what exists: the selected objects read live, plus the unread ones.
        let managed = self
            .resolved
            .objects
            .iter()
            .map(|o| (o.target().to_string(), o.target_key()))
            .collect();
        let mut existing = plan::deletes::existing(inventories, &[], &managed);
        for (at, count) in &narrowed.unread {
            *existing.entry(at.clone()).or_default() += count;
        }
        let thresholds = plan::deletes::trips(&plan.actions, &existing, &self.selected.safety);
        plan.with_partial(Some(narrowed.partial.clone()), thresholds)
    }
}

/// Observe every connected target with its own plan of kinds and scopes, concurrently.
pub async fn observe(
    connections: &Connections,
    plans: impl Fn(&str, &str) -> ObservePlan,
) -> anyhow::Result<Inventories> {
    let plans: Vec<(String, ObservePlan)> = connections
        .targets
        .iter()
        .map(|(name, c)| (name.clone(), plans(name, c.provider.name)))
        .collect();
    let total: usize = plans.iter().map(|(_, p)| p.kinds.len()).sum();
    let progress = Progress::new("observing", "kinds", total as u64, connections.gates());
    let reads = plans.iter().map(|(name, plan)| {
        let connected = &connections.targets[name];
        let progress = &progress;
        async move {
            let inventory = inventory::observe(
                connected.target.as_ref(),
                &connections.environment,
                name,
                plan,
                progress,
            )
            .await
            .map_err(|e| anyhow::anyhow!("cannot read the live inventory of target `{name}`: {e}"));
            (name.clone(), inventory)
        }
    });
    let results = futures::future::join_all(reads).await;
    progress.finish();
    let mut inventories = Inventories::new();
    for (name, inventory) in results {
        inventories.insert(name, inventory?);
    }
    for (name, c) in &connections.targets {
        let stats = c.gate.stats();
        tracing::info!(
            target = name.as_str(),
            requests = stats.requests,
            retries = stats.retries,
            "inventory read"
        );
        // Quiet when the target behaved; say what it cost when it did not.
        if stats.retries > 0 || stats.throttled > 0 {
            crate::shout!("Inventory of `{name}` read. {}", super::wire_cost(&stats));
        }
    }
    Ok(inventories)
}

/// The environment variables no manifest may read: every target's credentials and the
/// plan-signing key.
pub fn forbidden_variables(selected: &Selected) -> std::collections::BTreeSet<String> {
    let mut names: std::collections::BTreeSet<String> = selected
        .all_targets
        .values()
        .filter_map(|t| Some((crate::providers::provider(&t.provider)?, t)))
        .flat_map(|(p, t)| (p.credential_variables)(&t.settings))
        .collect();
    names.insert(crate::plan::signing::KEY_VARIABLE.to_string());
    names
}

/// Register the values of the environment's credentials (and the plan key) with the redactor.
pub fn register_credentials(selected: &Selected) {
    for name in forbidden_variables(selected) {
        if let Some(value) = env_lookup(&name) {
            crate::redact::register(&value);
        }
    }
}

/// Register the values the environment gives a template's variables. A `:-default` is not
/// registered: it is written in the manifest, in Git, for all to read.
pub fn register_template_values(template: &serde_json::Value) -> Vec<String> {
    let mut values = Vec::new();
    for name in template_variables(template) {
        if let Some(value) = env_lookup(&name) {
            crate::redact::register(&value);
            values.push(value);
        }
    }
    values
}

/// The variable names a spec template reads (`${env:NAME}` and `${env:NAME:-default}`).
pub fn template_variables(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::String(s) => s
            .match_indices("${env:")
            .map(|(i, m)| {
                s[i + m.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect()
            })
            .collect(),
        serde_json::Value::Array(items) => items.iter().flat_map(template_variables).collect(),
        serde_json::Value::Object(map) => map.values().flat_map(template_variables).collect(),
        _ => Vec::new(),
    }
}

/// A digest of what each target points at: its provider and settings (no secret is there: a
/// token is named by its variable, never written). A saved plan carries these, so it is not
/// applied to a target that was re-pointed at another org since.
pub fn target_identities(
    selected: &Selected,
    targets: &[String],
) -> std::collections::BTreeMap<String, String> {
    use sha2::{Digest, Sha256};
    targets
        .iter()
        .filter_map(|name| {
            let t = selected.all_targets.get(name)?;
            let text =
                serde_json::json!({"provider": t.provider, "settings": t.settings}).to_string();
            let digest: String = Sha256::digest(text.as_bytes())
                .iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect();
            Some((name.clone(), digest))
        })
        .collect()
}
