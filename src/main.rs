//! Thin entry point: parse arguments, run one command, map errors to exit codes.

use clap::Parser;
use std::path::Path;
use switchboard::cli::{self, Cli, EXIT_ERROR, Reported};

#[tokio::main]
async fn main() {
    // A .env file (here or in a parent folder) supplies tokens and ${env:…} secrets; variables
    // already set win. A malformed line is an error naming the file and line: dotenvy stops at
    // the first bad line, so going on would silently drop every variable after it.
    if let Err(message) = load_dotenv() {
        eprintln!("error: {message}");
        std::process::exit(EXIT_ERROR);
    }
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("SWITCHBOARD_LOG"))
        // Every log line goes through the redactor, at any level.
        .with_writer(switchboard::redact::LogWriter)
        .init();
    let code = match cli::run(Cli::parse()).await {
        Ok(code) => code,
        Err(e) if e.is::<Reported>() => EXIT_ERROR,
        Err(e) => {
            switchboard::shout!("error: {e:#}");
            EXIT_ERROR
        }
    };
    std::process::exit(code);
}

/// Load the nearest `.env`; no file is fine, a file that cannot be read or parsed is not.
fn load_dotenv() -> Result<(), String> {
    let Ok(cwd) = std::env::current_dir() else {
        return Ok(());
    };
    let Some(path) = cwd
        .ancestors()
        .map(|d| d.join(".env"))
        .find(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()))
    else {
        return Ok(());
    };
    match dotenvy::from_path(&path) {
        Ok(()) => Ok(()),
        Err(dotenvy::Error::LineParse(bad, index)) => {
            let (line, col) = line_of(&path, &bad, index);
            // The line itself is not echoed: it may hold a secret.
            Err(format!(
                "{}:{line}:{col}: cannot parse this .env line (expected NAME=value)\n  hint: fix or remove the line; nothing was loaded after it",
                path.display()
            ))
        }
        Err(e) => Err(format!("{}: cannot read .env: {e}", path.display())),
    }
}

/// Where dotenvy's unparsable text starts in the file (1-based line and column).
fn line_of(path: &Path, bad: &str, index: usize) -> (usize, usize) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let needle = bad.trim_end_matches(['\n', '\r']);
    let Some(at) = (!needle.is_empty()).then(|| text.find(needle)).flatten() else {
        return (text.lines().count().max(1), 1);
    };
    let before = needle.get(..index.min(needle.len())).unwrap_or_default();
    let line = text[..at].matches('\n').count() + before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .chars()
        .count()
        + 1;
    (line, col)
}
