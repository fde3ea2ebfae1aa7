//! Thin entry point: parse arguments, run one command, map errors to exit codes.

use clap::Parser;
use switchboard::cli::{self, Cli, EXIT_ERROR, Reported};

#[tokio::main]
async fn main() {
    // A .env file (here or in a parent folder) supplies tokens and ${env:…} secrets; variables
    // already set win.
    let _ = dotenvy::dotenv();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("SWITCHBOARD_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let code = match cli::run(Cli::parse()).await {
        Ok(code) => code,
        Err(e) if e.is::<Reported>() => EXIT_ERROR,
        Err(e) => {
            eprintln!("error: {e:#}");
            EXIT_ERROR
        }
    };
    std::process::exit(code);
}
