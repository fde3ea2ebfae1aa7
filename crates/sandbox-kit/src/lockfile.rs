//! One owner per state dir: a [`DirLock`] is an exclusive advisory lock (`flock`) on
//! `<state_dir>/LOCK`, held for the life of the store that owns the dir, so two processes can
//! never both load and rewrite the same `org.json` (each would silently drop the other's changes).
//! The lock file says who holds it (pid, start time and, once it serves, its URL), so a second
//! process gets a clear [`OrgInUse`] error and a client such as `sandbox request` can send its
//! change to the owner over HTTP instead. The kernel releases the lock when the holder exits,
//! however it exits, so a stale `LOCK` file never blocks anyone.
//!
//! Also here: the dir and file permissions (0700 / 0600 on unix), because a state file can hold
//! trunk passwords in clear.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

pub const LOCK_FILE: &str = "LOCK";
/// How often a waiting opener retries the lock.
const LOCK_POLL: Duration = Duration::from_millis(50);

/// Who holds a state dir (the content of its `LOCK` file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockHolder {
    pub pid: u32,
    /// RFC 3339, UTC.
    pub started: String,
    /// The server that owns the org (`http://ip:port`, no API prefix), once it listens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The state dir is owned by another store (another process, or another store in this one).
#[derive(Debug, Clone)]
pub struct OrgInUse {
    pub dir: PathBuf,
    /// `None` when the holder has not written its details yet (or they cannot be read).
    pub holder: Option<LockHolder>,
    /// How long this opener waited before giving up.
    pub waited: Duration,
}

impl std::fmt::Display for OrgInUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the sandbox org at {} is in use by ", self.dir.display())?;
        match &self.holder {
            // pid 0: `probe` could not read who (the holder was still writing it).
            Some(h) if h.pid != 0 => write!(f, "pid {} (started {})", h.pid, h.started)?,
            _ => write!(f, "another process")?,
        }
        if let Some(url) = self.holder.as_ref().and_then(|h| h.url.as_deref()) {
            write!(f, ", serving it at {url}")?;
        }
        if !self.waited.is_zero() {
            write!(f, "; waited {:.1}s for it", self.waited.as_secs_f64())?;
        }
        write!(
            f,
            "; only one process may own a sandbox org at a time: stop that one, send requests to \
             it (`switchboard sandbox request` does), or use another sandbox dir"
        )
    }
}

impl std::error::Error for OrgInUse {}

/// An exclusive lock on a state dir; released when dropped (or when the process exits).
#[derive(Debug)]
pub struct DirLock {
    file: File,
    holder: LockHolder,
}

impl DirLock {
    /// Lock `dir` (created with mode 0700 if missing), waiting up to `timeout` for another holder
    /// to let go; `Duration::ZERO` fails at once. A busy dir is an [`OrgInUse`] error.
    pub fn acquire(dir: &Path, timeout: Duration) -> anyhow::Result<Self> {
        secure_dir(dir)?;
        let path = dir.join(LOCK_FILE);
        let mut file = open_private(&path, false)?;
        let started_waiting = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    let waited = started_waiting.elapsed();
                    if waited >= timeout {
                        return Err(OrgInUse {
                            dir: dir.to_path_buf(),
                            holder: read_holder(&mut file),
                            waited,
                        }
                        .into());
                    }
                    std::thread::sleep(LOCK_POLL.min(timeout - waited));
                }
                Err(TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("locking {}", path.display()));
                }
            }
        }
        let mut lock = Self {
            file,
            holder: LockHolder {
                pid: std::process::id(),
                started: now_rfc3339(),
                url: None,
            },
        };
        lock.write_holder()
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(lock)
    }

    /// Record the URL of the server that owns the org, for other processes to find it.
    pub fn advertise(&mut self, url: &str) -> anyhow::Result<()> {
        self.holder.url = Some(url.to_string());
        self.write_holder().context("writing the sandbox LOCK file")
    }

    pub fn holder(&self) -> &LockHolder {
        &self.holder
    }

    fn write_holder(&mut self) -> std::io::Result<()> {
        let mut text = serde_json::to_vec(&self.holder).map_err(std::io::Error::other)?;
        text.push(b'\n');
        self.file.set_len(0)?;
        self.file.rewind()?;
        self.file.write_all(&text)
    }
}

/// Who holds `dir`, or `None` if nobody does (a missing dir is not held). Does not create anything.
pub fn probe(dir: &Path) -> anyhow::Result<Option<LockHolder>> {
    let path = dir.join(LOCK_FILE);
    let mut file = match OpenOptions::new().read(true).write(true).open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("opening {}", path.display())),
    };
    match file.try_lock() {
        Ok(()) => Ok(None),
        Err(TryLockError::WouldBlock) => Ok(Some(read_holder(&mut file).unwrap_or(LockHolder {
            pid: 0,
            started: "unknown".into(),
            url: None,
        }))),
        Err(TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
}

fn read_holder(file: &mut File) -> Option<LockHolder> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(text.trim()).ok()
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "unknown".into())
}

/// Create `dir` (and missing parents) with mode 0700; an existing dir is tightened to 0700.
pub fn secure_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("creating sandbox state dir {}", dir.display()))?;
    tighten(dir, 0o700)
}

/// Drop group/other permission bits of an existing file or dir (no-op elsewhere than unix).
pub fn tighten(path: &Path, mode: u32) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                .with_context(|| format!("restricting permissions of {}", path.display()))?;
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Open (creating with mode 0600) a file only its owner may read; `truncate` empties it.
pub fn open_private(path: &Path, truncate: bool) -> anyhow::Result<File> {
    let mut options = OpenOptions::new();
    options
        .read(true)
        .write(true)
        .create(true)
        .truncate(truncate);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    tighten(path, 0o600)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_with_the_holder_then_free_after_drop() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("org");
        assert_eq!(probe(&sub).unwrap(), None, "a missing dir is not held");
        let mut first = DirLock::acquire(&sub, Duration::ZERO).unwrap();
        first.advertise("http://127.0.0.1:9").unwrap();
        let err = DirLock::acquire(&sub, Duration::from_millis(120)).unwrap_err();
        let busy = err.downcast_ref::<OrgInUse>().expect("an OrgInUse error");
        let holder = busy.holder.clone().unwrap();
        assert_eq!(holder.pid, std::process::id());
        assert_eq!(holder.url.as_deref(), Some("http://127.0.0.1:9"));
        assert!(busy.waited >= Duration::from_millis(100));
        let msg = err.to_string();
        assert!(
            msg.contains(&format!(
                "the sandbox org at {} is in use by pid {}",
                sub.display(),
                std::process::id()
            )),
            "{msg}"
        );
        assert_eq!(probe(&sub).unwrap(), Some(holder));
        drop(first);
        assert_eq!(probe(&sub).unwrap(), None);
        DirLock::acquire(&sub, Duration::ZERO).unwrap();
    }

    #[test]
    fn waiting_opener_gets_the_lock_when_released() {
        let dir = tempfile::tempdir().unwrap();
        let first = DirLock::acquire(dir.path(), Duration::ZERO).unwrap();
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(150));
            drop(first);
        });
        DirLock::acquire(dir.path(), Duration::from_secs(5)).unwrap();
        releaser.join().unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn dir_and_lock_are_private_even_if_they_were_not() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o755)).unwrap();
        let lock_path = sub.join(LOCK_FILE);
        std::fs::write(&lock_path, "").unwrap();
        std::fs::set_permissions(&lock_path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let _lock = DirLock::acquire(&sub, Duration::ZERO).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&sub), 0o700);
        assert_eq!(mode(&lock_path), 0o600);
    }
}
