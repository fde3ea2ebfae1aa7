//! `switchboard drift PATH…`: the live targets against the manifests, for a schedule. Exit 2
//! when anything differs.

use super::pipeline::{load_desired, observe};
use super::target::{TargetArgs, connect};
use super::{Context, EXIT_CHANGES, EXIT_OK, print};
use crate::plan::render::{Format, render};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub target: TargetArgs,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub async fn run(ctx: &Context, args: Args) -> anyhow::Result<i32> {
    let selected = args.target.select(&ctx.config)?;
    let desired = load_desired(&args.paths, selected).map_err(super::report)?;
    let connections = connect(
        &args.target,
        &desired.selected,
        &desired.targets(),
        &ctx.state_dir,
    )
    .await?;
    let inventories = observe(&connections, |t, p| desired.observe_plan(t, p)).await;
    connections.close().await?;
    let plan = desired.plan(&inventories?);
    print(&render(&plan, args.format, "Switchboard drift report"));
    Ok(if plan.has_changes() {
        EXIT_CHANGES
    } else {
        EXIT_OK
    })
}
