//! Call-setting bodies shared by people (§2.16), workspaces (§2.5) and locations (§2.1): their
//! defaults, the checks and merges of a PUT, and the GET rendering of monitoring. Settings are
//! stored as their GET bodies; a PUT is checked whole, then merged into the stored body, so a
//! failed PUT changes nothing.

use serde_json::{Map, Value, json};

use crate::errors::{ApiError, ApiResult};
use crate::fields::Fields;
use crate::model::Org;

pub const CALL_TYPES: &[&str] = &[
    "INTERNAL_CALL",
    "LOCAL",
    "TOLL_FREE",
    "TOLL",
    "NATIONAL",
    "INTERNATIONAL",
    "OPERATOR_ASSISTED",
    "CHARGEABLE_DIRECTORY_ASSISTED",
    "SPECIAL_SERVICES_I",
    "SPECIAL_SERVICES_II",
    "PREMIUM_SERVICES_I",
    "PREMIUM_SERVICES_II",
];
const ACTIONS: &[&str] = &[
    "ALLOW",
    "BLOCK",
    "AUTH_CODE",
    "TRANSFER_NUMBER_1",
    "TRANSFER_NUMBER_2",
    "TRANSFER_NUMBER_3",
];
const MONITORED_TYPES: &[&str] = &["MEMBER", "CALL_PARK_EXTENSION", "SPEED_DIAL"];
const MAX_MONITORED: usize = 50;

/// Everything off; `noAnswer` rings 3 times of a system maximum of 20 (Webex's defaults).
pub fn default_forwarding() -> Value {
    json!({
        "callForwarding": {
            "always": {"enabled": false, "ringReminderEnabled": false,
                "destinationVoicemailEnabled": false},
            "busy": {"enabled": false, "destinationVoicemailEnabled": false},
            "noAnswer": {"enabled": false, "numberOfRings": 3, "systemMaxNumberOfRings": 20,
                "destinationVoicemailEnabled": false},
        },
        "businessContinuity": {"enabled": false, "destinationVoicemailEnabled": false},
    })
}

pub fn default_call_waiting() -> Value {
    json!({"enabled": true})
}

pub fn default_monitoring() -> Value {
    json!({"callParkNotificationEnabled": false, "monitoredElements": []})
}

/// Not customised: every call type allowed (the location's or org's rules apply).
pub fn default_permissions() -> Value {
    let permissions: Vec<Value> = CALL_TYPES
        .iter()
        .map(|t| {
            json!({"callType": t, "action": "ALLOW", "transferEnabled": false,
                "isCallTypeRestrictionEnabled": false})
        })
        .collect();
    json!({"useCustomEnabled": false, "useCustomPermissions": false,
        "callingPermissions": permissions})
}

/// Each rule sent (`always`, `busy`, `noAnswer`, `businessContinuity`) needs `enabled`, and a
/// destination when enabled; `noAnswer.numberOfRings` is 2..=20; `systemMaxNumberOfRings` is
/// read-only and ignored.
pub fn merge_forwarding(f: &Fields<'_>, current: &mut Value) -> ApiResult<()> {
    let forwarding = f.opt_object("callForwarding")?;
    let continuity = f.opt_object("businessContinuity")?;
    if forwarding.is_none() && continuity.is_none() {
        return Err(ApiError::invalid(
            "callForwarding or businessContinuity is required",
        ));
    }
    let mut rules: Vec<(Fields<'_>, &str, Option<&str>)> = Vec::new();
    if let Some(fw) = &forwarding {
        for rule in ["always", "busy", "noAnswer"] {
            if let Some(r) = fw.opt_object(rule)? {
                rules.push((r, rule, Some("callForwarding")));
            }
        }
    }
    if let Some(c) = continuity {
        rules.push((c, "businessContinuity", None));
    }
    // Check every rule before changing anything.
    let mut changes = Vec::new();
    for (r, name, parent) in rules {
        let enabled = r.req_bool("enabled")?;
        let destination = r.opt_str("destination")?.filter(|d| !d.trim().is_empty());
        if enabled && destination.is_none() {
            return Err(ApiError::invalid(format!(
                "{name}.destination is required when {name} is enabled"
            )));
        }
        let mut change = Map::new();
        change.insert("enabled".into(), enabled.into());
        if let Some(d) = destination {
            change.insert("destination".into(), d.into());
        }
        if let Some(v) = r.opt_bool("destinationVoicemailEnabled")? {
            change.insert("destinationVoicemailEnabled".into(), v.into());
        }
        if name == "always"
            && let Some(v) = r.opt_bool("ringReminderEnabled")?
        {
            change.insert("ringReminderEnabled".into(), v.into());
        }
        if name == "noAnswer"
            && let Some(n) = r.opt_u32("numberOfRings")?
        {
            if !(2..=20).contains(&n) {
                return Err(ApiError::invalid("noAnswer.numberOfRings must be 2 to 20"));
            }
            change.insert("numberOfRings".into(), n.into());
        }
        changes.push((name, parent, change));
    }
    for (name, parent, change) in changes {
        let target = match parent {
            Some(p) => &mut current[p][name],
            None => &mut current[name],
        };
        for (k, v) in change {
            target[k] = v;
        }
    }
    Ok(())
}

/// PUT names differ from GET (§2.16): `enableCallParkNotification` (bool or "true") and
/// `monitoredElements` as ids or `{id, type}`; stored as the GET flag plus the monitored ids.
/// Only Webex Calling users and workspaces can be monitored, at most 50 of them.
pub fn merge_monitoring(org: &Org, f: &Fields<'_>, current: &mut Value) -> ApiResult<()> {
    let notify = f.opt_bool("enableCallParkNotification")?;
    let mut ids = None;
    if let Some(elements) = f.opt_array("monitoredElements")? {
        if elements.len() > MAX_MONITORED {
            return Err(ApiError::invalid(format!(
                "monitoredElements: at most {MAX_MONITORED} elements"
            )));
        }
        let mut list = Vec::new();
        for (i, element) in elements.iter().enumerate() {
            let id = match element {
                Value::String(s) => s.clone(),
                _ => {
                    let e = f.element("monitoredElements", i, element)?;
                    e.opt_enum("type", MONITORED_TYPES)?;
                    e.req_str("id")?
                }
            };
            let calling_person = org.people.get(&id).is_some_and(|p| p.location_id.is_some());
            let calling_workspace = org
                .workspaces
                .get(&id)
                .is_some_and(|w| w.webex_calling().is_some());
            if !calling_person && !calling_workspace {
                return Err(ApiError::invalid(format!(
                    "monitoredElements[{i}]: no Webex Calling person or workspace with id {id}"
                )));
            }
            if !list.contains(&Value::String(id.clone())) {
                list.push(Value::String(id));
            }
        }
        ids = Some(list);
    }
    if let Some(v) = notify {
        current["callParkNotificationEnabled"] = v.into();
    }
    if let Some(list) = ids {
        current["monitoredElements"] = Value::Array(list);
    }
    Ok(())
}

/// GET form: each monitored id as `{"member": {…}}` (members deleted, or no longer calling, since
/// are left out).
pub fn render_monitoring(org: &Org, stored: &Value) -> Value {
    let members: Vec<Value> = stored["monitoredElements"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|id| {
            if let Some(p) = org.people.get(id) {
                let location = p.location_id.as_deref()?;
                Some(json!({"member": {"id": p.id, "displayName": p.display_name,
                    "firstName": p.first_name, "lastName": p.last_name, "type": "PEOPLE",
                    "phoneNumber": p.work_numbers().next(),
                    "extension": p.extension, "location": org.location_name(location),
                    "locationId": location}}))
            } else {
                let w = org.workspaces.get(id)?;
                let c = w.webex_calling()?;
                Some(json!({"member": {"id": w.id, "displayName": w.display_name,
                    "type": "PLACE", "phoneNumber": c.phone_number, "extension": c.extension,
                    "location": org.location_name(&c.location_id),
                    "locationId": c.location_id}}))
            }
        })
        .collect();
    json!({"callParkNotificationEnabled": stored["callParkNotificationEnabled"],
        "monitoredElements": members})
}

/// Flags as sent; `callingPermissions` entries replace the stored entry of the same `callType`.
pub fn merge_permissions(f: &Fields<'_>, current: &mut Value) -> ApiResult<()> {
    let mut flags = Vec::new();
    for key in ["useCustomEnabled", "useCustomPermissions"] {
        if let Some(v) = f.opt_bool(key)? {
            flags.push((key, v));
        }
    }
    let mut merged: Vec<Value> = current["callingPermissions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (i, item) in f
        .opt_array("callingPermissions")?
        .into_iter()
        .flatten()
        .enumerate()
    {
        let p = f.element("callingPermissions", i, item)?;
        let call_type = p.req_enum("callType", CALL_TYPES)?;
        let mut entry = Map::new();
        entry.insert("callType".into(), call_type.clone().into());
        entry.insert("action".into(), p.req_enum("action", ACTIONS)?.into());
        entry.insert(
            "transferEnabled".into(),
            p.opt_bool("transferEnabled")?.unwrap_or(false).into(),
        );
        entry.insert(
            "isCallTypeRestrictionEnabled".into(),
            p.opt_bool("isCallTypeRestrictionEnabled")?
                .unwrap_or(false)
                .into(),
        );
        match merged
            .iter_mut()
            .find(|e| e["callType"] == call_type.as_str())
        {
            Some(slot) => *slot = Value::Object(entry),
            None => merged.push(Value::Object(entry)),
        }
    }
    for (key, v) in flags {
        current[key] = v.into();
    }
    current["callingPermissions"] = Value::Array(merged);
    Ok(())
}
