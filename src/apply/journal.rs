//! Stage 9: the record of a run under `state/runs/<timestamp>/`: a JSON-lines journal of every
//! step (requests, status, tracking ids, redacted changes), `failures.csv` and `summary.json`.

use crate::diff::FieldChange;
use crate::http_log::HttpExchange;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug, Clone, Serialize)]
pub struct StepRecord {
    pub at: String,
    pub object: String,
    pub key: String,
    pub step: String,
    /// `ok`, `adopted`, `skipped`, `failed`.
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<HttpExchange>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<FieldChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

pub struct Journal {
    dir: PathBuf,
    file: Mutex<std::fs::File>,
}

impl Journal {
    /// A new run directory under `state_dir/runs/`.
    pub fn create(state_dir: &Path) -> anyhow::Result<Self> {
        let stamp = time::OffsetDateTime::now_utc()
            .format(time::macros::format_description!(
                "[year][month][day]T[hour][minute][second]Z"
            ))
            .unwrap_or_default();
        let base = state_dir.join("runs");
        let mut dir = base.join(&stamp);
        let mut n = 1;
        while dir.exists() {
            n += 1;
            dir = base.join(format!("{stamp}-{n}"));
        }
        std::fs::create_dir_all(&dir)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("journal.jsonl"))?;
        Ok(Self {
            dir,
            file: Mutex::new(file),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Append one step; flushed at once so a crash loses nothing already done.
    pub fn record(&self, record: &StepRecord) {
        if let (Ok(line), Ok(mut f)) = (serde_json::to_string(record), self.file.lock()) {
            let _ = writeln!(f, "{line}");
            let _ = f.flush();
        }
    }

    pub fn write_failures(&self, failures: &[(String, String, String)]) -> anyhow::Result<()> {
        let mut csv = String::from("object,key,error\n");
        for (object, key, error) in failures {
            csv.push_str(&format!(
                "{},{},{}\n",
                csv_field(object),
                csv_field(key),
                csv_field(error)
            ));
        }
        std::fs::write(self.dir.join("failures.csv"), csv)?;
        Ok(())
    }

    pub fn write_summary(&self, summary: &impl Serialize) -> anyhow::Result<()> {
        std::fs::write(
            self.dir.join("summary.json"),
            serde_json::to_string_pretty(summary)? + "\n",
        )?;
        Ok(())
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
