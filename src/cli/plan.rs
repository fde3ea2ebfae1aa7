//! `switchboard plan PATH…`: what apply would do, as text, JSON or Markdown; `--out` saves it
//! for `apply plan.json`; `--inventory` plans offline from a snapshot.

use super::pipeline::{load_and_resolve, make_plan, observe, observe_request};
use super::target::{TargetArgs, connect};
use super::{Context, EXIT_CHANGES, EXIT_OK, print};
use crate::inventory::Inventory;
use crate::plan::render::{Format, render};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Manifest files or directories.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Plan offline against a snapshot from `inventory pull` instead of the live target.
    #[arg(long)]
    pub inventory: Option<PathBuf>,
    /// Save the plan (JSON) for `switchboard apply FILE`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 2 when the plan has changes.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<i32> {
    let resolved = load_and_resolve(&args.paths).map_err(super::report)?;
    let inventory = match &args.inventory {
        Some(path) => Inventory::load(path)?,
        None => {
            let connected = connect(&args.target, &ctx.config, &ctx.state_dir).await?;
            let inventory = observe(&connected, &observe_request(&resolved)).await;
            connected.close().await?;
            inventory?
        }
    };
    let plan = make_plan(&resolved, &inventory);
    if let Some(out) = &args.out {
        std::fs::write(out, serde_json::to_string_pretty(&plan)? + "\n")
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
        eprintln!(
            "Plan saved to {}; run `switchboard apply {}` to execute it.",
            out.display(),
            out.display()
        );
    }
    print(&render(&plan, args.format, "Switchboard plan"));
    let code = if args.detailed_exitcode && plan.has_changes() {
        EXIT_CHANGES
    } else {
        EXIT_OK
    };
    // The process ends right after this: freeing a large org's trees one node at a time would
    // only delay the exit (a tenth of a 10,000-object plan).
    std::mem::forget((plan, resolved, inventory));
    Ok(code)
}
