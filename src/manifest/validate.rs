//! Check one parsed document against its kind's schema and turn it into a `DesiredObject`.
//! Every problem is reported with `file:line:col`, the object, the JSON path and a hint.

use super::diagnostics::Diagnostic;
use super::interpolate::interpolate;
use super::schemas::writable_kinds;
use super::schemas::{API_VERSION, kind_document_schema};
use super::yaml::{YamlDocument, escape_pointer_segment};
use crate::model::{DesiredObject, ObjectRef, Reference};
use crate::providers::{KindInfo, Shape, kind_info};
use jsonschema::Validator;
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

fn validators() -> &'static HashMap<&'static str, Validator> {
    static VALIDATORS: OnceLock<HashMap<&'static str, Validator>> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        writable_kinds()
            .map(|info| {
                let schema = kind_document_schema(info);
                let validator = jsonschema::validator_for(&schema).unwrap_or_else(|e| {
                    panic!("generated schema for {} is invalid: {e}", info.kind)
                });
                (info.kind, validator)
            })
            .collect()
    })
}

/// Validate a document; on success, the desired object with secrets filled in.
pub fn validate_document(
    doc: &YamlDocument,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<DesiredObject, Vec<Diagnostic>> {
    let map = &doc.map;
    let Value::Object(root) = &doc.value else {
        return Err(vec![
            Diagnostic::new(map.value_pos(""), "a manifest document must be a mapping")
                .hint("each document needs apiVersion, kind, metadata and spec"),
        ]);
    };
    let kind = root.get("kind").and_then(Value::as_str).unwrap_or_default();
    let name = doc
        .value
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("?");
    let object = format!("{kind}/{name}");

    if root.get("apiVersion").and_then(Value::as_str) != Some(API_VERSION) {
        return Err(vec![
            Diagnostic::new(
                map.value_pos("/apiVersion"),
                format!("apiVersion must be `{API_VERSION}`"),
            )
            .object(&object)
            .path("/apiVersion"),
        ]);
    }
    if let Some(KindInfo {
        shape: Shape::ObservedOnly { reason },
        kind: observed,
        ..
    }) = kind_info(kind)
    {
        return Err(vec![
            Diagnostic::new(
                map.value_pos("/kind"),
                format!("forbidden operation: {observed} is observed only; {reason}"),
            )
            .object(&object)
            .path("/kind")
            .hint("remove this document: people are read from the target by email, never declared"),
        ]);
    }
    let Some(info) = kind_info(kind) else {
        let known: Vec<&str> = writable_kinds().map(|k| k.kind).collect();
        let message = if kind.is_empty() {
            "missing `kind`".to_string()
        } else {
            format!("unknown kind `{kind}`")
        };
        return Err(vec![
            Diagnostic::new(map.value_pos("/kind"), message)
                .object(&object)
                .path("/kind")
                .hint(format!("known kinds: {}", known.join(", "))),
        ]);
    };

    let validator = &validators()[info.kind];
    let mut problems: Vec<Diagnostic> = validator
        .iter_errors(&doc.value)
        .map(|e| describe(info, &object, map, &e))
        .collect();
    if !problems.is_empty() {
        problems.sort();
        return Err(problems);
    }

    let spec_template = root.get("spec").cloned().unwrap_or(Value::Null);
    let (spec, mut sensitive) = interpolate(&spec_template, env).map_err(|missing| {
        missing
            .into_iter()
            .map(|m| {
                let path = format!("/spec{}", m.pointer);
                Diagnostic::new(
                    map.value_pos(&path),
                    format!("environment variable `{}` is not set", m.variable),
                )
                .object(&object)
                .path(path)
                .hint(format!("export {}=… or put it in a .env file", m.variable))
            })
            .collect::<Vec<_>>()
    })?;
    for write_only in info.diff_rules.write_only {
        if !sensitive.iter().any(|s| s == write_only) && spec.pointer(write_only).is_some() {
            sensitive.push((*write_only).to_string());
        }
    }
    let labels = root
        .get("metadata")
        .and_then(|m| m.get("labels"))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let target = root
        .get("metadata")
        .and_then(|m| m.get("target"))
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(DesiredObject {
        id: ObjectRef::new(info.kind, name),
        labels,
        target,
        references: references(info, &spec, ""),
        spec_template,
        spec,
        sensitive,
        source: map.value_pos(""),
    })
}

/// Every `xxxRef` field of the spec that the kind declares.
pub fn references(info: &KindInfo, value: &Value, pointer: &str) -> Vec<Reference> {
    let mut out = Vec::new();
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let child = format!("{pointer}/{}", escape_pointer_segment(k));
                match (info.ref_fields.iter().find(|(field, _)| field == k), v) {
                    (Some((_, target)), Value::String(name)) => out.push(Reference {
                        pointer: child,
                        target_kind: (*target).to_string(),
                        target_name: name.clone(),
                    }),
                    _ => out.extend(references(info, v, &child)),
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                out.extend(references(info, v, &format!("{pointer}/{i}")));
            }
        }
        _ => {}
    }
    out
}

fn describe(
    info: &KindInfo,
    object: &str,
    map: &super::yaml::SourceMap,
    e: &jsonschema::ValidationError<'_>,
) -> Diagnostic {
    let pointer = e.instance_path().as_str().to_string();
    let hint = format!(
        "the fields of a {0} are in schemas/{0}.schema.json",
        info.kind
    );
    match e.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let field = unexpected.first().cloned().unwrap_or_default();
            let path = format!("{pointer}/{}", escape_pointer_segment(&field));
            let fields = unexpected
                .iter()
                .map(|u| format!("`{u}`"))
                .collect::<Vec<_>>()
                .join(", ");
            Diagnostic::new(map.key_pos(&path), format!("unknown field {fields}"))
                .object(object)
                .path(path)
                .hint(hint)
        }
        ValidationErrorKind::Required { property } => {
            let field = property.as_str().unwrap_or_default();
            Diagnostic::new(
                map.key_pos(&pointer),
                format!("missing required field `{field}`"),
            )
            .object(object)
            .path(if pointer.is_empty() {
                "/".to_string()
            } else {
                pointer
            })
            .hint(hint)
        }
        _ => {
            let secret = info
                .diff_rules
                .write_only
                .iter()
                .any(|w| pointer == format!("/spec{w}"));
            let message = if secret {
                e.masked().to_string()
            } else {
                e.to_string()
            };
            let hint = if secret {
                "write it as a secret template, e.g. `${env:TRUNK_PASSWORD}`".to_string()
            } else {
                hint
            };
            Diagnostic::new(map.value_pos(&pointer), message)
                .object(object)
                .path(pointer)
                .hint(hint)
        }
    }
}
