//! Person-only call-setting bodies (§2.16): call recording, do not disturb, voicemail and the
//! classic executive/assistant type. Defaults are Webex's for a new calling user (the SDK's
//! `default()` values); a PUT is checked field by field (types, enums, ranges) and merged into a
//! copy of the stored body, which the handler stores only when everything passed.

use serde_json::{Value, json};

use crate::errors::{ApiError, ApiResult};
use crate::fields::Fields;

pub const RECORD_MODES: &[&str] = &[
    "Always",
    "Never",
    "On Demand",
    "Always with Pause/Resume",
    "On Demand with User Initiated Start",
];
const NOTIFICATION_TYPES: &[&str] = &["None", "Beep", "Play Announcement"];
const GREETINGS: &[&str] = &["DEFAULT", "CUSTOM"];
const STORAGE_TYPES: &[&str] = &["INTERNAL", "EXTERNAL"];
pub const EXEC_TYPES: &[&str] = &["UNASSIGNED", "EXECUTIVE", "EXECUTIVE_ASSISTANT"];
/// Newer recording sections, stored as sent (objects) because the reference lists no fields.
const RECORDING_OBJECTS: &[&str] = &[
    "callRecordingAccessSettings",
    "postCallRecordingSettings",
    "announcements",
    "selectiveCallRecordingSettings",
];

pub fn default_recording(person_id: &str) -> Value {
    json!({
        "enabled": false,
        "record": "Never",
        "recordVoicemailEnabled": false,
        "startStopAnnouncementEnabled": false,
        "notification": {"type": "None", "enabled": false},
        "repeat": {"interval": 15, "enabled": false},
        "serviceProvider": "Sandbox Recording",
        "externalGroup": "sandbox-recording-group",
        "externalIdentifier": person_id,
        "startStopAnnouncement": {"internalCallsEnabled": false, "pstnCallsEnabled": false},
    })
}

pub fn default_dnd() -> Value {
    json!({"enabled": false, "ringSplashEnabled": false, "webexGoOverrideEnabled": false})
}

pub fn default_voicemail() -> Value {
    json!({
        "enabled": true,
        "sendAllCalls": {"enabled": false},
        "sendBusyCalls": {"enabled": false, "greeting": "DEFAULT", "greetingUploaded": false},
        "sendUnansweredCalls": {"enabled": true, "greeting": "DEFAULT", "greetingUploaded": false,
            "numberOfRings": 3, "systemMaxNumberOfRings": 20},
        "notifications": {"enabled": false},
        "transferToNumber": {"enabled": false},
        "emailCopyOfMessage": {"enabled": false},
        "messageStorage": {"mwiEnabled": true, "storageType": "INTERNAL"},
        "faxMessage": {"enabled": false},
        "voiceMessageForwardingEnabled": false,
    })
}

pub fn default_exec() -> Value {
    json!({"type": "UNASSIGNED"})
}

/// How one field of a setting is checked.
#[derive(Clone, Copy)]
enum Kind {
    Bool,
    Text,
    OneOf(&'static [&'static str]),
    /// Number of rings: 2..=20 (the system maximum is 20).
    Rings,
    /// Seconds between recording reminder beeps: 10..=1800.
    Interval,
}

/// Check and copy the `keys` present in `f` into `target` (absent or `null` keys are left as
/// they are).
fn merge_keys(f: &Fields<'_>, target: &mut Value, keys: &[(&str, Kind)]) -> ApiResult<()> {
    for (key, kind) in keys {
        let value = match kind {
            Kind::Bool => f.opt_bool(key)?.map(Value::from),
            Kind::Text => f.opt_str(key)?.map(Value::from),
            Kind::OneOf(allowed) => f.opt_enum(key, allowed)?.map(Value::from),
            Kind::Rings | Kind::Interval => {
                let (range, what) = match kind {
                    Kind::Rings => (2..=20, "number of rings"),
                    _ => (10..=1800, "interval in seconds"),
                };
                match f.opt_u32(key)? {
                    Some(n) if !range.contains(&n) => {
                        return Err(ApiError::invalid(format!(
                            "{key} must be a {what} from {} to {}",
                            range.start(),
                            range.end()
                        )));
                    }
                    n => n.map(Value::from),
                }
            }
        };
        if let Some(v) = value {
            target[*key] = v;
        }
    }
    Ok(())
}

/// `merge_keys` on the sub-object `key`, when sent.
fn merge_section(
    f: &Fields<'_>,
    key: &str,
    target: &mut Value,
    keys: &[(&str, Kind)],
) -> ApiResult<()> {
    match f.opt_object(key)? {
        Some(section) => merge_keys(&section, &mut target[key], keys),
        None => Ok(()),
    }
}

/// A section that is enabled must name where it sends things (checked on the merged body).
fn require_when_enabled(body: &Value, section: &str, field: &str) -> ApiResult<()> {
    let s = &body[section];
    let missing = s[field].as_str().is_none_or(|v| v.trim().is_empty());
    if s["enabled"] == true && missing {
        return Err(ApiError::invalid(format!(
            "{section}.{field} is required when {section} is enabled"
        )));
    }
    Ok(())
}

pub fn merge_recording(f: &Fields<'_>, current: &mut Value) -> ApiResult<()> {
    use Kind::*;
    merge_keys(
        f,
        current,
        &[
            ("enabled", Bool),
            ("record", OneOf(RECORD_MODES)),
            ("recordVoicemailEnabled", Bool),
            ("startStopAnnouncementEnabled", Bool),
        ],
    )?;
    if let Some(n) = f.opt_object("notification")? {
        // wxc_sdk sends `"type": null` for "None" (the read value it cannot write back).
        let explicit_null = n.value("type").is_none() && n.has_key("type");
        merge_keys(
            &n,
            &mut current["notification"],
            &[("type", OneOf(NOTIFICATION_TYPES)), ("enabled", Bool)],
        )?;
        if explicit_null {
            current["notification"]["type"] = "None".into();
        }
    }
    merge_section(
        f,
        "repeat",
        current,
        &[("interval", Interval), ("enabled", Bool)],
    )?;
    merge_section(
        f,
        "startStopAnnouncement",
        current,
        &[("internalCallsEnabled", Bool), ("pstnCallsEnabled", Bool)],
    )?;
    for key in RECORDING_OBJECTS {
        if let Some(section) = f.opt_object(key)? {
            current[*key] = section.to_value();
        }
    }
    Ok(())
}

pub fn merge_dnd(f: &Fields<'_>, current: &mut Value) -> ApiResult<()> {
    use Kind::*;
    merge_keys(
        f,
        current,
        &[
            ("enabled", Bool),
            ("ringSplashEnabled", Bool),
            ("webexGoOverrideEnabled", Bool),
        ],
    )
}

/// Greetings can be `CUSTOM` only once a custom greeting was uploaded, which the sandbox has no
/// endpoint for; notifications, transfers and e-mail copies need their destination when enabled;
/// external storage needs its e-mail address.
pub fn merge_voicemail(f: &Fields<'_>, current: &mut Value) -> ApiResult<()> {
    use Kind::*;
    merge_keys(
        f,
        current,
        &[("enabled", Bool), ("voiceMessageForwardingEnabled", Bool)],
    )?;
    merge_section(f, "sendAllCalls", current, &[("enabled", Bool)])?;
    let greeting = [("enabled", Bool), ("greeting", OneOf(GREETINGS))];
    merge_section(f, "sendBusyCalls", current, &greeting)?;
    merge_section(
        f,
        "sendUnansweredCalls",
        current,
        &[greeting[0], greeting[1], ("numberOfRings", Rings)],
    )?;
    merge_section(
        f,
        "notifications",
        current,
        &[("enabled", Bool), ("destination", Text)],
    )?;
    merge_section(
        f,
        "transferToNumber",
        current,
        &[("enabled", Bool), ("destination", Text)],
    )?;
    merge_section(
        f,
        "emailCopyOfMessage",
        current,
        &[("enabled", Bool), ("emailId", Text)],
    )?;
    merge_section(
        f,
        "messageStorage",
        current,
        &[
            ("mwiEnabled", Bool),
            ("storageType", OneOf(STORAGE_TYPES)),
            ("externalEmail", Text),
        ],
    )?;
    merge_section(
        f,
        "faxMessage",
        current,
        &[
            ("enabled", Bool),
            ("phoneNumber", Text),
            ("extension", Text),
        ],
    )?;
    for section in ["sendBusyCalls", "sendUnansweredCalls"] {
        let s = &current[section];
        if s["greeting"] == "CUSTOM" && s["greetingUploaded"] != true {
            return Err(ApiError::invalid(format!(
                "{section}.greeting CUSTOM needs an uploaded custom greeting"
            )));
        }
    }
    require_when_enabled(current, "notifications", "destination")?;
    require_when_enabled(current, "transferToNumber", "destination")?;
    require_when_enabled(current, "emailCopyOfMessage", "emailId")?;
    require_when_enabled(current, "faxMessage", "phoneNumber")?;
    let storage = &current["messageStorage"];
    if storage["storageType"] == "EXTERNAL"
        && storage["externalEmail"]
            .as_str()
            .is_none_or(|e| !e.contains('@'))
    {
        return Err(ApiError::invalid(
            "messageStorage.externalEmail is required when storageType is EXTERNAL",
        ));
    }
    Ok(())
}
