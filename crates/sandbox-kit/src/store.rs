//! A vendor's whole state behind one lock, persisted to `<state_dir>/org.json` (any serde type
//! that carries a top-level `schemaVersion`). Mutations mark the store dirty; a background task writes a snapshot after a short delay, always
//! via a temp file + rename so a reader never sees a half-written file. The delay grows with the
//! cost of a write (a large org flushes at most every ~2 s), so flushing never dominates the CPU
//! or the store lock; shutdown always flushes.
//!
//! A persisted store owns its dir: it holds the dir's [`DirLock`] from open until [`Store::release`]
//! (or drop), so a second store over the same dir (in any process) is refused with
//! [`OrgInUse`](crate::lockfile::OrgInUse) instead of both rewriting the file. The dir is created
//! 0700 and the files 0600 (they can hold trunk passwords); looser existing modes are tightened.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use tokio::sync::{Notify, watch};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::lockfile::{DirLock, open_private, tighten};

pub const STATE_FILE: &str = "org.json";
/// Shortest wait between a change and its write (coalesces bursts).
const FLUSH_DELAY: Duration = Duration::from_millis(200);
/// Longest wait, for a large org.
const MAX_FLUSH_DELAY: Duration = Duration::from_secs(2);
/// The wait is this many times the duration of the last write: the flusher's share of the time
/// stays around 1/FLUSH_COST_FACTOR.
const FLUSH_COST_FACTOR: u32 = 20;

/// What a store keeps: the vendor's state type, serialized as one JSON object.
pub trait StateFile: Serialize + DeserializeOwned + Send + 'static {
    /// The layout this build writes and reads, stored as the object's `schemaVersion` key. A file
    /// with another version is refused with a message saying how to start over.
    const SCHEMA_VERSION: u32;
}

pub struct Store<O> {
    org: Mutex<O>,
    persist: Option<Persist>,
}

struct Persist {
    file: PathBuf,
    dirty: AtomicBool,
    /// Microseconds the last write took (serialization under the lock + file write).
    last_cost_us: AtomicU64,
    wake: Notify,
    /// Serializes file writes between the background task and the final flush.
    write_lock: Mutex<()>,
    /// Ownership of the dir; `None` once released (then nothing is written any more).
    dir_lock: Mutex<Option<DirLock>>,
}

impl<O: StateFile> Store<O> {
    /// In memory only, or loaded from / seeded into `state_dir`; `seed` makes a fresh state.
    /// A dir owned by another store is refused at once (see [`Store::open_waiting`]).
    pub fn open(state_dir: Option<&Path>, seed: impl FnOnce() -> O) -> anyhow::Result<Self> {
        Self::open_waiting(state_dir, seed, Duration::ZERO)
    }

    /// Like [`Store::open`], but waits up to `lock_timeout` for another owner of the dir to let
    /// go before failing with [`OrgInUse`](crate::lockfile::OrgInUse). Blocking.
    pub fn open_waiting(
        state_dir: Option<&Path>,
        seed: impl FnOnce() -> O,
        lock_timeout: Duration,
    ) -> anyhow::Result<Self> {
        let Some(dir) = state_dir else {
            return Ok(Self::from_org(seed(), None));
        };
        let dir_lock = DirLock::acquire(dir, lock_timeout)?;
        let file = dir.join(STATE_FILE);
        tighten(&file, 0o600)?;
        let (org, fresh) = match std::fs::read(&file) {
            Ok(bytes) => (parse_state(&bytes, &file)?, false),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (seed(), true),
            Err(e) => return Err(e).with_context(|| format!("reading {}", file.display())),
        };
        let persist = Persist {
            file,
            dirty: AtomicBool::new(false),
            last_cost_us: AtomicU64::new(0),
            wake: Notify::new(),
            write_lock: Mutex::new(()),
            dir_lock: Mutex::new(Some(dir_lock)),
        };
        let store = Self::from_org(org, Some(persist));
        if fresh {
            // Create the file right away so the next process finds the same seeded org.
            store.mark_dirty();
            store.flush()?;
        }
        Ok(store)
    }

    /// Record in the dir's lock file the URL of the server that serves this store, so that other
    /// processes can send their changes there. No-op for an in-memory or released store.
    pub fn advertise(&self, url: &str) -> anyhow::Result<()> {
        let Some(p) = &self.persist else {
            return Ok(());
        };
        match p
            .dir_lock
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
        {
            Some(lock) => lock.advertise(url),
            None => Ok(()),
        }
    }

    /// Flush, then give up the dir: another store may open it. Later changes stay in memory only.
    pub fn release(&self) -> anyhow::Result<()> {
        let Some(p) = &self.persist else {
            return Ok(());
        };
        let flushed = self.flush();
        // Under the write lock, so no write is in progress while the dir changes hands.
        let _guard = p.write_lock.lock().unwrap_or_else(|e| e.into_inner());
        p.dir_lock.lock().unwrap_or_else(|e| e.into_inner()).take();
        flushed
    }

    /// An in-memory store (nothing is persisted).
    pub fn in_memory(org: O) -> Self {
        Self::from_org(org, None)
    }

    fn from_org(org: O, persist: Option<Persist>) -> Self {
        Self {
            org: Mutex::new(org),
            persist,
        }
    }

    fn lock(&self) -> MutexGuard<'_, O> {
        // A panic while holding the lock cannot leave the org half-mutated in a way worse than the
        // panic itself (handlers validate before mutating), so keep serving.
        self.org
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn read<T>(&self, f: impl FnOnce(&O) -> T) -> T {
        f(&self.lock())
    }

    /// Run a mutation; the store is marked dirty only when it succeeds. Handlers must validate
    /// before they change anything, so an `Err` leaves the org untouched.
    pub fn write<T, E>(&self, f: impl FnOnce(&mut O) -> Result<T, E>) -> Result<T, E> {
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

    /// Write the snapshot if anything changed since the last write. Blocking.
    pub fn flush(&self) -> anyhow::Result<()> {
        let Some(p) = &self.persist else {
            return Ok(());
        };
        let _guard = p.write_lock.lock().unwrap_or_else(|e| e.into_inner());
        if p.dir_lock
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_none()
        {
            // Released: the dir may belong to another store now.
            return Ok(());
        }
        if !p.dirty.swap(false, Ordering::SeqCst) {
            return Ok(());
        }
        let started = Instant::now();
        let bytes = match serialize(&*self.lock()) {
            Ok(b) => b,
            Err(e) => {
                p.dirty.store(true, Ordering::SeqCst);
                return Err(e);
            }
        };
        let result = write_atomically(&p.file, &bytes);
        if result.is_err() {
            p.dirty.store(true, Ordering::SeqCst);
        }
        let cost = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        p.last_cost_us.store(cost, Ordering::Relaxed);
        result
    }

    /// How long the flusher waits after a change before writing.
    fn flush_delay(&self) -> Duration {
        let cost = self
            .persist
            .as_ref()
            .map_or(0, |p| p.last_cost_us.load(Ordering::Relaxed));
        (Duration::from_micros(cost) * FLUSH_COST_FACTOR).clamp(FLUSH_DELAY, MAX_FLUSH_DELAY)
    }

    /// Background flusher: after a change, wait `flush_delay` (coalescing bursts), then write.
    /// On stop it does one last flush so a dropped sandbox still saves its state.
    pub async fn run_flusher(self: std::sync::Arc<Self>, mut stop: watch::Receiver<bool>) {
        let Some(p) = &self.persist else { return };
        loop {
            tokio::select! {
                _ = p.wake.notified() => {}
                _ = stop.wait_for(|s| *s) => break,
            }
            tokio::select! {
                _ = tokio::time::sleep(self.flush_delay()) => {}
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

/// The state as `org.json` bytes (pretty: the file is meant to be readable and diffable).
fn serialize<O: Serialize>(org: &O) -> anyhow::Result<Vec<u8>> {
    Ok(serde_json::to_vec_pretty(org)?)
}

/// Write `org` as a state file (what `Store::open` loads), atomically and readable by its owner
/// only. The caller should hold the dir's [`DirLock`] (see `DirLock::acquire`).
pub fn write_state<O: StateFile>(file: &Path, org: &O) -> anyhow::Result<()> {
    write_atomically(file, &serialize(org)?)
}

/// Temp file (created 0600, so the secrets are never readable by others, not even briefly) +
/// rename. No fsync: the sandbox trades power-loss durability for fast short-lived CLI runs; the
/// rename still guarantees readers see either the old or the new complete file.
fn write_atomically(file: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let tmp = file.with_extension(format!("json.tmp-{}", std::process::id()));
    let result = open_private(&tmp, true)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            drop(f);
            std::fs::rename(&tmp, file)?;
            Ok(())
        })
        .with_context(|| format!("writing {}", file.display()));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Only the version key, read before the rest so an old layout gets a clear message rather than
/// whatever field the new layout misses first.
#[derive(serde::Deserialize)]
struct Version {
    #[serde(rename = "schemaVersion")]
    schema_version: Option<u32>,
}

fn parse_state<O: StateFile>(bytes: &[u8], file: &Path) -> anyhow::Result<O> {
    let not_valid = || format!("{} is not a valid sandbox state file", file.display());
    let version: Version = serde_json::from_slice(bytes).with_context(not_valid)?;
    anyhow::ensure!(
        version.schema_version == Some(O::SCHEMA_VERSION),
        "{} has schema version {} but this sandbox understands {}; delete the file (or run \
         `switchboard sandbox reset`) to reseed",
        file.display(),
        version
            .schema_version
            .map_or_else(|| "none".to_string(), |v| v.to_string()),
        O::SCHEMA_VERSION
    );
    serde_json::from_slice(bytes).with_context(not_valid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Org {
        schema_version: u32,
        names: Vec<String>,
    }

    impl StateFile for Org {
        const SCHEMA_VERSION: u32 = 2;
    }

    fn seed() -> Org {
        Org {
            schema_version: 2,
            names: vec!["seeded".into()],
        }
    }

    #[test]
    fn fresh_dir_is_seeded_written_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(Some(dir.path()), seed).unwrap();
        assert!(dir.path().join(STATE_FILE).exists());
        store
            .write(|o| {
                o.names.push("added".into());
                Ok::<_, ()>(())
            })
            .unwrap();
        // A failed write is not a change.
        assert_eq!(store.write(|_| Err::<(), _>("no")), Err("no"));
        store.flush().unwrap();
        drop(store);
        let again: Store<Org> = Store::open(Some(dir.path()), || unreachable!()).unwrap();
        assert_eq!(again.read(|o| o.names.clone()), ["seeded", "added"]);
        let mut leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        leftovers.sort();
        assert_eq!(leftovers, ["LOCK", STATE_FILE], "no temp file left behind");
    }

    #[test]
    fn one_store_per_dir_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(Some(dir.path()), seed).unwrap();
        store.advertise("http://127.0.0.1:1").unwrap();
        let err = Store::<Org>::open(Some(dir.path()), seed).err().unwrap();
        let busy = err
            .downcast_ref::<crate::lockfile::OrgInUse>()
            .expect("OrgInUse");
        assert_eq!(busy.holder.as_ref().unwrap().pid, std::process::id());
        assert!(err.to_string().contains("http://127.0.0.1:1"), "{err}");
        store
            .write(|o| {
                o.names.push("before release".into());
                Ok::<_, ()>(())
            })
            .unwrap();
        store.release().unwrap();
        // Changes after the release are not written over the next owner's file.
        store
            .write(|o| {
                o.names.push("after release".into());
                Ok::<_, ()>(())
            })
            .unwrap();
        let next: Store<Org> = Store::open(Some(dir.path()), || unreachable!()).unwrap();
        store.flush().unwrap();
        assert_eq!(next.read(|o| o.names.clone()), ["seeded", "before release"]);
    }

    #[cfg(unix)]
    #[test]
    fn state_dir_and_file_are_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("sandbox");
        let store = Store::open(Some(&dir), seed).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(STATE_FILE)), 0o600);
        drop(store);
        // Files written by an older build are tightened on open.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let file = dir.join(STATE_FILE);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let store = Store::<Org>::open(Some(&dir), seed).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&file), 0o600);
        store
            .write(|o| {
                o.names.push("x".into());
                Ok::<_, ()>(())
            })
            .unwrap();
        store.flush().unwrap();
        assert_eq!(mode(&file), 0o600, "a rewrite stays private");
    }

    #[test]
    fn other_schema_version_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(STATE_FILE);
        std::fs::write(&file, r#"{"schemaVersion": 1, "people": []}"#).unwrap();
        let err = Store::<Org>::open(Some(dir.path()), seed)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("schema version 1"), "{err}");
        assert!(err.contains("understands 2"), "{err}");
        std::fs::write(&file, "{ broken").unwrap();
        let err = Store::<Org>::open(Some(dir.path()), seed).err().unwrap();
        assert!(format!("{err:#}").contains("not a valid"), "{err:#}");
    }

    #[test]
    fn flush_delay_grows_with_cost_within_bounds() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(Some(dir.path()), seed).unwrap();
        assert_eq!(store.flush_delay(), FLUSH_DELAY);
        let p = store.persist.as_ref().unwrap();
        p.last_cost_us.store(50_000, Ordering::Relaxed);
        assert_eq!(store.flush_delay(), Duration::from_secs(1));
        p.last_cost_us.store(10_000_000, Ordering::Relaxed);
        assert_eq!(store.flush_delay(), MAX_FLUSH_DELAY);
    }
}
