//! Typed access to JSON body fields with Webex-style 400 errors.
//! Handlers read bodies through `Fields` rather than serde structs so every message names the
//! offending field (`address.city is required`) and `null` is treated like an absent field, which
//! is what SDKs that serialize unset options as `null` expect.

use serde_json::{Map, Value};

use crate::errors::{ApiError, ApiResult};

pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    prefix: String,
}

impl<'a> Fields<'a> {
    pub fn new(map: &'a Map<String, Value>) -> Self {
        Self {
            map,
            prefix: String::new(),
        }
    }

    fn path(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// The raw value, `None` when absent or `null`.
    pub fn value(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub fn has(&self, key: &str) -> bool {
        self.value(key).is_some()
    }

    /// Whether `key` was sent at all, `null` included.
    pub fn has_key(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// The whole object, as sent.
    pub fn to_value(&self) -> Value {
        Value::Object(self.map.clone())
    }

    pub fn opt_str(&self, key: &str) -> ApiResult<Option<String>> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::invalid(format!(
                "{} must be a string",
                self.path(key)
            ))),
        }
    }

    /// Present, a string, and not blank.
    pub fn req_str(&self, key: &str) -> ApiResult<String> {
        match self.opt_str(key)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(ApiError::invalid(format!("{} is required", self.path(key)))),
        }
    }

    /// Booleans; the strings "true"/"false" are accepted too (some SDKs send them).
    pub fn opt_bool(&self, key: &str) -> ApiResult<Option<bool>> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s == "true" => Ok(Some(true)),
            Some(Value::String(s)) if s == "false" => Ok(Some(false)),
            Some(_) => Err(ApiError::invalid(format!(
                "{} must be a boolean",
                self.path(key)
            ))),
        }
    }

    pub fn req_bool(&self, key: &str) -> ApiResult<bool> {
        self.opt_bool(key)?
            .ok_or_else(|| ApiError::invalid(format!("{} is required", self.path(key))))
    }

    /// Non-negative integers; digit strings are accepted too.
    pub fn opt_u32(&self, key: &str) -> ApiResult<Option<u32>> {
        let bad =
            || ApiError::invalid(format!("{} must be a non-negative integer", self.path(key)));
        match self.value(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .and_then(|v| u32::try_from(v).ok())
                .map(Some)
                .ok_or_else(bad),
            Some(Value::String(s)) => s.trim().parse::<u32>().map(Some).map_err(|_| bad()),
            Some(_) => Err(bad()),
        }
    }

    /// A string that must be one of `allowed` (exact, case-sensitive like Webex enums).
    pub fn opt_enum(&self, key: &str, allowed: &[&str]) -> ApiResult<Option<String>> {
        match self.opt_str(key)? {
            None => Ok(None),
            Some(v) if allowed.contains(&v.as_str()) => Ok(Some(v)),
            Some(v) => Err(ApiError::invalid(format!(
                "{} has invalid value '{v}'; expected one of {}",
                self.path(key),
                allowed.join(", ")
            ))),
        }
    }

    pub fn req_enum(&self, key: &str, allowed: &[&str]) -> ApiResult<String> {
        self.opt_enum(key, allowed)?
            .ok_or_else(|| ApiError::invalid(format!("{} is required", self.path(key))))
    }

    pub fn opt_object(&self, key: &str) -> ApiResult<Option<Fields<'a>>> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Fields {
                map,
                prefix: format!("{}.", self.path(key)),
            })),
            Some(_) => Err(ApiError::invalid(format!(
                "{} must be an object",
                self.path(key)
            ))),
        }
    }

    pub fn req_object(&self, key: &str) -> ApiResult<Fields<'a>> {
        self.opt_object(key)?
            .ok_or_else(|| ApiError::invalid(format!("{} is required", self.path(key))))
    }

    pub fn opt_array(&self, key: &str) -> ApiResult<Option<&'a Vec<Value>>> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(_) => Err(ApiError::invalid(format!(
                "{} must be an array",
                self.path(key)
            ))),
        }
    }

    pub fn req_array(&self, key: &str) -> ApiResult<&'a Vec<Value>> {
        self.opt_array(key)?
            .ok_or_else(|| ApiError::invalid(format!("{} is required", self.path(key))))
    }

    /// An array of strings.
    pub fn opt_str_list(&self, key: &str) -> ApiResult<Option<Vec<String>>> {
        let Some(items) = self.opt_array(key)? else {
            return Ok(None);
        };
        items
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    ApiError::invalid(format!("{} must contain only strings", self.path(key)))
                })
            })
            .collect::<ApiResult<Vec<_>>>()
            .map(Some)
    }

    /// Fields view of the i-th element of an array field, which must be an object.
    pub fn element(&self, key: &str, index: usize, value: &'a Value) -> ApiResult<Fields<'a>> {
        match value {
            Value::Object(map) => Ok(Fields {
                map,
                prefix: format!("{}[{index}].", self.path(key)),
            }),
            _ => Err(ApiError::invalid(format!(
                "{}[{index}] must be an object",
                self.path(key)
            ))),
        }
    }
}
