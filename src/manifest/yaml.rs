//! YAML text → JSON values with a position for every node. One parser (saphyr's marked tree)
//! gives both the data and the `line:col` that schema errors are reported against.

use crate::model::SourcePos;
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use serde_json::{Map, Number, Value};
use serde_saphyr::budget::{Budget, BudgetBreach, EnforcingPolicy, check_yaml_budget};
use std::collections::HashMap;

/// Positions inside one document, keyed by RFC 6901 JSON pointer.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    pub file: String,
    values: HashMap<String, (usize, usize)>,
    keys: HashMap<String, (usize, usize)>,
}

impl SourceMap {
    /// Position of the value at `pointer`, or of its deepest existing ancestor.
    pub fn value_pos(&self, pointer: &str) -> SourcePos {
        let mut p = pointer.to_string();
        loop {
            if let Some(&(line, col)) = self.values.get(&p) {
                return self.pos(line, col);
            }
            match p.rfind('/') {
                Some(i) => p.truncate(i),
                None => return self.pos(1, 1),
            }
        }
    }

    /// Position of the key that introduces `pointer` (falls back to the value's position).
    pub fn key_pos(&self, pointer: &str) -> SourcePos {
        match self.keys.get(pointer) {
            Some(&(line, col)) => self.pos(line, col),
            None => self.value_pos(pointer),
        }
    }

    fn pos(&self, line: usize, col: usize) -> SourcePos {
        SourcePos {
            file: self.file.clone(),
            line,
            col,
        }
    }
}

/// One YAML document of a file, converted.
#[derive(Debug, Clone)]
pub struct YamlDocument {
    pub value: Value,
    pub map: SourceMap,
    /// Zero-based index of the document in its file.
    pub index: usize,
}

/// A problem that stops a file from being read at all.
#[derive(Debug, Clone)]
pub struct YamlError {
    pub pos: SourcePos,
    pub message: String,
}

pub fn escape_pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Parse every document of `text`. Empty documents are skipped.
pub fn parse_documents(file: &str, text: &str) -> Result<Vec<YamlDocument>, YamlError> {
    if may_be_too_deep_or_aliased(text) {
        check_shape(file, text)?;
    }
    let docs = MarkedYaml::load_from_str(text).map_err(|e| YamlError {
        pos: SourcePos {
            file: file.to_string(),
            line: e.marker().line(),
            col: e.marker().col() + 1,
        },
        message: e.info().to_string(),
    })?;
    let mut out = Vec::new();
    for (index, doc) in docs.iter().enumerate() {
        let mut map = SourceMap {
            file: file.to_string(),
            ..SourceMap::default()
        };
        let value = convert(doc, "", &mut map)?;
        if value.is_null() {
            continue;
        }
        out.push(YamlDocument { value, map, index });
    }
    Ok(out)
}

/// Far deeper than any manifest needs.
const MAX_DEPTH: usize = 64;

/// A cheap pass that clears ordinary files of the full `check_shape`: block nesting needs either
/// more indentation or another `- `/`? ` on the line, so with every line's leading run of those
/// characters short, and no `*` anywhere (no alias), saphyr cannot recurse deeply. Flow nesting
/// (`[[[…`) saphyr itself stops at 255 levels. Only a file that fails this pays for the second
/// parse (it was a fifth of a large plan's time).
fn may_be_too_deep_or_aliased(text: &str) -> bool {
    const SAFE_PREFIX: usize = 48;
    text.contains('*')
        || text.lines().any(|line| {
            line.bytes()
                .take_while(|b| matches!(b, b' ' | b'\t' | b'-' | b'?' | b':'))
                .count()
                > SAFE_PREFIX
        })
}

/// saphyr builds its tree recursively with no limit on block nesting, and expands aliases by
/// deep copies: `- - - … x` a few thousand levels deep, or a chain of aliases, overflows the
/// stack (an abort, not an error). serde-saphyr's streaming check (no tree) sees both first.
/// Its syntax errors are reported too: text it cannot read is never handed to saphyr.
fn check_shape(file: &str, text: &str) -> Result<(), YamlError> {
    let mut budget = Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.max_aliases = 0;
    let at = |line: usize, col: usize| SourcePos {
        file: file.to_string(),
        line,
        col,
    };
    let report =
        check_yaml_budget(text, budget, EnforcingPolicy::AllContent).map_err(|e| YamlError {
            pos: at(e.marker().line(), e.marker().col() + 1),
            message: e.info(),
        })?;
    let message = match report.breached {
        None => return Ok(()),
        Some(BudgetBreach::Depth { .. }) => {
            format!("nested deeper than {MAX_DEPTH} levels somewhere in this file")
        }
        Some(BudgetBreach::Aliases { .. }) => {
            "YAML aliases (`*name`) are not supported in manifests: write the values out".into()
        }
        Some(other) => format!("too large to read ({other:?})"),
    };
    Err(YamlError {
        pos: at(1, 1),
        message,
    })
}

fn convert(node: &MarkedYaml<'_>, pointer: &str, map: &mut SourceMap) -> Result<Value, YamlError> {
    let start = node.span.start;
    map.values
        .insert(pointer.to_string(), (start.line(), start.col() + 1));
    let here = SourcePos {
        file: map.file.clone(),
        line: start.line(),
        col: start.col() + 1,
    };
    let error = |message: String| YamlError {
        pos: here.clone(),
        message,
    };
    match &node.data {
        YamlData::Value(scalar) => Ok(scalar_to_json(scalar)),
        YamlData::Representation(text, _, _) => Ok(Value::String(text.to_string())),
        YamlData::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(convert(item, &format!("{pointer}/{i}"), map)?);
            }
            Ok(Value::Array(out))
        }
        YamlData::Mapping(entries) => {
            let mut out = Map::new();
            for (key_node, value_node) in entries {
                let key = match &key_node.data {
                    YamlData::Value(Scalar::String(s)) => s.to_string(),
                    YamlData::Value(other) => scalar_to_json(other).to_string(),
                    YamlData::Representation(text, _, _) => text.to_string(),
                    _ => return Err(error("mapping keys must be plain scalars".into())),
                };
                if key == "<<" {
                    return Err(error(
                        "merge keys (`<<`) are not supported: write the fields out".into(),
                    ));
                }
                let child = format!("{pointer}/{}", escape_pointer_segment(&key));
                let kstart = key_node.span.start;
                map.keys
                    .insert(child.clone(), (kstart.line(), kstart.col() + 1));
                let value = convert(value_node, &child, map)?;
                out.insert(key, value);
            }
            Ok(Value::Object(out))
        }
        YamlData::Tagged(_, inner) => convert(inner, pointer, map),
        YamlData::Alias(_) => Err(error("YAML aliases are not supported in manifests".into())),
        YamlData::BadValue => Err(error("this value cannot be read as YAML".into())),
    }
}

fn scalar_to_json(scalar: &Scalar<'_>) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Number((*i).into()),
        Scalar::FloatingPoint(f) => Number::from_f64(f.into_inner())
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(f.into_inner().to_string())),
        Scalar::String(s) => Value::String(s.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_follow_pointers_across_documents() {
        let text = "a: 1\n---\nkind: Trunk\nspec:\n  port: 5060\n  list:\n    - x\n    - y\n";
        let docs = parse_documents("f.yaml", text).expect("parses");
        assert_eq!(docs.len(), 2);
        let second = &docs[1];
        assert_eq!(second.value["spec"]["port"], 5060);
        let pos = second.map.value_pos("/spec/port");
        assert_eq!((pos.line, pos.col), (5, 9));
        let key = second.map.key_pos("/spec/port");
        assert_eq!((key.line, key.col), (5, 3));
        let item = second.map.value_pos("/spec/list/1");
        assert_eq!((item.line, item.col), (8, 7));
        // A pointer below a missing node falls back to its deepest existing ancestor.
        let missing = second.map.value_pos("/spec/nope/deeper");
        assert_eq!((missing.line, missing.col), (5, 3));
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let err = parse_documents("bad.yaml", "a: [1, 2\nb: 3\n").expect_err("must fail");
        assert_eq!(err.pos.file, "bad.yaml");
        assert!(err.pos.line >= 1);
    }

    #[test]
    fn duplicate_keys_are_rejected() {
        assert!(parse_documents("d.yaml", "a: 1\na: 2\n").is_err());
    }

    #[test]
    fn deep_nesting_and_alias_chains_are_errors_not_stack_overflows() {
        let deep = format!("spec:\n  name:\n    {}x\n", "- ".repeat(100_000));
        let err = parse_documents("deep.yaml", &deep).expect_err("too deep");
        assert!(
            err.message.contains("nested deeper than"),
            "{}",
            err.message
        );
        let nest = |inner: &str| format!("{}{inner}{}", "[".repeat(60), "]".repeat(60));
        let mut chain = format!("a0: &a0 {}\n", nest("1"));
        for i in 1..100 {
            chain.push_str(&format!("a{i}: &a{i} {}\n", nest(&format!("*a{}", i - 1))));
        }
        let err = parse_documents("alias.yaml", &chain).expect_err("aliases");
        assert!(err.message.contains("aliases"), "{}", err.message);
    }

    #[test]
    fn yaml_1_2_keeps_no_as_a_string() {
        let docs = parse_documents("n.yaml", "country: NO\n").expect("parses");
        assert_eq!(docs[0].value["country"], "NO");
    }
}
