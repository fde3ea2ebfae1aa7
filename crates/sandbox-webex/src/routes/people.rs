//! People: `/people` (wrapper `items`, default page 100) and `/people/{id}`.
//! Calling fields (`extension`, `locationId`) appear only with `callingData=true`, as on Webex.
//! POST answers 200 with the person, PUT is a full replacement answering 200 with the person.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::Shared;
use super::person_body::{self, EXTRA_KEYS};
use crate::errors::ApiResult;
use crate::extract::{JsonBody, Params};
use crate::fields::Fields;
use crate::http::{no_content, ok};
use crate::ids;
use crate::model::{Location, Org, Person};
use crate::pagination::{PEOPLE_DEFAULT_MAX, Page, list_response_with, paginate_map};
use crate::records::{Found as _, index};
use switchboard_sandbox_kit::Record as _;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/people", get(list).post(create))
        .route("/people/{id}", get(details).put(update).delete(remove))
}

pub fn person_json(org: &Org, p: &Person, calling_data: bool) -> Value {
    let mut body = Map::new();
    body.insert("id".into(), json!(p.id));
    body.insert("emails".into(), json!(p.emails));
    body.insert("phoneNumbers".into(), json!(p.phone_numbers));
    if calling_data {
        if let Some(v) = &p.extension {
            body.insert("extension".into(), json!(v));
        }
        if let Some(v) = &p.location_id {
            body.insert("locationId".into(), json!(v));
        }
    }
    body.insert("displayName".into(), json!(p.display_name));
    if let Some(v) = &p.first_name {
        body.insert("firstName".into(), json!(v));
    }
    if let Some(v) = &p.last_name {
        body.insert("lastName".into(), json!(v));
    }
    body.insert("orgId".into(), json!(org.id));
    body.insert("roles".into(), json!(p.roles));
    body.insert("licenses".into(), json!(p.licenses));
    for key in EXTRA_KEYS {
        if let Some(v) = p.extra.get(*key) {
            body.insert((*key).to_string(), v.clone());
        }
    }
    body.insert("created".into(), json!(p.created));
    body.insert("lastModified".into(), json!(p.last_modified));
    body.insert("status".into(), json!("active"));
    body.insert("invitePending".into(), json!(false));
    body.insert("loginEnabled".into(), json!(true));
    body.insert("type".into(), json!("person"));
    Value::Object(body)
}

fn now() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

async fn list(State(store): State<Shared>, params: Params) -> ApiResult<Response> {
    let calling_data = params.get_bool("callingData")?.unwrap_or(false);
    let wanted_ids: Option<Vec<&str>> = params.get("id").map(|ids| {
        ids.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    });
    let (page, not_found) = store.read(|org| -> ApiResult<(Page, Vec<String>)> {
        if let Some(loc) = params.get("locationId") {
            org.locations.found(loc)?;
        }
        // Start from an index when a filter names one (exact email, location); the filters
        // below still all apply.
        let candidates: Box<dyn Iterator<Item = &Person>> =
            match (params.get("email"), params.get("locationId")) {
                (Some(email), _) => Box::new(
                    org.people
                        .find(index::EMAIL, &email.to_ascii_lowercase())
                        .into_iter(),
                ),
                (None, Some(loc)) => {
                    Box::new(org.people.referencing(Location::KIND, loc).map(|(p, _)| p))
                }
                (None, None) => Box::new(org.people.iter()),
            };
        let items = candidates
            .filter(|p| {
                params
                    .get("email")
                    .is_none_or(|e| p.emails.iter().any(|x| x.eq_ignore_ascii_case(e)))
            })
            .filter(|p| {
                params
                    .get("displayName")
                    .is_none_or(|d| p.display_name.to_lowercase().starts_with(&d.to_lowercase()))
            })
            .filter(|p| {
                wanted_ids
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&p.id.as_str()))
            })
            .filter(|p| {
                params
                    .get("locationId")
                    .is_none_or(|l| p.location_id.as_deref() == Some(l))
            })
            .filter(|p| {
                params
                    .get("roles")
                    .is_none_or(|r| r.split(',').all(|r| p.roles.iter().any(|x| x == r)))
            })
            .collect::<Vec<_>>();
        let page = paginate_map(items, &params, PEOPLE_DEFAULT_MAX, |p| {
            person_json(org, p, calling_data)
        })?;
        let not_found = wanted_ids
            .iter()
            .flatten()
            .filter(|id| !org.people.contains(id))
            .map(|id| id.to_string())
            .collect();
        Ok((page, not_found))
    })?;
    let mut extra = Map::new();
    if !not_found.is_empty() {
        extra.insert("notFoundIds".into(), json!(not_found));
    }
    Ok(list_response_with("items", page, extra))
}

async fn details(
    State(store): State<Shared>,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    let calling_data = params.get_bool("callingData")?.unwrap_or(false);
    store.read(|org| Ok(ok(person_json(org, org.people.found(&id)?, calling_data))))
}

/// 200 with the new person (the People API's create status).
async fn create(
    State(store): State<Shared>,
    params: Params,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let calling_data = params.get_bool("callingData")?.unwrap_or(false);
    let input = person_body::parse(&Fields::new(&body))?;
    store.write(|org| {
        let person = person_body::build(org, input, None, ids::new_id("PEOPLE"), now())?;
        let body = person_json(org, &person, calling_data);
        org.people.insert(person)?;
        Ok(ok(body))
    })
}

/// Full replacement (`displayName` required): fields left out are cleared, except `locationId`,
/// which a calling user keeps.
async fn update(
    State(store): State<Shared>,
    Path(id): Path<String>,
    params: Params,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let calling_data = params.get_bool("callingData")?.unwrap_or(false);
    let f = Fields::new(&body);
    f.req_str("displayName")?;
    let input = person_body::parse(&f)?;
    store.write(|org| {
        let existing = org.people.found(&id)?;
        let person = person_body::build(org, input, Some(existing), id.clone(), now())?;
        let body = person_json(org, &person, calling_data);
        org.people.replace(&id, person)?;
        Ok(ok(body))
    })
}

async fn remove(State(store): State<Shared>, Path(id): Path<String>) -> ApiResult<Response> {
    store.write(|org| {
        org.people.found(&id)?;
        org.people.remove(&id);
        Ok(no_content())
    })
}
