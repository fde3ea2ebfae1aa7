//! `switchboard inventory pull`: save a snapshot of each live target, for offline plans.

use super::Context;
use super::target::{TargetArgs, connect};
use crate::inventory::ObservePlan;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Read every object of every kind of each target of the environment and save it (default:
    /// state/<env>/<target>/inventory.json; --out with one target).
    Pull {
        #[command(flatten)]
        target: TargetArgs,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub async fn run(ctx: &Context, command: Command) -> anyhow::Result<i32> {
    let Command::Pull { target, out } = command;
    let selected = target.select(&ctx.config)?;
    let names = selected.targets.keys().cloned().collect();
    if out.is_some() && selected.targets.len() > 1 {
        anyhow::bail!(
            "--out names one file, and environment `{}` has {} targets; pick one with --target",
            selected.environment,
            selected.targets.len()
        );
    }
    let connections = connect(&target, &selected, &names, &ctx.state_dir).await?;
    let inventories = super::pipeline::observe(&connections, |_, provider| {
        ObservePlan::everything(
            crate::providers::provider(provider)
                .map(|p| (p.kinds)())
                .unwrap_or_default(),
        )
    })
    .await;
    let dirs: Vec<(String, PathBuf)> = connections
        .targets
        .iter()
        .map(|(n, c)| (n.clone(), c.state_dir.clone()))
        .collect();
    connections.close().await?;
    let inventories = inventories?;
    for (name, dir) in dirs {
        let inventory = &inventories[&name];
        let path = out.clone().unwrap_or_else(|| dir.join("inventory.json"));
        inventory.save(&path)?;
        println!(
            "Saved {} live object(s) of target `{name}` to {}.",
            inventory.objects.len(),
            path.display()
        );
    }
    Ok(super::EXIT_OK)
}
