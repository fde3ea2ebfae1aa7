//! Check one parsed document against its kind's schema and turn it into a `DesiredObject`.
//! Every problem is reported with `file:line:col`, the object, the JSON path and a hint.

use super::diagnostics::{Diagnostic, SHOWN_CHARS, shorten};
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
    let object = format!(
        "{}/{}",
        shorten(&visible(kind), SHOWN_CHARS),
        shorten(&visible(name), SHOWN_CHARS)
    );
    let bad = bad_characters(doc, &object);
    if !bad.is_empty() {
        return Err(bad);
    }
    if let Some(other) = root.get("kind").filter(|k| !k.is_string()) {
        return Err(vec![
            Diagnostic::new(
                map.value_pos("/kind"),
                format!("`kind` must be a string, not {}", json_type(other)),
            )
            .object(&object)
            .path("/kind")
            .hint(format!("known kinds: {}", known_kinds())),
        ]);
    }

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
        shape: Shape::ObservedOnly { reason, .. },
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
        let message = if root.get("kind").is_none() {
            "missing `kind`".to_string()
        } else {
            format!("unknown kind `{}`", shorten(kind, SHOWN_CHARS))
        };
        return Err(vec![
            Diagnostic::new(map.value_pos("/kind"), message)
                .object(&object)
                .path("/kind")
                .hint(format!("known kinds: {}", known_kinds())),
        ]);
    };

    let validator = &validators()[info.kind];
    let mut problems: Vec<Diagnostic> = validator
        .iter_errors(&doc.value)
        .flat_map(|e| describe_all(info, &object, map, &e))
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
                let variable = shorten(&m.variable, SHOWN_CHARS);
                Diagnostic::new(
                    map.value_pos(&path),
                    format!("environment variable `{variable}` is not set"),
                )
                .object(&object)
                .path(path)
                .hint(format!("export {variable}=… or put it in a .env file"))
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
    let positions = if info.is_declaration() {
        spec_positions(&spec_template, "", map)
    } else {
        Default::default()
    };
    Ok(DesiredObject {
        id: ObjectRef::new(info.kind, name),
        labels,
        target,
        references: references(info, &spec, ""),
        spec_template,
        spec,
        sensitive,
        source: map.value_pos(""),
        from_policy: Default::default(),
        positions,
    })
}

/// The position of every value of a spec, by JSON pointer inside the spec.
fn spec_positions(
    value: &Value,
    pointer: &str,
    map: &super::yaml::SourceMap,
) -> std::collections::BTreeMap<String, crate::model::SourcePos> {
    let mut out = std::collections::BTreeMap::new();
    out.insert(
        pointer.to_string(),
        map.value_pos(&format!("/spec{pointer}")),
    );
    let children: Vec<(String, &Value)> = match value {
        Value::Object(fields) => fields
            .iter()
            .map(|(k, v)| (format!("{pointer}/{}", escape_pointer_segment(k)), v))
            .collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("{pointer}/{i}"), v))
            .collect(),
        _ => Vec::new(),
    };
    for (child, v) in children {
        out.extend(spec_positions(v, &child, map));
    }
    out
}

/// One schema problem of a spec checked on its own (a spec a policy was merged into).
#[derive(Debug, Clone, PartialEq)]
pub struct SpecProblem {
    /// JSON pointer inside the spec of the offending value (for an unknown field, the field).
    pub pointer: String,
    pub message: String,
}

/// Check `spec` against the schema of `info`'s documents, as `validate_document` checks a whole
/// document.
pub fn spec_problems(info: &KindInfo, spec: &Value) -> Vec<SpecProblem> {
    let Some(validator) = validators().get(info.kind) else {
        return Vec::new();
    };
    // The document around the spec is known good: only the spec can be wrong.
    let document = serde_json::json!({
        "apiVersion": API_VERSION,
        "kind": info.kind,
        "metadata": {"name": "checked"},
        "spec": spec,
    });
    let mut problems: Vec<SpecProblem> = validator
        .iter_errors(&document)
        .map(|e| {
            let at = e.instance_path().as_str();
            let at = at.strip_prefix("/spec").unwrap_or(at).to_string();
            match e.kind() {
                ValidationErrorKind::AdditionalProperties { unexpected } => {
                    let field = unexpected.first().cloned().unwrap_or_default();
                    SpecProblem {
                        pointer: format!("{at}/{}", escape_pointer_segment(&field)),
                        message: format!("unknown field `{}`", shorten(&field, SHOWN_CHARS)),
                    }
                }
                _ if info.diff_rules.write_only.contains(&at.as_str()) => SpecProblem {
                    pointer: at,
                    message: e.masked().to_string(),
                },
                _ => SpecProblem {
                    message: short_instance(e.to_string(), e.instance()),
                    pointer: at,
                },
            }
        })
        .collect();
    problems.sort_by(|a, b| a.pointer.cmp(&b.pointer).then(a.message.cmp(&b.message)));
    problems.dedup();
    problems
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

/// An `anyOf` from an optional field (`T` or `null`) whose value is not null is described by
/// the errors of the one branch of the right type, so they point inside the value; anything
/// else is one diagnostic.
fn describe_all(
    info: &KindInfo,
    object: &str,
    map: &super::yaml::SourceMap,
    e: &jsonschema::ValidationError<'_>,
) -> Vec<Diagnostic> {
    if let ValidationErrorKind::AnyOf { context } = e.kind() {
        let here = e.instance_path().as_str();
        let wrong_type = |errors: &Vec<jsonschema::ValidationError<'static>>| {
            errors.iter().all(|b| {
                matches!(b.kind(), ValidationErrorKind::Type { .. })
                    && b.instance_path().as_str() == here
            })
        };
        let mut fitting = context.iter().filter(|branch| !wrong_type(branch));
        if let (Some(only), None) = (fitting.next(), fitting.next())
            && !only.is_empty()
        {
            return only
                .iter()
                .flat_map(|b| describe_all(info, object, map, b))
                .collect();
        }
    }
    vec![describe(info, object, map, e)]
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
                .take(5)
                .map(|u| format!("`{}`", shorten(u, SHOWN_CHARS)))
                .collect::<Vec<_>>()
                .join(", ");
            let fields = match unexpected.len() {
                n if n > 5 => format!("{fields} and {} more", n - 5),
                _ => fields,
            };
            Diagnostic::new(map.key_pos(&path), format!("unknown field {fields}"))
                .object(object)
                .path(path)
                .hint(hint)
        }
        ValidationErrorKind::Required { property } => {
            let field = shorten(property.as_str().unwrap_or_default(), SHOWN_CHARS);
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
            } else if matches!(e.kind(), ValidationErrorKind::Pattern { pattern } if pattern == NON_BLANK)
            {
                "must not be blank (empty or only whitespace)".to_string()
            } else {
                short_instance(e.to_string(), e.instance())
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

/// The pattern the kinds put on names: at least one character that is not whitespace.
const NON_BLANK: &str = r"\S";

fn known_kinds() -> String {
    writable_kinds()
        .map(|k| k.kind)
        .collect::<Vec<_>>()
        .join(", ")
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// A schema message with the offending value cut to `SHOWN_CHARS`: jsonschema echoes the
/// whole instance, which may be megabytes.
fn short_instance(message: String, instance: &Value) -> String {
    let whole = instance.to_string();
    if whole.chars().count() <= SHOWN_CHARS {
        return message;
    }
    message.replacen(&whole, &shorten(&whole, SHOWN_CHARS), 1)
}

/// What a character the manifests refuse is, or `None` for an ordinary one: controls (C0, DEL,
/// C1; NUL included; tab and line breaks only in names and keys), bidirectional
/// overrides and isolates (text that displays in another order than it is stored), and
/// zero-width characters (names that look equal but are not).
pub fn refused_character(c: char) -> Option<&'static str> {
    match c {
        c if c.is_control() => Some("a control character"),
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => Some("a bidirectional override"),
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => Some("a zero-width character"),
        _ => None,
    }
}

/// `s` with every refused character written as `\u{…}`: safe to print.
pub fn visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match refused_character(c) {
            Some(_) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            None => out.push(c),
        }
    }
    out
}

/// Every string of the document, keys included, checked for refused characters: one generic
/// pass, so no field can forget it.
fn bad_characters(doc: &YamlDocument, object: &str) -> Vec<Diagnostic> {
    const MAX_REPORTED: usize = 20;
    let mut found = Vec::new();
    let mut check = |text: &str, pointer: &str, is_key: bool| {
        if found.len() >= MAX_REPORTED {
            return;
        }
        // Free text (a location's notes) may span lines; names and keys may not.
        let free_text = !is_key && !pointer.ends_with("/name");
        let Some((index, c, what)) = text
            .chars()
            .enumerate()
            .filter(|(_, c)| !(free_text && matches!(c, '\t' | '\n' | '\r')))
            .find_map(|(i, c)| refused_character(c).map(|w| (i, c, w)))
        else {
            return;
        };
        let (place, pos) = if is_key {
            ("key", doc.map.key_pos(pointer))
        } else {
            ("value", doc.map.value_pos(pointer))
        };
        found.push(
            Diagnostic::new(
                pos,
                format!(
                    "U+{:04X} ({what}) at character {} of this {place}: `{}`",
                    c as u32,
                    index + 1,
                    shorten(&visible(text), SHOWN_CHARS)
                ),
            )
            .object(object)
            .path(if pointer.is_empty() { "/" } else { pointer })
            .hint(
                "remove it: control, bidirectional-override and zero-width characters are refused",
            ),
        );
    };
    walk_strings(&doc.value, "", &mut check);
    found
}

fn walk_strings(value: &Value, pointer: &str, check: &mut dyn FnMut(&str, &str, bool)) {
    match value {
        Value::String(s) => check(s, pointer, false),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk_strings(v, &format!("{pointer}/{i}"), check);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                let child = format!("{pointer}/{}", escape_pointer_segment(k));
                check(k, &child, true);
                walk_strings(v, &child, check);
            }
        }
        _ => {}
    }
}
