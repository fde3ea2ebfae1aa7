//! `switchboard apply PATH… | plan.json`: make the targets match. A saved plan is refused when
//! it was edited (checksum), made for another environment, stale (an object it touches changed
//! live since), or over its safety thresholds without `--force`; otherwise its steps are run as
//! saved. Without --yes it asks on a terminal and refuses otherwise.

use super::pipeline::{env_lookup, load_changed_since, load_desired, observe};
use super::saved_plan;
use super::target::target_state_dir;
use super::target::{Connections, TargetArgs, connect};
use super::{Context, EXIT_ERROR, EXIT_OK, print};
use crate::apply::{
    self, ExecuteOptions, Prepared, TargetRun, dead_letter,
    journal::{self, Journal},
};
use crate::inventory::Inventories;
use crate::manifest::interpolate::interpolate;
use crate::plan::Plan;
use crate::plan::render::{Format, NO_CHANGES, render, threshold_lines};
use crate::progress::Progress;
use crate::redact::template_pointers;
use crate::state_lock;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Manifest files or directories, or one plan file saved by `plan --out`.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Apply without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// How many independent objects are written at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// How the plan is shown before applying.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Only retry the objects in each target's dead letter (its last run's failures) and what
    /// depends on them.
    #[arg(long)]
    pub only_failures: bool,
    /// Stop the run after this many seconds; unfinished objects go to the dead letter and a
    /// re-run carries on.
    #[arg(long)]
    pub timeout: Option<u64>,
    /// Apply a plan over its safety thresholds (too many deletes or updates of a kind).
    #[arg(long)]
    pub force: bool,
    /// Wait this many seconds for another run holding a target's state lock (default: refuse
    /// at once, naming the holder).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub lock_timeout: u64,
    /// Apply only the objects whose documents changed since this Git revision (and what depends
    /// on them), reading only those: the post-merge job of a pull request (`--changed-since
    /// HEAD~1`). Deletes are not done; a full apply or `drift` finds them.
    #[arg(long, value_name = "REV", conflicts_with = "only_failures")]
    pub changed_since: Option<String>,
}

/// The longest `--timeout` accepted: a week.
const MAX_TIMEOUT_SECS: u64 = 7 * 24 * 3600;

fn is_saved_plan(paths: &[PathBuf]) -> bool {
    paths.len() == 1 && paths[0].extension().is_some_and(|e| e == "json") && paths[0].is_file()
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<i32> {
    // Everything that can fail offline fails before a target is touched.
    let selected = args.target.select(&ctx.config)?;
    let (saved, desired) = if is_saved_plan(&args.paths) {
        if args.changed_since.is_some() {
            anyhow::bail!(
                "--changed-since selects manifests; a saved plan already holds what it selected (use it with `plan --changed-since`)"
            );
        }
        let plan = saved_plan::load(&args.paths[0])?;
        refuse_credential_templates(&plan, &selected)?;
        let now = super::pipeline::target_identities(&selected, &plan.targets);
        if let Some(moved) = plan
            .targets
            .iter()
            .find(|t| plan.target_identities.get(*t) != now.get(*t))
        {
            anyhow::bail!(
                "target `{moved}` points elsewhere than when the plan was made (its provider or settings in switchboard.yaml changed); re-run `switchboard plan`"
            );
        }
        if plan.environment != selected.environment {
            anyhow::bail!(
                "the plan was made for environment `{}`, not `{}`; re-plan or pass --env {}",
                plan.environment,
                selected.environment,
                plan.environment
            );
        }
        (Some(plan), None)
    } else {
        let desired = match &args.changed_since {
            Some(revision) => load_changed_since(&args.paths, selected.clone(), revision)?,
            None => load_desired(&args.paths, selected.clone()).map_err(super::report)?,
        };
        (None, Some(desired))
    };
    let wanted: BTreeSet<String> = match (&saved, &desired) {
        (Some(plan), _) => plan.targets.iter().cloned().collect(),
        (_, Some(desired)) => desired.targets(),
        _ => BTreeSet::new(),
    };
    // One writer at a time per target's state: held until this function returns.
    let _locks = wanted
        .iter()
        .map(|t| {
            let dir = target_state_dir(&ctx.state_dir, &selected.environment, t);
            state_lock::acquire(&dir, Duration::from_secs(args.lock_timeout))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    // The run's --timeout covers everything from here: reading the inventory and writing.
    let deadline = match args.timeout {
        None => None,
        Some(s) => Some(
            tokio::time::Instant::now()
                .checked_add(Duration::from_secs(s))
                .filter(|_| s <= MAX_TIMEOUT_SECS)
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "--timeout {s} is too long (at most {MAX_TIMEOUT_SECS} s, a week)"
                    )
                })?,
        ),
    };
    let connections = connect(&args.target, &selected, &wanted, &ctx.state_dir).await?;
    let result = async {
        let (plan, inventories) = match (&saved, &desired) {
            (Some(plan), _) => {
                let inventories = within(
                    deadline,
                    observe(&connections, |t, _| saved_plan::scope(plan, t)),
                )
                .await?;
                saved_plan::refuse_if_stale(plan, &inventories)?;
                (plan.clone(), inventories)
            }
            (None, Some(desired)) => {
                let inventories = within(
                    deadline,
                    observe(&connections, |t, p| desired.observe_plan(t, p)),
                )
                .await?;
                (desired.plan(&inventories), inventories)
            }
            (None, None) => anyhow::bail!("nothing to apply"),
        };
        let plan = if args.only_failures {
            narrow_to_failures(&connections, &plan)?
        } else {
            plan
        };
        let plan = redact_changes_by_manifest(plan);
        if saved.is_some() {
            // What runs is the steps: show them, not the plan's own account of its changes.
            print(&saved_plan::render_steps(&plan));
        } else {
            print(&render(&plan, args.format, "Switchboard plan"));
        }
        if !plan.thresholds.is_empty() && !args.force {
            for line in threshold_lines(&plan) {
                crate::shout!("{line}");
            }
            crate::shout!("Apply refused; nothing was changed.");
            return Ok(EXIT_ERROR);
        }
        let (prepared, secrets) = prepare(&plan)?;
        if !plan.actions.iter().any(|a| a.changes_anything()) {
            if plan.summary.pending == 0 {
                crate::shout!("{NO_CHANGES}");
            }
            return Ok(EXIT_OK);
        }
        if !args.yes && !confirm()? {
            crate::shout!("Apply cancelled; nothing was changed.");
            return Ok(EXIT_ERROR);
        }
        execute(
            &args,
            &connections,
            &plan,
            &inventories,
            prepared,
            secrets,
            deadline,
        )
        .await
    }
    .await;
    connections.close().await?;
    result
}

async fn execute(
    args: &Args,
    connections: &Connections,
    plan: &Plan,
    inventories: &Inventories,
    prepared: Vec<Prepared>,
    secrets: Vec<String>,
    deadline: Option<tokio::time::Instant>,
) -> anyhow::Result<i32> {
    let mut runs: HashMap<String, Arc<TargetRun>> = HashMap::new();
    for (name, c) in &connections.targets {
        // Read before this run's journal exists: the previous run is the one that may have been cut.
        let verify_absence = journal::unfinished_creates(&c.state_dir);
        let ids = inventories.get(name).map(|i| i.ids()).unwrap_or_default();
        runs.insert(
            name.clone(),
            Arc::new(TargetRun {
                target: c.target.clone(),
                journal: Arc::new(Journal::create(&c.state_dir).map_err(|e| {
                    anyhow::anyhow!(
                        "cannot start the journal under {}: {e}; nothing was changed",
                        c.state_dir.join("runs").display()
                    )
                })?),
                ids: Mutex::new(ids),
                verify_absence,
            }),
        );
    }
    let steps: usize = plan
        .actions
        .iter()
        .filter(|a| a.changes_anything())
        .map(|a| a.steps.len())
        .sum();
    let progress = Arc::new(Progress::new(
        "applying",
        "steps",
        steps as u64,
        connections.gates(),
    ));
    let options = ExecuteOptions {
        concurrency: args.concurrency,
        deadline,
    };
    let interpolate_step = Arc::new(|v: &Value| {
        interpolate(v, &env_lookup)
            .map(|(v, _)| v)
            .map_err(|missing| {
                format!(
                    "environment variable(s) missing: {}",
                    missing
                        .iter()
                        .map(|m| m.variable.clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    });
    let mut summary = apply::execute(
        plan,
        prepared,
        secrets,
        runs.clone(),
        interpolate_step,
        options,
        progress,
    )
    .await;
    summary.transport = connections
        .targets
        .iter()
        .map(|(n, c)| (n.clone(), c.gate.stats()))
        .collect();
    let mut state_errors = 0;
    for (name, c) in &connections.targets {
        let run = &runs[name];
        let part = summary.for_target(name);
        let failures: Vec<(String, String, String)> = part
            .results
            .iter()
            .filter(|r| matches!(r.outcome, apply::Outcome::Failed | apply::Outcome::Skipped))
            .map(|r| {
                (
                    r.object.clone(),
                    r.key.clone(),
                    r.error.clone().unwrap_or_default(),
                )
            })
            .collect();
        // A record that cannot be written is reported with its file and cause; the others are
        // still written and the summary still printed, and the run exits 1.
        let mut letters = 0;
        for (file, written) in [
            (
                run.journal.dir().join("failures.csv"),
                run.journal.write_failures(&failures),
            ),
            (
                run.journal.dir().join("summary.json"),
                run.journal.write_summary(&part),
            ),
            (
                dead_letter::path(&c.state_dir),
                dead_letter::write(&c.state_dir, &part, run.journal.dir()).map(|n| {
                    letters = n;
                }),
            ),
        ] {
            if let Err(e) = written {
                crate::shout!("error: cannot write {}: {e:#}", file.display());
                state_errors += 1;
            }
        }
        for (object, _, error) in &failures {
            crate::shout!("failed: {object}: {error}");
        }
        if letters > 0 {
            crate::shout!(
                "{letters} object(s) recorded in {}; `switchboard apply --only-failures …` retries just those.",
                dead_letter::path(&c.state_dir).display()
            );
        }
    }
    if summary.timed_out {
        crate::shout!(
            "The run stopped at its --timeout; re-run to finish (what was done stays done)."
        );
    }
    let journals: Vec<String> = runs
        .values()
        .map(|r| r.journal.dir().display().to_string())
        .collect();
    crate::say!(
        "Apply complete: {} created, {} updated, {} deleted, {} adopted, {} unchanged, {} pending, {} skipped, {} failed. Journal: {}",
        summary.created,
        summary.updated,
        summary.deleted,
        summary.adopted,
        summary.unchanged,
        summary.pending,
        summary.skipped,
        summary.failed,
        journals.join(", ")
    );
    for (name, c) in &connections.targets {
        let prefix = if connections.targets.len() > 1 {
            format!("[{name}] ")
        } else {
            String::new()
        };
        crate::say!("{prefix}{}", super::wire_cost(&c.gate.stats()));
    }
    Ok(if summary.succeeded() && state_errors == 0 {
        EXIT_OK
    } else {
        EXIT_ERROR
    })
}

/// Read the inventory before the deadline, or give up having changed nothing.
async fn within<T>(
    deadline: Option<tokio::time::Instant>,
    read: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    match deadline {
        None => read.await,
        Some(at) => tokio::time::timeout_at(at, read).await.unwrap_or_else(|_| {
            Err(anyhow::anyhow!(
                "--timeout elapsed while reading the live inventory; nothing was changed"
            ))
        }),
    }
}

/// The dead letters of the run's targets, each read from its own target's state.
fn narrow_to_failures(connections: &Connections, plan: &Plan) -> anyhow::Result<Plan> {
    let mut objects: HashSet<String> = HashSet::new();
    for c in connections.targets.values() {
        objects.extend(
            dead_letter::read(&c.state_dir)?
                .into_iter()
                .map(|l| l.object),
        );
    }
    if objects.is_empty() {
        let files: Vec<String> = connections
            .targets
            .values()
            .map(|c| dead_letter::path(&c.state_dir).display().to_string())
            .collect();
        anyhow::bail!(
            "--only-failures: {} lists no failures (the last run finished everything); nothing was changed",
            files.join(", ")
        );
    }
    let narrowed = dead_letter::narrow(plan, &objects);
    if narrowed.actions.is_empty() {
        let mut listed: Vec<&String> = objects.iter().collect();
        listed.sort();
        anyhow::bail!(
            "--only-failures: the dead letter lists {} object(s) ({}), none of them in these manifests; nothing was changed",
            listed.len(),
            listed
                .iter()
                .take(5)
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(narrowed)
}

/// A saved plan may not read a credential either: the check `plan` made on the manifests is
/// made again on what the plan file says, which an edit could have changed.
fn refuse_credential_templates(
    plan: &Plan,
    selected: &crate::config::Selected,
) -> anyhow::Result<()> {
    let forbidden = super::pipeline::forbidden_variables(selected);
    for a in &plan.actions {
        let inputs = a.steps.iter().map(|s| &s.input);
        for value in std::iter::once(&a.desired).chain(inputs) {
            if let Some(name) = super::pipeline::template_variables(value)
                .into_iter()
                .find(|n| forbidden.contains(n))
            {
                anyhow::bail!(
                    "{} reads `${{env:{name}}}`, a credential of this environment; a plan may not (nothing was changed)",
                    a.object()
                );
            }
        }
    }
    Ok(())
}

/// Where an action's secrets are: the manifest's templates and the kind's write-only fields,
/// never a list the plan carries (an edited plan could empty it).
fn sensitive_of(a: &crate::plan::Action) -> Vec<String> {
    let mut pointers = template_pointers(&a.desired);
    if let Some(info) = crate::providers::kind_info(&a.kind) {
        pointers.extend(info.diff_rules.write_only.iter().map(|p| p.to_string()));
    }
    pointers
}

/// The plan with every change redacted by `sensitive_of`, whatever it said itself.
fn redact_changes_by_manifest(mut plan: Plan) -> Plan {
    for a in &mut plan.actions {
        let sensitive = sensitive_of(a);
        a.changes = crate::plan::build::redact_changes(std::mem::take(&mut a.changes), &sensitive);
        a.sensitive = sensitive;
    }
    plan
}

/// Fill each action's secret templates (in its steps and its spec) from the environment; the
/// values are registered with the redactor and returned so they are scrubbed from any error.
fn prepare(plan: &Plan) -> anyhow::Result<(Vec<Prepared>, Vec<String>)> {
    let mut prepared = Vec::with_capacity(plan.actions.len());
    let mut secrets = Vec::new();
    let missing = |a: &crate::plan::Action,
                   missing: Vec<crate::manifest::interpolate::MissingVariable>| {
        let names: Vec<String> = missing.iter().map(|m| m.variable.clone()).collect();
        anyhow::anyhow!(
            "{} needs environment variable(s) {}; set them and retry (nothing was changed)",
            a.object(),
            names.join(", ")
        )
    };
    for a in &plan.actions {
        let (spec, _) = interpolate(&a.desired, &env_lookup).map_err(|m| missing(a, m))?;
        secrets.extend(super::pipeline::register_template_values(&a.desired));
        let mut steps = Vec::with_capacity(a.steps.len());
        for step in &a.steps {
            let (input, _) = interpolate(&step.input, &env_lookup).map_err(|m| missing(a, m))?;
            steps.push(crate::providers::Step {
                input,
                ..step.clone()
            });
        }
        prepared.push(Prepared { steps, spec });
    }
    Ok((prepared, secrets))
}

fn confirm() -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "refusing to apply without --yes: standard input is not a terminal (nothing was changed)"
        );
    }
    eprint!("Apply these changes? Only 'yes' is accepted: ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}
