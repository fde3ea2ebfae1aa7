//! `switchboard inventory pull`: save a snapshot of the whole live target, for offline plans.

use super::Context;
use super::target::{TargetArgs, connect};
use crate::providers::{ObserveRequest, catalog};
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Read every object of every kind and save it (default: state/inventory/<target>.json).
    Pull {
        #[command(flatten)]
        target: TargetArgs,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub async fn run(ctx: &Context, command: Command) -> anyhow::Result<i32> {
    let Command::Pull { target, out } = command;
    let connected = connect(&target, &ctx.config, &ctx.state_dir).await?;
    let request = ObserveRequest {
        kinds: catalog().iter().map(|k| k.kind.to_string()).collect(),
        detail: None,
    };
    let inventory = super::pipeline::observe(&connected, &request).await;
    let name = connected.name.clone();
    connected.close().await?;
    let inventory = inventory?;
    let out = out.unwrap_or_else(|| ctx.state_dir.join("inventory").join(format!("{name}.json")));
    inventory.save(&out)?;
    println!(
        "Saved {} live object(s) of target `{name}` to {}.",
        inventory.objects.len(),
        out.display()
    );
    Ok(super::EXIT_OK)
}
