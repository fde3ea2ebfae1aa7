//! Location schedules and events: name-derived ids, renames, event CRUD and validation.

mod common;

use common::{Client, sandbox};
use serde_json::json;

#[tokio::test]
async fn schedule_lifecycle_and_rename() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let austin = c.location_id("Austin HQ").await;
    let base = format!("/telephony/config/locations/{austin}/schedules");
    assert_eq!(c.get(&base).await.body, json!({"schedules": []}));

    let monday = json!({"name": "Mon", "startDate": "2026-01-05", "endDate": "2026-01-05", "startTime": "09:00",
        "endTime": "17:00", "allDayEnabled": false,
        "recurrence": {"recurForEver": true, "recurWeekly": {"sunday": false, "monday": true, "tuesday": false,
            "wednesday": false, "thursday": false, "friday": false, "saturday": false}}});
    let created = c
        .post(
            &base,
            &json!({"name": "BH", "type": "businessHours", "events": [monday]}),
        )
        .await;
    assert_eq!(created.status, 201);
    let id = created.id();

    let list = c.get(&format!("{base}?type=businessHours&name=bh")).await;
    assert_eq!(
        list.body["schedules"],
        json!([{"id": id, "name": "BH", "type": "businessHours", "locationName": "Austin HQ", "locationId": austin}])
    );
    let got = c.get(&format!("{base}/businessHours/{id}")).await;
    assert_eq!(got.body["name"], "BH");
    let event = &got.body["events"][0];
    assert!(event["id"].is_string());
    let mut expected = monday.clone();
    expected
        .as_object_mut()
        .unwrap()
        .insert("id".into(), event["id"].clone());
    let mut got_event = event.clone();
    got_event.as_object_mut().unwrap().sort_keys();
    expected.as_object_mut().unwrap().sort_keys();
    assert_eq!(got_event, expected, "events are returned exactly as sent");
    assert_eq!(c.get(&format!("{base}/holidays/{id}")).await.status, 404);

    let dup = c
        .post(&base, &json!({"name": "BH", "type": "businessHours"}))
        .await;
    assert_eq!(dup.status, 409);
    assert_eq!(dup.error_code(), 25030);
    // Same name with the other type is fine.
    assert_eq!(
        c.post(&base, &json!({"name": "BH", "type": "holidays"}))
            .await
            .status,
        201
    );

    let renamed = c
        .put(
            &format!("{base}/businessHours/{id}"),
            &json!({"name": "BH", "newName": "BH2", "type": "businessHours", "events": []}),
        )
        .await;
    assert_eq!(renamed.status, 200);
    let new_id = renamed.id();
    assert_ne!(new_id, id);
    assert_eq!(
        c.get(&format!("{base}/businessHours/{id}")).await.status,
        404
    );
    let got = c.get(&format!("{base}/businessHours/{new_id}")).await;
    assert_eq!(got.body["name"], "BH2");
    assert_eq!(got.body["events"], json!([]));

    assert_eq!(
        c.delete(&format!("{base}/businessHours/{new_id}"))
            .await
            .status,
        204
    );
    assert_eq!(
        c.get(&format!("{base}?type=businessHours")).await.body["schedules"],
        json!([])
    );
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn schedule_events() {
    let sb = sandbox(None).await;
    let c = Client::new(&sb);
    let london = c.location_id("London Office").await;
    let base = format!("/telephony/config/locations/{london}/schedules");
    let id = c
        .post(&base, &json!({"name": "UK Holidays", "type": "holidays"}))
        .await
        .id();
    let events = format!("{base}/holidays/{id}/events");

    let ny = json!({"name": "NY", "startDate": "2026-01-01", "endDate": "2026-01-01", "allDayEnabled": true});
    let created = c.post(&events, &ny).await;
    assert_eq!(created.status, 201);
    let event_id = created.id();
    let got = c.get(&format!("{events}/{event_id}")).await;
    assert_eq!(
        got.body,
        json!({"id": event_id, "name": "NY", "startDate": "2026-01-01", "endDate": "2026-01-01",
        "allDayEnabled": true})
    );
    assert_eq!(c.post(&events, &ny).await.status, 409);

    let mut update = ny.clone();
    update["newName"] = json!("New Year");
    update["endDate"] = json!("2026-01-02");
    let renamed = c.put(&format!("{events}/{event_id}"), &update).await;
    assert_eq!(renamed.status, 200);
    let new_event_id = renamed.id();
    assert_ne!(new_event_id, event_id);
    let got = c.get(&format!("{events}/{new_event_id}")).await;
    assert_eq!(got.body["name"], "New Year");
    assert_eq!(got.body["endDate"], "2026-01-02");
    assert_eq!(c.get(&format!("{events}/{event_id}")).await.status, 404);

    for bad in [
        json!({"name": "X", "startDate": "2026-02-30", "endDate": "2026-02-30", "allDayEnabled": true}),
        json!({"name": "X", "startDate": "2026-01-02", "endDate": "2026-01-01", "allDayEnabled": true}),
        json!({"name": "X", "startDate": "2026-01-02", "endDate": "2026-01-02", "allDayEnabled": false}),
        json!({"name": "X", "startDate": "2026-01-02", "endDate": "2026-01-02", "allDayEnabled": true,
            "recurrence": {"recurYearlyByDay": {"day": "FUNDAY"}}}),
        json!({"startDate": "2026-01-02", "endDate": "2026-01-02", "allDayEnabled": true}),
    ] {
        let resp = c.post(&events, &bad).await;
        assert_eq!(resp.status, 400, "{bad}");
        resp.error_code();
    }
    assert_eq!(
        c.post(&base, &json!({"name": "Odd", "type": "weekends"}))
            .await
            .status,
        400
    );

    assert_eq!(
        c.delete(&format!("{events}/{new_event_id}")).await.status,
        204
    );
    assert_eq!(
        c.get(&format!("{base}/holidays/{id}")).await.body["events"],
        json!([])
    );
    sb.shutdown().await.unwrap();
}
