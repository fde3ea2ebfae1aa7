//! Hostile input, one reproducer per finding of the hardening issue: every failure is exit 1
//! with a position and a message, never a panic (101), an abort (134), a signal or a hang. Each
//! command runs under a time limit; a hang is a killed process, so no exit code, so a failure.

mod common;

use common::{Output, Workspace};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(20);

fn doc(kind: &str, name: &str, spec: &str) -> String {
    format!("apiVersion: switchboard/v1\nkind: {kind}\nmetadata:\n  name: {name}\nspec:\n{spec}")
}

fn trunk(extra: &str) -> String {
    doc(
        "Trunk",
        "t",
        &format!(
            "  name: T\n  locationRef: madrid-hq\n  password: ${{env:P:-x1}}\n  trunkType: REGISTERING\n{extra}"
        ),
    )
}

/// The binary under the time limit.
fn run(ws: &Workspace, args: &[&str]) -> Output {
    let out = ws.cmd().args(args).timeout(LIMIT).output().expect("runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `validate` fails with exit 1 and every `expect` in stderr.
fn refused(ws: &Workspace, args: &[&str], expect: &[&str]) -> Output {
    let out = run(ws, args);
    assert_eq!(
        out.code, 1,
        "expected exit 1 (a code of -1 is a hang killed after {LIMIT:?} or a signal)\nstdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    for e in expect {
        assert!(out.stderr.contains(e), "expected `{e}` in:\n{}", out.stderr);
    }
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    out
}

fn validate_rejects(file: &str, text: &str, expect: &[&str]) -> Output {
    let ws = Workspace::new();
    ws.write(&format!("manifests/{file}"), text);
    refused(&ws, &["validate", "manifests"], expect)
}

// ---------------------------------------------------------------- 1. the manifest walk

#[cfg(unix)]
#[test]
fn symlinks_to_the_folder_itself_are_a_named_loop_not_an_exponential_walk() {
    let ws = Workspace::new();
    for link in ["a", "b", "c", "d"] {
        std::os::unix::fs::symlink(".", ws.file(&format!("manifests/{link}"))).expect("link");
    }
    refused(
        &ws,
        &["validate", "manifests"],
        &["manifests/a:1:1", "symlink loop"],
    );
}

#[cfg(unix)]
#[test]
fn a_folder_linked_twice_is_read_once() {
    let ws = Workspace::new();
    ws.write(
        "shared/extra.yaml",
        &trunk("")
            .replace("name: t\n", "name: extra\n")
            .replace("name: T\n", "name: Extra\n"),
    );
    std::os::unix::fs::symlink("../shared", ws.file("manifests/one")).expect("link");
    std::os::unix::fs::symlink("../shared", ws.file("manifests/two")).expect("link");
    let out = run(&ws, &["validate", "manifests"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("duplicate"), "{}", out.stderr);
}

#[cfg(unix)]
#[test]
fn a_fifo_named_yaml_is_refused_without_blocking() {
    let ws = Workspace::new();
    let fifo = ws.file("manifests/pipe.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    refused(
        &ws,
        &["validate", "manifests"],
        &["manifests/pipe.yaml:1:1", "not a regular file (a FIFO)"],
    );
    // Named on the command line, too.
    refused(
        &ws,
        &["validate", "manifests/pipe.yaml"],
        &["pipe.yaml:1:1", "a FIFO"],
    );
}

#[cfg(unix)]
#[test]
fn a_yaml_link_to_dev_zero_is_refused_not_read_until_memory_runs_out() {
    let ws = Workspace::new();
    std::os::unix::fs::symlink("/dev/zero", ws.file("manifests/zero.yaml")).expect("link");
    refused(
        &ws,
        &["validate", "manifests"],
        &["manifests/zero.yaml:1:1", "not a regular file (a device)"],
    );
    refused(
        &ws,
        &["validate", "/dev/zero"],
        &["/dev/zero:1:1", "a device"],
    );
}

#[test]
fn an_oversize_file_is_refused_naming_the_limit() {
    let ws = Workspace::new();
    let mut text = String::from("# padding\n");
    text.push_str(&"#".repeat(8 * 1024 * 1024));
    ws.write("manifests/big.yaml", &text);
    let out = refused(
        &ws,
        &["validate", "manifests"],
        &["manifests/big.yaml:1:1", "larger than the 8 MiB limit"],
    );
    assert!(
        out.stderr.len() < 4096,
        "{} bytes of stderr",
        out.stderr.len()
    );
}

// ---------------------------------------------------------------- 2. validation gaps

#[test]
fn a_set_with_no_documents_is_an_error() {
    for (what, text) in [
        ("empty", ""),
        ("comment-only", "# nothing here\n# at all\n"),
        ("whitespace-only", "  \n\n\t\n   \n"),
        ("empty documents", "---\n---\n...\n"),
    ] {
        let ws = Workspace::new();
        std::fs::remove_dir_all(ws.file("manifests")).expect("clear");
        ws.write("manifests/only.yaml", text);
        let out = refused(
            &ws,
            &["validate", "manifests"],
            &["manifests/only.yaml:1:1", "no manifest documents"],
        );
        assert!(!out.stdout.contains("0 manifest"), "{what}: {}", out.stdout);
    }
    let ws = Workspace::new();
    std::fs::remove_dir_all(ws.file("manifests")).expect("clear");
    std::fs::create_dir_all(ws.file("manifests")).expect("mkdir");
    let out = refused(&ws, &["validate", "manifests"], &["no manifest files"]);
    assert!(out.stderr.contains("manifests:1:1"), "{}", out.stderr);
    assert!(!out.stderr.contains(":0:0"), "{}", out.stderr);
}

#[test]
fn blank_names_are_refused() {
    validate_rejects(
        "blank.yaml",
        &trunk("").replace("name: T\n", "name: \"   \"\n"),
        &[
            "blank.yaml:6:9",
            "Trunk/t",
            "/spec/name",
            "must not be blank",
        ],
    );
    validate_rejects(
        "blank.yaml",
        &doc(
            "Schedule",
            "s",
            "  name: S\n  type: holidays\n  locationRef: madrid-hq\n  events:\n    - {name: \"\\t \", startDate: \"2027-01-01\", endDate: \"2027-01-01\"}\n",
        ),
        &["/spec/events/0/name"],
    );
}

#[test]
fn out_of_range_numbers_are_refused() {
    for (extra, path, message) in [
        (
            "  maxConcurrentCalls: 5000\n",
            "/spec/maxConcurrentCalls",
            "maximum of 1000",
        ),
        (
            "  maxConcurrentCalls: 0\n",
            "/spec/maxConcurrentCalls",
            "minimum of 1",
        ),
        ("  port: 70000\n", "/spec/port", "maximum of 65535"),
        ("  port: 0\n", "/spec/port", "minimum of 1"),
    ] {
        validate_rejects(
            "range.yaml",
            &trunk(extra),
            &["range.yaml:10:", path, message],
        );
    }
    validate_rejects(
        "range.yaml",
        &doc(
            "RouteGroup",
            "rg",
            "  name: RG\n  localGateways: [{trunkRef: madrid-sbc-1, priority: 11}]\n",
        ),
        &["/spec/localGateways/0/priority", "maximum of 10"],
    );
    validate_rejects(
        "range.yaml",
        &doc(
            "Schedule",
            "s",
            "  name: S\n  type: businessHours\n  locationRef: madrid-hq\n  events:\n    - name: E\n      startDate: \"2027-01-01\"\n      endDate: \"2027-01-01\"\n      recurrence: {recurDaily: {recurInterval: 0}}\n",
        ),
        &[
            "/spec/events/0/recurrence/recurDaily/recurInterval",
            "minimum of 1",
        ],
    );
}

#[test]
fn control_bidi_and_zero_width_characters_are_refused_with_their_code_point() {
    for (escaped, code) in [
        ("\\0", "U+0000"),
        ("\\e[31m", "U+001B"),
        ("\\t", "U+0009"),
        ("\\x9b", "U+009B"),
        ("\\x7f", "U+007F"),
        ("\\u202E", "U+202E"),
        ("\\u2066", "U+2066"),
        ("\\u200B", "U+200B"),
        ("\\u200D", "U+200D"),
        ("\\u2060", "U+2060"),
        ("\\uFEFF", "U+FEFF"),
    ] {
        // In a spec name, at character 4 (after `abc`).
        let text = trunk("").replace("name: T\n", &format!("name: \"abc{escaped}d\"\n"));
        let out = validate_rejects(
            "chars.yaml",
            &text,
            &["chars.yaml:6:9", "/spec/name", code, "at character 4"],
        );
        assert!(
            !out.stderr.contains('\u{1b}'),
            "raw ESC echoed: {}",
            out.stderr
        );
        // In any other string of the document (a tab is fine in free text, not in a name).
        if escaped != "\\t" {
            let text = trunk(&format!("  domain: \"x{escaped}\"\n"));
            validate_rejects(
                "chars.yaml",
                &text,
                &["/spec/domain", code, "at character 2"],
            );
        }
    }
    // Free text may span lines: a location's notes with a line break and a tab validate.
    let ws = Workspace::new();
    let locations = std::fs::read_to_string(ws.file("manifests/10-locations.yaml")).expect("read");
    ws.write(
        "manifests/10-locations.yaml",
        &locations.replace(
            "  timeZone:",
            "  notes: \"first line\\n\\tsecond line\"\n  timeZone:",
        ),
    );
    let ok = run(&ws, &["validate", "manifests"]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    let text = trunk("").replace("name: t\n", "name: \"t\\u202E\"\n");
    validate_rejects("chars.yaml", &text, &["/metadata/name", "U+202E"]);
}

#[test]
fn huge_values_are_echoed_truncated() {
    // Under the file limit, so the schema check (which echoes values) sees them.
    let huge = "a".repeat(7 * 1024 * 1024);
    for (text, echoed) in [
        (
            trunk("").replace("name: t\n", &format!("name: {huge}\n")),
            true,
        ),
        (
            trunk("").replace("name: T\n", &format!("name: {huge}\n")),
            true,
        ),
        (trunk(&format!("  domain: [{huge}]\n")), true),
        (doc(&huge, "x", "  name: X\n"), true),
        // YAML caps a plain key at 1024 characters: a syntax error, short by itself.
        (trunk(&format!("  {huge}: 1\n")), false),
    ] {
        let out = validate_rejects("huge.yaml", &text, &["huge.yaml:"]);
        assert!(
            out.stderr.len() < 4096,
            "{} bytes of stderr",
            out.stderr.len()
        );
        if echoed {
            assert!(out.stderr.contains("bytes)"), "{}", out.stderr);
        }
    }
    // Over it: refused before parsing.
    let name = "a".repeat(50 * 1024 * 1024);
    let out = validate_rejects(
        "huge.yaml",
        &trunk("").replace("name: T\n", &format!("name: {name}\n")),
        &["larger than the 8 MiB limit"],
    );
    assert!(
        out.stderr.len() < 4096,
        "{} bytes of stderr",
        out.stderr.len()
    );
}

#[test]
fn a_kind_that_is_not_a_string_says_so() {
    validate_rejects(
        "kind.yaml",
        &doc("5", "x", "  name: X\n"),
        &[
            "kind.yaml:2:7",
            "`kind` must be a string, not a number",
            "known kinds:",
        ],
    );
    validate_rejects(
        "kind.yaml",
        &doc("[Trunk]", "x", "  name: X\n"),
        &["`kind` must be a string, not a list"],
    );
}

#[test]
fn a_malformed_env_file_is_an_error_naming_the_file_and_line() {
    let ws = Workspace::new();
    ws.write(
        ".env",
        "GOOD=1\n# a comment\nthis line is not valid secret-ish\nLATER=2\n",
    );
    let out = refused(
        &ws,
        &["validate", "manifests"],
        &[".env:3:", "cannot parse"],
    );
    assert_eq!(out.stderr.matches(".env:3:").count(), 1, "{}", out.stderr);
    assert!(
        !out.stderr.contains("secret-ish"),
        "the line is echoed: {}",
        out.stderr
    );
    // A well-formed one is read as before.
    ws.write(".env", "GOOD=1\nLATER=2\n");
    assert_eq!(run(&ws, &["validate", "manifests"]).code, 0);
}

// ---------------------------------------------------------------- 3. terminal and markdown

#[test]
fn escape_sequences_in_live_values_never_reach_the_terminal() {
    let ws = Workspace::new();
    assert_eq!(run(&ws, &["apply", "manifests", "--yes"]).code, 0);
    let locations = ws.sandbox("GET", "/locations", None);
    let madrid = locations["items"]
        .as_array()
        .and_then(|items| items.iter().find(|l| l["name"] == "Madrid HQ"))
        .and_then(|l| l["id"].as_str())
        .expect("madrid")
        .to_string();
    let evil = "Old \u{1b}[2J\u{1b}]0;pwned\u{7}\u{9b}31m\u{202e} SBC";
    let body = serde_json::json!({"name": evil, "locationId": madrid,
        "password": "Out-Of-Band-Pw1", "trunkType": "REGISTERING"});
    ws.sandbox(
        "POST",
        "/telephony/config/premisePstn/trunks",
        Some(&body.to_string()),
    );
    ws.write(
        "manifests/90-ownership.yaml",
        "apiVersion: switchboard/v1\nkind: Ownership\nmetadata: {name: old}\nspec:\n  kind: Trunk\n  match:\n    namePattern: \"Old *\"\n",
    );
    for format in ["text", "markdown"] {
        let out = run(&ws, &["plan", "manifests", "--format", format]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        for raw in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
            assert!(
                !out.stdout.contains(raw),
                "{format}: raw {raw:?} in:\n{}",
                out.stdout
            );
        }
        assert!(
            out.stdout.contains("\\u{1b}[2J"),
            "{format}: {}",
            out.stdout
        );
    }
}

#[test]
fn a_value_cannot_break_the_markdown_plan_out_of_its_block() {
    let ws = Workspace::new();
    let evil = "Evil ``` </details> <b>x</b> ````";
    ws.write(
        "manifests/40-evil.yaml",
        &doc(
            "Location",
            "evil",
            &format!("  name: \"{evil}\"\n  timeZone: UTC\n  preferredLanguage: en_us\n  announcementLanguage: en_us\n  address: {{address1: a, city: b, state: c, postalCode: d, country: US}}\n"),
        ),
    );
    let out = run(&ws, &["plan", "manifests", "--format", "markdown"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let md = out.stdout;
    let lines: Vec<&str> = md.lines().collect();
    let opened = lines.iter().filter(|l| l.starts_with("<details>")).count();
    let closed = lines.iter().filter(|l| **l == "</details>").count();
    assert_eq!(opened, closed, "{md}");
    // Walk the fences as CommonMark does: a block closes only on a fence at least as long.
    let mut open: Option<usize> = None;
    for line in &lines {
        let run = line.chars().take_while(|c| *c == '`').count();
        match open {
            None if run >= 3 => open = Some(run),
            Some(n) if run >= n && line.trim_end().len() == run => open = None,
            Some(_) => assert_ne!(*line, "</details>", "</details> inside a code block:\n{md}"),
            None => {}
        }
    }
    assert_eq!(open, None, "a code block is left open:\n{md}");
    assert!(md.contains("`````diff"), "{md}");
    assert!(md.contains(&format!("+ name: \"{evil}\"")), "{md}");
}

// ---------------------------------------------------------------- 4. saved plans and config

#[test]
fn garbage_plans_and_configs_exit_1_not_101() {
    let ws = Workspace::new();
    for (i, text) in [
        "garbage",
        "",
        "{}",
        "[]",
        "{\"format\": 2}",
        "{\"format\": 99999999999999999999999}",
        "{\"format\": 2, \"actions\": [{}]}",
        "\u{0}\u{1b}",
    ]
    .iter()
    .enumerate()
    {
        let file = format!("garbage{i}.json");
        ws.write(&file, text);
        let out = refused(&ws, &["apply", &file, "--yes"], &[]);
        assert!(!out.stderr.contains('\u{1b}'), "{}", out.stderr);
    }
    for text in [
        "environments: 5\n",
        "targets: [[[[\n",
        "\u{0}",
        "environments: {a: {targets: 7}}\n",
    ] {
        ws.write("switchboard.yaml", text);
        refused(&ws, &["validate", "manifests"], &[]);
    }
}
