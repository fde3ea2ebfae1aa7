//! `UserCalling`: one existing person's Webex Calling: license, location, extension and number,
//! and their call settings (forwarding, recording, monitoring…), one document per person.
//!
//! People are never created (seeds/002): a missing one is `pending(user_not_found)`. Enabling
//! calling is one license assignment carrying location and extension/number together, as the
//! API requires (reference §2.2–2.3); the location cannot change afterwards. The people PUT
//! replaces the whole person, so numbers are written by reading the person, changing only the
//! owned fields and writing everything back. Each setting is read only when a manifest sets it:
//! at 10,000 people, reading every setting of everyone is what makes naive tools take hours.

use super::call_settings::{
    self, CallForwarding, CallRecording, CallWaiting, DoNotDisturb, ExecutiveAssistant, Monitoring,
    OutgoingPermission, Voicemail, overlay,
};
use super::common::{id_for, input_key, str_at};
use super::license::{CALLING_PREFIX, units_left};
use super::person_requests;
use crate::model::LiveObject;
use crate::providers::kind::Operation;
use crate::providers::webex::client::WebexClient;
use crate::providers::{
    Blocked, Change, DiffRules, IdIndex, Kind, KindInfo, ProviderError, Scope, Shape, Step, reason,
};
use futures::future::BoxFuture;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// A person's calling. Settings sections are optional: only those written are managed.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserCallingSpec {
    /// The person, by email (case does not matter). People come from the identity source.
    #[schemars(email, length(min = 3, max = 320))]
    pub person_ref: String,
    /// The calling license, by name, e.g. `Webex Calling - Professional`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub license: Option<String>,
    /// The person's calling location; fixed once calling is enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 256))]
    pub location_ref: Option<String>,
    /// Extension without the routing prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]{2,10}$"))]
    pub extension: Option<String>,
    /// Direct number, E.164; it must be in the location's number inventory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^\+[1-9][0-9]{6,14}$"))]
    pub phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_forwarding: Option<CallForwarding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_recording: Option<CallRecording>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring: Option<Monitoring>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executive_assistant: Option<ExecutiveAssistant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outgoing_permission: Option<OutgoingPermission>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_waiting: Option<CallWaiting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub do_not_disturb: Option<DoNotDisturb>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voicemail: Option<Voicemail>,
}

pub const KIND: &str = "UserCalling";

/// One call setting: its manifest field, where it lives under the person, the step that
/// writes it.
pub struct Section {
    pub field: &'static str,
    pub path: &'static str,
    pub step: &'static str,
}

/// `{id}` is the person's id. Outgoing permission has moved under `/telephony/config`; the
/// older `/people/{id}/features/outgoingPermission` is the same setting.
const SECTIONS: &[Section] = &[
    Section {
        field: "callForwarding",
        path: "/people/{id}/features/callForwarding",
        step: "user_forwarding_configure",
    },
    Section {
        field: "callRecording",
        path: "/people/{id}/features/callRecording",
        step: "user_recording_update",
    },
    Section {
        field: "monitoring",
        path: "/people/{id}/features/monitoring",
        step: "user_monitoring_update",
    },
    Section {
        field: "executiveAssistant",
        path: "/people/{id}/features/executiveAssistant",
        step: "exec_assistant_update",
    },
    Section {
        field: "outgoingPermission",
        path: "/telephony/config/people/{id}/outgoingPermission",
        step: "user_outgoing_permission_update",
    },
    Section {
        field: "callWaiting",
        path: "/people/{id}/features/callWaiting",
        step: "user_call_waiting_update",
    },
    Section {
        field: "doNotDisturb",
        path: "/people/{id}/features/doNotDisturb",
        step: "user_dnd_update",
    },
    Section {
        field: "voicemail",
        path: "/people/{id}/features/voicemail",
        step: "user_voicemail_update",
    },
];
pub const ASSISTANTS_PATH: &str = "/telephony/config/people/{id}/executive/assignedAssistants";

pub static INFO: KindInfo = KindInfo {
    kind: KIND,
    provider: "webex",
    description: "An existing person's Webex Calling: license, location, extension/number and \
                  call settings (forwarding, recording, monitoring, executive/assistant…).",
    aliases: &[],
    spec_schema: || schemars::schema_for!(UserCallingSpec),
    ref_fields: &[
        ("personRef", "Person"),
        ("license", "License"),
        ("locationRef", "Location"),
        ("phoneNumber", "Number"),
        ("workspaceRef", "Workspace"),
    ],
    natural_key: |spec| {
        spec["personRef"]
            .as_str()
            .unwrap_or_default()
            .to_lowercase()
    },
    shape: Shape::Singleton,
    lookup_step: "user_lookup",
    diff_rules: DiffRules {
        unordered_lists: &[("/executiveAssistant/assistants", "personRef")],
        partial_lists: &[("/outgoingPermission/callingPermissions", "callType")],
        // People are found by email and locations and licenses by name, in any case.
        case_insensitive: &["*/personRef", "/license", "/locationRef"],
        ..DiffRules::NONE
    },
    // Who monitors or assists this person waits for their calling to be on.
    provides: Some(("/personRef", "Person")),
};

pub struct UserCalling;

pub fn path_of(template: &str, person_id: &str) -> String {
    template.replace("{id}", person_id)
}

/// The calling identity of one listed person, in manifest terms.
fn identity(ids: &IdIndex, item: &Value) -> Option<LiveObject> {
    let id = item.get("id")?.as_str()?;
    let email = item.get("emails")?.get(0)?.as_str()?.to_lowercase();
    let mut state = Map::new();
    state.insert("personRef".into(), json!(email));
    let licenses: Vec<&str> = item
        .get("licenses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|l| ids.key_of("License", l))
        .filter(|name| name.starts_with(CALLING_PREFIX))
        .collect();
    if let Some(first) = licenses.first() {
        state.insert("license".into(), json!(first));
    }
    let location = item.get("locationId").and_then(Value::as_str);
    if let Some(location) = location {
        let key = ids
            .key_of("Location", location)
            .map_or_else(|| format!("id:{location}"), str::to_string);
        state.insert("locationRef".into(), json!(key));
    }
    if let Some(ext) = item.get("extension").and_then(Value::as_str) {
        state.insert("extension".into(), json!(ext));
    }
    let work = item
        .get("phoneNumbers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|n| n.get("type").and_then(Value::as_str) == Some("work"))
        .and_then(|n| n.get("value"))
        .and_then(Value::as_str);
    if let Some(number) = work {
        state.insert("phoneNumber".into(), json!(number));
    }
    let calling = location.is_some() && !licenses.is_empty();
    let mut live = LiveObject::new(KIND, email, id, Value::Object(state));
    live.meta = json!({"calling": calling, "unavailable": []});
    Some(live)
}

/// The people the scope wants, with their calling data.
async fn read_people(client: &WebexClient, scope: &Scope) -> Result<Vec<Value>, ProviderError> {
    super::read_by_keys(scope, |email| async move {
        let mut query = vec![("callingData", "true")];
        query.extend(email.map(|e| ("email", e)));
        client.list("/people", &query, "items").await
    })
    .await
}

/// A setting the person's license or org does not have answers 400 (4410: not assigned) or
/// 405: it is then unavailable, not an error of the whole read. A 403 is the token's missing
/// scope, an error like any other.
fn unavailable(e: &ProviderError) -> bool {
    matches!(e.status.as_deref(), Some("400" | "405"))
}

/// One setting as the manifest writes it, from its GET body.
pub fn section_from_wire(field: &str, ids: &IdIndex, body: &Value) -> Result<Value, ProviderError> {
    call_settings::check_server_counts(field, body)?;
    Ok(match field {
        "callForwarding" => call_settings::forwarding_from_wire(body),
        "monitoring" => {
            call_settings::monitoring_from_wire(ids, &call_settings::WorkspaceKeys::new(), body)
        }
        "executiveAssistant" => json!({"type": body.get("type").cloned().unwrap_or(Value::Null)}),
        _ => body.clone(),
    })
}

impl Kind<WebexClient> for UserCalling {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    /// People in bulk with their calling data, then for each calling person only the settings
    /// its manifest sets.
    fn observe<'a>(
        &'a self,
        client: &'a WebexClient,
        scope: &'a Scope,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Vec<LiveObject>, ProviderError>> {
        Box::pin(async move {
            let mut out: Vec<LiveObject> = read_people(client, scope)
                .await?
                .iter()
                .filter_map(|p| identity(ids, p))
                // Only the people the manifests name: an org of 50,000 is not an inventory of
                // 50,000 calling documents.
                .filter(|p| scope.wants_detail(&p.key))
                .collect();
            let reads: Vec<(usize, &Section)> = out
                .iter()
                .enumerate()
                .filter(|(_, p)| p.meta["calling"] == json!(true))
                .flat_map(|(i, p)| {
                    SECTIONS
                        .iter()
                        .filter(|s| scope.wants_field(&p.key, s.field))
                        .map(move |s| (i, s))
                })
                .collect();
            let answers = super::fetch_all(
                reads
                    .iter()
                    .map(|&(i, s)| {
                        let path = path_of(s.path, &out[i].id);
                        async move {
                            match client.get(&path, &[]).await {
                                Ok(body) => Ok(Some(body)),
                                Err(e) if unavailable(&e) => Ok(None),
                                Err(e) => Err(e),
                            }
                        }
                    })
                    .collect(),
            )
            .await?;
            let mut executives = Vec::new();
            for (&(i, s), answer) in reads.iter().zip(answers) {
                let person = &mut out[i];
                match answer {
                    Some(body) => {
                        if s.field == "executiveAssistant"
                            && body.get("type").and_then(Value::as_str) == Some("EXECUTIVE")
                        {
                            executives.push(i);
                        }
                        person.state[s.field] = section_from_wire(s.field, ids, &body)?;
                    }
                    None => {
                        if let Some(list) = person.meta["unavailable"].as_array_mut() {
                            list.push(json!(s.field));
                        }
                    }
                }
            }
            person_requests::read_assistants(client, ids, &mut out, &executives).await?;
            Ok(out)
        })
    }

    fn steps(&self, change: &Change<'_>) -> Result<Vec<Step>, Blocked> {
        let Some(live) = change.live else {
            return Err(Blocked::new(
                reason::USER_NOT_FOUND,
                format!(
                    "no person with email {} in the org; people come from the identity source",
                    change.key
                ),
            ));
        };
        if change.operation == Operation::Delete {
            return Err(Blocked::new(
                reason::PRECONDITION_MISSING,
                "Switchboard does not take calling away from a person; remove the license in Control Hub",
            ));
        }
        let spec = change.desired;
        let calling = live.meta["calling"] == json!(true);
        let mut steps = identity_steps(change, calling)?;
        for s in SECTIONS {
            let Some(desired) = spec.get(s.field) else {
                continue;
            };
            if calling && !change.touches(&format!("/{}", s.field)) {
                continue;
            }
            let missing_feature = live.meta["unavailable"]
                .as_array()
                .is_some_and(|u| u.contains(&json!(s.field)));
            if missing_feature {
                return Err(Blocked::new(
                    reason::LICENSE_OR_FEATURE_MISSING,
                    format!(
                        "{} is not available to {} (their license or the org lacks the feature)",
                        s.field, change.key
                    ),
                ));
            }
            if s.field == "monitoring" {
                let unmanaged = call_settings::unmanaged_elements(&live.state["monitoring"]);
                if !unmanaged.is_empty() {
                    return Err(Blocked::new(
                        reason::PRECONDITION_MISSING,
                        format!(
                            "{} monitors {} that a manifest cannot name; writing their monitoring would drop them: remove them in Control Hub first",
                            change.key,
                            unmanaged.join(", ")
                        ),
                    ));
                }
            }
            let body = overlay(live.state.get(s.field), desired);
            steps.push(Step::new(s.step, json!({"key": change.key, "body": body})).detail(s.field));
        }
        Ok(steps)
    }

    fn run<'a>(
        &'a self,
        client: &'a WebexClient,
        step: &'a Step,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Option<String>, ProviderError>> {
        Box::pin(async move {
            let person = id_for(ids, KIND, input_key(step))?;
            match step.name.as_str() {
                "user_enable_calling" | "user_license_update" => {
                    person_requests::assign_license(client, ids, &person, &step.input).await?;
                }
                "user_update_numbers" => {
                    person_requests::update_numbers(client, &person, &step.input).await?
                }
                name => {
                    let section = SECTIONS
                        .iter()
                        .find(|s| s.step == name)
                        .ok_or_else(|| super::unknown_step(KIND, name))?;
                    let merge_live = step.input["mergeLive"] == json!(true);
                    person_requests::write_section(
                        client,
                        ids,
                        &person,
                        section,
                        &step.input["body"],
                        merge_live,
                    )
                    .await?;
                }
            }
            Ok(None)
        })
    }
}

/// License, location, extension and number: enable calling in one request, or change what
/// may change once it is on.
fn identity_steps(change: &Change<'_>, calling: bool) -> Result<Vec<Step>, Blocked> {
    let spec = change.desired;
    let live = change.live.map(|l| &l.state);
    let wanted = |f: &str| spec.get(f).cloned().unwrap_or(Value::Null);
    let from_live = |f: &str| live.and_then(|l| l.get(f)).cloned().unwrap_or(Value::Null);
    let mut steps = Vec::new();
    if let Some(number) = change.referenced_at("/phoneNumber") {
        let at = str_at(&number.state, "/locationRef");
        let location = spec
            .get("locationRef")
            .or(live.and_then(|l| l.get("locationRef")));
        let same = location
            .and_then(Value::as_str)
            .is_some_and(|l| l.eq_ignore_ascii_case(at));
        if !at.is_empty() && !same {
            return Err(Blocked::new(
                reason::NUMBER_INVENTORY_MISSING,
                format!(
                    "{} is in location '{at}', not the person's; a person can only use numbers of their own location",
                    number.key
                ),
            ));
        }
    }
    // Set once, with calling; moving people between locations is the move-users job, which
    // Switchboard does not run.
    if calling && change.touches("/locationRef") {
        return Err(Blocked::new(
            reason::REQUIRES_REPLACEMENT,
            format!(
                "{}'s location cannot change once calling is on ({} → {}); move the user in Control Hub (move-users job), then plan again",
                change.key,
                str_at(live.unwrap_or(&Value::Null), "/locationRef"),
                str_at(spec, "/locationRef")
            ),
        ));
    }
    let license_needed = !calling || change.touches("/license");
    if license_needed
        && let Some(license) = change.referenced_at("/license")
        && units_left(&license.state).is_some_and(|left| left <= 0)
    {
        return Err(Blocked::new(
            reason::LICENSE_OR_FEATURE_MISSING,
            format!("no '{}' licenses left in the org", license.key),
        ));
    }
    if !calling {
        let has_number = spec.get("extension").is_some() || spec.get("phoneNumber").is_some();
        if spec.get("license").is_none() || spec.get("locationRef").is_none() || !has_number {
            return Err(Blocked::new(
                reason::PRECONDITION_MISSING,
                format!(
                    "{} has no Webex Calling yet: enabling it needs license, locationRef and an extension or phoneNumber in the same document",
                    change.key
                ),
            ));
        }
        steps.push(
            Step::new(
                "user_enable_calling",
                json!({"key": change.key, "license": wanted("license"),
                    "locationRef": wanted("locationRef"), "extension": wanted("extension"),
                    "phoneNumber": wanted("phoneNumber")}),
            )
            .detail(str_at(spec, "/license")),
        );
        return Ok(steps);
    }
    if change.touches("/license") {
        let numbers = |f: &str| spec.get(f).cloned().unwrap_or_else(|| from_live(f));
        steps.push(
            Step::new(
                "user_license_update",
                json!({"key": change.key, "license": wanted("license"),
                    "replaces": from_live("license"), "locationRef": from_live("locationRef"),
                    "extension": numbers("extension"), "phoneNumber": numbers("phoneNumber")}),
            )
            .detail(format!(
                "{} → {}",
                str_at(live.unwrap_or(&Value::Null), "/license"),
                str_at(spec, "/license")
            )),
        );
    } else if change.touches("/extension") || change.touches("/phoneNumber") {
        let mut input = json!({"key": change.key});
        for f in ["extension", "phoneNumber"] {
            if let Some(v) = spec.get(f) {
                input[f] = v.clone();
            }
        }
        steps.push(Step::new("user_update_numbers", input));
    }
    Ok(steps)
}
