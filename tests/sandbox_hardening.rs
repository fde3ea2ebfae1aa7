//! `switchboard sandbox …` hardening, through the real binary: one process owns a sandbox org at a
//! time (a second `serve` is refused naming the owner, `request` goes through the running server
//! and its change survives), state files are private, and absurd fault numbers are refused.

mod common;

use std::path::Path;
use std::time::Duration;

use common::Workspace;
use common::served::Served;

fn location_body(name: &str) -> String {
    serde_json::json!({
        "name": name, "timeZone": "America/New_York", "preferredLanguage": "en_us",
        "announcementLanguage": "en_us",
        "address": {"address1": "1 Main St", "city": "Austin", "state": "TX",
                    "postalCode": "78701", "country": "US"}
    })
    .to_string()
}

fn names_in(org_json: &Path) -> String {
    std::fs::read_to_string(org_json).expect("org.json")
}

#[test]
fn a_second_serve_on_the_same_org_is_refused_naming_the_owner() {
    let ws = Workspace::new();
    let dir = ws.file("org");
    let first = Served::start(&dir, &[]);
    let second = ws.run(&[
        "sandbox",
        "serve",
        "--port",
        "0",
        "--sandbox-dir",
        dir.to_str().unwrap(),
    ]);
    assert_ne!(second.code, 0, "{}{}", second.stdout, second.stderr);
    let expected = format!(
        "the sandbox org at {} is in use by pid {} (started ",
        dir.display(),
        first.pid()
    );
    assert!(second.stderr.contains(&expected), "{}", second.stderr);
    let origin = first.url.trim_end_matches("/v1");
    assert!(second.stderr.contains(origin), "{}", second.stderr);

    // Nor may it be reset or reseeded under the running server.
    let reset = ws.run(&["sandbox", "reset", "--sandbox-dir", dir.to_str().unwrap()]);
    assert_ne!(reset.code, 0);
    assert!(reset.stderr.contains("in use by pid"), "{}", reset.stderr);
    assert!(dir.join("org.json").exists());
    first.stop();
}

#[test]
fn request_goes_through_the_running_server_and_is_persisted() {
    let ws = Workspace::new();
    let dir = ws.file("org");
    let dir_arg = dir.to_str().unwrap();
    let serve = Served::start(&dir, &[]);
    let created = ws.run(&[
        "sandbox",
        "request",
        "POST",
        "/locations",
        "--body",
        &location_body("Through The Server"),
        "--sandbox-dir",
        dir_arg,
    ]);
    assert_eq!(created.code, 0, "{}{}", created.stdout, created.stderr);
    assert!(created.stderr.contains(&serve.url.replace("/v1", "")));

    // Visible through the server at once…
    let listed = ws.run(&[
        "sandbox",
        "request",
        "GET",
        "/locations",
        "--sandbox-dir",
        dir_arg,
    ]);
    assert!(
        listed.stdout.contains("Through The Server"),
        "{}",
        listed.stdout
    );
    // …and a create made through the server (an ordinary client) is not lost either.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = runtime.block_on(async {
        reqwest::Client::new()
            .post(format!("{}/locations", serve.url))
            .bearer_auth("t")
            .header("content-type", "application/json")
            .body(location_body("Direct Client"))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 201);
    serve.stop();

    let org = names_in(&dir.join("org.json"));
    assert!(
        org.contains("Through The Server"),
        "lost the request's create"
    );
    assert!(org.contains("Direct Client"), "lost the server's create");
    // With no server, request opens the org itself and still sees both.
    let after = ws.run(&[
        "sandbox",
        "request",
        "GET",
        "/locations",
        "--sandbox-dir",
        dir_arg,
    ]);
    assert_eq!(after.code, 0, "{}", after.stderr);
    assert!(after.stdout.contains("Through The Server"));
    assert!(after.stdout.contains("Direct Client"));
    assert!(!after.stderr.contains("Sending to the sandbox"));
}

#[cfg(unix)]
#[test]
fn state_files_are_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let ws = Workspace::new();
    let dir = ws.file("org");
    // A dir and a file left world-readable by an older build are tightened.
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    Served::start(&dir, &[]).stop();
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("org.json")), 0o600);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(dir.join("org.json"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = ws.run(&[
        "sandbox",
        "request",
        "POST",
        "/locations",
        "--body",
        &location_body("Private"),
        "--sandbox-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("org.json")), 0o600);
    // The default dir of an embedded run too.
    let plan = ws.run(&["sandbox", "request", "GET", "/locations"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert_eq!(mode(&ws.file("state/sandbox")), 0o700);
    assert_eq!(mode(&ws.file("state/sandbox/org.json")), 0o600);
}

#[test]
fn absurd_fault_numbers_are_refused_up_front() {
    let ws = Workspace::new();
    let dir = ws.file("org");
    for flags in [
        ["--rate-limit", "1e-300"],
        ["--rate-limit", "NaN"],
        ["--rate-limit", "inf"],
        ["--latency-ms", "99999999"],
        ["--burst", "0"],
        ["--error-rate", "2"],
    ] {
        let mut args = vec!["sandbox", "serve", "--port", "0", "--sandbox-dir"];
        args.push(dir.to_str().unwrap());
        args.extend(flags);
        let out = ws.run(&args);
        assert_ne!(out.code, 0, "{flags:?} accepted");
        assert!(
            out.stderr.contains("invalid fault configuration"),
            "{flags:?}: {}",
            out.stderr
        );
    }
    // A slow but valid rate limit answers 429 with a small whole number of seconds.
    let serve = Served::start(&dir, &["--rate-limit", "0.001", "--burst", "1"]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let retry_after = runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut last = None;
        for _ in 0..2 {
            let r = client
                .get(format!("{}/locations", serve.url))
                .bearer_auth("t")
                .timeout(Duration::from_secs(5))
                .send()
                .await
                .unwrap();
            last = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
        }
        last
    });
    let secs: u64 = retry_after
        .expect("a 429 with Retry-After")
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&secs), "{secs}");
    serve.stop();
}
