//! Shared org state and its persistence to `<state_dir>/org.json`.
//! Mutations mark the store dirty; a background task writes a snapshot at most every
//! `FLUSH_DELAY`, always via a temp file + rename so a reader never sees a half-written file.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::{Notify, watch};

use crate::errors::ApiResult;
use crate::model::{Org, SCHEMA_VERSION};

pub const STATE_FILE: &str = "org.json";
const FLUSH_DELAY: Duration = Duration::from_millis(200);

pub struct Store {
    org: Mutex<Org>,
    org_id: String,
    persist: Option<Persist>,
}

struct Persist {
    file: PathBuf,
    dirty: AtomicBool,
    wake: Notify,
    /// Serializes file writes between the background task and the final flush.
    write_lock: Mutex<()>,
}

impl Store {
    /// In memory only, or loaded from / seeded into `state_dir`.
    pub fn open(state_dir: Option<&Path>) -> anyhow::Result<Self> {
        let Some(dir) = state_dir else {
            return Ok(Self::from_org(crate::seed::seed_org(), None));
        };
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating sandbox state dir {}", dir.display()))?;
        let file = dir.join(STATE_FILE);
        let (org, fresh) = match std::fs::read(&file) {
            Ok(bytes) => (parse_state(&bytes, &file)?, false),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (crate::seed::seed_org(), true),
            Err(e) => return Err(e).with_context(|| format!("reading {}", file.display())),
        };
        let persist = Persist {
            file,
            dirty: AtomicBool::new(false),
            wake: Notify::new(),
            write_lock: Mutex::new(()),
        };
        let store = Self::from_org(org, Some(persist));
        if fresh {
            // Create the file right away so the next process finds the same seeded org.
            store.mark_dirty();
            store.flush()?;
        }
        Ok(store)
    }

    fn from_org(org: Org, persist: Option<Persist>) -> Self {
        let org_id = org.id.clone();
        Self {
            org: Mutex::new(org),
            org_id,
            persist,
        }
    }

    pub fn org_id(&self) -> &str {
        &self.org_id
    }

    fn lock(&self) -> MutexGuard<'_, Org> {
        // A panic while holding the lock cannot leave the org half-mutated in a way worse than the
        // panic itself (handlers validate before mutating), so keep serving.
        self.org
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn read<T>(&self, f: impl FnOnce(&Org) -> T) -> T {
        f(&self.lock())
    }

    /// Run a mutation; the store is marked dirty only when it succeeds. Handlers must validate
    /// before they change anything, so an `Err` leaves the org untouched.
    pub fn write<T>(&self, f: impl FnOnce(&mut Org) -> ApiResult<T>) -> ApiResult<T> {
        let mut org = self.lock();
        let result = f(&mut org);
        if result.is_ok() {
            self.mark_dirty();
        }
        result
    }

    fn mark_dirty(&self) {
        if let Some(p) = &self.persist {
            p.dirty.store(true, Ordering::SeqCst);
            p.wake.notify_one();
        }
    }

    /// Write the snapshot if anything changed since the last write. Blocking (small file).
    pub fn flush(&self) -> anyhow::Result<()> {
        let Some(p) = &self.persist else {
            return Ok(());
        };
        let _guard = p.write_lock.lock().unwrap_or_else(|e| e.into_inner());
        if !p.dirty.swap(false, Ordering::SeqCst) {
            return Ok(());
        }
        let bytes = match serde_json::to_vec_pretty(&*self.lock()) {
            Ok(b) => b,
            Err(e) => {
                p.dirty.store(true, Ordering::SeqCst);
                return Err(e.into());
            }
        };
        let tmp = p
            .file
            .with_extension(format!("json.tmp-{}", std::process::id()));
        // No fsync: the sandbox trades power-loss durability for fast short-lived CLI runs; the
        // rename still guarantees readers see either the old or the new complete file.
        let result = std::fs::write(&tmp, &bytes)
            .and_then(|()| std::fs::rename(&tmp, &p.file))
            .with_context(|| format!("writing {}", p.file.display()));
        if result.is_err() {
            p.dirty.store(true, Ordering::SeqCst);
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// Background flusher: after a change, wait `FLUSH_DELAY` (coalescing bursts), then write.
    /// On stop it does one last flush so a dropped sandbox still saves its state.
    pub async fn run_flusher(self: std::sync::Arc<Self>, mut stop: watch::Receiver<bool>) {
        let Some(p) = &self.persist else { return };
        loop {
            tokio::select! {
                _ = p.wake.notified() => {}
                _ = stop.wait_for(|s| *s) => break,
            }
            tokio::select! {
                _ = tokio::time::sleep(FLUSH_DELAY) => {}
                _ = stop.wait_for(|s| *s) => break,
            }
            self.flush_in_background().await;
        }
        self.flush_in_background().await;
    }

    async fn flush_in_background(self: &std::sync::Arc<Self>) {
        let store = self.clone();
        match tokio::task::spawn_blocking(move || store.flush()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "sandbox state flush failed"),
            Err(e) => tracing::warn!(error = %e, "sandbox state flush task failed"),
        }
    }
}

fn parse_state(bytes: &[u8], file: &Path) -> anyhow::Result<Org> {
    let org: Org = serde_json::from_slice(bytes)
        .with_context(|| format!("{} is not a valid sandbox state file", file.display()))?;
    anyhow::ensure!(
        org.schema_version == SCHEMA_VERSION,
        "{} has schema version {} but this sandbox understands {}; delete the file to reseed",
        file.display(),
        org.schema_version,
        SCHEMA_VERSION
    );
    Ok(org)
}
