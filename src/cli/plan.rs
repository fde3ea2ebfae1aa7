//! `switchboard plan PATH…`: what apply would do, as text, JSON or Markdown; `--out` saves it
//! for `apply plan.json`; `--inventory` plans offline from snapshots. A plan over its safety
//! thresholds exits 1 unless `--force`.

use super::pipeline::{load_changed_since, load_desired, observe};
use super::target::{TargetArgs, connect};
use super::{Context, EXIT_CHANGES, EXIT_ERROR, EXIT_OK, print};
use crate::inventory::{Inventories, Inventory};
use crate::plan::render::{Format, render, threshold_lines};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Manifest files or directories.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Plan offline against snapshots from `inventory pull` instead of the live targets (one
    /// per target; repeat the flag).
    #[arg(long)]
    pub inventory: Vec<PathBuf>,
    /// Save the plan (JSON) for `switchboard apply FILE`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 2 when the plan has changes.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Accept a plan over its safety thresholds (exit as if it were under them).
    #[arg(long)]
    pub force: bool,
    /// Plan only the objects whose documents changed since this Git revision (committed or
    /// not), and the objects that depend on them; only those are read. Deletes are not
    /// planned: run a full plan or `drift` for them.
    #[arg(long, value_name = "REV", conflicts_with = "inventory")]
    pub changed_since: Option<String>,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<i32> {
    let selected = args.target.select(&ctx.config)?;
    let desired = match &args.changed_since {
        Some(revision) => load_changed_since(&args.paths, selected, revision)?,
        None => load_desired(&args.paths, selected).map_err(super::report)?,
    };
    let wanted = desired.targets();
    let inventories = if args.inventory.is_empty() {
        let connections = connect(&args.target, &desired.selected, &wanted, &ctx.state_dir).await?;
        let inventories = observe(&connections, |t, p| desired.observe_plan(t, p)).await;
        connections.close().await?;
        inventories?
    } else {
        load_snapshots(&args.inventory, &wanted, &desired.selected.environment)?
    };
    let plan = desired.plan(&inventories);
    if let Some(out) = &args.out {
        crate::redact::write_private(out, &(serde_json::to_string_pretty(&plan)? + "\n"))
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
        crate::shout!(
            "Plan saved to {}; run `switchboard apply {}` to execute it.",
            out.display(),
            out.display()
        );
    }
    print(&render(&plan, args.format, "Switchboard plan"));
    let refused = !plan.thresholds.is_empty() && !args.force;
    if refused && args.format != Format::Text {
        for line in threshold_lines(&plan) {
            crate::shout!("{line}");
        }
    }
    let code = if refused {
        EXIT_ERROR
    } else if args.detailed_exitcode && plan.has_changes() {
        EXIT_CHANGES
    } else {
        EXIT_OK
    };
    // The process ends right after this: freeing a large org's trees one node at a time would
    // only delay the exit (a tenth of a 10,000-object plan).
    std::mem::forget((plan, desired, inventories));
    Ok(code)
}

/// Snapshots by the target they were pulled from; every target the plan needs must have one.
fn load_snapshots(
    paths: &[PathBuf],
    wanted: &std::collections::BTreeSet<String>,
    environment: &str,
) -> anyhow::Result<Inventories> {
    let mut inventories = Inventories::new();
    for path in paths {
        let inventory = Inventory::load(path)?;
        // A snapshot of another environment's org would plan (and delete) against the wrong one.
        if !inventory.environment.is_empty() && inventory.environment != environment {
            anyhow::bail!(
                "{} is a snapshot of environment `{}`, not `{environment}`; pull one with `switchboard inventory pull --env {environment}`",
                path.display(),
                inventory.environment
            );
        }
        if !wanted.contains(&inventory.target) {
            anyhow::bail!(
                "{} is a snapshot of target `{}`, which these manifests do not use in environment `{environment}`",
                path.display(),
                inventory.target
            );
        }
        inventories.insert(inventory.target.clone(), inventory);
    }
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|t| !inventories.contains_key(*t))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        anyhow::bail!(
            "no snapshot for target(s) {} (snapshots given for: {}); pull one with `switchboard inventory pull --target NAME`",
            missing.join(", "),
            inventories.keys().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    Ok(inventories)
}
