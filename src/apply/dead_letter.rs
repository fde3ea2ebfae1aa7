//! `state/<env>/<target>/dead-letter.jsonl`: the objects the target's last run could not finish (failed after their
//! retries, or skipped because something they need failed), with the last error. `apply
//! --only-failures` narrows a plan to them and what depends on them.

use super::{ObjectResult, Outcome, RunSummary};
use crate::plan::Plan;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

pub const FILE: &str = "dead-letter.jsonl";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    pub object: String,
    pub kind: String,
    pub key: String,
    pub outcome: Outcome,
    pub error: String,
    pub at: String,
    /// The run directory whose journal has the details.
    pub run: String,
}

pub fn path(state_dir: &Path) -> PathBuf {
    state_dir.join(FILE)
}

/// Replace a target's dead letter with its unfinished objects of this run (none: the file is
/// removed). `summary` is the target's part of the run.
pub fn write(state_dir: &Path, summary: &RunSummary, run_dir: &Path) -> anyhow::Result<usize> {
    let letters: Vec<DeadLetter> = summary
        .results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed | Outcome::Skipped))
        .map(|r: &ObjectResult| DeadLetter {
            object: r.object.clone(),
            kind: r.kind.clone(),
            key: r.key.clone(),
            outcome: r.outcome,
            error: r.error.clone().unwrap_or_default(),
            at: summary.finished_at.clone(),
            run: run_dir.display().to_string(),
        })
        .collect();
    let file = path(state_dir);
    if letters.is_empty() {
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        return Ok(0);
    }
    // Written aside and renamed, so a crash never leaves half a dead letter.
    let temp = file.with_extension("jsonl.tmp");
    let mut text = String::new();
    for letter in &letters {
        text.push_str(&serde_json::to_string(letter)?);
        text.push('\n');
    }
    crate::redact::write_private(&temp, &text)?;
    std::fs::File::open(&temp)?.sync_all()?;
    std::fs::rename(&temp, &file)?;
    Ok(letters.len())
}

pub fn read(state_dir: &Path) -> anyhow::Result<Vec<DeadLetter>> {
    let file = path(state_dir);
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(anyhow::anyhow!("cannot read {}: {e}", file.display())),
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, line)| {
            serde_json::from_str(line).map_err(|e| {
                anyhow::anyhow!("{}:{}: not a dead-letter entry: {e}", file.display(), n + 1)
            })
        })
        .collect()
}

/// Keep only the actions of `objects` and everything that depends on them (transitively);
/// dependencies outside that set are taken as done.
pub fn narrow(plan: &Plan, objects: &HashSet<String>) -> Plan {
    let mut keep: HashSet<String> = objects.clone();
    loop {
        let before = keep.len();
        for a in &plan.actions {
            if a.depends_on.iter().any(|d| keep.contains(d)) {
                keep.insert(a.object());
            }
        }
        if keep.len() == before {
            break;
        }
    }
    plan.narrowed(|a| keep.contains(&a.object()))
}
