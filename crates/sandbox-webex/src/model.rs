//! The sandbox's own org model: plain serde structs persisted as `org.json`, one kit `Table` per
//! resource (keys, unique names and references are declared in `records.rs`). These types belong
//! to the sandbox (not to the CLI), so a client's field-name mistakes cannot be mirrored here.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use switchboard_sandbox_kit::Table;

/// Bumped when the persisted layout changes incompatibly. (Tables persist as the arrays they
/// replaced, so moving to the kit's tables kept version 1.)
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Org {
    pub schema_version: u32,
    pub id: String,
    pub name: String,
    pub locations: Table<Location>,
    pub people: Table<Person>,
    pub licenses: Table<License>,
    pub numbers: Table<Number>,
    pub trunks: Table<Trunk>,
    pub route_groups: Table<RouteGroup>,
    pub dial_plans: Table<DialPlan>,
    pub schedules: Table<Schedule>,
    /// Added after version 1 shipped: older org files have no `workspaces` key.
    #[serde(default)]
    pub workspaces: Table<Workspace>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    pub address1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address2: Option<String>,
    pub city: String,
    pub state: String,
    pub postal_code: String,
    pub country: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub id: String,
    pub name: String,
    pub time_zone: String,
    pub preferred_language: String,
    pub announcement_language: String,
    pub address: Address,
    /// Kept exactly as the client sent it (the spec types it as a string, some clients send numbers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    pub calling: CallingSettings,
}

/// Webex Calling settings of a location (every sandbox location is calling-enabled).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallingSettings {
    #[serde(default)]
    pub calling_line_id: CallingLineId,
    /// The PSTN connection: one stored value behind both views, the calling location's
    /// `connection{type,id}` (premises routes only) and `/telephony/pstn/locations/{loc}/connection`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<PstnConnection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_caller_id_name: Option<String>,
    pub user_limit: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_access_network_info: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outside_dial_digit: Option<String>,
    #[serde(default)]
    pub enforce_outside_dial_digit: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_prefix: Option<String>,
    pub default_domain: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge_number: Option<String>,
    #[serde(default)]
    pub use_charge_number_for_p_charge_info: bool,
    #[serde(default)]
    pub e911_setup_required: bool,
    pub subscription_id: String,
    #[serde(default)]
    pub internal_dialing: InternalDialing,
    /// `/telephony/config/locations/{loc}/outgoingPermission` as its GET body (absent: defaults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outgoing_permission: Option<Value>,
}

/// A location's PSTN connection: a premises route (local gateway: trunk or route group) or a
/// cloud provider option from `connectionOptions` (by option id). Untagged, so org files written
/// when only premises routes existed (`{"id", "type"}`) still load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PstnConnection {
    Premises(RouteRef),
    Provider {
        #[serde(rename = "optionId")]
        option_id: String,
    },
}

impl PstnConnection {
    pub fn premises(&self) -> Option<&RouteRef> {
        match self {
            PstnConnection::Premises(route) => Some(route),
            PstnConnection::Provider { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallingLineId {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InternalDialing {
    pub enable_unknown_extension_route_policy: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_extension_route_identity: Option<RouteRef>,
}

/// A premises route choice: a trunk or a route group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RouteKind {
    RouteGroup,
    Trunk,
}

impl RouteKind {
    pub const WIRE_VALUES: &'static [&'static str] = &["ROUTE_GROUP", "TRUNK"];

    pub fn as_str(self) -> &'static str {
        match self {
            RouteKind::RouteGroup => "ROUTE_GROUP",
            RouteKind::Trunk => "TRUNK",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "ROUTE_GROUP" => Some(RouteKind::RouteGroup),
            "TRUNK" => Some(RouteKind::Trunk),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteRef {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: RouteKind,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PhoneNumber {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub id: String,
    pub emails: Vec<String>,
    #[serde(default)]
    pub phone_numbers: Vec<PhoneNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub licenses: Vec<String>,
    /// Descriptive fields stored verbatim (nickName, department, title, manager, addresses, ...).
    #[serde(default)]
    pub extra: Map<String, Value>,
    pub created: String,
    pub last_modified: String,
    /// Call settings (`/people/{id}/features/{name}` and friends) stored as their GET bodies;
    /// absent ones answer their defaults. Dropped when the person stops being a calling user.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub features: Map<String, Value>,
}

impl Person {
    /// The E.164 numbers this person owns (their `work` entries).
    pub fn work_numbers(&self) -> impl Iterator<Item = &str> {
        self.phone_numbers
            .iter()
            .filter(|p| p.kind == "work")
            .map(|p| p.value.as_str())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct License {
    pub id: String,
    pub name: String,
    pub total_units: u32,
    pub subscription_id: String,
    /// Whether holding it makes a person a Webex Calling user.
    pub calling: bool,
}

/// The calling license without call recording (sandbox model of "the license lacks the feature").
pub const BASIC_CALLING_LICENSE: &str = "Webex Calling - Basic";

impl License {
    /// Whether holders of this license have the call recording feature.
    pub fn has_call_recording(&self) -> bool {
        self.name != BASIC_CALLING_LICENSE
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Number {
    pub phone_number: String,
    pub location_id: String,
    pub state: String,
    pub main_number: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trunk {
    pub id: String,
    pub name: String,
    pub location_id: String,
    /// Write-only on the wire: never serialized into any response.
    pub password: String,
    pub trunk_type: String,
    pub device_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    pub dual_identity_support_enabled: bool,
    pub max_concurrent_calls: u32,
    pub p_charge_info_support_policy: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_identity: Option<String>,
    /// Gateway-facing identity minted at create time (Webex returns these for every trunk).
    pub otg_dtg_id: String,
    pub line_port: String,
    pub pilot_user_id: String,
    pub sip_authentication_user_name: String,
    pub outbound_proxy: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Gateway {
    pub trunk_id: String,
    pub priority: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteGroup {
    pub id: String,
    pub name: String,
    pub local_gateways: Vec<Gateway>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DialPlan {
    pub id: String,
    pub name: String,
    pub route: RouteRef,
    pub dial_patterns: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    pub location_id: String,
    /// `businessHours` or `holidays` (the literal path segment).
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub events: Table<Event>,
}

impl Schedule {
    /// Derived from the name, so it changes on rename (see `ids::name_derived_id`).
    pub fn id(&self) -> String {
        crate::ids::name_derived_id("SCHEDULE", &self.name)
    }

    /// The table key: a schedule id is only unique per location and type.
    pub fn key_for(location_id: &str, kind: &str, id: &str) -> String {
        format!("{location_id}/{kind}/{id}")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub name: String,
    pub start_date: String,
    pub end_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    pub all_day_enabled: bool,
    /// Stored verbatim after shape checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<Value>,
}

impl Event {
    pub fn id(&self) -> String {
        crate::ids::name_derived_id("SCHEDULE_EVENT", &self.name)
    }
}

/// A workspace (`/workspaces`, id type `PLACE`). Optional descriptive fields are stored as sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Workspace {
    pub id: String,
    pub display_name: String,
    /// Fixed once set (reference §2.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_location_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "type")]
    pub kind: Option<String>,
    pub sip_address: String,
    pub calling: WorkspaceCalling,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    pub hotdesking_status: String,
    /// Fixed once set (reference §2.5).
    pub supported_devices: String,
    pub device_hosted_meetings_enabled: bool,
    pub created: String,
    /// Call settings (`/workspaces/{id}/features/{name}`) stored as their wire bodies.
    #[serde(default)]
    pub features: Map<String, Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceCalling {
    /// `freeCalling`, `webexEdgeForDevices`, `thirdPartySipCalling`, `webexCalling` or `none`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webex_calling: Option<WebexCalling>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebexCalling {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    pub location_id: String,
    #[serde(default)]
    pub licenses: Vec<String>,
}

impl Workspace {
    pub fn webex_calling(&self) -> Option<&WebexCalling> {
        self.calling.webex_calling.as_ref()
    }
}
