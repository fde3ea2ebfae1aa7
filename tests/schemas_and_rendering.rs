//! The committed schemas match the Rust types, and plan renderings stay as reviewed (insta).

mod common;
use common::Workspace;
use switchboard::manifest::schemas::all_schema_files;

#[test]
fn committed_schemas_are_up_to_date() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    for (name, text) in all_schema_files() {
        let on_disk = std::fs::read_to_string(dir.join(&name)).unwrap_or_default();
        assert!(
            on_disk == text,
            "schemas/{name} is stale: run `cargo run -- schema --out schemas`"
        );
    }
}

fn plan(format: &str) -> String {
    let ws = Workspace::new();
    let out = ws.run(&["plan", "manifests", "--format", format]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout
}

#[test]
fn text_plan_snapshot() {
    insta::with_settings!({filters => vec![(r"\d{4}-\d{2}-\d{2}T[0-9:.]+Z", "[time]")]}, {
        insta::assert_snapshot!(plan("text"));
    });
}

#[test]
fn markdown_plan_snapshot() {
    insta::with_settings!({filters => vec![(r"\d{4}-\d{2}-\d{2}T[0-9:.]+Z", "[time]"), (r"checksum `[0-9a-f]+`", "checksum `[sum]`")]}, {
        insta::assert_snapshot!(plan("markdown"));
    });
}

#[test]
fn json_plan_snapshot() {
    let value: serde_json::Value = serde_json::from_str(&plan("json")).expect("json");
    insta::assert_json_snapshot!(value, {
        ".generatedAt" => "[time]",
        ".observedAt" => "[time]",
        ".checksum" => "[checksum]",
        ".switchboardVersion" => "[version]",
    });
}
