//! Run the sandbox standalone: `cargo run -p switchboard-sandbox-webex --example serve -- [PORT] [STATE_DIR]`.
//! Prints `listening on <base_url>` once ready (scripts wait for that line), stops on Ctrl-C.

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};

use switchboard_sandbox::{SandboxOptions, start};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = match args.next() {
        Some(p) => p
            .parse()
            .map_err(|_| anyhow::anyhow!("PORT must be a number, got '{p}'"))?,
        None => 0,
    };
    let state_dir = args.next().map(std::path::PathBuf::from);
    let sandbox = start(SandboxOptions {
        state_dir,
        bind: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        faults: Default::default(),
        lock_timeout: Default::default(),
    })
    .await?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on {}", sandbox.base_url())?;
    stdout.flush()?;
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await
}
