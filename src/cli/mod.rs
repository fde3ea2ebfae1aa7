//! The command line: flags parsed once, one file per verb, errors mapped to exit codes
//! (0 ok / no changes, 1 error, 2 changes or drift present).

pub mod apply;
pub mod drift;
pub mod inventory;
pub mod pipeline;
pub mod plan;
pub mod sandbox;
pub mod saved_plan;
pub mod schema;
pub mod target;
pub mod validate;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "switchboard",
    version,
    about = "Keep communications infrastructure in the state its Git repository declares."
)]
pub struct Cli {
    /// Where runs, snapshots and the embedded sandbox's org are kept.
    #[arg(long, global = true, default_value = "state")]
    pub state_dir: PathBuf,
    /// Configuration file with environments and targets (default: ./switchboard.yaml if present).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// No progress display, even on a terminal (the final summary is unchanged).
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check manifests: YAML syntax, schemas, references, cycles. Touches no target.
    Validate(validate::Args),
    /// Show what apply would change.
    Plan(plan::Args),
    /// Make the target match the manifests (or execute a saved plan).
    Apply(apply::Args),
    /// Report where the target differs from the manifests (exit 2 when it does).
    Drift(drift::Args),
    /// Write the JSON Schemas of manifest documents.
    Schema(schema::Args),
    /// Live inventory snapshots.
    #[command(subcommand)]
    Inventory(inventory::Command),
    /// The embedded Webex-compatible sandbox.
    #[command(subcommand)]
    Sandbox(sandbox::Command),
}

/// Exit codes.
pub const EXIT_OK: i32 = 0;
pub const EXIT_ERROR: i32 = 1;
pub const EXIT_CHANGES: i32 = 2;

/// A failure already explained to the user (printed); only the exit code is left to give.
#[derive(Debug, thiserror::Error)]
#[error("reported")]
pub struct Reported;

pub async fn run(cli: Cli) -> anyhow::Result<i32> {
    crate::progress::set_quiet(cli.quiet);
    let config = crate::config::Config::load(cli.config.as_deref())?;
    let ctx = Context {
        state_dir: cli.state_dir,
        config,
    };
    match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Plan(args) => plan::run(&ctx, args).await,
        Command::Apply(args) => apply::run(&ctx, args).await,
        Command::Drift(args) => drift::run(&ctx, args).await,
        Command::Schema(args) => schema::run(args),
        Command::Inventory(cmd) => inventory::run(&ctx, cmd).await,
        Command::Sandbox(cmd) => sandbox::run(&ctx, cmd).await,
    }
}

pub struct Context {
    pub state_dir: PathBuf,
    pub config: crate::config::Config,
}

/// Print manifest problems to stderr and turn them into an exit-1 error.
pub fn report(diagnostics: crate::manifest::Diagnostics) -> anyhow::Error {
    crate::shout!("{diagnostics}");
    Reported.into()
}

/// One line on what a command cost on the wire: requests, retries, throttling.
pub fn wire_cost(stats: &crate::transport::TransportStats) -> String {
    format!(
        "Requests: {} sent, {} retried, {} throttled ({:.1} s paused by Retry-After, {:.1} s waiting for the rate budget), {} server errors, {} transport errors",
        stats.requests,
        stats.retries,
        stats.throttled,
        stats.throttled_ms as f64 / 1000.0,
        stats.rate_wait_ms as f64 / 1000.0,
        stats.server_errors,
        stats.transport_errors,
    )
}

/// Write to stdout, stripping colour when it is not a terminal (or NO_COLOR is set).
pub fn print(text: &str) {
    crate::redact::stdout(text);
}
