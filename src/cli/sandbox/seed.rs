//! `switchboard sandbox seed`: write a large deterministic org into the sandbox's state dir and,
//! optionally, matching manifests (one file per generated site: a trunk, a route group, a dial
//! plan and a business-hours schedule), for scale and load runs of plan/apply.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use switchboard_sandbox::{
    GeneratedPerson, SeedSpec, generated_person, site_name, write_seeded_org,
};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Generated locations, named `Site 0001`, `Site 0002`, …
    #[arg(long)]
    pub locations: usize,
    /// Generated people, spread over the generated locations.
    #[arg(long)]
    pub people: usize,
    /// Phone numbers per generated location (the first is its main number).
    #[arg(long, default_value_t = 10)]
    pub numbers_per_location: usize,
    /// Where the org is written (default: <state-dir>/sandbox).
    #[arg(long)]
    pub sandbox_dir: Option<PathBuf>,
    /// Also write manifests for every generated site here (`site-0001.yaml`, …).
    #[arg(long)]
    pub manifests: Option<PathBuf>,
    /// Replace an existing org.json.
    #[arg(long)]
    pub force: bool,
    /// Give every generated person call settings in the org: forwarding of all calls to a
    /// deterministic number, and call recording `Always`.
    #[arg(long)]
    pub with_settings: bool,
    /// Also write a `UserCalling` document for every generated person here, one file per site
    /// (`people-0001.yaml`, …), matching the org: with `--with-settings`, their forwarding and
    /// recording too.
    #[arg(long)]
    pub people_manifests: Option<PathBuf>,
}

pub fn run(args: Args, default_dir: PathBuf) -> anyhow::Result<i32> {
    let dir = args.sandbox_dir.unwrap_or(default_dir);
    let file = dir.join("org.json");
    if file.exists() && !args.force {
        anyhow::bail!(
            "{} already exists; pass --force to replace it (or `switchboard sandbox reset` first)",
            file.display()
        );
    }
    anyhow::ensure!(
        args.people == 0 || args.locations > 0,
        "--people needs at least one generated location (--locations)"
    );
    let spec = SeedSpec {
        locations: args.locations,
        people: args.people,
        numbers_per_location: args.numbers_per_location,
        with_settings: args.with_settings,
    };
    write_seeded_org(&dir, &spec)?;
    println!(
        "Sandbox org written to {}: {} generated locations, {} generated people, {} numbers each{}.",
        file.display(),
        spec.locations,
        spec.people,
        spec.numbers_per_location,
        if spec.with_settings {
            ", with call forwarding and recording settings"
        } else {
            ""
        }
    );
    if let Some(out) = args.manifests {
        write_manifests(&out, spec.locations)?;
        println!(
            "Manifests for {} sites written to {} ({} objects).",
            spec.locations,
            out.display(),
            spec.locations * 4
        );
    }
    if let Some(out) = args.people_manifests {
        write_people_manifests(&out, &spec)?;
        println!(
            "UserCalling documents for {} people written to {}.",
            spec.people,
            out.display()
        );
    }
    Ok(super::super::EXIT_OK)
}

/// One file per site with a `UserCalling` document per generated person of that site.
fn write_people_manifests(out: &Path, spec: &SeedSpec) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut files: Vec<String> = vec![String::new(); spec.locations];
    for i in 0..spec.people {
        let person = generated_person(spec, i);
        if let Some(file) = files.get_mut(person.site - 1) {
            file.push_str(&person_manifest(spec, &person, i));
        }
    }
    for (site, text) in files.iter().enumerate().filter(|(_, t)| !t.is_empty()) {
        let path = out.join(format!("people-{:04}.yaml", site + 1));
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// The `UserCalling` document of generated person `i`, as the seeded org has them.
pub fn person_manifest(spec: &SeedSpec, person: &GeneratedPerson, i: usize) -> String {
    let mut text = format!(
        "---\napiVersion: switchboard/v1\nkind: UserCalling\nmetadata:\n  name: user-{i:05}\n  labels: {{site: \"{site:04}\"}}\nspec:\n  personRef: {email}\n  license: Webex Calling - Professional\n  locationRef: {location}\n  extension: \"{extension}\"\n",
        site = person.site,
        email = person.email,
        location = site_name(person.site),
        extension = person.extension,
    );
    if let Some(number) = &person.phone_number {
        let _ = writeln!(text, "  phoneNumber: \"{number}\"");
    }
    if spec.with_settings {
        let _ = write!(
            text,
            "  callForwarding:\n    always: {{enabled: true, destination: \"{}\"}}\n  callRecording: {{enabled: true, record: Always}}\n",
            person.forwarding_destination
        );
    }
    text
}

fn write_manifests(out: &Path, sites: usize) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    for i in 1..=sites {
        let path = out.join(format!("site-{i:04}.yaml"));
        std::fs::write(&path, site_manifests(i))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// The four documents of site `i`. Dial patterns derive from `i`, so they are unique in the org:
/// an E.164 block `+1999<i:05>XX` and an enterprise block `7<i:05>X`.
pub fn site_manifests(i: usize) -> String {
    let site = format!("Site {i:04}");
    let n = format!("{i:04}");
    let mut text = String::new();
    let _ = write!(
        text,
        "# Generated by `switchboard sandbox seed`: {site}'s trunk, route group, dial plan and hours.
apiVersion: switchboard/v1
kind: Trunk
metadata:
  name: trunk-{n}
spec:
  name: {site} SBC
  locationRef: {site}
  password: ${{env:SITE_TRUNK_PASSWORD:-Sandbox-Only-Passw0rd}}
  trunkType: REGISTERING
  maxConcurrentCalls: 50
---
apiVersion: switchboard/v1
kind: RouteGroup
metadata:
  name: rg-{n}
spec:
  name: {site} RG
  localGateways:
    - trunkRef: trunk-{n}
      priority: 1
---
apiVersion: switchboard/v1
kind: DialPlan
metadata:
  name: dp-{n}
spec:
  name: {site} Plan
  routeGroupRef: rg-{n}
  dialPatterns:
    - \"+1999{i:05}XX\"
    - \"7{i:05}X\"
---
apiVersion: switchboard/v1
kind: Schedule
metadata:
  name: hours-{n}
spec:
  name: Office Hours
  type: businessHours
  locationRef: {site}
  events:
    - name: Weekdays
      startDate: \"2026-01-05\"
      endDate: \"2026-01-05\"
      startTime: \"09:00\"
      endTime: \"18:00\"
      recurrence:
        recurForEver: true
        recurWeekly: {{monday: true, tuesday: true, wednesday: true, thursday: true, friday: true}}
"
    );
    text
}

#[cfg(test)]
mod tests {
    use super::site_manifests;

    #[test]
    fn site_documents_are_named_by_index() {
        let text = site_manifests(7);
        assert!(text.contains("name: trunk-0007"));
        assert!(text.contains("locationRef: Site 0007"));
        assert!(text.contains("\"+199900007XX\""));
        assert!(text.contains("${env:SITE_TRUNK_PASSWORD:-Sandbox-Only-Passw0rd}"));
        assert_eq!(text.matches("\n---\n").count(), 3);
    }
}
