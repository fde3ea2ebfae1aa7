//! Deletes: 204 for every deletable resource, 404 for unknown ids, and 400/6675 (with the
//! top-level errorCode, as Webex answers a delete of something still referenced) while anything
//! uses the object, driven by the references each resource declares.

mod common;

use common::{Client, Resp, sandbox};
use serde_json::json;

const TRUNKS: &str = "/telephony/config/premisePstn/trunks";
const GROUPS: &str = "/telephony/config/premisePstn/routeGroups";
const PLANS: &str = "/telephony/config/premisePstn/dialPlans";

fn assert_in_use(resp: &Resp, mentions: &str) {
    assert_eq!(resp.status, 400, "{:?}", resp.body);
    assert_eq!(resp.error_code(), 6675);
    assert_eq!(resp.body["errorCode"], 6675, "top-level errorCode");
    let message = resp.body["message"].as_str().unwrap();
    assert!(message.contains(mentions), "{message}");
}

#[tokio::test]
async fn referenced_trunks_route_groups_and_locations_are_not_deleted() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let madrid = c.location_id("Madrid Branch").await;
    let trunk = c.create_trunk("Madrid SBC", &madrid).await;

    // A dial plan routing to the trunk keeps it.
    let plan = c
        .post(
            PLANS,
            &json!({"name": "Madrid plan", "routeId": trunk, "routeType": "TRUNK"}),
        )
        .await
        .id();
    assert_in_use(
        &c.delete(&format!("{TRUNKS}/{trunk}")).await,
        "dial plan 'Madrid plan'",
    );
    let usage = c.get(&format!("{TRUNKS}/{trunk}/usage")).await;
    assert_eq!(usage.body["dialPlanCount"], 1);

    // The plan moves to a route group over the trunk: now the group keeps the trunk, and the
    // plan keeps the group.
    let group = c
        .post(
            GROUPS,
            &json!({"name": "Madrid RG", "localGateways": [{"id": trunk, "priority": 1}]}),
        )
        .await
        .id();
    let moved = c
        .put(
            &format!("{PLANS}/{plan}"),
            &json!({"name": "Madrid plan", "routeId": group, "routeType": "ROUTE_GROUP"}),
        )
        .await;
    assert_eq!(moved.status, 204);
    assert_in_use(
        &c.delete(&format!("{TRUNKS}/{trunk}")).await,
        "route group 'Madrid RG'",
    );
    assert_in_use(
        &c.delete(&format!("{GROUPS}/{group}")).await,
        "dial plan 'Madrid plan'",
    );
    assert_eq!(c.delete(&format!("{PLANS}/{plan}")).await.status, 204);

    // Internal dialing and the PSTN connection of a location keep the group too.
    let dialing = format!("/telephony/config/locations/{madrid}/internalDialing");
    let body = json!({"enableUnknownExtensionRoutePolicy": true,
        "unknownExtensionRouteIdentity": {"id": group, "type": "ROUTE_GROUP"}});
    assert_eq!(c.put(&dialing, &body).await.status, 204);
    let calling = format!("/telephony/config/locations/{madrid}");
    let connect = json!({"connection": {"type": "ROUTE_GROUP", "id": group}});
    assert_eq!(c.put(&calling, &connect).await.status, 204);
    let usage = c.get(&format!("{GROUPS}/{group}/usage")).await.body;
    assert_eq!(usage["callToExtensionCount"], 1, "{usage}");
    assert_eq!(usage["pstnConnectionCount"], 1, "{usage}");
    let refused = c.delete(&format!("{GROUPS}/{group}")).await;
    assert_in_use(&refused, "internal dialing of location 'Madrid Branch'");
    assert_in_use(&refused, "PSTN connection of location 'Madrid Branch'");
    let off = json!({"enableUnknownExtensionRoutePolicy": false});
    assert_eq!(c.put(&dialing, &off).await.status, 204);
    assert_in_use(
        &c.delete(&format!("{GROUPS}/{group}")).await,
        "PSTN connection",
    );

    // A location still holding people, numbers, trunks or schedules is kept.
    let loc = c
        .post(
            "/locations",
            &json!({"name": "Annex", "timeZone": "Europe/Madrid", "preferredLanguage": "es_es",
                "announcementLanguage": "es_es",
                "address": {"address1": "Calle 1", "city": "Madrid", "state": "Madrid",
                    "postalCode": "28001", "country": "ES"}}),
        )
        .await
        .id();
    let annex_trunk = c.create_trunk("Annex SBC", &loc).await;
    let schedules = format!("/telephony/config/locations/{loc}/schedules");
    let schedule = c
        .post(
            &schedules,
            &json!({"name": "Open", "type": "businessHours"}),
        )
        .await
        .id();
    let refused = c.delete(&format!("/locations/{loc}")).await;
    assert_in_use(&refused, "trunk 'Annex SBC'");
    assert_in_use(&refused, "schedule 'Open'");
    assert_eq!(
        c.delete(&format!("{TRUNKS}/{annex_trunk}")).await.status,
        204
    );
    assert_in_use(
        &c.delete(&format!("/locations/{loc}")).await,
        "schedule 'Open'",
    );
    let gone = c
        .delete(&format!("{schedules}/businessHours/{schedule}"))
        .await;
    assert_eq!(gone.status, 204);
    assert_eq!(c.delete(&format!("/locations/{loc}")).await.status, 204);
    let seeded = c.location_id("Austin HQ").await;
    assert_in_use(&c.delete(&format!("/locations/{seeded}")).await, "person '");
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn deleting_unknown_ids_is_404() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let austin = c.location_id("Austin HQ").await;
    let unknown = "Y2lzY29zcGFyazovL3VzL05PTkUvbm9uZQ";
    let schedules = format!("/telephony/config/locations/{austin}/schedules");
    let schedule = c
        .post(
            &schedules,
            &json!({"name": "Hours", "type": "businessHours"}),
        )
        .await
        .id();
    let paths = [
        format!("/locations/{unknown}"),
        format!("{TRUNKS}/{unknown}"),
        format!("{GROUPS}/{unknown}"),
        format!("{PLANS}/{unknown}"),
        format!("/people/{unknown}"),
        format!("{schedules}/businessHours/{unknown}"),
        format!("{schedules}/holidays/{schedule}"),
        format!("/telephony/config/locations/{unknown}/schedules/businessHours/{schedule}"),
        format!("{schedules}/businessHours/{schedule}/events/{unknown}"),
    ];
    for path in paths {
        let resp = c.delete(&path).await;
        assert_eq!(resp.status, 404, "{path}: {:?}", resp.body);
        assert_eq!(resp.error_code(), 4008, "{path}");
    }
    sb.shutdown().await.unwrap();
}
