//! Dial patterns of a dial plan (list, ADD/DELETE modify, validate).
//! Syntax accepted (reference §2.9): E.164 with `X` wildcards (`+1408XXXXXXX`: `+`, a non-zero
//! digit, then up to 14 more digits or `X`) or enterprise digits (`8XXX`: a digit, then up to 19
//! digits or `X`). A pattern may belong to only one dial plan in the org.

use std::collections::HashSet;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::Shared;
use super::dial_plans::BASE;
use crate::errors::{ApiError, ApiResult};
use crate::extract::{JsonBody, Params};
use crate::fields::Fields;
use crate::http::{no_content, ok};
use crate::model::Org;
use crate::pagination::{TELEPHONY_DEFAULT_MAX, list_response, paginate};
use crate::records::{Found as _, index};

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            &format!("{BASE}/{{id}}/dialPatterns"),
            get(list).put(modify),
        )
        .route(
            "/telephony/config/premisePstn/actions/validateDialPatterns/invoke",
            post(validate),
        )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternStatus {
    Ok,
    Invalid,
    Duplicate,
    DuplicateInList,
}

pub struct Checked {
    pub pattern: String,
    pub status: PatternStatus,
}

impl PatternStatus {
    fn wire(self) -> (&'static str, &'static str) {
        match self {
            PatternStatus::Ok => ("OK", ""),
            PatternStatus::Invalid => ("INVALID", "Invalid dial pattern"),
            PatternStatus::Duplicate => (
                "DUPLICATE",
                "Dial pattern already exists in another dial plan",
            ),
            PatternStatus::DuplicateInList => (
                "DUPLICATE_IN_LIST",
                "Dial pattern is repeated in the request",
            ),
        }
    }
}

impl Checked {
    /// `{dialPattern, patternStatus, message}` for a rejected pattern.
    pub fn error_json(&self) -> Option<Value> {
        if self.status == PatternStatus::Ok {
            return None;
        }
        let (status, message) = self.status.wire();
        Some(json!({"dialPattern": self.pattern, "patternStatus": status, "message": message}))
    }
}

pub fn is_valid(pattern: &str) -> bool {
    let (body, max_len) = match pattern.strip_prefix('+') {
        Some(rest) => (rest, 15),
        None => (pattern, 20),
    };
    let mut chars = body.chars();
    let first_ok = match chars.next() {
        Some(c) if pattern.starts_with('+') => c.is_ascii_digit() && c != '0',
        Some(c) => c.is_ascii_digit(),
        None => false,
    };
    first_ok && body.len() <= max_len && chars.all(|c| c.is_ascii_digit() || c == 'X')
}

/// Status of each pattern, in input order, against all dial plans except `own_plan`.
pub fn check(org: &Org, patterns: &[String], own_plan: Option<&str>) -> Vec<Checked> {
    let taken = |p: &str| {
        org.dial_plans
            .find(index::DIAL_PATTERN, p)
            .is_some_and(|d| Some(d.id.as_str()) != own_plan)
    };
    let mut seen = HashSet::new();
    patterns
        .iter()
        .map(|p| {
            let status = if !is_valid(p) {
                PatternStatus::Invalid
            } else if !seen.insert(p.as_str()) {
                PatternStatus::DuplicateInList
            } else if taken(p) {
                PatternStatus::Duplicate
            } else {
                PatternStatus::Ok
            };
            Checked {
                pattern: p.clone(),
                status,
            }
        })
        .collect()
}

async fn list(
    State(store): State<Shared>,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    let items = store.read(|org| -> ApiResult<Vec<Value>> {
        Ok(org
            .dial_plans
            .found(&id)?
            .dial_patterns
            .iter()
            .filter(|p| params.get("dialPattern").is_none_or(|f| p.contains(f)))
            .map(|p| json!(p))
            .collect())
    })?;
    Ok(list_response(
        "dialPatterns",
        paginate(items, &params, TELEPHONY_DEFAULT_MAX)?,
    ))
}

enum Action {
    Add(String),
    Delete(String),
}

/// `{"dialPatterns": [{"dialPattern", "action": ADD|DELETE}]}` and/or `{"deleteAllDialPatterns": true}`.
/// All-or-nothing: any invalid or foreign pattern in an ADD rejects the whole request. Adding a
/// pattern the plan already has, or deleting one it lacks, is a no-op (the end state is as asked).
async fn modify(
    State(store): State<Shared>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let f = Fields::new(&body);
    let delete_all = f.opt_bool("deleteAllDialPatterns")?.unwrap_or(false);
    let mut actions = Vec::new();
    if let Some(items) = f.opt_array("dialPatterns")? {
        for (i, item) in items.iter().enumerate() {
            let entry = f.element("dialPatterns", i, item)?;
            let pattern = entry.req_str("dialPattern")?;
            actions.push(
                match entry.req_enum("action", &["ADD", "DELETE"])?.as_str() {
                    "ADD" => Action::Add(pattern),
                    _ => Action::Delete(pattern),
                },
            );
        }
    }
    if !delete_all && actions.is_empty() {
        return Err(ApiError::invalid(
            "either dialPatterns or deleteAllDialPatterns is required",
        ));
    }
    store.write(|org| {
        org.dial_plans.found(&id)?;
        let adds: Vec<String> = actions
            .iter()
            .filter_map(|a| {
                if let Action::Add(p) = a {
                    Some(p.clone())
                } else {
                    None
                }
            })
            .collect();
        let problems: Vec<String> = check(org, &adds, Some(&id))
            .iter()
            .filter(|c| matches!(c.status, PatternStatus::Invalid | PatternStatus::Duplicate))
            .map(|c| format!("{} ({})", c.pattern, c.status.wire().0))
            .collect();
        if !problems.is_empty() {
            return Err(ApiError::invalid(format!(
                "Invalid dial patterns: {}",
                problems.join(", ")
            )));
        }
        org.dial_plans.update(&id, |dp| {
            if delete_all {
                dp.dial_patterns.clear();
            }
            for action in actions {
                match action {
                    Action::Add(p) if !dp.dial_patterns.contains(&p) => dp.dial_patterns.push(p),
                    Action::Add(_) => {}
                    Action::Delete(p) => dp.dial_patterns.retain(|x| *x != p),
                }
            }
        })?;
        Ok(no_content())
    })
}

/// `{"status": "OK"|"ERRORS", "dialPatternStatus": [...]}`; only rejected patterns are listed.
async fn validate(State(store): State<Shared>, JsonBody(body): JsonBody) -> ApiResult<Response> {
    let f = Fields::new(&body);
    let patterns = f.opt_str_list("dialPatterns")?.unwrap_or_default();
    if patterns.is_empty() {
        return Err(ApiError::invalid("dialPatterns is required"));
    }
    let statuses: Vec<Value> = store.read(|org| {
        check(org, &patterns, None)
            .iter()
            .filter_map(Checked::error_json)
            .collect()
    });
    let status = if statuses.is_empty() { "OK" } else { "ERRORS" };
    Ok(ok(json!({"status": status, "dialPatternStatus": statuses})))
}

#[cfg(test)]
mod tests {
    use super::is_valid;

    #[test]
    fn pattern_syntax() {
        for good in ["+1408XXXXXXX", "8XXX", "+5555", "7777", "+44207946XXXX"] {
            assert!(is_valid(good), "{good}");
        }
        for bad in [
            "",
            "+",
            "+0XX",
            "X123",
            "12a4",
            "+1408xxxxxxx",
            "+1234567890123456",
            "8 XXX",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }
}
