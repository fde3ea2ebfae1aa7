//! A deterministic large org for load and scale runs: the standard seed (Austin HQ, London Office,
//! Madrid Branch and their people) plus `Site 0001`… in the US, each with its own number block,
//! and generated people spread over the sites. Written as `org.json`, the file the store loads.

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;

use crate::ids;
use crate::model::{Address, CallingLineId, Location, Number, Org, Person, PhoneNumber};
use crate::routes::call_settings::default_forwarding;
use crate::routes::person_setting_bodies::default_recording;
use crate::seed::{EMAIL_DOMAIN, default_calling, seed_org};
use switchboard_sandbox_kit::{DirLock, STATE_FILE, write_state};

/// Size of the generated part of the org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedSpec {
    /// Generated sites, named `Site 0001`… (`format!("Site {:04}", i)`).
    pub locations: usize,
    /// Generated people, round-robin over the sites (needs at least one site).
    pub people: usize,
    /// Numbers per site: number 0 is the main number, the next go to people, in order.
    pub numbers_per_location: usize,
    /// Also give every generated person call settings ([`GeneratedPerson::forwarding_destination`]
    /// as always-forwarding, and call recording `Always`).
    pub with_settings: bool,
}

/// Generated person `i` (0-based) of a [`SeedSpec`], as the seed writes it. A pure function of
/// `(spec.locations, spec.numbers_per_location, i)`, so the org written by `write_seeded_org`
/// and manifests written for it agree on every value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedPerson {
    pub email: String,
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
    /// 1-based index of the generated site (`site_name(site)`): round-robin over the sites.
    pub site: usize,
    /// 6 digits from 100000, unique in the org.
    pub extension: String,
    /// The site's number `1 + i / locations` while the site's block lasts (number 0 is the main
    /// number); `None` (extension only) after that.
    pub phone_number: Option<String>,
    /// Where `--with-settings` forwards all calls: `+14150000000 + i` (a range no site uses).
    pub forwarding_destination: String,
}

/// First forwarding destination: `+14150000000`.
const FORWARDING_BASE: u64 = 4_150_000_000;

/// Person `i` of `spec` (needs `spec.locations > 0`; site 1 is assumed otherwise).
pub fn generated_person(spec: &SeedSpec, i: usize) -> GeneratedPerson {
    let sites = spec.locations.max(1);
    let (site, slot) = (i % sites + 1, i / sites);
    let first = FIRST_NAMES[i % FIRST_NAMES.len()];
    let last = LAST_NAMES[(i / FIRST_NAMES.len()) % LAST_NAMES.len()];
    GeneratedPerson {
        email: format!(
            "{}.{}.{i:05}@{EMAIL_DOMAIN}",
            first.to_lowercase(),
            last.to_lowercase()
        ),
        display_name: format!("{first} {last} {i:05}"),
        first_name: first.to_string(),
        last_name: last.to_string(),
        site,
        extension: (EXTENSION_BASE + i).to_string(),
        phone_number: (slot + 1 < spec.numbers_per_location).then(|| site_number(site, slot + 1)),
        forwarding_destination: format!("+1{}", FORWARDING_BASE + i as u64),
    }
}

/// At most this many numbers per site: each site owns a block of 10,000.
pub const MAX_NUMBERS_PER_LOCATION: usize = 10_000;
/// First generated number: `+13100000000` + site × 10,000 + n (no overlap with the seed's ranges).
const NUMBER_BASE: u64 = 3_100_000_000;
/// Generated extensions are 6 digits from here (the seed's people use 1001…1060).
const EXTENSION_BASE: usize = 100_000;
const SEED_TIMESTAMP: &str = "2024-01-15T09:00:00.000Z";

const TIME_ZONES: [&str; 4] = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
];

/// (city, state, postal code), rotated over the sites.
const CITIES: [(&str, &str, &str); 8] = [
    ("New York", "NY", "10001"),
    ("Chicago", "IL", "60601"),
    ("Denver", "CO", "80202"),
    ("Los Angeles", "CA", "90012"),
    ("Atlanta", "GA", "30303"),
    ("Dallas", "TX", "75201"),
    ("Phoenix", "AZ", "85004"),
    ("Seattle", "WA", "98101"),
];

const FIRST_NAMES: [&str; 16] = [
    "Avery", "Blake", "Casey", "Dana", "Emery", "Finley", "Gray", "Harper", "Indy", "Jordan",
    "Kai", "Logan", "Morgan", "Noel", "Parker", "Reese",
];
const LAST_NAMES: [&str; 16] = [
    "Adams", "Brooks", "Cole", "Dunn", "Ellis", "Ford", "Grant", "Hayes", "Irwin", "Jones", "Kent",
    "Lane", "Moss", "Nash", "Owens", "Price",
];

/// The name of generated site `i` (1-based).
pub fn site_name(i: usize) -> String {
    format!("Site {i:04}")
}

/// The E.164 number `n` of generated site `i`.
fn site_number(i: usize, n: usize) -> String {
    format!("+1{}", NUMBER_BASE + (i as u64) * 10_000 + n as u64)
}

/// The standard seed plus the generated sites and people.
pub fn large_org(spec: &SeedSpec) -> anyhow::Result<Org> {
    anyhow::ensure!(
        spec.numbers_per_location <= MAX_NUMBERS_PER_LOCATION,
        "numbers per location must be at most {MAX_NUMBERS_PER_LOCATION}, got {}",
        spec.numbers_per_location
    );
    anyhow::ensure!(
        spec.people == 0 || spec.locations > 0,
        "generated people need at least one generated location"
    );
    let mut org = seed_org();
    let mut site_ids = Vec::with_capacity(spec.locations);
    for i in 1..=spec.locations {
        let location = site_location(i, spec.numbers_per_location > 0);
        for n in 0..spec.numbers_per_location {
            org.numbers.insert(Number {
                phone_number: site_number(i, n),
                location_id: location.id.clone(),
                state: "ACTIVE".to_string(),
                main_number: n == 0,
            })?;
        }
        site_ids.push(location.id.clone());
        org.locations.insert(location)?;
    }

    let professional = org
        .licenses
        .iter()
        .next()
        .map(|l| l.id.clone())
        .context("the seed has no licenses")?;
    for j in 0..spec.people {
        let g = generated_person(spec, j);
        let location_id = site_ids[g.site - 1].clone();
        org.people.insert(site_person(
            g,
            location_id,
            &professional,
            spec.with_settings,
        ))?;
    }
    // Enough calling licenses for everyone, so license checks do not trip at scale.
    let calling_users = org.people.len() as u32;
    let calling: Vec<String> = org
        .licenses
        .iter()
        .filter(|l| l.calling)
        .map(|l| l.id.clone())
        .collect();
    for id in calling {
        org.licenses.update(&id, |license| {
            license.total_units = license.total_units.max(calling_users + 100);
        })?;
    }
    Ok(org)
}

fn site_location(i: usize, has_numbers: bool) -> Location {
    let name = site_name(i);
    let (city, state, postal_code) = CITIES[(i - 1) % CITIES.len()];
    Location {
        id: ids::seeded_id("LOCATION", &name),
        time_zone: TIME_ZONES[(i - 1) % TIME_ZONES.len()].to_string(),
        preferred_language: "en_us".to_string(),
        announcement_language: "en_us".to_string(),
        address: Address {
            address1: format!("{} Main St", 100 + i),
            address2: None,
            city: city.to_string(),
            state: state.to_string(),
            postal_code: postal_code.to_string(),
            country: "US".to_string(),
        },
        latitude: None,
        longitude: None,
        notes: None,
        calling: crate::model::CallingSettings {
            calling_line_id: CallingLineId {
                name: Some(name.clone()),
                phone_number: has_numbers.then(|| site_number(i, 0)),
            },
            ..default_calling()
        },
        name,
    }
}

fn site_person(g: GeneratedPerson, location_id: String, license: &str, settings: bool) -> Person {
    let phone_numbers = g
        .phone_number
        .map(|n| PhoneNumber {
            kind: "work".into(),
            value: n,
            primary: Some(true),
        })
        .into_iter()
        .collect();
    let id = ids::seeded_id("PEOPLE", &g.email);
    let mut features = serde_json::Map::new();
    if settings {
        // The stored GET bodies: defaults with always-forwarding and recording switched on.
        let mut forwarding = default_forwarding();
        forwarding["callForwarding"]["always"]["enabled"] = true.into();
        forwarding["callForwarding"]["always"]["destination"] = g.forwarding_destination.into();
        let mut recording = default_recording(&id);
        recording["enabled"] = true.into();
        recording["record"] = "Always".into();
        features.insert("callForwarding".into(), forwarding);
        features.insert("callRecording".into(), recording);
    }
    Person {
        id,
        emails: vec![g.email],
        phone_numbers,
        extension: Some(g.extension),
        location_id: Some(location_id),
        display_name: g.display_name,
        first_name: Some(g.first_name),
        last_name: Some(g.last_name),
        roles: Vec::new(),
        licenses: vec![license.to_string()],
        extra: serde_json::Map::new(),
        created: SEED_TIMESTAMP.to_string(),
        last_modified: SEED_TIMESTAMP.to_string(),
        features,
    }
}

/// Write `<dir>/org.json` for the large org (creating `dir`; an existing file is replaced).
/// Refused with [`crate::OrgInUse`] while a sandbox owns `dir`.
pub fn write_seeded_org(dir: &Path, spec: &SeedSpec) -> anyhow::Result<()> {
    let org = large_org(spec)?;
    // Own the dir while writing, so a running sandbox's org is never replaced under its feet.
    let _lock = DirLock::acquire(dir, Duration::ZERO)?;
    write_state(&dir.join(STATE_FILE), &org)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn large_org_is_deterministic_and_unique() {
        let spec = SeedSpec {
            locations: 25,
            people: 300,
            numbers_per_location: 10,
            with_settings: false,
        };
        let a = large_org(&spec).unwrap();
        let b = large_org(&spec).unwrap();
        assert_eq!(a.locations.len(), 28);
        let names: Vec<_> = a.locations.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names[3], "Site 0001");
        assert_eq!(names[27], "Site 0025");
        assert_eq!(a.people.len(), 360);
        let hundredth = |o: &Org| o.people.iter().nth(100).unwrap().id.clone();
        assert_eq!(hundredth(&a), hundredth(&b));
        let emails: HashSet<_> = a.people.iter().map(|p| &p.emails[0]).collect();
        assert_eq!(emails.len(), 360);
        let extensions: HashSet<_> = a.people.iter().map(|p| &p.extension).collect();
        assert_eq!(extensions.len(), 360);
        let numbers: HashSet<_> = a.numbers.iter().map(|n| &n.phone_number).collect();
        assert_eq!(numbers.len(), a.numbers.len());
        // Every number a person owns is one of their site's numbers.
        for p in &a.people {
            for n in p.work_numbers() {
                let number = a.numbers.get(n).unwrap();
                assert_eq!(Some(&number.location_id), p.location_id.as_ref());
                assert!(!number.main_number);
            }
        }
        assert_eq!(site_name(12345), "Site 12345");
    }
}
