//! The deterministic starting org: 3 locations, 4 licenses, 60 people, 30 numbers per location.
//! Madrid Branch is on Cisco PSTN; Austin HQ and London Office have no PSTN connection yet.
//! Every id is derived from a name (uuid v5), so two fresh sandboxes have identical ids.
//! No trunks, route groups, dial plans or schedules: those are what a user configures.

use switchboard_sandbox_kit::Table;

use crate::ids;
use crate::model::{
    Address, CallingLineId, CallingSettings, InternalDialing, License, Location, Number, Org,
    Person, PhoneNumber, PstnConnection, SCHEMA_VERSION,
};
use crate::routes::pstn::provider_option_id;

pub const ORG_NAME: &str = "Switchboard Sandbox Org";
pub const SUBSCRIPTION_ID: &str = "Sub-SANDBOX-0001";
pub const EMAIL_DOMAIN: &str = "sandbox.example.com";
const SEED_TIMESTAMP: &str = "2024-01-15T09:00:00.000Z";
const NUMBERS_PER_LOCATION: usize = 30;
/// Per location: number 0 is the main number, 1..=15 go to people, the rest stay available.
const ASSIGNED_PER_LOCATION: usize = 15;
const PEOPLE: usize = 60;

struct SeedLocation {
    name: &'static str,
    time_zone: &'static str,
    language: &'static str,
    address: (
        &'static str,
        Option<&'static str>,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ),
    lat_long: (&'static str, &'static str),
    /// E.164 prefix; the number is this + a 4-digit suffix from 0100.
    number_prefix: &'static str,
    /// Cisco PSTN (numbers come from the provider); the others have no PSTN connection yet.
    cisco_pstn: bool,
}

const LOCATIONS: [SeedLocation; 3] = [
    SeedLocation {
        name: "Austin HQ",
        time_zone: "America/Chicago",
        language: "en_us",
        address: (
            "500 W 2nd St",
            Some("Suite 1900"),
            "Austin",
            "TX",
            "78701",
            "US",
        ),
        lat_long: ("30.2655", "-97.7476"),
        number_prefix: "+1512555",
        cisco_pstn: false,
    },
    SeedLocation {
        name: "London Office",
        time_zone: "Europe/London",
        language: "en_gb",
        address: (
            "10 Finsbury Square",
            None,
            "London",
            "England",
            "EC2A 1AF",
            "GB",
        ),
        lat_long: ("51.5208", "-0.0868"),
        number_prefix: "+44207946",
        cisco_pstn: false,
    },
    SeedLocation {
        name: "Madrid Branch",
        time_zone: "Europe/Madrid",
        language: "es_es",
        address: (
            "Paseo de la Castellana 95",
            Some("Planta 12"),
            "Madrid",
            "Madrid",
            "28046",
            "ES",
        ),
        lat_long: ("40.4494", "-3.6918"),
        number_prefix: "+3491555",
        cisco_pstn: true,
    },
];

/// (name, total units, grants calling to people, sku suffix used in the id)
const LICENSES: [(&str, u32, bool, &str); 4] = [
    ("Webex Calling - Professional", 100, true, "BCOCP1"),
    ("Webex Calling - Basic", 50, true, "BCBASIC"),
    ("Webex Calling - Workspaces", 20, false, "BCWS"),
    ("Customer Experience - Essential", 10, false, "CXESS"),
];

const FIRST_NAMES: [&str; 30] = [
    "Alice", "Bruno", "Carmen", "David", "Elena", "Farid", "Grace", "Hiro", "Isabel", "James",
    "Keiko", "Liam", "Maria", "Noah", "Olivia", "Pablo", "Quinn", "Rosa", "Samir", "Tara", "Umar",
    "Valeria", "William", "Ximena", "Yusuf", "Zoe", "Andrea", "Ben", "Chloe", "Diego",
];

const LAST_NAMES: [&str; 30] = [
    "Anderson",
    "Baker",
    "Castro",
    "Dubois",
    "Evans",
    "Fernandez",
    "Garcia",
    "Hughes",
    "Ito",
    "Jensen",
    "Khan",
    "Lopez",
    "Martin",
    "Nakamura",
    "Okafor",
    "Patel",
    "Quintero",
    "Rossi",
    "Smith",
    "Taylor",
    "Ueda",
    "Vargas",
    "Walker",
    "Xu",
    "Young",
    "Zimmermann",
    "Alvarez",
    "Brown",
    "Clarke",
    "Diaz",
];

pub fn seed_org() -> Org {
    let org_id = ids::seeded_id("ORGANIZATION", ORG_NAME);
    let locations: Vec<Location> = LOCATIONS.iter().map(seed_location).collect();
    let licenses: Vec<License> = LICENSES
        .iter()
        .map(|(name, total, calling, sku)| License {
            id: ids::encode("LICENSE", &format!("{}:{sku}", ids::stable_uuid(name))),
            name: (*name).to_string(),
            total_units: *total,
            subscription_id: SUBSCRIPTION_ID.to_string(),
            calling: *calling,
        })
        .collect();

    let mut numbers = Vec::new();
    for (seed, loc) in LOCATIONS.iter().zip(&locations) {
        for n in 0..NUMBERS_PER_LOCATION {
            numbers.push(Number {
                phone_number: seed_number(seed, n),
                location_id: loc.id.clone(),
                // A few spare numbers are not activated yet, as in a real org.
                state: if n >= NUMBERS_PER_LOCATION - 4 {
                    "INACTIVE"
                } else {
                    "ACTIVE"
                }
                .to_string(),
                main_number: n == 0,
            });
        }
    }

    let professional = licenses[0].id.clone();
    let people = (0..PEOPLE)
        .map(|i| {
            let (first, last) = person_name(i);
            let loc_index = i % LOCATIONS.len();
            let slot = i / LOCATIONS.len();
            let mut phone_numbers = Vec::new();
            if slot < ASSIGNED_PER_LOCATION {
                phone_numbers.push(PhoneNumber {
                    kind: "work".into(),
                    value: seed_number(&LOCATIONS[loc_index], slot + 1),
                    primary: Some(true),
                });
            }
            let email = format!(
                "{}.{}@{EMAIL_DOMAIN}",
                first.to_lowercase(),
                last.to_lowercase()
            );
            Person {
                id: ids::seeded_id("PEOPLE", &email),
                emails: vec![email],
                phone_numbers,
                extension: Some((1001 + i).to_string()),
                location_id: Some(locations[loc_index].id.clone()),
                display_name: format!("{first} {last}"),
                first_name: Some(first.to_string()),
                last_name: Some(last.to_string()),
                roles: Vec::new(),
                licenses: vec![professional.clone()],
                extra: serde_json::Map::new(),
                created: SEED_TIMESTAMP.to_string(),
                last_modified: SEED_TIMESTAMP.to_string(),
                features: serde_json::Map::new(),
            }
        })
        .collect();

    let people: Vec<Person> = people;
    Org {
        schema_version: SCHEMA_VERSION,
        id: org_id,
        name: ORG_NAME.to_string(),
        locations: Table::from_rows(locations).expect("the seed is consistent"),
        people: Table::from_rows(people).expect("the seed is consistent"),
        licenses: Table::from_rows(licenses).expect("the seed is consistent"),
        numbers: Table::from_rows(numbers).expect("the seed is consistent"),
        trunks: Table::new(),
        route_groups: Table::new(),
        dial_plans: Table::new(),
        schedules: Table::new(),
        workspaces: Table::new(),
    }
}

fn seed_number(seed: &SeedLocation, n: usize) -> String {
    format!("{}{:04}", seed.number_prefix, 100 + n)
}

/// 60 distinct names: the first 30 pair names index-wise, the next 30 shift the last name.
fn person_name(i: usize) -> (&'static str, &'static str) {
    let first = FIRST_NAMES[i % FIRST_NAMES.len()];
    let shift = if i < FIRST_NAMES.len() { 0 } else { 7 };
    let last = LAST_NAMES[(i % LAST_NAMES.len() + shift) % LAST_NAMES.len()];
    (first, last)
}

fn seed_location(seed: &SeedLocation) -> Location {
    let (address1, address2, city, state, postal_code, country) = seed.address;
    Location {
        id: ids::seeded_id("LOCATION", seed.name),
        name: seed.name.to_string(),
        time_zone: seed.time_zone.to_string(),
        preferred_language: seed.language.to_string(),
        announcement_language: seed.language.to_string(),
        address: Address {
            address1: address1.to_string(),
            address2: address2.map(str::to_string),
            city: city.to_string(),
            state: state.to_string(),
            postal_code: postal_code.to_string(),
            country: country.to_string(),
        },
        latitude: Some(seed.lat_long.0.into()),
        longitude: Some(seed.lat_long.1.into()),
        notes: None,
        calling: CallingSettings {
            calling_line_id: CallingLineId {
                name: Some(seed.name.to_string()),
                phone_number: Some(seed_number(seed, 0)),
            },
            connection: seed.cisco_pstn.then(|| PstnConnection::Provider {
                option_id: provider_option_id("CISCO_PSTN").unwrap_or_default(),
            }),
            ..default_calling()
        },
    }
}

/// Calling settings of a freshly enabled location.
pub fn default_calling() -> CallingSettings {
    CallingSettings {
        calling_line_id: CallingLineId::default(),
        connection: None,
        external_caller_id_name: None,
        user_limit: 500_000,
        p_access_network_info: None,
        outside_dial_digit: None,
        enforce_outside_dial_digit: false,
        routing_prefix: None,
        default_domain: "sandbox.bcld.webex.example.com".to_string(),
        charge_number: None,
        use_charge_number_for_p_charge_info: false,
        e911_setup_required: false,
        subscription_id: SUBSCRIPTION_ID.to_string(),
        internal_dialing: InternalDialing::default(),
        outgoing_permission: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn seed_is_deterministic_and_consistent() {
        let a = seed_org();
        let b = seed_org();
        assert_eq!(a.id, b.id);
        assert_eq!(a.people.len(), 60);
        assert_eq!(a.numbers.len(), 90);
        let emails: HashSet<_> = a.people.iter().map(|p| p.emails[0].clone()).collect();
        assert_eq!(emails.len(), 60);
        let owned: Vec<_> = a.people.iter().flat_map(|p| p.work_numbers()).collect();
        assert_eq!(owned.len(), 45);
        for n in owned {
            assert!(a.numbers.get(n).is_some_and(|x| !x.main_number));
        }
        let first = |o: &Org| o.people.iter().next().unwrap().id.clone();
        assert_eq!(first(&a), first(&b));
    }
}
