//! What each Webex resource declares to the kit's tables, once: its key, what must be unique
//! (names, emails, routing prefixes, dial patterns…) and what it references (a route group → its
//! trunks, a dial plan → its route, a location → its PSTN connection…). Usage counts, `inUse`
//! and delete protection are all answered from these declarations.

use std::borrow::Cow;

use switchboard_sandbox_kit::{Record, Reference, Referencing, Schema, StateFile, Table};

use crate::errors::{ApiError, ApiResult};
use crate::model::{
    DialPlan, Event, License, Location, Number, Org, Person, RouteGroup, RouteKind, RouteRef,
    SCHEMA_VERSION, Schedule, Trunk, Workspace,
};

/// Reference roles: how one resource uses another (also the words of "in use by …" messages).
pub mod role {
    pub const PSTN_CONNECTION: &str = "PSTN connection of location";
    pub const INTERNAL_DIALING: &str = "internal dialing of location";
    pub const ROUTE_GROUP: &str = "route group";
    pub const DIAL_PLAN: &str = "dial plan";
    pub const PERSON: &str = "person";
    pub const LICENSE_HOLDER: &str = "license holder";
    pub const PHONE_NUMBER: &str = "phone number";
    pub const TRUNK: &str = "trunk";
    pub const SCHEDULE: &str = "schedule";
    pub const WORKSPACE: &str = "workspace";
}

/// Unique index names.
pub mod index {
    pub const NAME: &str = "name";
    pub const ROUTING_PREFIX: &str = "routingPrefix";
    pub const EMAIL: &str = "email";
    /// `<location id>\0<extension>` of calling users.
    pub const EXTENSION: &str = "extension";
    /// E.164 work numbers of calling users (who owns a number).
    pub const OWNED_NUMBER: &str = "number";
    pub const DIAL_PATTERN: &str = "dialPattern";
    /// `<location id or empty>\0<lowercased displayName>` of workspaces.
    pub const DISPLAY_NAME: &str = "displayName";
}

/// Names are unique case-insensitively (as Webex compares them).
fn name_key(name: &str) -> String {
    name.trim().to_ascii_lowercase()
}

pub fn extension_key(location_id: &str, extension: &str) -> String {
    format!("{location_id}\0{extension}")
}

fn route_reference(route: &RouteRef, role: &'static str) -> Reference {
    match route.kind {
        RouteKind::Trunk => Reference::to::<Trunk>(route.id.clone(), role),
        RouteKind::RouteGroup => Reference::to::<RouteGroup>(route.id.clone(), role),
    }
}

impl Record for Location {
    const KIND: &'static str = "Location";
    fn key(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.id)
    }
    fn unique_keys(&self) -> Vec<(&'static str, String)> {
        let mut keys = vec![(index::NAME, name_key(&self.name))];
        if let Some(p) = &self.calling.routing_prefix {
            keys.push((index::ROUTING_PREFIX, p.clone()));
        }
        keys
    }
    fn references(&self) -> Vec<Reference> {
        let c = &self.calling;
        let connection = c
            .connection
            .iter()
            .filter_map(|c| c.premises())
            .map(|r| route_reference(r, role::PSTN_CONNECTION));
        let dialing = c
            .internal_dialing
            .unknown_extension_route_identity
            .iter()
            .map(|r| route_reference(r, role::INTERNAL_DIALING));
        connection.chain(dialing).collect()
    }
    fn label(&self) -> String {
        self.name.clone()
    }
}

impl Record for Person {
    const KIND: &'static str = "Person";
    fn key(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.id)
    }
    fn unique_keys(&self) -> Vec<(&'static str, String)> {
        let mut keys: Vec<_> = self
            .emails
            .iter()
            .map(|e| (index::EMAIL, e.to_ascii_lowercase()))
            .collect();
        // Only calling users own extensions and numbers; anyone else's are directory data.
        if let Some(loc) = &self.location_id {
            if let Some(ext) = &self.extension {
                keys.push((index::EXTENSION, extension_key(loc, ext)));
            }
            keys.extend(
                self.work_numbers()
                    .map(|n| (index::OWNED_NUMBER, n.to_string())),
            );
        }
        keys
    }
    fn references(&self) -> Vec<Reference> {
        let location = self
            .location_id
            .iter()
            .map(|l| Reference::to::<Location>(l.clone(), role::PERSON));
        let licenses = self
            .licenses
            .iter()
            .map(|l| Reference::to::<License>(l.clone(), role::LICENSE_HOLDER));
        location.chain(licenses).collect()
    }
    fn label(&self) -> String {
        self.display_name.clone()
    }
}

impl Record for License {
    const KIND: &'static str = "License";
    fn key(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.id)
    }
    fn label(&self) -> String {
        self.name.clone()
    }
}

impl Record for Number {
    const KIND: &'static str = "Phone number";
    fn key(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.phone_number)
    }
    fn references(&self) -> Vec<Reference> {
        vec![Reference::to::<Location>(
            self.location_id.clone(),
            role::PHONE_NUMBER,
        )]
    }
}

impl Record for Trunk {
    const KIND: &'static str = "Trunk";
    fn key(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.id)
    }
    fn unique_keys(&self) -> Vec<(&'static str, String)> {
        vec![(index::NAME, name_key(&self.name))]
    }
    fn references(&self) -> Vec<Reference> {
        vec![Reference::to::<Location>(
            self.location_id.clone(),
            role::TRUNK,
        )]
    }
    fn label(&self) -> String {
        self.name.clone()
    }
}

impl Record for RouteGroup {
    const KIND: &'static str = "Route group";
    fn key(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.id)
    }
    fn unique_keys(&self) -> Vec<(&'static str, String)> {
        vec![(index::NAME, name_key(&self.name))]
    }
    fn references(&self) -> Vec<Reference> {
        self.local_gateways
            .iter()
            .map(|g| Reference::to::<Trunk>(g.trunk_id.clone(), role::ROUTE_GROUP))
            .collect()
    }
    fn label(&self) -> String {
        self.name.clone()
    }
}

impl Record for DialPlan {
    const KIND: &'static str = "Dial plan";
    fn key(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.id)
    }
    /// A pattern belongs to at most one dial plan in the org.
    fn unique_keys(&self) -> Vec<(&'static str, String)> {
        let mut keys = vec![(index::NAME, name_key(&self.name))];
        keys.extend(
            self.dial_patterns
                .iter()
                .map(|p| (index::DIAL_PATTERN, p.clone())),
        );
        keys
    }
    fn references(&self) -> Vec<Reference> {
        vec![route_reference(&self.route, role::DIAL_PLAN)]
    }
    fn label(&self) -> String {
        self.name.clone()
    }
}

/// Keyed by (location, type, name-derived id): the id alone repeats across locations and types,
/// and because it derives from the name, the key is also the per-(location, type) name check.
impl Record for Schedule {
    const KIND: &'static str = "Schedule";
    fn key(&self) -> Cow<'_, str> {
        Cow::Owned(Schedule::key_for(&self.location_id, &self.kind, &self.id()))
    }
    fn references(&self) -> Vec<Reference> {
        vec![Reference::to::<Location>(
            self.location_id.clone(),
            role::SCHEDULE,
        )]
    }
    fn label(&self) -> String {
        self.name.clone()
    }
}

/// Keyed by the name-derived id, which makes names unique per schedule.
impl Record for Event {
    const KIND: &'static str = "Schedule event";
    fn key(&self) -> Cow<'_, str> {
        Cow::Owned(self.id())
    }
    fn label(&self) -> String {
        self.name.clone()
    }
}

/// Display names are unique per location (reference §2.5: "lookup by displayName, within a
/// location"); a Webex Calling workspace owns its extension and number like a calling user.
impl Record for Workspace {
    const KIND: &'static str = "Workspace";
    fn key(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.id)
    }
    fn unique_keys(&self) -> Vec<(&'static str, String)> {
        let location = self.location_id.as_deref().unwrap_or_default();
        let mut keys = vec![(
            index::DISPLAY_NAME,
            format!("{location}\0{}", name_key(&self.display_name)),
        )];
        if let Some(w) = self.webex_calling() {
            if let Some(ext) = &w.extension {
                keys.push((index::EXTENSION, extension_key(&w.location_id, ext)));
            }
            if let Some(n) = &w.phone_number {
                keys.push((index::OWNED_NUMBER, n.clone()));
            }
        }
        keys
    }
    fn references(&self) -> Vec<Reference> {
        let location = self
            .location_id
            .iter()
            .map(|l| Reference::to::<Location>(l.clone(), role::WORKSPACE));
        let licenses = self
            .webex_calling()
            .into_iter()
            .flat_map(|w| &w.licenses)
            .map(|l| Reference::to::<License>(l.clone(), role::LICENSE_HOLDER));
        location.chain(licenses).collect()
    }
    fn label(&self) -> String {
        self.display_name.clone()
    }
}

impl StateFile for Org {
    const SCHEMA_VERSION: u32 = SCHEMA_VERSION;
}

/// Every table whose rows reference others, in the order users are reported.
impl Schema for Org {
    fn tables(&self) -> Vec<&dyn Referencing> {
        vec![
            &self.route_groups,
            &self.dial_plans,
            &self.locations,
            &self.people,
            &self.numbers,
            &self.trunks,
            &self.schedules,
            &self.workspaces,
        ]
    }
}

/// Lookups that answer 404 in the Webex way.
pub trait Found<T> {
    fn found(&self, id: &str) -> ApiResult<&T>;
}

impl<T: Record> Found<T> for Table<T> {
    fn found(&self, id: &str) -> ApiResult<&T> {
        self.get(id).ok_or_else(|| ApiError::not_found(T::KIND, id))
    }
}

impl Org {
    pub fn location_name(&self, id: &str) -> String {
        self.locations
            .get(id)
            .map(|l| l.name.clone())
            .unwrap_or_default()
    }

    /// Name of a route choice, if it still exists.
    pub fn route_name(&self, route: &RouteRef) -> Option<String> {
        match route.kind {
            RouteKind::Trunk => self.trunks.get(&route.id).map(|t| t.name.clone()),
            RouteKind::RouteGroup => self.route_groups.get(&route.id).map(|r| r.name.clone()),
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

    /// The calling user owning an E.164 number, if any.
    pub fn number_owner(&self, number: &str) -> Option<&Person> {
        self.people.find(index::OWNED_NUMBER, number)
    }

    /// The workspace owning an E.164 number, if any.
    pub fn workspace_number_owner(&self, number: &str) -> Option<&Workspace> {
        self.workspaces.find(index::OWNED_NUMBER, number)
    }

    /// The workspace holding `extension` in location `location_id`, if any.
    pub fn workspace_extension_owner(
        &self,
        location_id: &str,
        extension: &str,
    ) -> Option<&Workspace> {
        self.workspaces
            .find(index::EXTENSION, &extension_key(location_id, extension))
    }

    /// Locations whose PSTN connection or internal dialing points at route `id` of `T`, once each.
    pub fn locations_using<T: Record>(&self, id: &str) -> Vec<&Location> {
        let mut seen = std::collections::HashSet::new();
        self.locations
            .referencing(T::KIND, id)
            .filter(|(l, _)| seen.insert(l.id.as_str()))
            .map(|(l, _)| l)
            .collect()
    }

    /// Delete row `id` of the table `table` picks: 404 when it is absent, 400/6675 (the
    /// delete-in-use answer) while anything references it. One rule for every resource.
    pub fn delete_unused<T: Record>(
        &mut self,
        id: &str,
        table: fn(&mut Org) -> &mut Table<T>,
    ) -> ApiResult<()> {
        let label = table(self).found(id)?.label();
        self.ensure_unused::<T>(id)
            .map_err(|in_use| ApiError::in_use(T::KIND, &label, &in_use.users))?;
        table(self).remove(id);
        Ok(())
    }
}
