//! Stage 9: the record of a run under `state/runs/<timestamp>/`: a JSON-lines journal of every
//! step (requests, status, tracking ids, redacted changes), `failures.csv` and `summary.json`.

use crate::diff::FieldChange;
use crate::http_log::HttpExchange;
use crate::model::TargetKey;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepRecord {
    pub at: String,
    pub object: String,
    pub key: String,
    pub step: String,
    /// `intent` (written before a create is sent), `ok`, `found`, `absent`, `adopted`,
    /// `duplicate`, `unknown` (the outcome of a write could not be known), `skipped`, `failed`.
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<HttpExchange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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

/// Objects the most recent run under `state_dir` announced a create for (an `intent` record)
/// without recording that the object was then done: an interrupted run may have created them.
pub fn unfinished_creates(state_dir: &Path) -> HashSet<TargetKey> {
    let Some(latest) = latest_run(state_dir) else {
        return HashSet::new();
    };
    let Ok(text) = std::fs::read_to_string(latest.join("journal.jsonl")) else {
        return HashSet::new();
    };
    let mut last: HashMap<(String, String), (bool, String)> = HashMap::new();
    // A crash can cut the last line short; it is skipped like any unreadable line.
    for record in text
        .lines()
        .filter_map(|l| serde_json::from_str::<StepRecord>(l).ok())
    {
        let entry = last
            .entry((record.object.clone(), record.key.clone()))
            .or_default();
        entry.0 |= record.outcome == "intent";
        entry.1 = record.outcome;
    }
    last.into_iter()
        .filter(|(_, (intent, outcome))| *intent && !matches!(outcome.as_str(), "ok" | "adopted"))
        .filter_map(|((object, key), _)| {
            let kind = object.split_once('/')?.0.to_string();
            Some(TargetKey::new(kind, key))
        })
        .collect()
}

fn latest_run(state_dir: &Path) -> Option<PathBuf> {
    let mut runs: Vec<PathBuf> = std::fs::read_dir(state_dir.join("runs"))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("journal.jsonl").is_file())
        .collect();
    // Run directories are named by UTC time (and a -N suffix), so the name orders them.
    runs.sort_by_key(|p| run_order(p));
    runs.pop()
}

fn run_order(path: &Path) -> (String, u32) {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    match name.split_once('-') {
        Some((stamp, n)) => (stamp.to_string(), n.parse().unwrap_or(0)),
        None => (name.to_string(), 1),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
