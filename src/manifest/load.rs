//! Read manifests from files and directories (recursively, `*.yaml`/`*.yml`, in a stable order),
//! validate every document, and check what only the whole set can show: duplicate names.

use super::diagnostics::{Diagnostic, Diagnostics};
use super::validate::validate_document;
use super::yaml::parse_documents;
use crate::model::{DesiredObject, ObjectRef, SourcePos};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The validated desired state of a set of manifests.
#[derive(Debug, Clone, Default)]
pub struct ManifestSet {
    pub objects: Vec<DesiredObject>,
}

/// How `${env:NAME}` is read; shared by the loader's threads.
pub type Env = dyn Fn(&str) -> Option<String> + Sync;

/// Load and validate everything under `paths`. All problems are returned together.
pub fn load(paths: &[PathBuf], env: &Env) -> Result<ManifestSet, Diagnostics> {
    let mut diagnostics = Diagnostics::default();
    let mut files = Vec::new();
    for path in paths {
        if let Err(d) = collect_files(path, &mut files) {
            diagnostics.push(*d);
        }
    }
    if files.is_empty() && diagnostics.is_empty() {
        let shown = paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        diagnostics.push(
            Diagnostic::new(
                SourcePos {
                    file: shown,
                    line: 0,
                    col: 0,
                },
                "no manifest files (*.yaml, *.yml) found",
            )
            .hint("point at a directory of manifests or at a manifest file"),
        );
    }
    let mut objects = Vec::new();
    for (found, problems) in load_files(&files, env) {
        objects.extend(found);
        problems.into_iter().for_each(|d| diagnostics.push(d));
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
    let text = match std::fs::read(file).map(String::from_utf8) {
        Ok(Ok(text)) => text,
        Ok(Err(_)) => {
            return (
                Vec::new(),
                vec![Diagnostic::new(pos(&shown), "the file is not UTF-8 text")],
            );
        }
        Err(e) => {
            return (
                Vec::new(),
                vec![Diagnostic::new(
                    pos(&shown),
                    format!("cannot read the file: {e}"),
                )],
            );
        }
    };
    let mut objects = Vec::new();
    let mut problems = Vec::new();
    match parse_documents(&shown, &text) {
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

fn pos(file: &str) -> SourcePos {
    SourcePos {
        file: file.to_string(),
        line: 1,
        col: 1,
    }
}

fn collect_files(path: &Path, files: &mut Vec<PathBuf>) -> Result<(), Box<Diagnostic>> {
    let meta = std::fs::metadata(path).map_err(|e| {
        Diagnostic::new(
            pos(&path.display().to_string()),
            format!("cannot read: {e}"),
        )
        .hint("check the path")
    })?;
    if meta.is_file() {
        files.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| {
            Diagnostic::new(
                pos(&path.display().to_string()),
                format!("cannot list the directory: {e}"),
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if entry.is_dir() {
            collect_files(&entry, files)?;
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            files.push(entry);
        }
    }
    Ok(())
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
