//! Trunks, route groups, dial plans and internal dialing.

mod common;

use common::{Client, sandbox};
use serde_json::json;

const TRUNKS: &str = "/telephony/config/premisePstn/trunks";
const GROUPS: &str = "/telephony/config/premisePstn/routeGroups";
const PLANS: &str = "/telephony/config/premisePstn/dialPlans";

#[tokio::test]
async fn trunk_lifecycle_never_returns_password() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let austin = c.location_id("Austin HQ").await;
    let id = c.create_trunk("Austin CUBE", &austin).await;

    let got = c.get(&format!("{TRUNKS}/{id}")).await;
    assert_eq!(got.status, 200);
    assert!(got.body.get("password").is_none());
    assert!(!got.body.to_string().contains("P@ssw0rd123"));
    assert_eq!(
        got.body["location"],
        json!({"id": austin, "name": "Austin HQ"})
    );
    assert_eq!(got.body["trunkType"], "REGISTERING");
    assert!(got.body["organization"]["id"].is_string());
    for key in [
        "otgDtgId",
        "linePort",
        "pilotUserId",
        "sipAuthenticationUserName",
        "outboundProxy",
    ] {
        assert!(got.body.get(key).is_some(), "{key}");
    }

    let list = c
        .get(&format!(
            "{TRUNKS}?name=austin&locationName=Austin&trunkType=REGISTERING"
        ))
        .await;
    let items = list.body["trunks"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        [
            "id",
            "name",
            "location",
            "inUse",
            "trunkType",
            "isRestrictedToDedicatedInstance"
        ]
    );
    assert!(!list.body.to_string().contains("P@ssw0rd123"));

    // Password is required on PUT too; other fields are fixed.
    let no_password = c
        .put(&format!("{TRUNKS}/{id}"), &json!({"name": "Austin CUBE 2"}))
        .await;
    assert_eq!(no_password.status, 400);
    assert!(
        no_password.body["message"]
            .as_str()
            .unwrap()
            .contains("password")
    );
    let moved = c
        .put(
            &format!("{TRUNKS}/{id}"),
            &json!({"name": "X", "password": "p", "trunkType": "CERTIFICATE_BASED"}),
        )
        .await;
    assert_eq!(moved.status, 400);
    let ok = c
        .put(
            &format!("{TRUNKS}/{id}"),
            &json!({"name": "Austin CUBE 2", "password": "n3w", "maxConcurrentCalls": 300}),
        )
        .await;
    assert_eq!(ok.status, 204);
    let got = c.get(&format!("{TRUNKS}/{id}")).await;
    assert_eq!(got.body["name"], "Austin CUBE 2");
    assert_eq!(got.body["maxConcurrentCalls"], 300);

    let types = c.get(&format!("{TRUNKS}/trunkTypes")).await;
    assert_eq!(types.body["trunkTypes"].as_array().unwrap().len(), 2);

    assert_eq!(c.delete(&format!("{TRUNKS}/{id}")).await.status, 204);
    assert_eq!(c.get(&format!("{TRUNKS}/{id}")).await.error_code(), 4008);
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn trunk_validation() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let austin = c.location_id("Austin HQ").await;
    c.create_trunk("Dup", &austin).await;
    let dup = c
        .post(TRUNKS, &json!({"name": "Dup", "locationId": austin, "password": "x", "trunkType": "REGISTERING"}))
        .await;
    assert_eq!(dup.status, 409);
    assert_eq!(dup.error_code(), 27601);
    let bad_type = c
        .post(TRUNKS, &json!({"name": "T", "locationId": austin, "password": "x", "trunkType": "registering"}))
        .await;
    assert_eq!(bad_type.status, 400);
    let bad_location =
        c.post(TRUNKS, &json!({"name": "T", "locationId": "bm9wZQ", "password": "x", "trunkType": "REGISTERING"})).await;
    assert_eq!(bad_location.status, 400);
    let cert_without_address = c
        .post(TRUNKS, &json!({"name": "T", "locationId": austin, "password": "x", "trunkType": "CERTIFICATE_BASED"}))
        .await;
    assert_eq!(cert_without_address.status, 400);
    let cert = c
        .post(
            TRUNKS,
            &json!({"name": "T2", "locationId": austin, "password": "P@ssw0rd123", "trunkType": "CERTIFICATE_BASED",
                "deviceType": "Cisco Unified Border Element", "address": "sbc.example.com", "domain": "example.com",
                "port": 5061, "maxConcurrentCalls": 100}),
        )
        .await;
    assert_eq!(cert.status, 201, "{:?}", cert.body);
    let got = c.get(&format!("{TRUNKS}/{}", cert.id())).await;
    assert_eq!(got.body["port"], 5061);
    assert_eq!(got.body["address"], "sbc.example.com");
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn route_group_marks_trunks_in_use() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let austin = c.location_id("Austin HQ").await;
    let london = c.location_id("London Office").await;
    let t1 = c.create_trunk("T1", &austin).await;
    let t2 = c.create_trunk("T2", &london).await;

    let rg = c
        .post(GROUPS, &json!({"name": "RG", "localGateways": [{"id": t1, "priority": 1}, {"id": t2, "priority": 2}]}))
        .await;
    assert_eq!(rg.status, 201);
    let rg_id = rg.id();
    let got = c.get(&format!("{GROUPS}/{rg_id}")).await;
    assert_eq!(got.body["name"], "RG");
    assert_eq!(
        got.body["localGateways"][0],
        json!({"id": t1, "name": "T1", "locationId": austin, "priority": 1})
    );
    assert!(got.body["organization"]["name"].is_string());

    let trunks = c.get(TRUNKS).await;
    assert!(
        trunks.body["trunks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["inUse"] == true)
    );
    let groups = c.get(&format!("{GROUPS}?name=rg")).await;
    assert_eq!(
        groups.body["routeGroups"][0],
        json!({"id": rg_id, "name": "RG", "inUse": false})
    );

    let in_use = c.delete(&format!("{TRUNKS}/{t1}")).await;
    assert_eq!(in_use.status, 400);
    assert_eq!(in_use.error_code(), 6675);

    // PUT replaces the gateway list; t1 becomes free.
    let put = c
        .put(
            &format!("{GROUPS}/{rg_id}"),
            &json!({"name": "RG", "localGateways": [{"id": t2, "priority": 1}]}),
        )
        .await;
    assert_eq!(put.status, 204);
    assert_eq!(c.delete(&format!("{TRUNKS}/{t1}")).await.status, 204);

    let unknown = c
        .post(
            GROUPS,
            &json!({"name": "RG2", "localGateways": [{"id": "bm9wZQ", "priority": 1}]}),
        )
        .await;
    assert_eq!(unknown.status, 400);
    let dup = c
        .post(
            GROUPS,
            &json!({"name": "rg", "localGateways": [{"id": t2, "priority": 1}]}),
        )
        .await;
    assert_eq!(dup.status, 409);

    let mut many = Vec::new();
    for i in 0..11 {
        many.push(
            json!({"id": c.create_trunk(&format!("M{i}"), &austin).await, "priority": i + 1}),
        );
    }
    let too_many = c
        .post(GROUPS, &json!({"name": "Big", "localGateways": many}))
        .await;
    assert_eq!(too_many.status, 400);
    assert_eq!(too_many.error_code(), 25043);

    assert_eq!(c.delete(&format!("{GROUPS}/{rg_id}")).await.status, 204);
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn dial_plan_and_patterns() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let austin = c.location_id("Austin HQ").await;
    let trunk = c.create_trunk("DP Trunk", &austin).await;
    let rg = c
        .post(
            GROUPS,
            &json!({"name": "DP RG", "localGateways": [{"id": trunk, "priority": 1}]}),
        )
        .await
        .id();

    let wrong_type = c
        .post(
            PLANS,
            &json!({"name": "DP", "routeId": rg, "routeType": "TRUNK"}),
        )
        .await;
    assert_eq!(wrong_type.status, 400);

    let created = c
        .post(
            PLANS,
            &json!({"name": "DP", "routeId": rg, "routeType": "ROUTE_GROUP",
                "dialPatterns": ["+1408XXXXXXX", "8XXX", "8XXX", "nope"]}),
        )
        .await;
    assert_eq!(created.status, 201);
    let id = created.id();
    let errors = created.body["dialPatternErrors"].as_array().unwrap();
    let statuses: Vec<_> = errors
        .iter()
        .map(|e| (e["dialPattern"].clone(), e["patternStatus"].clone()))
        .collect();
    assert_eq!(
        statuses,
        [
            (json!("8XXX"), json!("DUPLICATE_IN_LIST")),
            (json!("nope"), json!("INVALID"))
        ]
    );

    let patterns = c.get(&format!("{PLANS}/{id}/dialPatterns")).await;
    assert_eq!(
        patterns.body["dialPatterns"],
        json!(["+1408XXXXXXX", "8XXX"])
    );

    let modify = c
        .put(
            &format!("{PLANS}/{id}/dialPatterns"),
            &json!({"dialPatterns": [{"dialPattern": "+1919XXXXXXX", "action": "ADD"},
                {"dialPattern": "8XXX", "action": "DELETE"}]}),
        )
        .await;
    assert_eq!(modify.status, 204);
    let (all, _) = c
        .collect(&format!("{PLANS}/{id}/dialPatterns?max=1"), "dialPatterns")
        .await;
    assert_eq!(all, [json!("+1408XXXXXXX"), json!("+1919XXXXXXX")]);
    let filtered = c
        .get(&format!("{PLANS}/{id}/dialPatterns?dialPattern=1919"))
        .await;
    assert_eq!(filtered.body["dialPatterns"], json!(["+1919XXXXXXX"]));

    let bad_add = c
        .put(
            &format!("{PLANS}/{id}/dialPatterns"),
            &json!({"dialPatterns": [{"dialPattern": "x", "action": "ADD"}]}),
        )
        .await;
    assert_eq!(bad_add.status, 400);

    // A second plan cannot take a pattern the first one owns.
    let other = c
        .post(PLANS, &json!({"name": "DP2", "routeId": trunk, "routeType": "TRUNK", "dialPatterns": ["+1408XXXXXXX"]}))
        .await;
    assert_eq!(
        other.body["dialPatternErrors"][0]["patternStatus"],
        "DUPLICATE"
    );
    let validate = c
        .post(
            "/telephony/config/premisePstn/actions/validateDialPatterns/invoke",
            &json!({"dialPatterns": ["+1408XXXXXXX", "+1650XXXXXXX"]}),
        )
        .await;
    assert_eq!(validate.body["status"], "ERRORS");
    assert_eq!(
        validate.body["dialPatternStatus"].as_array().unwrap().len(),
        1
    );

    let list = c.get(&format!("{PLANS}?routeGroupName=DP%20RG")).await;
    assert_eq!(
        list.body["dialPlans"],
        json!([{"id": id, "name": "DP", "routeId": rg, "routeName": "DP RG", "routeType": "ROUTE_GROUP"}])
    );
    assert_eq!(
        c.get(&format!("{PLANS}?trunkName=DP%20Trunk")).await.body["dialPlans"][0]["name"],
        "DP2"
    );
    let got = c.get(&format!("{PLANS}/{id}")).await;
    assert!(got.body["customer"]["id"].is_string());

    let put = c
        .put(
            &format!("{PLANS}/{id}"),
            &json!({"name": "DP renamed", "routeId": trunk, "routeType": "TRUNK"}),
        )
        .await;
    assert_eq!(put.status, 204);
    assert_eq!(
        c.get(&format!("{PLANS}/{id}")).await.body["routeName"],
        "DP Trunk"
    );

    let clear = c
        .put(
            &format!("{PLANS}/{id}/dialPatterns"),
            &json!({"deleteAllDialPatterns": true}),
        )
        .await;
    assert_eq!(clear.status, 204);
    assert_eq!(
        c.get(&format!("{PLANS}/{id}/dialPatterns")).await.body["dialPatterns"],
        json!([])
    );
    assert_eq!(c.delete(&format!("{PLANS}/{id}")).await.status, 204);
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn internal_dialing_round_trip() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let madrid = c.location_id("Madrid Branch").await;
    let path = format!("/telephony/config/locations/{madrid}/internalDialing");
    assert_eq!(
        c.get(&path).await.body,
        json!({"enableUnknownExtensionRoutePolicy": false})
    );

    let trunk = c.create_trunk("PBX", &madrid).await;
    let body = json!({"enableUnknownExtensionRoutePolicy": true,
        "unknownExtensionRouteIdentity": {"id": trunk, "name": null, "type": "TRUNK"}});
    assert_eq!(c.put(&path, &body).await.status, 204);
    let got = c.get(&path).await;
    assert_eq!(
        got.body,
        json!({"enableUnknownExtensionRoutePolicy": true,
            "unknownExtensionRouteIdentity": {"id": trunk, "name": "PBX", "type": "TRUNK"}})
    );
    let trunk_got = c.get(&format!("{TRUNKS}/{trunk}")).await;
    assert_eq!(
        trunk_got.body["locationsUsingTrunk"][0]["name"],
        "Madrid Branch"
    );
    assert_eq!(c.get(TRUNKS).await.body["trunks"][0]["inUse"], true);

    let wrong_type = json!({"enableUnknownExtensionRoutePolicy": true,
        "unknownExtensionRouteIdentity": {"id": trunk, "type": "ROUTE_GROUP"}});
    assert_eq!(c.put(&path, &wrong_type).await.status, 400);
    let missing = json!({"unknownExtensionRouteIdentity": {"id": trunk, "type": "TRUNK"}});
    assert_eq!(c.put(&path, &missing).await.status, 400);

    assert_eq!(
        c.put(&path, &json!({"enableUnknownExtensionRoutePolicy": false}))
            .await
            .status,
        204
    );
    assert_eq!(
        c.get(&path).await.body,
        json!({"enableUnknownExtensionRoutePolicy": false})
    );
    assert_eq!(c.delete(&format!("{TRUNKS}/{trunk}")).await.status, 204);
    sb.shutdown().await.unwrap();
}
