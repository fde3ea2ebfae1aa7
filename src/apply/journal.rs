//! Stage 10: the record of a run under `state/<env>/<target>/runs/<timestamp>/`: a JSON-lines
//! journal with two lines per step (the intent before it is sent, the outcome after), each
//! flushed before the run goes on; `failures.csv` and `summary.json` at the end. A journal that
//! cannot be written stops the run before the next request.

use crate::diff::FieldChange;
use crate::model::TargetKey;
use crate::providers::Exchange;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepRecord {
    pub at: String,
    pub object: String,
    pub key: String,
    pub step: String,
    /// The step's place in its action's list (lookups and skips have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// The step creates the object (an interrupted run may have created it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub creates: bool,
    /// `intent` (written before the step is sent), `ok`, `found`, `absent`, `adopted`, `gone`
    /// (a delete of something already deleted), `duplicate`, `unknown` (the outcome of a write
    /// could not be known), `skipped`, `failed`.
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<Exchange>,
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
    /// A new run directory under `state_dir/runs/` (one target's state folder).
    pub fn create(state_dir: &Path) -> anyhow::Result<Self> {
        let stamp = time::OffsetDateTime::now_utc()
            .format(time::macros::format_description!(
                "[year][month][day]T[hour][minute][second]Z"
            ))
            .unwrap_or_default();
        let base = state_dir.join("runs");
        crate::state_lock::create_private_dir(&base)?;
        // create_dir (not _all) fails when the folder exists, so two runs started in the same
        // second never share one.
        let mut n = 1;
        let dir = loop {
            let dir = if n == 1 {
                base.join(&stamp)
            } else {
                base.join(format!("{stamp}-{n}"))
            };
            match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => break dir,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => n += 1,
                Err(e) => return Err(e.into()),
            }
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(dir.join("journal.jsonl"))?;
        Ok(Self {
            dir,
            file: Mutex::new(file),
        })
    }

    /// A journal appending to `file` (tests point it at a device that refuses writes).
    pub fn with_file(dir: PathBuf, file: std::fs::File) -> Self {
        Self {
            dir,
            file: Mutex::new(file),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Append one record, written through to the file before this returns (a killed process
    /// loses nothing); the intent of a create is also synced to the disk, since a create is
    /// what an unrecorded request could duplicate. An error means the record is not there.
    pub fn record(&self, record: &StepRecord) -> std::io::Result<()> {
        // Its free text (errors) is scrubbed where it is made; names and keys stay exact, as
        // `--only-failures` and crash recovery match on them.
        let line = serde_json::to_string(record)?;
        let mut f = self
            .file
            .lock()
            .map_err(|_| std::io::Error::other("the journal lock was poisoned"))?;
        writeln!(f, "{line}")?;
        f.flush()?;
        if record.creates && record.outcome == "intent" {
            f.sync_data()?;
        }
        Ok(())
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
        crate::redact::write_private(&self.dir.join("failures.csv"), &csv)?;
        Ok(())
    }

    pub fn write_summary(&self, summary: &impl Serialize) -> anyhow::Result<()> {
        crate::redact::write_private(
            &self.dir.join("summary.json"),
            &(serde_json::to_string_pretty(summary)? + "\n"),
        )?;
        Ok(())
    }
}

/// Objects whose create the most recent run under `state_dir` announced (an intent on a
/// creating step) without recording that it then completed: an interrupted run may have
/// created them.
pub fn unfinished_creates(state_dir: &Path) -> HashSet<TargetKey> {
    let Some(latest) = latest_run(state_dir) else {
        return HashSet::new();
    };
    let Ok(text) = std::fs::read_to_string(latest.join("journal.jsonl")) else {
        return HashSet::new();
    };
    let mut open: HashMap<(String, String), bool> = HashMap::new();
    // A crash can cut the last line short; it is skipped like any unreadable line.
    for record in text
        .lines()
        .filter_map(|l| serde_json::from_str::<StepRecord>(l).ok())
    {
        let entry = open.entry((record.object.clone(), record.key.clone()));
        match record.outcome.as_str() {
            "intent" if record.creates => *entry.or_default() = true,
            "ok" | "adopted" | "found" if record.creates || record.outcome != "ok" => {
                *entry.or_default() = false
            }
            _ => {}
        }
    }
    open.into_iter()
        .filter(|(_, unfinished)| *unfinished)
        .filter_map(|((object, key), _)| {
            let kind = object.split(['/', '[']).next()?.to_string();
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
