//! Stage 6: what each target has, read in bulk and indexed by natural key. A snapshot of it can
//! be saved (`inventory pull`) and planned against offline (`plan --inventory`).

mod observe;

pub use observe::{ObservePlan, observe, scopes_for};

use crate::model::{LiveObject, TargetKey};
use crate::providers::IdIndex;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

pub const SNAPSHOT_FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inventory {
    pub format_version: u32,
    /// The environment the target belongs to (empty in snapshots from before environments).
    #[serde(default)]
    pub environment: String,
    pub target: String,
    pub observed_at: String,
    pub objects: Vec<LiveObject>,
    #[serde(skip)]
    index: HashMap<TargetKey, usize>,
}

impl Inventory {
    pub fn new(environment: &str, target: &str, objects: Vec<LiveObject>) -> Self {
        let mut inventory = Self {
            format_version: SNAPSHOT_FORMAT,
            environment: environment.to_string(),
            target: target.to_string(),
            observed_at: now_rfc3339(),
            objects,
            index: HashMap::new(),
        };
        inventory.reindex();
        inventory
    }

    fn reindex(&mut self) {
        self.index = self
            .objects
            .iter()
            .enumerate()
            .map(|(i, o)| (o.target_key(), i))
            .collect();
    }

    pub fn get(&self, key: &TargetKey) -> Option<&LiveObject> {
        self.index.get(key).map(|&i| &self.objects[i])
    }

    pub fn ids(&self) -> IdIndex {
        IdIndex::from_live(&self.objects)
    }

    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        crate::redact::write_scrubbed(path, &(serde_json::to_string_pretty(self)? + "\n"))?;
        Ok(())
    }

    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = crate::files::read_bounded(
            path,
            crate::files::MAX_STATE_FILE_BYTES,
            "inventory snapshot",
        )?;
        let mut inventory: Inventory = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{} is not an inventory snapshot: {e}", path.display()))?;
        if inventory.format_version != SNAPSHOT_FORMAT {
            anyhow::bail!(
                "{}: snapshot format {} is not supported (expected {SNAPSHOT_FORMAT})",
                path.display(),
                inventory.format_version
            );
        }
        inventory.reindex();
        Ok(inventory)
    }
}

/// The inventories of a run, by target name.
pub type Inventories = std::collections::BTreeMap<String, Inventory>;

pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
