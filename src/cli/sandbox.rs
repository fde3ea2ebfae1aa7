//! `switchboard sandbox …`: run the embedded Webex-compatible sandbox on a port, send it a raw
//! request (to change things out of band, e.g. to create drift), or reset its org.

use super::Context;
use super::target::start_sandbox;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Serve the sandbox until interrupted (Ctrl-C).
    Serve {
        /// 0 picks a free port; the URL is printed on the first line.
        #[arg(long, default_value_t = 8765)]
        port: u16,
        /// Where its org is kept (default: <state-dir>/sandbox).
        #[arg(long)]
        sandbox_dir: Option<PathBuf>,
    },
    /// Send one raw HTTP request to the sandbox's org, e.g. `request PUT /locations/ID --body '{…}'`.
    Request {
        method: String,
        /// Path under /v1, e.g. /telephony/config/premisePstn/trunks
        path: String,
        #[arg(long)]
        body: Option<String>,
        #[arg(long)]
        sandbox_dir: Option<PathBuf>,
    },
    /// Forget the sandbox's org; the next start seeds a fresh one.
    Reset {
        #[arg(long)]
        sandbox_dir: Option<PathBuf>,
    },
}

pub async fn run(ctx: &Context, command: Command) -> anyhow::Result<i32> {
    let default_dir = || ctx.state_dir.join("sandbox");
    match command {
        Command::Serve { port, sandbox_dir } => {
            let sandbox =
                start_sandbox(Some(sandbox_dir.unwrap_or_else(default_dir)), port).await?;
            println!("Sandbox listening on {}", sandbox.base_url());
            println!(
                "Any bearer token is accepted, e.g. WEBEX_ACCESS_TOKEN=sandbox. Ctrl-C stops it."
            );
            tokio::signal::ctrl_c().await?;
            sandbox.shutdown().await?;
            Ok(super::EXIT_OK)
        }
        Command::Request {
            method,
            path,
            body,
            sandbox_dir,
        } => {
            let sandbox = start_sandbox(Some(sandbox_dir.unwrap_or_else(default_dir)), 0).await?;
            let result = send(&sandbox.base_url(), &method, &path, body.as_deref()).await;
            sandbox.shutdown().await?;
            let (status, text) = result?;
            println!("{text}");
            Ok(if (200..300).contains(&status) {
                super::EXIT_OK
            } else {
                super::EXIT_ERROR
            })
        }
        Command::Reset { sandbox_dir } => {
            let dir = sandbox_dir.unwrap_or_else(default_dir);
            if dir.exists() {
                std::fs::remove_dir_all(&dir)?;
            }
            println!(
                "Sandbox org at {} reset; the next start seeds a new one.",
                dir.display()
            );
            Ok(super::EXIT_OK)
        }
    }
}

async fn send(
    base: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> anyhow::Result<(u16, String)> {
    let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes())?;
    let mut request = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth("sandbox-token");
    if let Some(body) = body {
        let json: serde_json::Value =
            serde_json::from_str(body).map_err(|e| anyhow::anyhow!("--body is not JSON: {e}"))?;
        request = request.json(&json);
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let text = response.text().await?;
    let pretty = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or(text);
    Ok((status, pretty))
}
