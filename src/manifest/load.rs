//! Read manifests from files and directories (recursively, `*.yaml`/`*.yml`, in a stable order),
//! validate every document, and check what only the whole set can show: duplicate names and an
//! empty set. The walk is bounded: symlink loops are errors, each real file is read once, only
//! regular files are opened (non-blocking) and none beyond `MAX_FILE_BYTES`.

use super::diagnostics::{Diagnostic, Diagnostics};
use super::validate::validate_document;
use super::yaml::parse_documents;
use crate::model::{DesiredObject, ObjectRef, SourcePos};
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The validated desired state of a set of manifests.
#[derive(Debug, Clone, Default)]
pub struct ManifestSet {
    pub objects: Vec<DesiredObject>,
}

/// How `${env:NAME}` is read; shared by the loader's threads.
pub type Env = dyn Fn(&str) -> Option<String> + Sync;

/// The largest manifest file read: far above any real one, far below what hurts.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Load and validate everything under `paths`. All problems are returned together.
pub fn load(paths: &[PathBuf], env: &Env) -> Result<ManifestSet, Diagnostics> {
    let mut diagnostics = Diagnostics::default();
    let mut walk = Walk::default();
    for path in paths {
        walk.visit(path, true);
    }
    walk.problems.into_iter().for_each(|d| diagnostics.push(d));
    let files = walk.files;
    if files.is_empty() && diagnostics.is_empty() {
        let shown = paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        diagnostics.push(
            Diagnostic::new(pos(&shown), "no manifest files (*.yaml, *.yml) found")
                .hint("point at a directory of manifests or at a manifest file"),
        );
    }
    let mut objects = Vec::new();
    for (found, problems) in load_files(&files, env) {
        objects.extend(found);
        problems.into_iter().for_each(|d| diagnostics.push(d));
    }
    if objects.is_empty()
        && diagnostics.is_empty()
        && let Some(first) = files.first()
    {
        diagnostics.push(
            Diagnostic::new(
                pos(&first.display().to_string()),
                format!(
                    "no manifest documents: the {} file(s) read hold only comments or whitespace",
                    files.len()
                ),
            )
            .hint("an empty manifest set would plan nothing; write at least one document"),
        );
    }
    check_duplicates(&objects, &mut diagnostics);
    diagnostics.into_result(ManifestSet { objects })
}

/// One file's valid objects and problems.
type FileResult = (Vec<DesiredObject>, Vec<Diagnostic>);

/// Parse and validate the files on every core; the results keep the files' order.
fn load_files(files: &[PathBuf], env: &Env) -> Vec<FileResult> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len().div_ceil(16))
        .max(1);
    if workers == 1 {
        return files.iter().map(|f| load_file(f, env)).collect();
    }
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<FileResult>> = Vec::new();
    results.resize_with(files.len(), || None);
    let done: Vec<Vec<(usize, FileResult)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(file) = files.get(i) else { break };
                        mine.push((i, load_file(file, env)));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    for (i, result) in done.into_iter().flatten() {
        results[i] = Some(result);
    }
    results.into_iter().flatten().collect()
}

fn load_file(file: &Path, env: &Env) -> FileResult {
    let shown = file.display().to_string();
    let text = match read_bounded(file) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                return (
                    Vec::new(),
                    vec![
                        Diagnostic::new(pos(&shown), "the file is not UTF-8 text")
                            .hint("save the manifest as UTF-8"),
                    ],
                );
            }
        },
        Err(d) => return (Vec::new(), vec![*d]),
    };
    load_text(&shown, &text, env)
}

/// The documents of one file's text, validated; `shown` names the file in positions.
fn load_text(shown: &str, text: &str, env: &Env) -> FileResult {
    let mut objects = Vec::new();
    let mut problems = Vec::new();
    match parse_documents(shown, text) {
        Err(e) => problems.push(
            Diagnostic::new(e.pos, format!("YAML syntax: {}", e.message))
                .hint("fix the YAML syntax"),
        ),
        Ok(docs) => {
            for doc in &docs {
                match validate_document(doc, env) {
                    Ok(object) => objects.push(object),
                    Err(found) => problems.extend(found),
                }
            }
        }
    }
    (objects, problems)
}

/// The valid documents of files given as text (manifests as they were at a Git revision),
/// through the same parser and checks as files on disk. Lenient: a document that does not
/// load is left out, since the caller compares rather than plans.
pub fn load_texts(files: &[(String, String)], env: &Env) -> ManifestSet {
    let objects = files
        .iter()
        .flat_map(|(shown, text)| load_text(shown, text, env).0)
        .collect();
    ManifestSet { objects }
}

fn pos(file: &str) -> SourcePos {
    SourcePos {
        file: file.to_string(),
        line: 1,
        col: 1,
    }
}

/// Read a regular file, never more than `MAX_FILE_BYTES` (+1 to tell a file that is exactly
/// at the limit from one beyond it). Opened non-blocking, so a FIFO that slipped past the walk
/// (renamed in between) cannot hang the open, and checked to be a regular file once open.
fn read_bounded(file: &Path) -> Result<Vec<u8>, Box<Diagnostic>> {
    let shown = file.display().to_string();
    let fail = |message: String| Box::new(Diagnostic::new(pos(&shown), message));
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let handle = options
        .open(file)
        .map_err(|e| fail(format!("cannot read the file: {e}")))?;
    let meta = handle
        .metadata()
        .map_err(|e| fail(format!("cannot read the file: {e}")))?;
    if !meta.is_file() {
        return Err(fail(format!(
            "not a regular file ({}): only regular files are read as manifests",
            file_type_name(&meta)
        )));
    }
    let mut bytes = Vec::new();
    handle
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("cannot read the file: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Box::new(
            Diagnostic::new(
                pos(&shown),
                format!(
                    "the file is larger than the {} MiB limit for a manifest file",
                    MAX_FILE_BYTES / (1024 * 1024)
                ),
            )
            .hint("split it into several files"),
        ));
    }
    Ok(bytes)
}

fn file_type_name(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

pub(crate) fn is_manifest_name(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

/// The walk over the paths given: symlinks are followed, but every real directory and file is
/// visited once (canonical paths), a link back to a directory being walked is an error naming
/// it (no exponential walk through links to `.`), and only regular files are collected.
#[derive(Default)]
struct Walk {
    files: Vec<PathBuf>,
    problems: Vec<Diagnostic>,
    /// Canonical paths of every directory and file already taken.
    seen: HashSet<PathBuf>,
    /// Canonical paths of the directories being walked, outermost first.
    ancestors: Vec<PathBuf>,
}

impl Walk {
    fn problem(&mut self, path: &Path, message: String, hint: &str) {
        self.problems
            .push(Diagnostic::new(pos(&path.display().to_string()), message).hint(hint));
    }

    /// `explicit`: named on the command line, so taken whatever its name.
    fn visit(&mut self, path: &Path, explicit: bool) {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let wanted = explicit || is_manifest_name(name);
        // Follows a symlink; never opens the file.
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) if wanted => {
                return self.problem(path, format!("cannot read: {e}"), "check the path");
            }
            Err(_) => return,
        };
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if meta.is_dir() {
            if let Some(outer) = self.ancestors.iter().find(|a| **a == canonical) {
                let message = format!(
                    "symlink loop: this leads back to {}, which is already being read",
                    outer.display()
                );
                return self.problem(path, message, "remove the link or point it elsewhere");
            }
            if !self.seen.insert(canonical.clone()) {
                return;
            }
            let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
                Ok(list) => list.filter_map(|e| e.ok().map(|e| e.path())).collect(),
                Err(e) => {
                    let message = format!("cannot list the directory: {e}");
                    return self.problem(path, message, "check the permissions");
                }
            };
            entries.sort();
            self.ancestors.push(canonical);
            for entry in entries {
                let hidden = entry
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'));
                if !hidden {
                    self.visit(&entry, false);
                }
            }
            self.ancestors.pop();
        } else if !wanted {
        } else if !meta.is_file() {
            let message = format!(
                "not a regular file ({}): only regular files are read as manifests",
                file_type_name(&meta)
            );
            self.problem(
                path,
                message,
                "remove it or rename it so it does not end in .yaml",
            );
        } else if self.seen.insert(canonical) {
            self.files.push(path.to_path_buf());
        }
    }
}

fn check_duplicates(objects: &[DesiredObject], diagnostics: &mut Diagnostics) {
    let mut seen: HashMap<&ObjectRef, &SourcePos> = HashMap::new();
    for object in objects {
        if let Some(first) = seen.insert(&object.id, &object.source) {
            diagnostics.push(
                Diagnostic::new(
                    object.source.clone(),
                    format!("duplicate {} (first defined at {first})", object.id),
                )
                .object(object.id.to_string())
                .path("/metadata/name")
                .hint("metadata.name must be unique per kind"),
            );
        }
    }
}
