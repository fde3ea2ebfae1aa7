//! `${env:NAME}` (and `${env:NAME:-default}`) in spec strings: secrets stay out of Git. Every
//! field filled this way is marked sensitive and printed as `(sensitive)` everywhere.

use serde_json::Value;

/// A template that could not be filled.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingVariable {
    pub pointer: String,
    pub variable: String,
}

/// Fill every template in `value`. Returns the filled value and the pointers that held one.
pub fn interpolate(
    value: &Value,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(Value, Vec<String>), Vec<MissingVariable>> {
    let mut sensitive = Vec::new();
    let mut missing = Vec::new();
    let filled = walk(value, "", lookup, &mut sensitive, &mut missing);
    if missing.is_empty() {
        Ok((filled, sensitive))
    } else {
        Err(missing)
    }
}

fn walk(
    value: &Value,
    pointer: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    sensitive: &mut Vec<String>,
    missing: &mut Vec<MissingVariable>,
) -> Value {
    match value {
        Value::String(s) if s.contains("${env:") => match fill(s, lookup) {
            Ok(text) => {
                sensitive.push(pointer.to_string());
                Value::String(text)
            }
            Err(variable) => {
                missing.push(MissingVariable {
                    pointer: pointer.to_string(),
                    variable,
                });
                value.clone()
            }
        },
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| walk(v, &format!("{pointer}/{i}"), lookup, sensitive, missing))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let child = format!("{pointer}/{}", super::yaml::escape_pointer_segment(k));
                    (k.clone(), walk(v, &child, lookup, sensitive, missing))
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Replace each `${env:NAME}` / `${env:NAME:-default}` in `text`; Err(name) for the first unset one.
fn fill(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${env:") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 6..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let body = &after[..end];
        let (name, default) = match body.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (body, None),
        };
        match lookup(name)
            .filter(|v| !v.is_empty())
            .or_else(|| default.map(str::to_string))
        {
            Some(v) => out.push_str(&v),
            None => return Err(name.to_string()),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(name: &str) -> Option<String> {
        (name == "PW").then(|| "s3cret".to_string())
    }

    #[test]
    fn fills_templates_and_marks_them_sensitive() {
        let spec = json!({"name": "t", "password": "${env:PW}", "notes": "pw=${env:PW}!", "list": ["${env:NOPE:-d}"]});
        let (filled, sensitive) = interpolate(&spec, &env).expect("fills");
        assert_eq!(filled["password"], "s3cret");
        assert_eq!(filled["notes"], "pw=s3cret!");
        assert_eq!(filled["list"][0], "d");
        assert_eq!(sensitive, vec!["/password", "/notes", "/list/0"]);
    }

    #[test]
    fn reports_every_unset_variable_with_its_pointer() {
        let spec = json!({"a": "${env:X}", "b": {"c": "${env:Y}"}});
        let missing = interpolate(&spec, &env).expect_err("unset");
        assert_eq!(
            missing,
            vec![
                MissingVariable {
                    pointer: "/a".into(),
                    variable: "X".into()
                },
                MissingVariable {
                    pointer: "/b/c".into(),
                    variable: "Y".into()
                },
            ]
        );
    }
}
