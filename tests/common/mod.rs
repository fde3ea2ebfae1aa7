//! A throwaway workspace per test: the quickstart copied in, its own `state/` (and so its own
//! embedded sandbox org), and the built binary run inside it.

#![allow(dead_code)]

pub mod echo_server;
pub mod served;

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

pub struct Workspace {
    pub dir: TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart");
        let dst = dir.path().join("manifests");
        std::fs::create_dir_all(&dst).expect("mkdir");
        for entry in std::fs::read_dir(src).expect("quickstart") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), dst.join(entry.file_name())).expect("copy");
        }
        Workspace { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.file(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
    }

    /// The binary, run in the workspace with a clean, colourless environment.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("switchboard").expect("binary");
        cmd.current_dir(self.path())
            .env_remove("WEBEX_ACCESS_TOKEN")
            .env_remove("MADRID_SBC_PASSWORD")
            .env_remove("AUSTIN_SBC_PASSWORD")
            .env("NO_COLOR", "1");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }

    /// `run` with extra environment variables (a token, a secret).
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let out = self
            .cmd()
            .args(args)
            .envs(env.iter().copied())
            .output()
            .expect("runs");
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// A raw request to the workspace's sandbox org; returns the JSON body.
    pub fn sandbox(&self, method: &str, path: &str, body: Option<&str>) -> serde_json::Value {
        let mut args = vec!["sandbox", "request", method, path];
        if let Some(b) = body {
            args.extend(["--body", b]);
        }
        let out = self.run(&args);
        assert_eq!(
            out.code, 0,
            "sandbox request failed: {}{}",
            out.stdout, out.stderr
        );
        serde_json::from_str(&out.stdout).unwrap_or(serde_json::Value::Null)
    }

    pub fn location_names(&self) -> Vec<String> {
        let v = self.sandbox("GET", "/locations", None);
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|l| l["name"].as_str().map(str::to_string))
            .collect()
    }
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}
