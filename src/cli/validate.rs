//! `switchboard validate PATH…`: every offline check, all problems at once.

use super::pipeline::load_and_resolve;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Manifest files or directories.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let resolved = load_and_resolve(&args.paths).map_err(super::report)?;
    println!("{} manifest(s) valid.", resolved.objects.len());
    Ok(super::EXIT_OK)
}
