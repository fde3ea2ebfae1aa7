//! Workspace request bodies (POST, PUT) and the rules of reference §2.5: `displayName` required;
//! a `webexCalling` workspace that is not hot-desk-only needs a location plus a `phoneNumber`
//! and/or `extension`; without `licenses` a Webex Calling license is picked; `locationId` and
//! `supportedDevices` never change once set. PUT clears `capacity`, `type` and `notes` when they are
//! left out and keeps every other field (the update semantics wxc-sdk documents).

use serde_json::Value;

use crate::errors::{ApiError, ApiResult};
use crate::fields::Fields;
use crate::model::{License, Org, WebexCalling, Workspace, WorkspaceCalling};
use switchboard_sandbox_kit::Record as _;

pub const TYPES: &[&str] = &[
    "notSet",
    "focus",
    "huddle",
    "meetingRoom",
    "open",
    "desk",
    "other",
];
pub const CALLING_TYPES: &[&str] = &[
    "freeCalling",
    "webexEdgeForDevices",
    "thirdPartySipCalling",
    "webexCalling",
    "none",
];
pub const SUPPORTED_DEVICES: &[&str] = &["collaborationDevices", "phones"];
pub const HOTDESKING: &[&str] = &["on", "off"];
const CALENDAR_TYPES: &[&str] = &["none", "google", "microsoft"];
const WEBEX_CALLING: &str = "webexCalling";
/// The license a calling workspace gets when the request names none.
const WORKSPACE_LICENSE: &str = "Webex Calling - Workspaces";

/// Check a POST (`existing == None`) or PUT body against the org and build the stored workspace.
pub fn build(
    org: &Org,
    f: &Fields<'_>,
    existing: Option<&Workspace>,
    id: String,
    now: String,
) -> ApiResult<Workspace> {
    let display_name = f.req_str("displayName")?;
    if display_name.chars().count() > 256 {
        return Err(ApiError::invalid(
            "displayName must be at most 256 characters",
        ));
    }
    let location_id = fixed(
        f,
        "locationId",
        existing.and_then(|w| w.location_id.clone()),
    )?;
    if let Some(loc) = &location_id
        && !org.locations.contains(loc)
    {
        return Err(ApiError::invalid(format!(
            "locationId: no location with id {loc}"
        )));
    }
    let supported_devices = match f.opt_enum("supportedDevices", SUPPORTED_DEVICES)? {
        Some(sent) => match existing {
            Some(w) if w.supported_devices != sent => {
                return Err(ApiError::invalid(
                    "supportedDevices cannot be changed once configured",
                ));
            }
            _ => sent,
        },
        None => existing.map_or_else(
            || "collaborationDevices".to_string(),
            |w| w.supported_devices.clone(),
        ),
    };
    let hotdesking_status = match f.opt_enum("hotdeskingStatus", HOTDESKING)? {
        Some(h) => h,
        None => existing.map_or_else(|| "off".to_string(), |w| w.hotdesking_status.clone()),
    };
    let calendar = match f.opt_object("calendar")? {
        Some(c) => {
            let kind = c.req_enum("type", CALENDAR_TYPES)?;
            if kind != "none" {
                c.req_str("emailAddress")?;
            }
            f.value("calendar").cloned()
        }
        None => existing.and_then(|w| w.calendar.clone()),
    };
    let device_hosted_meetings_enabled = match f.opt_object("deviceHostedMeetings")? {
        Some(d) => d.req_bool("enabled")?,
        None => existing.is_some_and(|w| w.device_hosted_meetings_enabled),
    };
    let kept = |get: fn(&Workspace) -> &Option<String>| existing.and_then(|w| get(w).clone());
    let calling = match f.opt_object("calling")? {
        Some(c) => calling(
            org,
            &c,
            location_id.as_deref(),
            &hotdesking_status,
            existing,
        )?,
        None => existing.map_or_else(
            || WorkspaceCalling {
                kind: "freeCalling".into(),
                webex_calling: None,
            },
            |w| w.calling.clone(),
        ),
    };
    // A calling workspace's location is its calling location.
    let location_id = location_id.or_else(|| {
        calling
            .webex_calling
            .as_ref()
            .map(|w| w.location_id.clone())
    });
    Ok(Workspace {
        id,
        display_name,
        location_id,
        workspace_location_id: f
            .opt_str("workspaceLocationId")?
            .or_else(|| kept(|w| &w.workspace_location_id)),
        floor_id: f.opt_str("floorId")?.or_else(|| kept(|w| &w.floor_id)),
        capacity: f.opt_u32("capacity")?,
        kind: f.opt_enum("type", TYPES)?,
        sip_address: match f.opt_str("sipAddress")? {
            Some(s) => s,
            None => existing.map_or_else(mint_sip_address, |w| w.sip_address.clone()),
        },
        calling,
        calendar,
        notes: f.opt_str("notes")?,
        hotdesking_status,
        supported_devices,
        device_hosted_meetings_enabled,
        created: existing.map_or(now, |w| w.created.clone()),
        features: existing.map(|w| w.features.clone()).unwrap_or_default(),
    })
}

fn mint_sip_address() -> String {
    let opaque = uuid::Uuid::new_v4().simple().to_string();
    format!("ws-{}@sandbox.calls.webex.com", &opaque[..12])
}

/// A field that cannot change once set: sending another value is a 400; omitting it keeps it.
fn fixed(f: &Fields<'_>, key: &str, current: Option<String>) -> ApiResult<Option<String>> {
    match (f.opt_str(key)?.filter(|v| !v.is_empty()), current) {
        (Some(sent), Some(current)) if sent != current => Err(ApiError::invalid(format!(
            "{key} cannot be changed once configured"
        ))),
        (sent, current) => Ok(sent.or(current)),
    }
}

/// The `calling` object: its type, and for `webexCalling` the location, number/extension and
/// licenses (checked against the inventory and every other owner).
fn calling(
    org: &Org,
    c: &Fields<'_>,
    location_id: Option<&str>,
    hotdesking: &str,
    existing: Option<&Workspace>,
) -> ApiResult<WorkspaceCalling> {
    let kind = c.req_enum("type", CALLING_TYPES)?;
    let webex = c.opt_object("webexCalling")?;
    if kind != WEBEX_CALLING {
        if webex.is_some() {
            return Err(ApiError::invalid(
                "calling.webexCalling applies only when calling.type is webexCalling",
            ));
        }
        return Ok(WorkspaceCalling {
            kind,
            webex_calling: None,
        });
    }
    let w = webex.ok_or_else(|| ApiError::invalid("calling.webexCalling is required"))?;
    let calling_location = match (w.opt_str("locationId")?, location_id) {
        (Some(sent), Some(loc)) if sent != loc => {
            return Err(ApiError::invalid(
                "calling.webexCalling.locationId must be the workspace's locationId",
            ));
        }
        (Some(sent), _) => sent,
        (None, Some(loc)) => loc.to_string(),
        (None, None) => {
            return Err(ApiError::invalid(
                "locationId is required for a webexCalling workspace",
            ));
        }
    };
    if !org.locations.contains(&calling_location) {
        return Err(ApiError::invalid(format!(
            "calling.webexCalling.locationId: no location with id {calling_location}"
        )));
    }
    let phone_number = w.opt_str("phoneNumber")?.filter(|n| !n.is_empty());
    let extension = w.opt_str("extension")?.filter(|e| !e.is_empty());
    if phone_number.is_none() && extension.is_none() && hotdesking != "on" {
        return Err(ApiError::invalid(
            "a webexCalling workspace needs calling.webexCalling.phoneNumber or extension",
        ));
    }
    let self_id = existing.map(|w| w.id.as_str());
    if let Some(ext) = &extension {
        if !(2..=10).contains(&ext.len()) || !ext.chars().all(|c| c.is_ascii_digit()) {
            return Err(ApiError::invalid(
                "calling.webexCalling.extension must be 2 to 10 digits",
            ));
        }
        let person = org.people.find(
            crate::records::index::EXTENSION,
            &crate::records::extension_key(&calling_location, ext),
        );
        let workspace = org
            .workspace_extension_owner(&calling_location, ext)
            .filter(|o| Some(o.id.as_str()) != self_id);
        if person.is_some() || workspace.is_some() {
            return Err(ApiError::number_taken(format!(
                "extension {ext} is already used in this location"
            )));
        }
    }
    if let Some(number) = &phone_number {
        match org
            .numbers
            .get(number)
            .filter(|n| n.location_id == calling_location)
        {
            None => {
                return Err(ApiError::invalid(format!(
                    "phone number {number} is not a number of the workspace's location"
                )));
            }
            Some(n) if n.main_number => {
                return Err(ApiError::invalid(format!(
                    "phone number {number} is the location's main number"
                )));
            }
            Some(_) => {}
        }
        let workspace = org
            .workspace_number_owner(number)
            .filter(|o| Some(o.id.as_str()) != self_id);
        if org.number_owner(number).is_some() || workspace.is_some() {
            return Err(ApiError::number_taken(format!(
                "phone number {number} is already assigned"
            )));
        }
    }
    let current = existing
        .and_then(Workspace::webex_calling)
        .map(|w| w.licenses.clone());
    let licenses = match (w.opt_str_list("licenses")?, current) {
        (Some(sent), _) if !sent.is_empty() => sent,
        (_, Some(current)) if !current.is_empty() => current,
        _ => vec![default_license(org)?],
    };
    for id in &licenses {
        let license = org
            .licenses
            .get(id)
            .ok_or_else(|| ApiError::invalid(format!("licenses: no license with id {id}")))?;
        let held_here = existing
            .and_then(Workspace::webex_calling)
            .is_some_and(|w| w.licenses.contains(id));
        let used = org.people.referencing(License::KIND, id).count()
            + org.workspaces.referencing(License::KIND, id).count();
        if !held_here && used >= license.total_units as usize {
            return Err(ApiError::invalid(format!(
                "No units left of license '{}'",
                license.name
            )));
        }
    }
    Ok(WorkspaceCalling {
        kind,
        webex_calling: Some(WebexCalling {
            phone_number,
            extension,
            location_id: calling_location,
            licenses,
        }),
    })
}

/// "The oldest suitable calling license": the workspace license, else the first calling license.
fn default_license(org: &Org) -> ApiResult<String> {
    org.licenses
        .iter()
        .find(|l| l.name == WORKSPACE_LICENSE)
        .or_else(|| org.licenses.iter().find(|l| l.calling))
        .map(|l| l.id.clone())
        .ok_or_else(|| ApiError::invalid("no Webex Calling license is available"))
}

/// The wire form of a stored workspace.
pub fn workspace_json(org: &Org, w: &Workspace) -> Value {
    let mut body = serde_json::Map::new();
    let mut put = |k: &str, v: Value| {
        body.insert(k.to_string(), v);
    };
    put("id", w.id.clone().into());
    put("orgId", org.id.clone().into());
    if let Some(v) = &w.location_id {
        put("locationId", v.clone().into());
    }
    if let Some(v) = &w.workspace_location_id {
        put("workspaceLocationId", v.clone().into());
    }
    if let Some(v) = &w.floor_id {
        put("floorId", v.clone().into());
    }
    put("displayName", w.display_name.clone().into());
    if let Some(v) = w.capacity {
        put("capacity", v.into());
    }
    put(
        "type",
        w.kind.clone().unwrap_or_else(|| "notSet".into()).into(),
    );
    put("sipAddress", w.sip_address.clone().into());
    put("created", w.created.clone().into());
    put(
        "calling",
        serde_json::to_value(&w.calling).unwrap_or_default(),
    );
    put(
        "calendar",
        w.calendar
            .clone()
            .unwrap_or_else(|| serde_json::json!({"type": "none"})),
    );
    if let Some(v) = &w.notes {
        put("notes", v.clone().into());
    }
    put("hotdeskingStatus", w.hotdesking_status.clone().into());
    put("supportedDevices", w.supported_devices.clone().into());
    put(
        "deviceHostedMeetings",
        serde_json::json!({"enabled": w.device_hosted_meetings_enabled}),
    );
    Value::Object(body)
}
