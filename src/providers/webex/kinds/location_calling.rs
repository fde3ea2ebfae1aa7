//! `LocationCalling`: a location's Webex Calling side (`/telephony/config/locations/{loc}`):
//! whether calling is enabled, its PSTN connection (`/telephony/pstn/locations/{loc}/connection`),
//! calling line id and other calling fields, and outgoing permissions (`…/outgoingPermission`).
//! A singleton of the location; each changed section is its own step. Internal dialing stays
//! in `LocationInternalDialing`, so one document owns it.

use super::common::{
    CALLING_PERMISSIONS, E164, OutgoingPermission, ROUTE_REFS, RouteChoice, id_for, input_key,
    outgoing_permission_from_wire, pick, route_choice, route_identity, str_at,
};
use super::number;
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
use std::collections::HashSet;

/// The calling side of a location. Field names are Webex's own.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LocationCallingSpec {
    /// The Location this is the calling side of.
    #[schemars(length(min = 1, max = 256), regex(pattern = r"\S"))]
    pub location_ref: String,
    /// Webex Calling enabled on the location. `true` enables a location whose enablement never
    /// happened (a create whose calling step failed); disabling is a Control Hub job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The premises PSTN route: a route group or a trunk (local gateway).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pstn: Option<RouteChoice>,
    /// The location's caller id; `phoneNumber` is its main number, one of its own numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calling_line_id: Option<CallingLineId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outgoing_permission: Option<OutgoingPermission>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_caller_id_name: Option<String>,
    /// Digits that prefix the location's extensions in inter-location dialing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]{1,7}$"))]
    pub routing_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]$"))]
    pub outside_dial_digit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforce_outside_dial_digit: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_access_network_info: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = E164))]
    pub charge_number: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallingLineId {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = E164))]
    pub phone_number: Option<String>,
}

pub const KIND: &str = "LocationCalling";
const CALLING_PATH: &str = "/telephony/config/locations";
/// What PUT /telephony/config/locations/{loc} takes of this document (reference §2.1; the
/// announcement language is the Location document's).
const PROFILE_FIELDS: &[&str] = &[
    "callingLineId",
    "externalCallerIdName",
    "routingPrefix",
    "outsideDialDigit",
    "enforceOutsideDialDigit",
    "pAccessNetworkInfo",
    "chargeNumber",
];
/// What enabling Webex Calling takes of the Location, besides its id (as `location.rs` sends).
const ENABLE_FIELDS: &[&str] = &[
    "name",
    "timeZone",
    "preferredLanguage",
    "announcementLanguage",
    "address",
];
/// PSTN connections whose route belongs to the provider, not to a trunk or route group here.
const PROVIDER_PSTN: &[&str] = &["INTEGRATED_CCP", "CISCO_PSTN"];

const REFS: &[(&str, &str)] = &[("locationRef", "Location"), ROUTE_REFS[0], ROUTE_REFS[1]];

pub static INFO: KindInfo = KindInfo {
    kind: KIND,
    provider: "webex",
    description: "A location's Webex Calling side: enablement, PSTN route, caller id, outgoing permissions.",
    aliases: &[],
    spec_schema: || schemars::schema_for!(LocationCallingSpec),
    ref_fields: REFS,
    natural_key: |spec| str_at(spec, "/locationRef").to_string(),
    shape: Shape::Singleton,
    lookup_step: "location_calling_read",
    diff_rules: DiffRules {
        partial_lists: &[CALLING_PERMISSIONS],
        immutable: &["/locationRef"],
        parent: Some(("locationRef", "Location")),
        ..DiffRules::NONE
    },
    provides: None,
};

pub struct LocationCalling;

fn calling_path(location_id: &str) -> String {
    format!("{CALLING_PATH}/{location_id}")
}

fn connection_path(location_id: &str) -> String {
    format!("/telephony/pstn/locations/{location_id}/connection")
}

fn permission_path(location_id: &str) -> String {
    format!("{CALLING_PATH}/{location_id}/outgoingPermission")
}

/// The manifest form of a calling location GET.
pub fn profile_from_wire(location_key: &str, wire: &Value) -> Value {
    let mut state = pick(wire, PROFILE_FIELDS);
    if let Some(cli) = wire.get("callingLineId").filter(|v| v.is_object()) {
        state.insert(
            "callingLineId".into(),
            Value::Object(pick(cli, &["name", "phoneNumber"])),
        );
    }
    state.insert("locationRef".into(), json!(location_key));
    state.insert("enabled".into(), json!(true));
    Value::Object(state)
}

/// One location's calling side: the calling GET, then only the sections the manifest sets.
async fn read(
    client: &WebexClient,
    scope: &Scope,
    ids: &IdIndex,
    (location_key, location_id): &(String, String),
    enabled: bool,
) -> Result<LiveObject, ProviderError> {
    let wants = |field: &str| scope.wants_field(location_key, field);
    let mut meta = Map::new();
    if !enabled {
        let state = json!({"locationRef": location_key, "enabled": false});
        return Ok(LiveObject::new(KIND, location_key, location_id, state));
    }
    let wire = client.get(&calling_path(location_id), &[]).await?;
    let mut state = profile_from_wire(location_key, &wire);
    if wants("pstn") {
        match client.get(&connection_path(location_id), &[]).await {
            Ok(connection) => {
                let route_type = str_at(&connection, "/routeType");
                let route_id = str_at(&connection, "/routeId");
                if let Some(choice) = route_choice(ids, route_type, route_id, route_id) {
                    state["pstn"] = choice;
                }
                meta.insert(
                    "pstnConnectionType".into(),
                    connection
                        .get("pstnConnectionType")
                        .cloned()
                        .unwrap_or_default(),
                );
            }
            // No connection chosen yet.
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    if wants("outgoingPermission") {
        match client.get(&permission_path(location_id), &[]).await {
            Ok(wire) => state["outgoingPermission"] = outgoing_permission_from_wire(&wire),
            // Not readable here (a target without the endpoint): a manifest that sets it
            // shows a change, and the write reports the target's answer.
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    if wants("callingLineId") {
        // The main number must be one of the location's own: the steps check it against these.
        let rows = number::read_rows(client, Some(("locationId", location_id.as_str()))).await?;
        let numbers: Vec<String> = rows.into_iter().map(|r| r.phone_number).collect();
        meta.insert("numbers".into(), json!(numbers));
    }
    let mut live = LiveObject::new(KIND, location_key, location_id, state);
    live.meta = Value::Object(meta);
    Ok(live)
}

impl Kind<WebexClient> for LocationCalling {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    /// The calling locations listed once (which locations have calling), then per location in
    /// scope its calling GET and the sections its manifest sets.
    fn observe<'a>(
        &'a self,
        client: &'a WebexClient,
        scope: &'a Scope,
        ids: &'a IdIndex,
    ) -> BoxFuture<'a, Result<Vec<LiveObject>, ProviderError>> {
        Box::pin(async move {
            let locations = super::locations_in_scope(ids, scope);
            if locations.is_empty() {
                return Ok(Vec::new());
            }
            let calling: HashSet<String> = client
                .list(CALLING_PATH, &[], "locations")
                .await?
                .iter()
                .filter_map(|l| Some(l.get("id")?.as_str()?.to_string()))
                .collect();
            super::fetch_all(
                locations
                    .iter()
                    .map(|l| read(client, scope, ids, l, calling.contains(&l.1)))
                    .collect(),
            )
            .await
        })
    }

    fn steps(&self, change: &Change<'_>) -> Result<Vec<Step>, Blocked> {
        let key = change.key;
        let desired = change.desired;
        if change.operation == Operation::Delete {
            // A singleton is never owned, so never deleted; a location's calling side has no
            // default to go back to.
            return Ok(Vec::new());
        }
        let live = change.live;
        let meta = live.map(|l| &l.meta);
        let mut steps = Vec::new();
        let live_enabled = live.map(|l| l.state["enabled"] == json!(true));
        match (
            desired.get("enabled").and_then(Value::as_bool),
            live_enabled,
        ) {
            (Some(true), Some(false)) => {
                let location = change.referenced_at("/locationRef").ok_or_else(|| {
                    Blocked::from(format!(
                        "location '{key}' was not observed; cannot enable calling"
                    ))
                })?;
                let body = pick(&location.state, ENABLE_FIELDS);
                steps.push(Step::new(
                    "location_calling_enable",
                    json!({"key": key, "body": body}),
                ));
            }
            (Some(false), Some(true)) => {
                return Err(Blocked::new(
                    reason::OUT_OF_SCOPE,
                    format!(
                        "disabling Webex Calling on '{key}' is a Control Hub job \
                         (DisableCallingLocation); Switchboard does not run it"
                    ),
                ));
            }
            // A location not live yet is enabled by its Location's create.
            _ => {}
        }
        if change.touches("/pstn") {
            let connection = meta
                .map(|m| str_at(m, "/pstnConnectionType"))
                .unwrap_or_default();
            if PROVIDER_PSTN.contains(&connection) {
                return Err(Blocked::new(
                    reason::OUT_OF_SCOPE,
                    format!(
                        "location '{key}' has a provider PSTN connection ({connection}); moving \
                         it to a premises route is done in Control Hub"
                    ),
                ));
            }
            steps.push(Step::new(
                "location_pstn_connection_update",
                json!({"key": key, "pstn": desired["pstn"]}),
            ));
        }
        let changed: Vec<&str> = PROFILE_FIELDS
            .iter()
            .copied()
            .filter(|f| change.touches(&format!("/{f}")))
            .collect();
        if !changed.is_empty() {
            check_main_number(change)?;
            steps.push(Step::new(
                "location_update_call_profile",
                json!({"key": key, "body": pick(desired, &changed)}),
            ));
        }
        if change.touches("/outgoingPermission") {
            // The whole setting: the call types the manifest does not list keep their values.
            let live = change.live.and_then(|l| l.state.get("outgoingPermission"));
            let body = super::call_settings::overlay(live, &desired["outgoingPermission"]);
            steps.push(Step::new(
                "location_outgoing_permission_update",
                json!({"key": key, "body": body}),
            ));
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
            let location = id_for(ids, "Location", input_key(step))?;
            let body = &step.input["body"];
            match step.name.as_str() {
                "location_calling_enable" => {
                    let mut body = body.clone();
                    body["id"] = Value::String(location);
                    client.post(CALLING_PATH, &body).await?;
                }
                "location_pstn_connection_update" => {
                    let (route_id, route_type) = route_identity(ids, &step.input["pstn"])?;
                    let body = json!({"premiseRouteType": route_type, "premiseRouteId": route_id});
                    client.put(&connection_path(&location), &body).await?;
                }
                "location_update_call_profile" => {
                    client.put(&calling_path(&location), body).await?;
                }
                "location_outgoing_permission_update" => {
                    client.put(&permission_path(&location), body).await?;
                }
                other => return Err(super::unknown_step(KIND, other)),
            }
            Ok(None)
        })
    }
}

/// The main number must be in the location's inventory, when the observation read it; a
/// number not there yet is added by the location's `LocationNumbers` first.
fn check_main_number(change: &Change<'_>) -> Result<(), Blocked> {
    let Some(number) = change
        .desired
        .pointer("/callingLineId/phoneNumber")
        .and_then(Value::as_str)
    else {
        return Ok(());
    };
    let Some(known) = change
        .live
        .and_then(|l| l.meta.get("numbers"))
        .and_then(Value::as_array)
    else {
        return Ok(());
    };
    if known.iter().any(|n| n.as_str() == Some(number)) {
        return Ok(());
    }
    Err(Blocked::new(
        reason::NUMBER_INVENTORY_MISSING,
        format!(
            "the main number {number} is not in location '{}'s inventory; add it with \
             LocationNumbers (plan again once it is applied)",
            change.key
        ),
    ))
}
