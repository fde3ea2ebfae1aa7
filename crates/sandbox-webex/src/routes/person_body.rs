//! People request bodies (POST, and PUT's full replacement) and the Webex calling-user rules:
//! a calling license needs `locationId` plus an extension or a `work` number of that location;
//! `locationId` never changes afterwards; extensions are unique per location; numbers have one owner.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::errors::{ApiError, ApiResult};
use crate::fields::Fields;
use crate::model::{License, Org, Person, PhoneNumber};
use crate::records::{extension_key, index};
use switchboard_sandbox_kit::Record as _;

const PHONE_TYPES: &[&str] = &[
    "work",
    "work_extension",
    "mobile",
    "fax",
    "enterprise",
    "alternate1",
    "alternate2",
];
/// Descriptive fields stored and echoed verbatim.
pub const EXTRA_KEYS: &[&str] = &[
    "nickName",
    "avatar",
    "department",
    "manager",
    "managerId",
    "title",
    "addresses",
    "siteUrls",
];

pub struct PersonInput {
    emails: Vec<String>,
    phone_numbers: Vec<PhoneNumber>,
    extension: Option<String>,
    location_id: Option<String>,
    display_name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    roles: Vec<String>,
    licenses: Vec<String>,
    extra: Map<String, Value>,
}

pub fn parse(f: &Fields<'_>) -> ApiResult<PersonInput> {
    let emails = f.opt_str_list("emails")?.unwrap_or_default();
    if emails.is_empty() {
        return Err(ApiError::invalid("emails is required"));
    }
    if let Some(bad) = emails
        .iter()
        .find(|e| !e.contains('@') || e.trim() != e.as_str())
    {
        return Err(ApiError::invalid(format!(
            "emails: '{bad}' is not a valid email address"
        )));
    }
    let mut phone_numbers = Vec::new();
    for (i, item) in f
        .opt_array("phoneNumbers")?
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let p = f.element("phoneNumbers", i, item)?;
        phone_numbers.push(PhoneNumber {
            kind: p.req_enum("type", PHONE_TYPES)?,
            value: p.req_str("value")?,
            primary: p.opt_bool("primary")?,
        });
    }
    let extension = f.opt_str("extension")?.filter(|e| !e.is_empty());
    if let Some(ext) = &extension
        && (!(2..=10).contains(&ext.len()) || !ext.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(ApiError::invalid("extension must be 2 to 10 digits"));
    }
    let mut extra = Map::new();
    for key in EXTRA_KEYS {
        if let Some(v) = f.value(key) {
            extra.insert((*key).to_string(), v.clone());
        }
    }
    let input = PersonInput {
        emails,
        phone_numbers,
        extension,
        location_id: f.opt_str("locationId")?.filter(|l| !l.is_empty()),
        display_name: f.opt_str("displayName")?.filter(|n| !n.trim().is_empty()),
        first_name: f.opt_str("firstName")?,
        last_name: f.opt_str("lastName")?,
        roles: f.opt_str_list("roles")?.unwrap_or_default(),
        licenses: f.opt_str_list("licenses")?.unwrap_or_default(),
        extra,
    };
    if input.display_name.is_none() && input.first_name.is_none() && input.last_name.is_none() {
        return Err(ApiError::invalid(
            "one of displayName, firstName or lastName is required",
        ));
    }
    Ok(input)
}

/// Check `input` against the org and build the stored person. `existing` is the person being
/// replaced (PUT); `id` and timestamps are supplied by the caller.
pub fn build(
    org: &Org,
    input: PersonInput,
    existing: Option<&Person>,
    id: String,
    now: String,
) -> ApiResult<Person> {
    let self_id = existing.map(|p| p.id.as_str());
    let other = |p: &Person| Some(p.id.as_str()) != self_id;
    // The table refuses a taken email too; checked first here so it wins over license errors.
    for email in &input.emails {
        if org
            .people
            .find(index::EMAIL, &email.to_ascii_lowercase())
            .is_some_and(other)
        {
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                crate::errors::code::CONFLICT,
                format!("A person with email {email} already exists"),
            ));
        }
    }
    let mut calling = false;
    let mut seen = HashSet::new();
    for license_id in &input.licenses {
        let license = org.licenses.get(license_id).ok_or_else(|| {
            ApiError::invalid(format!("licenses: no license with id {license_id}"))
        })?;
        if !seen.insert(license_id) {
            return Err(ApiError::invalid(format!(
                "licenses: {license_id} is listed twice"
            )));
        }
        calling |= license.calling;
        let newly_assigned = existing.is_none_or(|p| !p.licenses.contains(license_id));
        let used = org
            .people
            .referencing(License::KIND, license_id)
            .filter(|(p, _)| other(p))
            .count();
        if newly_assigned && used >= license.total_units as usize {
            return Err(ApiError::invalid(format!(
                "No units left of license '{}'",
                license.name
            )));
        }
    }

    let location_id = if calling {
        let location_id = calling_location(org, &input, existing)?;
        check_calling_identity(org, &input, &location_id, self_id)?;
        Some(location_id)
    } else {
        // A PUT that drops the calling license ends calling. Its body (GET, change, PUT) still
        // carries the old locationId and extension; they go with the license instead of failing.
        let ending_calling = existing.is_some_and(|p| p.location_id.is_some());
        if !ending_calling && (input.location_id.is_some() || input.extension.is_some()) {
            return Err(ApiError::invalid(
                "locationId and extension require a Webex Calling license in licenses",
            ));
        }
        None
    };
    let mut phone_numbers = input.phone_numbers;
    if !calling && let Some(previous) = existing.filter(|p| p.location_id.is_some()) {
        // Numbers the person owned go back to their location's pool.
        let owned: Vec<&str> = previous.work_numbers().collect();
        phone_numbers.retain(|p| !(p.kind == "work" && owned.contains(&p.value.as_str())));
    }

    let display_name = input.display_name.unwrap_or_else(|| {
        [input.first_name.as_deref(), input.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    });
    Ok(Person {
        id,
        emails: input.emails,
        phone_numbers,
        extension: if calling { input.extension } else { None },
        location_id,
        display_name,
        first_name: input.first_name,
        last_name: input.last_name,
        roles: input.roles,
        licenses: input.licenses,
        extra: input.extra,
        // Call settings live as long as calling does.
        features: existing
            .filter(|_| calling)
            .map(|p| p.features.clone())
            .unwrap_or_default(),
        created: existing
            .map(|p| p.created.clone())
            .unwrap_or_else(|| now.clone()),
        last_modified: now,
    })
}

/// The calling location: required, must exist, and cannot move once set (Webex needs a job for that).
fn calling_location(
    org: &Org,
    input: &PersonInput,
    existing: Option<&Person>,
) -> ApiResult<String> {
    let current = existing.and_then(|p| p.location_id.clone());
    let location_id = match (&input.location_id, current) {
        (Some(sent), Some(current)) if *sent != current => {
            return Err(ApiError::invalid(
                "locationId of a calling user cannot be changed (use the move users job)",
            ));
        }
        (Some(sent), _) => sent.clone(),
        (None, Some(current)) => current,
        (None, None) => {
            return Err(ApiError::invalid(
                "locationId is required with a Webex Calling license",
            ));
        }
    };
    if org.locations.contains(&location_id) {
        Ok(location_id)
    } else {
        Err(ApiError::invalid(format!(
            "locationId: no location with id {location_id}"
        )))
    }
}

fn check_calling_identity(
    org: &Org,
    input: &PersonInput,
    location_id: &str,
    self_id: Option<&str>,
) -> ApiResult<()> {
    let work: Vec<&str> = input
        .phone_numbers
        .iter()
        .filter(|p| p.kind == "work")
        .map(|p| p.value.as_str())
        .collect();
    if work.is_empty() && input.extension.is_none() {
        return Err(ApiError::invalid(
            "a Webex Calling user needs a work phone number or an extension",
        ));
    }
    if let Some(ext) = &input.extension
        && org
            .people
            .find(index::EXTENSION, &extension_key(location_id, ext))
            .is_some_and(|p| Some(p.id.as_str()) != self_id)
    {
        return Err(ApiError::invalid(format!(
            "extension {ext} is already used in this location"
        )));
    }
    if let Some(ext) = &input.extension
        && org.workspace_extension_owner(location_id, ext).is_some()
    {
        return Err(ApiError::invalid(format!(
            "extension {ext} is already used in this location by a workspace"
        )));
    }
    for number in work {
        let inventory = org
            .numbers
            .get(number)
            .filter(|n| n.location_id == location_id);
        match inventory {
            None => {
                return Err(ApiError::invalid(format!(
                    "phone number {number} is not a number of the user's location"
                )));
            }
            Some(n) if n.main_number => {
                return Err(ApiError::invalid(format!(
                    "phone number {number} is the location's main number"
                )));
            }
            Some(_) => {}
        }
        if org
            .number_owner(number)
            .is_some_and(|p| Some(p.id.as_str()) != self_id)
            || org.workspace_number_owner(number).is_some()
        {
            return Err(ApiError::invalid(format!(
                "phone number {number} is already assigned"
            )));
        }
    }
    Ok(())
}
