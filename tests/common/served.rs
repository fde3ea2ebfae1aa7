//! A sandbox served by the real binary in its own process (`switchboard sandbox serve`), with
//! fault injection flags, reached as a `webex` target: what a test needs when the client process
//! must be killed, or must be seen from outside.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub struct Served {
    child: Child,
    /// e.g. http://127.0.0.1:41234/v1
    pub url: String,
}

impl Served {
    /// Start `sandbox serve --port 0 --sandbox-dir <dir>` with extra flags (e.g. `--error-rate 0.1`).
    pub fn start(dir: &Path, flags: &[&str]) -> Served {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("switchboard"))
            .args(["sandbox", "serve", "--port", "0", "--sandbox-dir"])
            .arg(dir)
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("sandbox serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut reader = BufReader::new(stdout);
        let mut first = String::new();
        reader.read_line(&mut first).expect("first line");
        // Keep reading, so the server never writes into a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        let url = first
            .trim()
            .strip_prefix("Sandbox listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .to_string();
        Served { child, url }
    }

    /// The admin origin (no /v1), for `/_sandbox/stats`.
    pub fn origin(&self) -> String {
        self.url.trim_end_matches("/v1").to_string()
    }

    pub fn stats(&self) -> serde_json::Value {
        self.get_raw(&format!("{}/_sandbox/stats", self.origin()))
    }

    /// GET a /v1 path (no faults are applied to... whatever the sandbox decides; callers use
    /// a fault-free sandbox or retry).
    pub fn get(&self, path: &str) -> serde_json::Value {
        for _ in 0..20 {
            let v = self.get_raw(&format!("{}{path}", self.url));
            if !v.is_null() {
                return v;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("GET {path} kept failing");
    }

    fn get_raw(&self, url: &str) -> serde_json::Value {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let response = reqwest::Client::new()
                .get(url)
                .bearer_auth("test-admin")
                .send()
                .await;
            match response {
                Ok(r) if r.status().is_success() => r.json().await.unwrap_or_default(),
                _ => serde_json::Value::Null,
            }
        })
    }
}

impl Served {
    /// The server process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stop it as a service manager would (SIGTERM), so it flushes its org, and check that it
    /// exited cleanly.
    pub fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let exit = self.child.wait().expect("serve exits");
        assert!(exit.success(), "serve exited with {exit}");
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `switchboard.yaml` with one `webex` target named `served` pointing at `url`.
pub fn target_config(url: &str, limits: &str) -> String {
    format!(
        "defaultTarget: served\ntargets:\n  served:\n    type: webex\n    baseUrl: {url}\n    limits: {limits}\n"
    )
}
