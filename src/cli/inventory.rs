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
        /// Wait this many seconds for a run holding a target's state lock (default: refuse).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=86_400))]
        lock_timeout: u64,
    },
}

pub async fn run(ctx: &Context, command: Command) -> anyhow::Result<i32> {
    let Command::Pull {
        target,
        out,
        lock_timeout,
    } = command;
    let selected = target.select(&ctx.config)?;
    let names: std::collections::BTreeSet<String> = selected.targets.keys().cloned().collect();
    if out.is_some() && selected.targets.len() > 1 {
        anyhow::bail!(
            "--out names one file, and environment `{}` has {} targets; pick one with --target",
            selected.environment,
            selected.targets.len()
        );
    }
    // The snapshot is state of the target: one writer at a time, as for apply.
    let _locks = names
        .iter()
        .map(|t| {
            let dir = super::target::target_state_dir(&ctx.state_dir, &selected.environment, t);
            crate::state_lock::acquire(&dir, std::time::Duration::from_secs(lock_timeout))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
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
        crate::say!(
            "Saved {} live object(s) of target `{name}` to {}.",
            inventory.objects.len(),
            path.display()
        );
    }
    Ok(super::EXIT_OK)
}
