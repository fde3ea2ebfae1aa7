//! One writer at a time per state folder: an advisory lock on `<state>/<env>/<target>/lock`,
//! held for a whole apply (or inventory pull), as Terraform locks its state. A second run waits
//! up to `--lock-timeout` (default: not at all) and then says who holds the lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A held lock; released when dropped (or when the process ends, however it ends).
#[derive(Debug)]
pub struct StateLock {
    _file: File,
    pub path: PathBuf,
}

/// Create a state folder owner-only (it holds journals and dead letters).
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Take the lock of the state folder `dir`, waiting up to `timeout`.
pub fn acquire(dir: &Path, timeout: Duration) -> anyhow::Result<StateLock> {
    create_private_dir(dir)
        .map_err(|e| anyhow::anyhow!("cannot create the state folder {}: {e}", dir.display()))?;
    let path = dir.join("lock");
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(|e| anyhow::anyhow!("cannot open the lock file {}: {e}", path.display()))?;
    let started = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) if started.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = (&file).take(4096).read_to_string(&mut holder);
                let holder = holder.trim();
                anyhow::bail!(
                    "the state folder {} is locked by another run ({}); wait for it to finish, or pass --lock-timeout SECONDS to wait",
                    dir.display(),
                    if holder.is_empty() {
                        "holder unknown"
                    } else {
                        holder
                    }
                );
            }
            Err(TryLockError::Error(e)) => {
                anyhow::bail!("cannot lock {}: {e}", path.display())
            }
        }
    }
    // Say who holds it, for the run that has to wait.
    // Only the verb: the rest of a command line can hold a secret (`--token=…`).
    let verb = std::env::args().nth(1).unwrap_or_default();
    let verb: String = verb
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(20)
        .collect();
    let who = format!(
        "pid {}, started {}, `switchboard {verb}`",
        std::process::id(),
        crate::inventory::now_rfc3339(),
    );
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| file.write_all(who.as_bytes()))
        .map_err(|e| anyhow::anyhow!("cannot write the lock file {}: {e}", path.display()))?;
    Ok(StateLock { _file: file, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_pid_then_gets_it_once_released() {
        let dir = tempfile::tempdir().expect("dir");
        let first = acquire(dir.path(), Duration::ZERO).expect("first");
        let second = acquire(dir.path(), Duration::from_millis(250)).expect_err("held");
        let message = second.to_string();
        assert!(
            message.contains(&format!("pid {}", std::process::id())),
            "{message}"
        );
        assert!(message.contains("--lock-timeout"), "{message}");
        drop(first);
        acquire(dir.path(), Duration::ZERO).expect("free again");
    }
}
