//! `PATCH /licenses/users` (§2.3): add or remove licenses of an existing person, found by `email`
//! or `personId`. A calling license also makes the person a calling user in one step:
//! * `properties` needs `phoneNumber` or `extension`; without `phoneNumber`, `locationId` is
//!   mandatory (with only a number, the location is the number's);
//! * the number must be in the location's inventory, not its main number, and unowned;
//! * a number owned by someone else, or an extension already used in the location, answers 409
//!   with errorCode 8363 (top-level 25223), the reference's "number already exists" codes;
//! * a license with no units left (consumed >= total) answers 400;
//! * a calling user's location cannot change (400; Webex moves users with a job).
//!
//! Removals run before additions, so one request can swap calling licenses; the swap keeps the
//! person's location, extension and number unless `properties` says otherwise. Removing the last
//! calling license ends calling: the number goes back to the pool, and the call settings go.
//! Answers 200 `{orgId, personId, email, licenses, siteUrls}`. The sandbox has no meeting sites,
//! so any `siteUrls` entry is refused (400).

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::patch;
use serde_json::{Map, json};

use super::Shared;
use crate::errors::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::fields::Fields;
use crate::http::ok;
use crate::model::{License, Org, Person, PhoneNumber};
use crate::records::{Found as _, extension_key, index};
use switchboard_sandbox_kit::Record as _;

pub fn routes() -> Router<Shared> {
    Router::new().route("/licenses/users", patch(assign))
}

/// One entry of `licenses`.
struct Operation {
    id: String,
    add: bool,
    location_id: Option<String>,
    phone_number: Option<String>,
    extension: Option<String>,
}

fn parse_operations(f: &Fields<'_>) -> ApiResult<Vec<Operation>> {
    let mut ops = Vec::new();
    for (i, item) in f.opt_array("licenses")?.into_iter().flatten().enumerate() {
        let l = f.element("licenses", i, item)?;
        let add = l.opt_enum("operation", &["add", "remove"])?.as_deref() != Some("remove");
        let props = l.opt_object("properties")?;
        let prop = |key: &str| -> ApiResult<Option<String>> {
            Ok(match &props {
                Some(p) => p.opt_str(key)?.filter(|v| !v.trim().is_empty()),
                None => None,
            })
        };
        let extension = prop("extension")?;
        if let Some(ext) = &extension
            && (!(2..=10).contains(&ext.len()) || !ext.chars().all(|c| c.is_ascii_digit()))
        {
            return Err(ApiError::invalid(format!(
                "licenses[{i}].properties.extension must be 2 to 10 digits"
            )));
        }
        ops.push(Operation {
            id: l.req_str("id")?,
            add,
            location_id: prop("locationId")?,
            phone_number: prop("phoneNumber")?,
            extension,
        });
    }
    Ok(ops)
}

async fn assign(State(store): State<Shared>, JsonBody(body): JsonBody) -> ApiResult<Response> {
    let f = Fields::new(&body);
    let email = f.opt_str("email")?;
    let person_id = f.opt_str("personId")?;
    if email.is_none() && person_id.is_none() {
        return Err(ApiError::invalid("email or personId is required"));
    }
    let ops = parse_operations(&f)?;
    if let Some(sites) = f.opt_array("siteUrls")?
        && !sites.is_empty()
    {
        return Err(ApiError::invalid(
            "siteUrls: this org has no Webex meeting sites",
        ));
    }
    if ops.is_empty() {
        return Err(ApiError::invalid("licenses is required"));
    }
    store.write(|org| {
        let person = find_person(org, email.as_deref(), person_id.as_deref())?;
        let id = person.id.clone();
        let updated = apply(org, person, &ops)?;
        let licenses = updated.licenses.clone();
        let email = updated.emails.first().cloned();
        org.people.replace(&id, updated)?;
        Ok(ok(json!({
            "orgId": org.id,
            "personId": id,
            "email": email,
            "licenses": licenses,
            "siteUrls": [],
        })))
    })
}

/// By id, by email, or by both when they name the same person.
fn find_person<'a>(
    org: &'a Org,
    email: Option<&str>,
    person_id: Option<&str>,
) -> ApiResult<&'a Person> {
    let by_email = match email {
        Some(e) => Some(
            org.people
                .find(index::EMAIL, &e.to_ascii_lowercase())
                .ok_or_else(|| ApiError::not_found("Person", e))?,
        ),
        None => None,
    };
    match (by_email, person_id) {
        (Some(p), Some(id)) if p.id != id => Err(ApiError::invalid(
            "email and personId name different people",
        )),
        (Some(p), _) => Ok(p),
        (None, Some(id)) => org.people.found(id),
        (None, None) => Err(ApiError::invalid("email or personId is required")),
    }
}

/// The person after `ops`, checked against the org.
fn apply(org: &Org, person: &Person, ops: &[Operation]) -> ApiResult<Person> {
    let mut next = person.clone();
    let mut calling_add: Option<&Operation> = None;
    for op in ops {
        let license = org
            .licenses
            .get(&op.id)
            .ok_or_else(|| ApiError::invalid(format!("licenses: no license with id {}", op.id)))?;
        if !op.add {
            next.licenses.retain(|l| *l != op.id);
            continue;
        }
        if license.calling {
            if calling_add.is_some() {
                return Err(ApiError::invalid(
                    "licenses: at most one Webex Calling license can be added",
                ));
            }
            calling_add = Some(op);
        }
    }
    // Additions, after every removal.
    for op in ops.iter().filter(|op| op.add) {
        if next.licenses.contains(&op.id) {
            continue;
        }
        let license = org.licenses.found(&op.id)?;
        let used = org.people.referencing(License::KIND, &op.id).count()
            + org.workspaces.referencing(License::KIND, &op.id).count();
        if used >= license.total_units as usize {
            return Err(ApiError::invalid(format!(
                "No units left of license '{}' ({} of {} consumed)",
                license.name, used, license.total_units
            )));
        }
        next.licenses.push(op.id.clone());
    }
    let calling_licenses: Vec<&String> = next
        .licenses
        .iter()
        .filter(|l| org.licenses.get(l).is_some_and(|l| l.calling))
        .collect();
    if calling_licenses.len() > 1 {
        return Err(ApiError::invalid(
            "a person can hold only one Webex Calling license: remove the other one in the same request",
        ));
    }
    if calling_licenses.is_empty() {
        end_calling(&mut next);
    } else if let Some(op) = calling_add {
        set_calling_identity(org, person, &mut next, op)?;
    }
    Ok(next)
}

/// Calling ends: location, extension, owned numbers and call settings go.
fn end_calling(p: &mut Person) {
    if p.location_id.take().is_some() {
        p.phone_numbers.retain(|n| n.kind != "work");
    }
    p.extension = None;
    p.features = Map::new();
}

fn set_calling_identity(
    org: &Org,
    before: &Person,
    next: &mut Person,
    op: &Operation,
) -> ApiResult<()> {
    let had_calling = before.location_id.is_some();
    let sent_identity = op.phone_number.is_some() || op.extension.is_some();
    if !sent_identity && !had_calling {
        return Err(ApiError::invalid(
            "properties.phoneNumber or properties.extension is required for a Webex Calling license",
        ));
    }
    let number = op
        .phone_number
        .clone()
        .or_else(|| (!sent_identity).then(|| before.work_numbers().next().map(str::to_string))?);
    let extension = op
        .extension
        .clone()
        .or_else(|| (!sent_identity).then(|| before.extension.clone())?);
    let number_location = number
        .as_deref()
        .and_then(|n| org.numbers.get(n))
        .map(|n| n.location_id.clone());
    let location_id = match (&op.location_id, &before.location_id) {
        (Some(sent), Some(current)) if sent != current => {
            return Err(ApiError::invalid(
                "locationId of a calling user cannot be changed (use the move users job)",
            ));
        }
        (Some(sent), _) => sent.clone(),
        (None, Some(current)) => current.clone(),
        (None, None) if number.is_some() => number_location.clone().ok_or_else(|| {
            ApiError::invalid(format!(
                "phone number {} is not a number of this org",
                number.as_deref().unwrap_or_default()
            ))
        })?,
        (None, None) => {
            return Err(ApiError::invalid(
                "properties.locationId is required when properties.phoneNumber is not given",
            ));
        }
    };
    if !org.locations.contains(&location_id) {
        return Err(ApiError::invalid(format!(
            "properties.locationId: no location with id {location_id}"
        )));
    }
    let me = before.id.as_str();
    if let Some(ext) = &extension {
        let taken_by_person = org
            .people
            .find(index::EXTENSION, &extension_key(&location_id, ext))
            .is_some_and(|p| p.id != me);
        if taken_by_person || org.workspace_extension_owner(&location_id, ext).is_some() {
            return Err(ApiError::number_taken(format!(
                "extension {ext} is already used in this location"
            )));
        }
    }
    if let Some(n) = &number {
        match org.numbers.get(n) {
            Some(inv) if inv.location_id == location_id => {
                if inv.main_number {
                    return Err(ApiError::invalid(format!(
                        "phone number {n} is the location's main number"
                    )));
                }
            }
            _ => {
                return Err(ApiError::invalid(format!(
                    "phone number {n} is not a number of location {}",
                    org.location_name(&location_id)
                )));
            }
        }
        let owner = org
            .number_owner(n)
            .filter(|p| p.id != me)
            .map(|p| p.display_name.clone())
            .or_else(|| {
                org.workspace_number_owner(n)
                    .map(|w| w.display_name.clone())
            });
        if let Some(owner) = owner {
            return Err(ApiError::number_taken(format!(
                "phone number {n} is already assigned to {owner}"
            )));
        }
    }
    next.location_id = Some(location_id);
    next.extension = extension;
    next.phone_numbers.retain(|p| p.kind != "work");
    if let Some(n) = number {
        next.phone_numbers.insert(
            0,
            PhoneNumber {
                kind: "work".into(),
                value: n,
                primary: Some(true),
            },
        );
    }
    Ok(())
}
