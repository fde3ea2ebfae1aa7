//! The generated large org: it loads, pages, and stays fast. The full-scale timing run is
//! `cargo test -p switchboard-sandbox-webex --release --test large_org -- --ignored --nocapture`.

mod common;

use std::time::Instant;

use common::Client;
use serde_json::json;
use switchboard_sandbox::{SeedSpec, generated_person, write_seeded_org};

#[tokio::test]
async fn seeded_org_loads_and_pages() {
    let dir = tempfile::tempdir().unwrap();
    let spec = SeedSpec {
        locations: 30,
        people: 200,
        numbers_per_location: 10,
        with_settings: false,
    };
    write_seeded_org(dir.path(), &spec).unwrap();
    let first = std::fs::read(dir.path().join("org.json")).unwrap();
    write_seeded_org(dir.path(), &spec).unwrap();
    assert_eq!(
        first,
        std::fs::read(dir.path().join("org.json")).unwrap(),
        "deterministic"
    );

    let sandbox = common::sandbox(Some(dir.path().to_path_buf())).await;
    let c = Client::new(&sandbox);
    let (locations, links) = c.collect("/locations?max=7", "items").await;
    assert_eq!(locations.len(), 33);
    assert_eq!(links.len(), 4);
    assert_eq!(locations[3]["name"], "Site 0001");
    assert_eq!(locations[32]["name"], "Site 0030");
    assert_eq!(locations[3]["address"]["country"], "US");
    let (people, _) = c.collect("/people?max=100&callingData=true", "items").await;
    assert_eq!(people.len(), 260);
    let site = c.location_id("Site 0002").await;
    let at_site = c.get(&format!("/people?locationId={site}&max=100")).await;
    assert_eq!(at_site.body["items"].as_array().unwrap().len(), 7);
    let numbers = c
        .get(&format!("/telephony/config/numbers?locationId={site}"))
        .await;
    let numbers = numbers.body["phoneNumbers"].as_array().unwrap().clone();
    assert_eq!(numbers.len(), 10);
    assert_eq!(numbers.iter().filter(|n| n["owner"].is_object()).count(), 7);
    assert_eq!(
        numbers.iter().filter(|n| n["mainNumber"] == true).count(),
        1
    );
    // The generated sites take the usual configuration through the API.
    let trunk = c.create_trunk("Site 0002 SBC", &site).await;
    let rg = c
        .post(
            "/telephony/config/premisePstn/routeGroups",
            &json!({"name": "Site 0002 RG", "localGateways": [{"id": trunk, "priority": 1}]}),
        )
        .await;
    assert_eq!(rg.status, 201, "{:?}", rg.body);
    sandbox.shutdown().await.unwrap();
}

/// `with_settings`: every generated person is a calling user with forwarding (to
/// `generated_person`'s destination) and recording on; the org agrees with `generated_person`.
#[tokio::test]
async fn seeded_settings_match_generated_person() {
    let dir = tempfile::tempdir().unwrap();
    let spec = SeedSpec {
        locations: 3,
        people: 10,
        numbers_per_location: 3,
        with_settings: true,
    };
    write_seeded_org(dir.path(), &spec).unwrap();
    let sandbox = common::sandbox(Some(dir.path().to_path_buf())).await;
    let c = Client::new(&sandbox);
    for i in [0, 4, 9] {
        let g = generated_person(&spec, i);
        let found = c
            .get(&format!("/people?email={}&callingData=true", g.email))
            .await
            .body;
        let p = &found["items"][0];
        assert_eq!(p["displayName"], g.display_name.as_str());
        assert_eq!(p["extension"], g.extension.as_str());
        assert_eq!(
            p["locationId"],
            c.location_id(&switchboard_sandbox::site_name(g.site)).await
        );
        match &g.phone_number {
            Some(n) => assert_eq!(p["phoneNumbers"][0]["value"], n.as_str()),
            None => assert_eq!(p["phoneNumbers"], json!([])),
        }
        let id = p["id"].as_str().unwrap();
        let fwd = c
            .get(&format!("/people/{id}/features/callForwarding"))
            .await
            .body;
        assert_eq!(fwd["callForwarding"]["always"]["enabled"], true);
        assert_eq!(
            fwd["callForwarding"]["always"]["destination"],
            g.forwarding_destination.as_str()
        );
        let rec = c
            .get(&format!("/people/{id}/features/callRecording"))
            .await
            .body;
        assert_eq!(
            (rec["enabled"].clone(), rec["record"].clone()),
            (json!(true), json!("Always"))
        );
    }
    // Person 9 of 3 sites is slot 3: past the 3-number block (0 is the main number).
    assert_eq!(generated_person(&spec, 9).phone_number, None);
    assert_eq!(
        generated_person(&spec, 4).phone_number.as_deref(),
        Some("+13100020002")
    );
    assert_ne!(
        generated_person(&spec, 0).forwarding_destination,
        generated_person(&spec, 1).forwarding_destination
    );
    sandbox.shutdown().await.unwrap();
}

/// Figures for the report: write a 2,500-location / 10,000-people org, add 2,500 trunks, route
/// groups and dial plans through the API, and time the big list pages.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "scale timing run; use --release --ignored --nocapture"]
async fn scale_timings() {
    let dir = tempfile::tempdir().unwrap();
    let spec = SeedSpec {
        locations: 2500,
        people: 10_000,
        numbers_per_location: 10,
        with_settings: false,
    };
    let started = Instant::now();
    write_seeded_org(dir.path(), &spec).unwrap();
    let size = std::fs::metadata(dir.path().join("org.json"))
        .unwrap()
        .len();
    eprintln!(
        "write_seeded_org 2500/10000: {:?} ({} MB)",
        started.elapsed(),
        size / 1_000_000
    );

    let started = Instant::now();
    let sandbox = common::sandbox(Some(dir.path().to_path_buf())).await;
    eprintln!("sandbox start (load): {:?}", started.elapsed());
    let c = Client::new(&sandbox);
    for (label, path) in [
        ("people max=1000", "/people?max=1000"),
        (
            "people max=1000 start=9000",
            "/people?max=1000&start=9000&callingData=true",
        ),
        ("locations max=1000", "/locations?max=1000"),
        (
            "telephony locations max=1000",
            "/telephony/config/locations?max=1000",
        ),
        ("numbers max=2000", "/telephony/config/numbers?max=2000"),
    ] {
        let started = Instant::now();
        let resp = c.get(path).await;
        assert_eq!(resp.status, 200);
        eprintln!("GET {label}: {:?}", started.elapsed());
    }

    let started = Instant::now();
    let (locations, _) = c.collect("/locations?max=1000", "items").await;
    let ids: Vec<String> = locations[3..]
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_string())
        .collect();
    for (i, id) in ids.iter().enumerate() {
        let trunk = c.create_trunk(&format!("Site {:04} SBC", i + 1), id).await;
        let rg = c
            .post(
                "/telephony/config/premisePstn/routeGroups",
                &json!({"name": format!("Site {:04} RG", i + 1), "localGateways": [{"id": trunk, "priority": 1}]}),
            )
            .await;
        let dp = c
            .post(
                "/telephony/config/premisePstn/dialPlans",
                &json!({"name": format!("Site {:04} Plan", i + 1), "routeId": rg.id(),
                    "routeType": "ROUTE_GROUP", "dialPatterns": [format!("+1999{:05}XX", i + 1)]}),
            )
            .await;
        assert_eq!(dp.status, 201, "{:?}", dp.body);
    }
    eprintln!(
        "7,500 creates (trunk + route group + dial plan per site): {:?}",
        started.elapsed()
    );
    for (label, path) in [
        ("trunks (all 2500)", "/telephony/config/premisePstn/trunks"),
        (
            "trunks by name",
            "/telephony/config/premisePstn/trunks?name=Site%202400%20SBC",
        ),
        (
            "route groups (all)",
            "/telephony/config/premisePstn/routeGroups",
        ),
        (
            "dial plans (all)",
            "/telephony/config/premisePstn/dialPlans",
        ),
        (
            "dial plans by name",
            "/telephony/config/premisePstn/dialPlans?dialPlanName=Site%202400",
        ),
    ] {
        let started = Instant::now();
        let resp = c.get(path).await;
        assert_eq!(resp.status, 200);
        eprintln!("GET {label}: {:?}", started.elapsed());
    }
    let started = Instant::now();
    sandbox.shutdown().await.unwrap();
    eprintln!("shutdown (final flush): {:?}", started.elapsed());
}
