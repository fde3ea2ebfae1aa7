//! Reading files Switchboard is handed back (saved plans, snapshots): only regular files, and
//! never more than a bound, so a path to a device or a huge file is a clear error rather than a
//! hang or an exhausted memory.

use std::io::Read;
use std::path::Path;

/// Saved plans and snapshots of a large org stay far below this.
pub const MAX_STATE_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// The text of `path`, if it is a regular file of at most `max` bytes.
pub fn read_bounded(path: &Path, max: u64, what: &str) -> anyhow::Result<String> {
    let meta = std::fs::metadata(path)
        .map_err(|e| anyhow::anyhow!("cannot read {what} {}: {e}", path.display()))?;
    if !meta.is_file() {
        anyhow::bail!("{what} {} is not a regular file", path.display());
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(max + 1).read_to_end(&mut bytes))
        .map_err(|e| anyhow::anyhow!("cannot read {what} {}: {e}", path.display()))?;
    if bytes.len() as u64 > max {
        anyhow::bail!(
            "{what} {} is larger than {max} bytes; it cannot be one",
            path.display()
        );
    }
    String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{what} {} is not UTF-8 text", path.display()))
}
