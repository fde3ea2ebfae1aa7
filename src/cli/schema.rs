//! `switchboard schema --out schemas/`: write (or `--check`) the generated JSON Schemas.

use crate::manifest::schemas::all_schema_files;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, default_value = "schemas")]
    pub out: PathBuf,
    /// Fail (exit 1) if the files on disk differ from the generated ones.
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let files = all_schema_files();
    if args.check {
        let stale: Vec<&String> = files
            .iter()
            .filter(|(name, text)| {
                std::fs::read_to_string(args.out.join(name)).ok().as_deref() != Some(text.as_str())
            })
            .map(|(name, _)| name)
            .collect();
        if !stale.is_empty() {
            anyhow::bail!(
                "stale schemas in {}: {:?}; run `switchboard schema --out {}`",
                args.out.display(),
                stale,
                args.out.display()
            );
        }
        println!("{} schema(s) up to date.", files.len());
        return Ok(super::EXIT_OK);
    }
    std::fs::create_dir_all(&args.out)?;
    for (name, text) in &files {
        std::fs::write(args.out.join(name), text)?;
    }
    println!("Wrote {} schema(s) to {}.", files.len(), args.out.display());
    Ok(super::EXIT_OK)
}
