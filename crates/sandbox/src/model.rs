//! The sandbox's own org model: plain serde structs persisted as `org.json`.
//! These types belong to the sandbox (not to the CLI), so a client's field-name mistakes cannot be
//! mirrored here; the wire shapes are produced explicitly by the route modules.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::errors::{ApiError, ApiResult};

/// Bumped when the persisted layout changes incompatibly.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Org {
    pub schema_version: u32,
    pub id: String,
    pub name: String,
    pub locations: Vec<Location>,
    pub people: Vec<Person>,
    pub licenses: Vec<License>,
    pub numbers: Vec<Number>,
    pub trunks: Vec<Trunk>,
    pub route_groups: Vec<RouteGroup>,
    pub dial_plans: Vec<DialPlan>,
    pub schedules: Vec<Schedule>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<RouteRef>,
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
    pub events: Vec<Event>,
}

impl Schedule {
    /// Derived from the name, so it changes on rename (see `ids::name_derived_id`).
    pub fn id(&self) -> String {
        crate::ids::name_derived_id("SCHEDULE", &self.name)
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

/// Lookups that answer 404 (or name a dangling reference) in the Webex way.
impl Org {
    pub fn location(&self, id: &str) -> ApiResult<&Location> {
        self.locations
            .iter()
            .find(|l| l.id == id)
            .ok_or_else(|| ApiError::not_found("Location", id))
    }

    pub fn location_mut(&mut self, id: &str) -> ApiResult<&mut Location> {
        self.locations
            .iter_mut()
            .find(|l| l.id == id)
            .ok_or_else(|| ApiError::not_found("Location", id))
    }

    pub fn location_name(&self, id: &str) -> String {
        self.locations
            .iter()
            .find(|l| l.id == id)
            .map(|l| l.name.clone())
            .unwrap_or_default()
    }

    pub fn trunk(&self, id: &str) -> ApiResult<&Trunk> {
        self.trunks
            .iter()
            .find(|t| t.id == id)
            .ok_or_else(|| ApiError::not_found("Trunk", id))
    }

    pub fn trunk_mut(&mut self, id: &str) -> ApiResult<&mut Trunk> {
        self.trunks
            .iter_mut()
            .find(|t| t.id == id)
            .ok_or_else(|| ApiError::not_found("Trunk", id))
    }

    pub fn route_group(&self, id: &str) -> ApiResult<&RouteGroup> {
        self.route_groups
            .iter()
            .find(|r| r.id == id)
            .ok_or_else(|| ApiError::not_found("Route group", id))
    }

    pub fn route_group_mut(&mut self, id: &str) -> ApiResult<&mut RouteGroup> {
        self.route_groups
            .iter_mut()
            .find(|r| r.id == id)
            .ok_or_else(|| ApiError::not_found("Route group", id))
    }

    pub fn dial_plan(&self, id: &str) -> ApiResult<&DialPlan> {
        self.dial_plans
            .iter()
            .find(|d| d.id == id)
            .ok_or_else(|| ApiError::not_found("Dial plan", id))
    }

    pub fn dial_plan_mut(&mut self, id: &str) -> ApiResult<&mut DialPlan> {
        self.dial_plans
            .iter_mut()
            .find(|d| d.id == id)
            .ok_or_else(|| ApiError::not_found("Dial plan", id))
    }

    pub fn person(&self, id: &str) -> ApiResult<&Person> {
        self.people
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(|| ApiError::not_found("Person", id))
    }

    /// Name of a route choice, if it still exists.
    pub fn route_name(&self, route: &RouteRef) -> Option<String> {
        match route.kind {
            RouteKind::Trunk => self
                .trunks
                .iter()
                .find(|t| t.id == route.id)
                .map(|t| t.name.clone()),
            RouteKind::RouteGroup => self
                .route_groups
                .iter()
                .find(|r| r.id == route.id)
                .map(|r| r.name.clone()),
        }
    }

    /// A route reference in a request body must name an existing object of the stated type (400).
    pub fn check_route(&self, route: &RouteRef, field: &str) -> ApiResult<()> {
        match self.route_name(route) {
            Some(_) => Ok(()),
            None => Err(ApiError::invalid(format!(
                "{field}: no {} with id {}",
                route.kind.as_str(),
                route.id
            ))),
        }
    }

    /// Who references a route choice (route groups, dial plans, locations' internal dialing or PSTN
    /// connection). Empty when unused; drives `inUse` and delete protection.
    pub fn route_users(&self, route: &RouteRef) -> Vec<String> {
        let mut users = Vec::new();
        if route.kind == RouteKind::Trunk {
            for rg in &self.route_groups {
                if rg.local_gateways.iter().any(|g| g.trunk_id == route.id) {
                    users.push(format!("route group '{}'", rg.name));
                }
            }
        }
        for dp in &self.dial_plans {
            if &dp.route == route {
                users.push(format!("dial plan '{}'", dp.name));
            }
        }
        for loc in &self.locations {
            if loc
                .calling
                .internal_dialing
                .unknown_extension_route_identity
                .as_ref()
                == Some(route)
            {
                users.push(format!("internal dialing of location '{}'", loc.name));
            }
            if loc.calling.connection.as_ref() == Some(route) {
                users.push(format!("PSTN connection of location '{}'", loc.name));
            }
        }
        users
    }

    /// Ids of every trunk and route group something references (what `route_users` would find),
    /// built once per list request instead of once per listed item.
    pub fn routes_in_use(&self) -> HashSet<&str> {
        let mut used = HashSet::new();
        for rg in &self.route_groups {
            used.extend(rg.local_gateways.iter().map(|g| g.trunk_id.as_str()));
        }
        used.extend(self.dial_plans.iter().map(|d| d.route.id.as_str()));
        for loc in &self.locations {
            let c = &loc.calling;
            used.extend(
                c.internal_dialing
                    .unknown_extension_route_identity
                    .iter()
                    .map(|r| r.id.as_str()),
            );
            used.extend(c.connection.iter().map(|r| r.id.as_str()));
        }
        used
    }

    /// Locations by id, for list endpoints that show each item's location.
    pub fn locations_by_id(&self) -> HashMap<&str, &Location> {
        self.locations.iter().map(|l| (l.id.as_str(), l)).collect()
    }

    /// Calling users by the E.164 numbers they own (see `number_owner`).
    pub fn number_owners(&self) -> HashMap<&str, &Person> {
        let mut owners = HashMap::new();
        for p in self.people.iter().filter(|p| p.location_id.is_some()) {
            for n in p.work_numbers() {
                owners.entry(n).or_insert(p);
            }
        }
        owners
    }

    /// Locations whose calling configuration points at this route choice.
    pub fn locations_using(&self, route: &RouteRef) -> Vec<&Location> {
        self.locations
            .iter()
            .filter(|l| {
                l.calling.connection.as_ref() == Some(route)
                    || l.calling
                        .internal_dialing
                        .unknown_extension_route_identity
                        .as_ref()
                        == Some(route)
            })
            .collect()
    }

    /// The calling user owning an E.164 number, if any (a `work` number of a person without a
    /// calling location is only directory data).
    pub fn number_owner(&self, number: &str) -> Option<&Person> {
        self.people
            .iter()
            .find(|p| p.location_id.is_some() && p.work_numbers().any(|n| n == number))
    }
}
