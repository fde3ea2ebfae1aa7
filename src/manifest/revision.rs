//! Manifests as they were at a Git revision, for `plan --changed-since REV`: the repository
//! holding each manifest path is asked, through the `git` command, for the manifest files under
//! that path at REV and their text, which the caller loads with the same loader as the files on
//! disk. The working tree is what REV is compared with, so uncommitted edits count as changes.

use super::load::{MAX_FILE_BYTES, is_manifest_name};
use anyhow::{Context, anyhow, bail};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A revision as given (`origin/main`) and the commit it named when the plan was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub given: String,
    pub commit: String,
}

/// The manifest files under some paths at a revision: `(shown name, text)`.
#[derive(Debug, Clone)]
pub struct FilesAtRevision {
    pub revision: Revision,
    pub files: Vec<(String, String)>,
}

const REVISION_HINT: &str = "give a branch, tag or commit (origin/main, HEAD~1, a sha); a shallow CI clone needs that history (e.g. fetch-depth: 0)";

/// The manifest files under `paths` as they were at `given`.
pub fn files_at(paths: &[PathBuf], given: &str) -> anyhow::Result<FilesAtRevision> {
    // A revision starting with `-` would be read by git as an option.
    if given.is_empty() || given.starts_with('-') {
        bail!("`{given}` is not a Git revision\n  hint: {REVISION_HINT}");
    }
    let mut revision: Option<Revision> = None;
    let mut files = Vec::new();
    let mut seen: BTreeSet<(PathBuf, String)> = BTreeSet::new();
    for path in paths {
        let canonical = std::fs::canonicalize(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let dir = if canonical.is_dir() {
            canonical.clone()
        } else {
            canonical
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| canonical.clone())
        };
        let top = git(&dir, &["rev-parse", "--show-toplevel"]).map_err(|e| {
            anyhow!(
                "{} is not in a Git repository ({e}); --changed-since compares the manifests with a Git revision\n  hint: run the plan inside a clone of the manifests' repository, or plan everything without --changed-since",
                path.display()
            )
        })?;
        let top = std::fs::canonicalize(text(&top).trim())
            .with_context(|| format!("cannot read the Git repository of {}", path.display()))?;
        let commit = git(
            &top,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &format!("{given}^{{commit}}"),
            ],
        )
        .map_err(|_| {
            anyhow!(
                "`{given}` is not a commit of the Git repository at {}\n  hint: {REVISION_HINT}",
                top.display()
            )
        })?;
        let commit = text(&commit).trim().to_string();
        revision.get_or_insert_with(|| Revision {
            given: given.to_string(),
            commit: commit.clone(),
        });
        // A path outside the repository it resolves into (through a link) would otherwise read
        // as the repository's root: everything at REV.
        let relative = canonical
            .strip_prefix(&top)
            .map(|r| r.to_string_lossy().into_owned())
            .map_err(|_| {
                anyhow!(
                    "{} resolves outside the Git repository at {}\n  hint: give the manifests' path inside the repository",
                    path.display(),
                    top.display()
                )
            })?;
        let relative = if relative.is_empty() {
            ".".to_string()
        } else {
            relative
        };
        let listed = git(
            &top,
            &[
                "ls-tree",
                "-r",
                "-z",
                "--name-only",
                &commit,
                "--",
                &relative,
            ],
        )?;
        let names: Vec<String> = text(&listed)
            .split('\0')
            .filter(|name| !name.is_empty() && !name.contains('\n'))
            .filter(|name| {
                // As the walk of the files on disk: a file named on the command line whatever
                // its name; under a directory, manifest names outside hidden entries.
                canonical.is_file() || (is_manifest_name(name) && !hidden_below(name, &relative))
            })
            .filter(|name| seen.insert((top.clone(), name.to_string())))
            .map(str::to_string)
            .collect();
        files.extend(read_blobs(&top, &commit, given, &names)?);
    }
    let revision = revision.ok_or_else(|| anyhow!("no manifest path given"))?;
    Ok(FilesAtRevision { revision, files })
}

/// True when a component of `name` below `under` starts with a dot (skipped, as on disk).
fn hidden_below(name: &str, under: &str) -> bool {
    let below = if under == "." {
        name
    } else {
        name.strip_prefix(under)
            .map(|r| r.trim_start_matches('/'))
            .unwrap_or(name)
    };
    below.split('/').any(|part| part.starts_with('.'))
}

/// The text of each file at `commit`, with one `git cat-file --batch` for all of them (one
/// process per file would cost minutes for a large org). Files beyond the size limit and files
/// that are not UTF-8 are left out: the loader would refuse them anyway.
fn read_blobs(
    top: &Path,
    commit: &str,
    given: &str,
    names: &[String],
) -> anyhow::Result<Vec<(String, String)>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| anyhow!("cannot run git: {e}\n  hint: --changed-since needs git installed"))?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| anyhow!("cannot write to git cat-file"))?;
    let requests: String = names.iter().map(|n| format!("{commit}:{n}\n")).collect();
    // Written from another thread: git answers while it reads, and a full pipe would block both.
    let writer = std::thread::spawn(move || stdin.write_all(requests.as_bytes()));
    let output = child.wait_with_output()?;
    writer
        .join()
        .map_err(|_| anyhow!("cannot write to git cat-file"))??;
    if !output.status.success() {
        bail!("git cat-file failed: {}", text(&output.stderr).trim());
    }
    let mut rest: &[u8] = &output.stdout;
    let mut files = Vec::new();
    for name in names {
        let end = rest
            .iter()
            .position(|b| *b == b'\n')
            .ok_or_else(|| anyhow!("git cat-file ended early"))?;
        let header = text(&rest[..end]);
        rest = &rest[end + 1..];
        // `<oid> blob <size>`, or `<request> missing`.
        let size: Option<usize> = match header.split(' ').collect::<Vec<_>>().as_slice() {
            [_, "blob", size] => size.parse().ok(),
            _ => None,
        };
        let Some(size) = size else { continue };
        let body = rest
            .get(..size)
            .ok_or_else(|| anyhow!("git cat-file ended early"))?;
        if size as u64 <= MAX_FILE_BYTES
            && let Ok(body) = std::str::from_utf8(body)
        {
            files.push((format!("{given}:{name}"), body.to_string()));
        }
        rest = rest.get(size + 1..).unwrap_or_default();
    }
    Ok(files)
}

/// Run git in `dir`; its output, or its error message.
fn git(dir: &Path, args: &[&str]) -> anyhow::Result<Vec<u8>> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| anyhow!("cannot run git: {e}\n  hint: --changed-since needs git installed"))?;
    if !output.status.success() {
        let message = text(&output.stderr).trim().to_string();
        bail!(if message.is_empty() {
            format!("git {} failed", args.first().copied().unwrap_or_default())
        } else {
            message
        });
    }
    Ok(output.stdout)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_entries_below_the_given_path_are_skipped_as_on_disk() {
        assert!(!hidden_below("manifests/a.yaml", "manifests"));
        assert!(hidden_below("manifests/.draft/a.yaml", "manifests"));
        assert!(hidden_below(".github/ci.yaml", "."));
        assert!(!hidden_below("m/a.yaml", "."));
    }
}
