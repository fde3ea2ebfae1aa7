//! JSON Schemas for manifest documents, generated from the kinds' Rust spec types: one per kind
//! plus `manifest.schema.json` for any document (what yaml-language-server is pointed at).

use crate::providers::{KindInfo, catalog};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub const API_VERSION: &str = "switchboard/v1";
const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

fn metadata_schema() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["name"],
        "properties": {
            "name": {
                "description": "Unique per kind; other manifests reference the object by this name.",
                "type": "string",
                "pattern": "^[a-z0-9]([a-z0-9._-]{0,251}[a-z0-9])?$"
            },
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "target": {
                "description": "The target this object goes to, when the environment has several targets of its provider.",
                "type": "string",
                "minLength": 1
            }
        }
    })
}

/// The spec schema with its `$defs` taken out, and every `#/$defs/X` renamed `#/$defs/{prefix}X`.
fn split_spec_schema(info: &KindInfo, prefix: &str) -> (Value, Map<String, Value>) {
    let mut spec = (info.spec_schema)().to_value();
    let defs = spec
        .as_object_mut()
        .and_then(|o| o.remove("$defs"))
        .and_then(|d| d.as_object().cloned())
        .unwrap_or_default();
    if let Some(o) = spec.as_object_mut() {
        o.remove("$schema");
        o.insert("description".into(), Value::String(info.description.into()));
    }
    let rename = |v: &mut Value| rewrite_refs(v, prefix);
    rename(&mut spec);
    let defs = defs
        .into_iter()
        .map(|(k, mut v)| {
            rename(&mut v);
            (format!("{prefix}{k}"), v)
        })
        .collect();
    (spec, defs)
}

fn rewrite_refs(value: &mut Value, prefix: &str) {
    match value {
        Value::Object(o) => {
            for (k, v) in o.iter_mut() {
                if k == "$ref"
                    && let Some(r) = v.as_str().and_then(|r| r.strip_prefix("#/$defs/"))
                {
                    *v = Value::String(format!("#/$defs/{prefix}{r}"));
                } else {
                    rewrite_refs(v, prefix);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|v| rewrite_refs(v, prefix)),
        _ => {}
    }
}

fn document_body(kind: &str, spec: Value) -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": API_VERSION},
            "kind": {"const": kind},
            "metadata": {"$ref": "#/$defs/Metadata"},
            "spec": spec
        }
    })
}

/// The full schema of a document of one kind.
pub fn kind_document_schema(info: &KindInfo) -> Value {
    let (spec, defs) = split_spec_schema(info, "");
    let mut schema = document_body(info.kind, spec);
    let mut all_defs = defs;
    all_defs.insert("Metadata".into(), metadata_schema());
    let o = schema.as_object_mut().expect("object literal");
    o.insert("$schema".into(), Value::String(DRAFT.into()));
    o.insert("title".into(), Value::String(info.kind.into()));
    o.insert("$defs".into(), Value::Object(all_defs));
    schema
}

/// The kinds a document may declare: observed-only kinds have no document.
pub fn writable_kinds() -> impl Iterator<Item = &'static KindInfo> {
    catalog().iter().copied().filter(|k| !k.is_observed_only())
}

/// One schema for any manifest document: dispatches on `kind`.
pub fn manifest_schema() -> Value {
    let mut defs = Map::new();
    defs.insert("Metadata".into(), metadata_schema());
    let mut branches = Vec::new();
    for info in writable_kinds() {
        let prefix = format!("{}.", info.kind);
        let (spec, kind_defs) = split_spec_schema(info, &prefix);
        defs.extend(kind_defs);
        defs.insert(
            format!("{}Document", info.kind),
            document_body(info.kind, spec),
        );
        branches.push(json!({
            "if": {"properties": {"kind": {"const": info.kind}}, "required": ["kind"]},
            "then": {"$ref": format!("#/$defs/{}Document", info.kind)}
        }));
    }
    let kinds: Vec<&str> = writable_kinds().map(|k| k.kind).collect();
    json!({
        "$schema": DRAFT,
        "title": "Switchboard manifest",
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {"apiVersion": {"const": API_VERSION}, "kind": {"enum": kinds}},
        "allOf": branches,
        "$defs": defs
    })
}

/// Every schema file, by file name, as `switchboard schema --out` writes them.
pub fn all_schema_files() -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default() + "\n";
    files.insert(
        "manifest.schema.json".to_string(),
        pretty(&manifest_schema()),
    );
    for info in writable_kinds() {
        files.insert(
            format!("{}.schema.json", info.kind),
            pretty(&kind_document_schema(info)),
        );
    }
    files
}
