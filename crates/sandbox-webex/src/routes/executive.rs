//! The newer executive API: `/telephony/config/people/{id}/executive/assignedAssistants`
//! GET `{assistants: [...]}` and PUT `{assistantIds: [...]}` (204; absent or `null` removes all).
//! Only a person whose executive/assistant type is `EXECUTIVE` has assistants: anyone else answers
//! 400/4410 ("executive feature not assigned to the user", §1.6). Assistants must be Webex
//! Calling users other than the executive.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::Shared;
use super::person_features::{ASSISTANTS_KEY, calling_person, stored};
use crate::errors::{ApiError, ApiResult, code};
use crate::extract::JsonBody;
use crate::fields::Fields;
use crate::http::{no_content, ok};
use crate::model::{Org, Person};

/// Webex's limit on assistants per executive.
const MAX_ASSISTANTS: usize = 10;

pub fn routes() -> Router<Shared> {
    Router::new().route(
        "/telephony/config/people/{id}/executive/assignedAssistants",
        get(read).put(update),
    )
}

fn executive<'a>(org: &'a Org, id: &str) -> ApiResult<&'a Person> {
    let p = calling_person(org, id)?;
    if stored(p, "executiveAssistant")["type"] != "EXECUTIVE" {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            code::FEATURE_NOT_ASSIGNED,
            format!(
                "The executive feature is not assigned to {}",
                p.display_name
            ),
        ));
    }
    Ok(p)
}

async fn read(State(store): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    store.read(|org| {
        let p = executive(org, &id)?;
        let assistants: Vec<Value> = p
            .features
            .get(ASSISTANTS_KEY)
            .and_then(|a| a["assistantIds"].as_array())
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter_map(|a| org.people.get(a))
            .filter_map(|a| {
                let location = a.location_id.as_deref()?;
                Some(json!({
                    "id": a.id,
                    "firstName": a.first_name,
                    "lastName": a.last_name,
                    "directNumber": a.work_numbers().next(),
                    "extension": a.extension,
                    "optInEnabled": false,
                    "location": {"id": location, "name": org.location_name(location)},
                }))
            })
            .collect();
        Ok(ok(json!({ "assistants": assistants })))
    })
}

async fn update(
    State(store): State<Shared>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let f = Fields::new(&body);
    let ids = f.opt_str_list("assistantIds")?.unwrap_or_default();
    if ids.len() > MAX_ASSISTANTS {
        return Err(ApiError::invalid(format!(
            "assistantIds: at most {MAX_ASSISTANTS} assistants"
        )));
    }
    store.write(|org| {
        executive(org, &id)?;
        let mut unique: Vec<String> = Vec::new();
        for a in ids {
            if a == id {
                return Err(ApiError::invalid(
                    "assistantIds: an executive cannot be their own assistant",
                ));
            }
            if org.people.get(&a).is_none_or(|p| p.location_id.is_none()) {
                return Err(ApiError::invalid(format!(
                    "assistantIds: no Webex Calling person with id {a}"
                )));
            }
            if !unique.contains(&a) {
                unique.push(a);
            }
        }
        org.people.update(&id, |p| {
            p.features
                .insert(ASSISTANTS_KEY.into(), json!({ "assistantIds": unique }));
        })?;
        Ok(no_content())
    })
}
