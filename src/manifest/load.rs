//! Read manifests from files and directories (recursively, `*.yaml`/`*.yml`, in a stable order),
//! validate every document, and check what only the whole set can show: duplicate names.

use super::diagnostics::{Diagnostic, Diagnostics};
use super::validate::validate_document;
use super::yaml::parse_documents;
use crate::model::{DesiredObject, ObjectRef, SourcePos};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The validated desired state of a set of manifests.
#[derive(Debug, Clone, Default)]
pub struct ManifestSet {
    pub objects: Vec<DesiredObject>,
}

/// Load and validate everything under `paths`. All problems are returned together.
pub fn load(
    paths: &[PathBuf],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ManifestSet, Diagnostics> {
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
    for file in &files {
        let shown = file.display().to_string();
        let text = match std::fs::read(file).map(String::from_utf8) {
            Ok(Ok(text)) => text,
            Ok(Err(_)) => {
                diagnostics.push(Diagnostic::new(pos(&shown), "the file is not UTF-8 text"));
                continue;
            }
            Err(e) => {
                diagnostics.push(Diagnostic::new(
                    pos(&shown),
                    format!("cannot read the file: {e}"),
                ));
                continue;
            }
        };
        match parse_documents(&shown, &text) {
            Err(e) => diagnostics.push(
                Diagnostic::new(e.pos, format!("YAML syntax: {}", e.message))
                    .hint("fix the YAML syntax"),
            ),
            Ok(docs) => {
                for doc in &docs {
                    match validate_document(doc, env) {
                        Ok(object) => objects.push(object),
                        Err(problems) => problems.into_iter().for_each(|d| diagnostics.push(d)),
                    }
                }
            }
        }
    }
    check_duplicates(&objects, &mut diagnostics);
    diagnostics.into_result(ManifestSet { objects })
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
