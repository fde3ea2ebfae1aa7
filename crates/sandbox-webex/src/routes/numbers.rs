//! Org phone numbers: GET `/telephony/config/numbers` (wrapper `phoneNumbers`).
//! Rows are the location number inventory plus extension-only rows for calling users without a
//! number (as Webex lists both unless `numberType` narrows it). Owners are derived from people
//! (`PEOPLE`) and Webex Calling workspaces (`PLACE`). Filters: `locationId`, `phoneNumber`,
//! `available`, `extension`, `ownerId`, `ownerType`, `ownerName`, `state`, `numberType`.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::Shared;
use crate::errors::{ApiError, ApiResult};
use crate::extract::Params;
use crate::http::contains_ci;
use crate::model::{Location, Org, Person, Workspace};
use crate::pagination::{TELEPHONY_DEFAULT_MAX, list_response, paginate_map};
use crate::records::Found as _;

pub fn routes() -> Router<Shared> {
    Router::new().route("/telephony/config/numbers", get(list))
}

/// Who holds a number or extension.
#[derive(Clone, Copy)]
enum Owner<'a> {
    Person(&'a Person),
    Workspace(&'a Workspace),
}

impl<'a> Owner<'a> {
    fn id(self) -> &'a str {
        match self {
            Owner::Person(p) => &p.id,
            Owner::Workspace(w) => &w.id,
        }
    }

    fn kind(self) -> &'static str {
        match self {
            Owner::Person(_) => "PEOPLE",
            Owner::Workspace(_) => "PLACE",
        }
    }

    fn display_name(self) -> &'a str {
        match self {
            Owner::Person(p) => &p.display_name,
            Owner::Workspace(w) => &w.display_name,
        }
    }

    fn extension(self) -> Option<&'a str> {
        match self {
            Owner::Person(p) => p.extension.as_deref(),
            Owner::Workspace(w) => w.webex_calling().and_then(|c| c.extension.as_deref()),
        }
    }

    fn to_json(self) -> Value {
        let mut owner = Map::new();
        owner.insert("id".into(), json!(self.id()));
        owner.insert("type".into(), json!(self.kind()));
        if let Owner::Person(p) = self {
            if let Some(v) = &p.first_name {
                owner.insert("firstName".into(), json!(v));
            }
            if let Some(v) = &p.last_name {
                owner.insert("lastName".into(), json!(v));
            }
        }
        owner.insert("displayName".into(), json!(self.display_name()));
        Value::Object(owner)
    }
}

/// One row before filtering.
struct Row<'a> {
    number: Option<&'a str>,
    location: &'a Location,
    state: &'a str,
    main: bool,
    owner: Option<Owner<'a>>,
}

impl Row<'_> {
    fn extension(&self) -> Option<&str> {
        self.owner.and_then(Owner::extension)
    }

    fn to_json(&self) -> Value {
        let mut body = Map::new();
        if let Some(n) = self.number {
            body.insert("phoneNumber".into(), json!(n));
        }
        let prefix = self.location.calling.routing_prefix.as_deref();
        if let Some(ext) = self.extension() {
            body.insert("extension".into(), json!(ext));
            if let Some(p) = prefix {
                body.insert("esn".into(), json!(format!("{p}{ext}")));
            }
        }
        if let Some(p) = prefix {
            body.insert("routingPrefix".into(), json!(p));
        }
        body.insert("state".into(), json!(self.state));
        body.insert("phoneNumberType".into(), json!("PRIMARY"));
        body.insert("mainNumber".into(), json!(self.main));
        body.insert("includedTelephonyTypes".into(), json!("PSTN_NUMBER"));
        body.insert("tollFreeNumber".into(), json!(false));
        body.insert("isServiceNumber".into(), json!(false));
        body.insert(
            "location".into(),
            json!({"id": self.location.id, "name": self.location.name}),
        );
        if let Some(owner) = self.owner {
            body.insert("owner".into(), owner.to_json());
        }
        Value::Object(body)
    }
}

fn rows(org: &Org) -> Vec<Row<'_>> {
    let mut rows = Vec::new();
    for n in &org.numbers {
        let Some(location) = org.locations.get(&n.location_id) else {
            continue;
        };
        rows.push(Row {
            number: Some(&n.phone_number),
            location,
            state: &n.state,
            main: n.main_number,
            owner: org
                .number_owner(&n.phone_number)
                .map(Owner::Person)
                .or_else(|| {
                    org.workspace_number_owner(&n.phone_number)
                        .map(Owner::Workspace)
                }),
        });
    }
    for p in &org.people {
        let (Some(loc), Some(_)) = (&p.location_id, &p.extension) else {
            continue;
        };
        if p.work_numbers().next().is_some() {
            continue;
        }
        let Some(location) = org.locations.get(loc) else {
            continue;
        };
        rows.push(Row {
            number: None,
            location,
            state: "ACTIVE",
            main: false,
            owner: Some(Owner::Person(p)),
        });
    }
    for w in &org.workspaces {
        let Some(c) = w.webex_calling() else {
            continue;
        };
        if c.phone_number.is_some() || c.extension.is_none() {
            continue;
        }
        let Some(location) = org.locations.get(&c.location_id) else {
            continue;
        };
        rows.push(Row {
            number: None,
            location,
            state: "ACTIVE",
            main: false,
            owner: Some(Owner::Workspace(w)),
        });
    }
    rows
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

async fn list(State(store): State<Shared>, params: Params) -> ApiResult<Response> {
    let available = params.get_bool("available")?;
    if let Some(t) = params.get("numberType")
        && t != "NUMBER"
        && t != "EXTENSION"
    {
        return Err(ApiError::invalid("numberType must be NUMBER or EXTENSION"));
    }
    // A raw `+` in a query string decodes to a space, so compare digits only.
    let number_filter = params.get("phoneNumber").map(digits);
    let page = store.read(|org| {
        if let Some(loc) = params.get("locationId") {
            org.locations.found(loc)?;
        }
        let rows: Vec<Row<'_>> = rows(org)
            .into_iter()
            .filter(|r| params.get("locationId").is_none_or(|l| r.location.id == l))
            .filter(|r| {
                available != Some(true) || (r.number.is_some() && r.owner.is_none() && !r.main)
            })
            .filter(|r| {
                number_filter
                    .as_ref()
                    .is_none_or(|f| r.number.is_some_and(|n| digits(n).contains(f.as_str())))
            })
            .filter(|r| {
                params
                    .get("extension")
                    .is_none_or(|e| r.extension() == Some(e))
            })
            .filter(|r| {
                params
                    .get("ownerId")
                    .is_none_or(|id| r.owner.is_some_and(|o| o.id() == id))
            })
            .filter(|r| {
                params
                    .get("ownerType")
                    .is_none_or(|t| r.owner.is_some_and(|o| o.kind() == t))
            })
            .filter(|r| {
                params
                    .get("ownerName")
                    .is_none_or(|n| r.owner.is_some_and(|o| contains_ci(o.display_name(), n)))
            })
            .filter(|r| params.get("state").is_none_or(|s| r.state == s))
            .filter(|r| match params.get("numberType") {
                Some("NUMBER") => r.number.is_some(),
                Some("EXTENSION") => r.number.is_none(),
                _ => true,
            })
            .collect();
        paginate_map(rows, &params, TELEPHONY_DEFAULT_MAX, |r| r.to_json())
    })?;
    Ok(list_response("phoneNumbers", page))
}
