//! `switchboard apply PATH… | plan.json`: make the target match. A saved plan is refused when
//! it was edited (checksum), made for another target, or is stale (an object it touches changed
//! live since). Without --yes it asks on a terminal and refuses otherwise.

use super::pipeline::{env_lookup, load_and_resolve, make_plan, observe, observe_request};
use super::target::{TargetArgs, connect};
use super::{Context, EXIT_ERROR, EXIT_OK, print};
use crate::apply::{
    self, ExecuteOptions, dead_letter,
    journal::{self, Journal},
};
use crate::manifest::interpolate::interpolate;
use crate::model::TargetKey;
use crate::plan::render::{Format, NO_CHANGES, render};
use crate::plan::{Plan, model::PLAN_FORMAT};
use crate::providers::{ObserveRequest, catalog};
use serde_json::Value;
use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
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
    /// Only retry the objects in state/dead-letter.jsonl (the last run's failures) and what
    /// depends on them.
    #[arg(long)]
    pub only_failures: bool,
    /// Stop the run after this many seconds; unfinished objects go to the dead letter and a
    /// re-run carries on.
    #[arg(long)]
    pub timeout: Option<u64>,
}

fn is_saved_plan(paths: &[PathBuf]) -> bool {
    paths.len() == 1 && paths[0].extension().is_some_and(|e| e == "json") && paths[0].is_file()
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<i32> {
    // Everything that can fail offline fails before a target is touched.
    let saved = if is_saved_plan(&args.paths) {
        Some(load_saved_plan(&args.paths[0])?)
    } else {
        None
    };
    let resolved = if saved.is_none() {
        Some(load_and_resolve(&args.paths).map_err(super::report)?)
    } else {
        None
    };

    // The run's --timeout covers everything from here: reading the inventory and writing.
    let deadline = args
        .timeout
        .map(|s| tokio::time::Instant::now() + Duration::from_secs(s));
    let connected = connect(&args.target, &ctx.config, &ctx.state_dir).await?;
    let result = async {
        let plan = match (&saved, &resolved) {
            (Some(plan), _) => {
                if plan.target != connected.name {
                    anyhow::bail!("the plan was made for target `{}`, not `{}`; re-plan or pass --target {}", plan.target, connected.name, plan.target);
                }
                let inventory = within(deadline, observe(&connected, &observe_for(plan))).await?;
                refuse_if_stale(plan, &inventory)?;
                (plan.clone(), inventory)
            }
            (None, Some(resolved)) => {
                let inventory =
                    within(deadline, observe(&connected, &observe_request(resolved))).await?;
                (make_plan(resolved, &inventory), inventory)
            }
            (None, None) => unreachable!("either a saved plan or manifests"),
        };
        let (plan, inventory) = plan;
        let plan = if args.only_failures { narrow_to_failures(&ctx.state_dir, &plan)? } else { plan };
        let (specs, secrets) = interpolate_plan(&plan)?;
        if !plan.actions.iter().any(|a| a.changes_anything()) {
            print(&render(&plan, args.format, "Switchboard plan"));
            if plan.summary.pending == 0 {
                eprintln!("{NO_CHANGES}");
            }
            return Ok(EXIT_OK);
        }
        print(&render(&plan, args.format, "Switchboard plan"));
        if !args.yes && !confirm()? {
            eprintln!("Apply cancelled; nothing was changed.");
            return Ok(EXIT_ERROR);
        }
        // Read before this run's journal exists: the previous run is the one that may have been cut.
        let verify_absence = journal::unfinished_creates(&ctx.state_dir);
        let journal = Arc::new(Journal::create(&ctx.state_dir)?);
        let options = ExecuteOptions {
            concurrency: args.concurrency,
            deadline,
            verify_absence,
        };
        let mut summary = apply::execute(&plan, specs, secrets, connected.provider.clone(), &inventory, journal.clone(), options).await;
        summary.transport = Some(connected.gate.stats());
        let failures: Vec<(String, String, String)> = summary
            .results
            .iter()
            .filter(|r| matches!(r.outcome, apply::Outcome::Failed | apply::Outcome::Skipped))
            .map(|r| (r.object.clone(), r.key.clone(), r.error.clone().unwrap_or_default()))
            .collect();
        journal.write_failures(&failures)?;
        journal.write_summary(&summary)?;
        let dead = dead_letter::write(&ctx.state_dir, &summary, journal.dir())?;
        for (object, _, error) in &failures {
            eprintln!("failed: {object}: {error}");
        }
        if summary.timed_out {
            eprintln!("The run stopped at its --timeout; re-run to finish (what was done stays done).");
        }
        if dead > 0 {
            eprintln!(
                "{dead} object(s) recorded in {}; `switchboard apply --only-failures …` retries just those.",
                dead_letter::path(&ctx.state_dir).display()
            );
        }
        println!(
            "Apply complete: {} created, {} updated, {} adopted, {} unchanged, {} pending, {} skipped, {} failed. Journal: {}",
            summary.created, summary.updated, summary.adopted, summary.unchanged, summary.pending, summary.skipped, summary.failed,
            journal.dir().display()
        );
        println!("{}", super::wire_cost(&connected.gate.stats()));
        Ok(if summary.succeeded() { EXIT_OK } else { EXIT_ERROR })
    }
    .await;
    connected.close().await?;
    result
}

fn load_saved_plan(path: &PathBuf) -> anyhow::Result<Plan> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let plan: Plan = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{} is not a Switchboard plan: {e}", path.display()))?;
    if plan.format_version != PLAN_FORMAT {
        anyhow::bail!(
            "{}: plan format {} is not supported (expected {PLAN_FORMAT}); re-run `switchboard plan`",
            path.display(),
            plan.format_version
        );
    }
    if plan.compute_checksum() != plan.checksum {
        anyhow::bail!(
            "{}: the plan's checksum does not match its content (was it edited?); re-run `switchboard plan`",
            path.display()
        );
    }
    Ok(plan)
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

fn narrow_to_failures(state_dir: &std::path::Path, plan: &Plan) -> anyhow::Result<Plan> {
    let letters = dead_letter::read(state_dir)?;
    if letters.is_empty() {
        anyhow::bail!(
            "--only-failures: {} lists no failures (the last run finished everything); nothing was changed",
            dead_letter::path(state_dir).display()
        );
    }
    let objects: HashSet<String> = letters.into_iter().map(|l| l.object).collect();
    Ok(dead_letter::narrow(plan, &objects))
}

fn observe_for(plan: &Plan) -> ObserveRequest {
    let detail: HashSet<TargetKey> = plan
        .actions
        .iter()
        .map(|a| TargetKey::new(&a.kind, &a.key))
        .collect();
    ObserveRequest {
        kinds: catalog().iter().map(|k| k.kind.to_string()).collect(),
        detail: Some(detail),
    }
}

/// A saved plan is only valid while every object it writes is as it was when planned.
fn refuse_if_stale(plan: &Plan, inventory: &crate::inventory::Inventory) -> anyhow::Result<()> {
    let changed: Vec<String> = plan
        .actions
        .iter()
        .filter(|a| a.changes_anything())
        .filter(|a| {
            inventory
                .get(&TargetKey::new(&a.kind, &a.key))
                .map(|l| l.fingerprint())
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

/// Fill each action's secret templates from the environment; the values are also returned so
/// they can be scrubbed from any error text.
fn interpolate_plan(plan: &Plan) -> anyhow::Result<(Vec<Value>, Vec<String>)> {
    let mut specs = Vec::with_capacity(plan.actions.len());
    let mut secrets = Vec::new();
    for a in &plan.actions {
        let (spec, sensitive) = interpolate(&a.desired, &env_lookup).map_err(|missing| {
            let names: Vec<String> = missing.iter().map(|m| m.variable.clone()).collect();
            anyhow::anyhow!(
                "{} needs environment variable(s) {}; set them and retry (nothing was changed)",
                a.object(),
                names.join(", ")
            )
        })?;
        for p in sensitive.iter().chain(a.sensitive.iter()) {
            if let Some(Value::String(s)) = spec.pointer(p) {
                secrets.push(s.clone());
            }
        }
        specs.push(spec);
    }
    Ok((specs, secrets))
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
