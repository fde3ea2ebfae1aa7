//! `switchboard drift PATH…`: the live target against the manifests, for a schedule. Exit 2
//! when anything differs.

use super::pipeline::{load_and_resolve, make_plan, observe, observe_request};
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
    let resolved = load_and_resolve(&args.paths).map_err(super::report)?;
    let connected = connect(&args.target, &ctx.config, &ctx.state_dir).await?;
    let inventory = observe(&connected, &observe_request(&resolved)).await;
    connected.close().await?;
    let plan = make_plan(&resolved, &inventory?);
    print(&render(&plan, args.format, "Switchboard drift report"));
    Ok(if plan.has_changes() {
        EXIT_CHANGES
    } else {
        EXIT_OK
    })
}
