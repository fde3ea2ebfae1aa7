//! One sandbox owns a state dir at a time: a second start over the same dir is refused naming the
//! owner (or, with `lock_timeout`, waits for it and then sees every change it made).

mod common;

use std::time::{Duration, Instant};

use common::Client;
use serde_json::json;
use switchboard_sandbox::{OrgInUse, SandboxOptions, org_owner, start};

fn options(dir: &std::path::Path, lock_timeout: Duration) -> SandboxOptions {
    SandboxOptions {
        state_dir: Some(dir.to_path_buf()),
        lock_timeout,
        ..SandboxOptions::default()
    }
}

fn location_body(name: &str) -> serde_json::Value {
    json!({"name": name, "timeZone": "America/New_York", "preferredLanguage": "en_us",
        "announcementLanguage": "en_us",
        "address": {"address1": "1 Main St", "city": "Austin", "state": "TX",
                    "postalCode": "78701", "country": "US"}})
}

#[tokio::test]
async fn second_sandbox_on_a_dir_is_refused_then_waits_and_sees_the_first_ones_changes() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(options(dir.path(), Duration::ZERO)).await.unwrap();
    let owner = org_owner(dir.path()).unwrap().expect("owned");
    assert_eq!(owner.pid, std::process::id());
    assert_eq!(
        owner.url.as_deref(),
        Some(first.base_url().trim_end_matches("/v1"))
    );

    let err = start(options(dir.path(), Duration::ZERO))
        .await
        .err()
        .expect("refused");
    let busy = err.downcast_ref::<OrgInUse>().expect("OrgInUse");
    assert_eq!(busy.holder.as_ref().unwrap().pid, std::process::id());
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!(
            "the sandbox org at {} is in use by pid {} (started ",
            dir.path().display(),
            std::process::id()
        )),
        "{msg}"
    );

    // A waiting start gets the org once the first stops, with the first one's create in it.
    let created = Client::new(&first)
        .post("/locations", &location_body("Made By First"))
        .await;
    assert_eq!(created.status, 201);
    let waiter = tokio::spawn({
        let dir = dir.path().to_path_buf();
        async move {
            let started = Instant::now();
            let second = start(options(&dir, Duration::from_secs(10))).await;
            (second, started.elapsed())
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    first.shutdown().await.unwrap();
    let (second, waited) = waiter.await.unwrap();
    let second = second.expect("started after waiting");
    assert!(waited >= Duration::from_millis(250), "{waited:?}");
    let names = Client::new(&second)
        .get("/locations")
        .await
        .body
        .to_string();
    assert!(names.contains("Made By First"), "{names}");
    second.shutdown().await.unwrap();
    assert_eq!(org_owner(dir.path()).unwrap(), None, "released on shutdown");
}
