//! `switchboard sandbox seed`: a generated org plus matching manifests that validate and plan as
//! four creates per site against the embedded sandbox.

mod common;

use common::Workspace;

#[test]
fn seeded_org_and_manifests_validate_and_plan() {
    let ws = Workspace::new();
    let out = ws.run(&[
        "sandbox",
        "seed",
        "--locations",
        "5",
        "--people",
        "40",
        "--numbers-per-location",
        "12",
        "--manifests",
        "generated",
    ]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(ws.file("state/sandbox/org.json").exists());
    for i in 1..=5 {
        assert!(ws.file(&format!("generated/site-{i:04}.yaml")).exists());
    }

    // The generated sites are live locations the manifests refer to by name.
    let names = ws.location_names();
    assert!(names.contains(&"Site 0001".to_string()), "{names:?}");
    assert!(names.contains(&"Site 0005".to_string()), "{names:?}");
    assert!(names.contains(&"Austin HQ".to_string()), "{names:?}");

    let validate = ws.run(&["validate", "generated"]);
    assert_eq!(validate.code, 0, "{}{}", validate.stdout, validate.stderr);
    assert!(
        validate.stdout.contains("20 manifest(s) valid"),
        "{}",
        validate.stdout
    );

    let plan = ws.run(&["plan", "generated"]);
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout
            .contains("Plan: 20 to create, 0 to update, 0 to delete, 0 pending"),
        "{}",
        plan.stdout
    );
}

#[test]
fn seed_refuses_to_overwrite_without_force() {
    let ws = Workspace::new();
    let args = ["sandbox", "seed", "--locations", "2", "--people", "3"];
    assert_eq!(ws.run(&args).code, 0);
    let again = ws.run(&args);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    let mut forced = args.to_vec();
    forced.push("--force");
    assert_eq!(ws.run(&forced).code, 0);
}

#[test]
fn serve_rejects_a_bad_probability() {
    let ws = Workspace::new();
    let out = ws.run(&["sandbox", "serve", "--port", "0", "--error-rate", "1.5"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("errorRate"), "{}", out.stderr);
    assert!(out.stderr.contains("[0, 1]"), "{}", out.stderr);
}
