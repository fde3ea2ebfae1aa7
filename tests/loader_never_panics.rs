//! The manifest loader is the first thing hostile or broken input meets: whatever bytes a file
//! holds, load → validate → resolve must answer `Ok` or `Err(diagnostics)`, never panic.
//! Property tests feed it raw bytes, YAML-ish text, mutated quickstart manifests and
//! structurally mutated documents; one test drives the built binary with the nastiest cases.

mod common;
mod fuzz;

use common::Workspace;
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::json;
use std::path::PathBuf;
use switchboard::manifest::validate::validate_document;
use switchboard::manifest::yaml::parse_documents;
use switchboard::manifest::{self, Diagnostics};
use switchboard::resolve;

const QUICKSTART: [&str; 3] = [
    include_str!("../examples/quickstart/10-locations.yaml"),
    include_str!("../examples/quickstart/20-routing.yaml"),
    include_str!("../examples/quickstart/30-madrid-calling.yaml"),
];

/// Secrets resolve for some names and not others, so both interpolation paths run.
fn env(name: &str) -> Option<String> {
    match name {
        "SET" | "P" => Some("Sandbox-Only-Passw0rd".to_string()),
        "EMPTY" => Some(String::new()),
        _ => None,
    }
}

fn cases(n: u32) -> Config {
    Config {
        cases: n,
        // A found panic is shrunk; keep that bounded so a failure still reports quickly.
        max_shrink_iters: 2048,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Every problem comes back as diagnostics with a file to point at, never as an empty error.
fn check_diagnostics(d: &Diagnostics) {
    assert!(!d.is_empty(), "an Err must carry at least one diagnostic");
    for problem in &d.0 {
        assert!(!problem.message.is_empty(), "empty message: {problem:?}");
    }
}

/// The whole front half on a set of files: write them, load + validate, then resolve.
fn load_files(files: &[Vec<u8>]) {
    let dir = tempfile::tempdir().expect("temp dir");
    for (i, bytes) in files.iter().enumerate() {
        std::fs::write(dir.path().join(format!("m{i:02}.yaml")), bytes).expect("write");
    }
    match manifest::load(&[dir.path().to_path_buf()], &env) {
        Ok(set) => {
            if let Err(d) = resolve::resolve(set) {
                check_diagnostics(&d);
            }
        }
        Err(d) => check_diagnostics(&d),
    }
}

/// The in-memory entry points on one text: parse, then validate each document on its own.
fn parse_and_validate(text: &str) {
    if let Ok(docs) = parse_documents("fuzz.yaml", text) {
        for doc in &docs {
            // Positions must be answerable for any pointer, present or not.
            let _ = doc.map.value_pos("/spec/name/0/~1x");
            let _ = doc.map.key_pos("/metadata/name");
            let _ = validate_document(doc, &env);
        }
    }
}

fn exercise_bytes(bytes: &[u8]) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        parse_and_validate(text);
    }
    load_files(&[bytes.to_vec()]);
}

// ---------------------------------------------------------------- text-level strategies

/// Fragments that stress a YAML parser: indicators, anchors/aliases, tags, merge keys,
/// directives, odd whitespace, huge and special numbers, secret templates, multi-byte and
/// invalid UTF-8.
#[rustfmt::skip]
const NASTY: &[&[u8]] = &[
    b"\t", b"  ", b"\n", b"\r\n", b"\r", b"\0", b"\xef\xbb\xbf", b"\xff", b"\xc3", b"\xed\xa0\x80",
    "é".as_bytes(), "🦀".as_bytes(), "\u{2028}".as_bytes(), b"- ", b"? ", b": ", b"[", b"]",
    b"{", b"}", b",", b"#", b"|", b">-", b"|+2", b"'", b"\"", b"\\u00", b"\\x", b"&a ", b"*a",
    b"&a [*a]", b"<<: *a", b"!!binary ", b"!!int ", b"!!str ", b"!!map ", b"!local ", b"!<tag:x> ",
    b"%YAML 1.2\n", b"%TAG ! tag:x,2000:\n", b"---\n", b"...\n", b"--- |\n", b"~", b"null",
    b"true", b"NO", b"0x1F", b"0o17", b"1_000", b"99999999999999999999999999999", b"-1e400",
    b"1e400", b".nan", b"-.inf", b"-0", b"${env:", b"${env:SET}", b"${env:UNSET}", b"${env:}",
    b"${env:X:-", b"${env:EMPTY}", b"}", b"kind: ", b"apiVersion: switchboard/v1\n",
    b"metadata: {name: x}\n", b"spec:\n", b"Ref: ", b"name: ", b"Trunk", b"Person", b"Location",
    b"[[[[[[[[[[[[[[[[", b"{a: {a: {a: {a: ", b"\"\\uD800\"", b"'\\'", b"@", b"`", b"%",
];

fn nasty_fragment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => proptest::sample::select(NASTY).prop_map(<[u8]>::to_vec),
        1 => proptest::collection::vec(any::<u8>(), 1..8),
        1 => "[a-zA-Z0-9 :._/-]{1,12}".prop_map(String::into_bytes),
    ]
}

/// One edit of a byte string; positions are taken modulo the current length, so they may
/// split a multi-byte character (which is the point).
#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Replace(usize, Vec<u8>),
    Truncate(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    Indent(usize, usize),
    TabsForSpaces,
}

fn edit() -> impl Strategy<Value = Edit> {
    let pos = any::<usize>();
    prop_oneof![
        4 => (pos, nasty_fragment()).prop_map(|(p, f)| Edit::Insert(p, f)),
        2 => (pos, 1usize..24).prop_map(|(p, n)| Edit::Delete(p, n)),
        3 => (pos, nasty_fragment()).prop_map(|(p, f)| Edit::Replace(p, f)),
        1 => pos.prop_map(Edit::Truncate),
        1 => pos.prop_map(Edit::DuplicateLine),
        1 => (pos, pos).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        1 => (pos, 1usize..9).prop_map(|(l, n)| Edit::Indent(l, n)),
        1 => Just(Edit::TabsForSpaces),
    ]
}

fn apply_edit(text: &mut Vec<u8>, edit: &Edit) {
    let at = |p: usize, len: usize| if len == 0 { 0 } else { p % (len + 1) };
    match edit {
        Edit::Insert(p, f) => {
            let i = at(*p, text.len());
            text.splice(i..i, f.iter().copied());
        }
        Edit::Delete(p, n) => {
            let i = at(*p, text.len());
            let end = (i + n).min(text.len());
            text.drain(i..end);
        }
        Edit::Replace(p, f) => {
            let i = at(*p, text.len());
            let end = (i + f.len()).min(text.len());
            text.splice(i..end, f.iter().copied());
        }
        Edit::Truncate(p) => {
            let i = at(*p, text.len());
            text.truncate(i);
        }
        Edit::DuplicateLine(l) | Edit::Indent(l, _) | Edit::SwapLines(l, _) => {
            let mut lines: Vec<Vec<u8>> = text.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
            let n = lines.len();
            let i = l % n;
            match edit {
                Edit::DuplicateLine(_) => {
                    let line = lines[i].clone();
                    lines.insert(i, line);
                }
                Edit::Indent(_, by) => {
                    let mut line = vec![b' '; *by];
                    line.extend_from_slice(&lines[i]);
                    lines[i] = line;
                }
                Edit::SwapLines(_, other) => lines.swap(i, other % n),
                _ => unreachable!(),
            }
            *text = lines.join(&b'\n');
        }
        Edit::TabsForSpaces => {
            *text = String::from_utf8_lossy(text)
                .replace("  ", "\t")
                .into_bytes();
        }
    }
}

/// A quickstart file (or all of them joined) with a handful of random edits applied.
fn mutated_manifest() -> impl Strategy<Value = Vec<u8>> {
    let base = prop_oneof![
        proptest::sample::select(&QUICKSTART[..]).prop_map(str::to_string),
        Just(QUICKSTART.join("---\n")),
    ];
    (base, proptest::collection::vec(edit(), 1..8)).prop_map(|(base, edits)| {
        let mut text = base.into_bytes();
        for e in &edits {
            apply_edit(&mut text, e);
        }
        text
    })
}

/// Text built only from YAML-significant fragments: more likely than raw bytes to get deep
/// into the parser.
fn yamlish_text() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(nasty_fragment(), 0..40).prop_map(|parts| parts.concat())
}

/// Deeply nested flow or block collections, possibly unterminated, and aliases: to itself, or
/// a chain of aliases to nested lists (each expansion is a deep copy in saphyr).
fn deep_nesting() -> impl Strategy<Value = Vec<u8>> {
    (0usize..6, 1usize..4000, any::<bool>()).prop_map(|(style, depth, close)| {
        let mut s = String::from(
            "apiVersion: switchboard/v1\nkind: Trunk\nmetadata: {name: t}\nspec:\n  name: ",
        );
        match style {
            0 => {
                s.push_str(&"[".repeat(depth));
                if close {
                    s.push_str(&"]".repeat(depth));
                }
            }
            1 => {
                s.push_str(&"{a: ".repeat(depth));
                s.push('1');
                if close {
                    s.push_str(&"}".repeat(depth));
                }
            }
            2 => {
                // Compact block sequences: two bytes per level, no nesting limit in saphyr.
                s.push_str("\n    ");
                s.push_str(&"- ".repeat(depth));
                s.push('x');
            }
            3 => {
                s.push('\n');
                for d in 0..depth.min(300) {
                    s.push_str(&" ".repeat(2 * d + 4));
                    s.push_str("- \n");
                }
            }
            4 => {
                s.push_str("&a [");
                for _ in 0..depth {
                    s.push_str("*a, ");
                }
                if close {
                    s.push(']');
                }
            }
            _ => {
                s.push_str("x\n  a0: &a0 1\n");
                let width = 1 + depth % 200;
                for i in 1..=(depth / 40).max(1) {
                    let list = format!("{}*a{}{}", "[".repeat(width), i - 1, "]".repeat(width));
                    s.push_str(&format!("  a{i}: &a{i} {list}\n"));
                }
            }
        }
        s.push('\n');
        s.into_bytes()
    })
}

/// One of `seeds` with a handful of the byte edits above.
fn text_mutated(seeds: Vec<String>) -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::sample::select(seeds),
        proptest::collection::vec(edit(), 1..8),
    )
        .prop_map(|(base, edits)| {
            let mut text = base.into_bytes();
            for e in &edits {
                apply_edit(&mut text, e);
            }
            text
        })
}

// ---------------------------------------------------------------- switchboard.yaml, saved plans

/// `Config::parse` answers Ok or Err on any text.
fn exercise_config(bytes: &[u8]) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = SwitchboardConfig::parse(text);
    }
}

/// A saved plan that deserializes can be checksummed and rendered, whatever it holds.
fn exercise_plan(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(plan) = serde_json::from_str::<Plan>(text) {
        let _ = plan.compute_checksum();
        for format in [Format::Text, Format::Json, Format::Markdown] {
            let _ = render(&plan, format, "Plan");
        }
    }
}

fn config_seeds() -> Vec<String> {
    CONFIGS.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------- the properties

use fuzz::mutated_document_set;
use fuzz::saved::{CONFIGS, mutated_config, mutated_plan, plan_seed};
use switchboard::config::Config as SwitchboardConfig;
use switchboard::plan::Plan;
use switchboard::plan::render::{Format, render};

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        exercise_bytes(&bytes);
    }

    #[test]
    fn yaml_fragments(text in yamlish_text()) {
        exercise_bytes(&text);
    }

    #[test]
    fn mutated_quickstart_text(text in mutated_manifest()) {
        exercise_bytes(&text);
    }

    #[test]
    fn mutated_quickstart_documents(files in mutated_document_set()) {
        for f in &files {
            if let Ok(text) = std::str::from_utf8(f) {
                parse_and_validate(text);
            }
        }
        load_files(&files);
    }
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn config_text_never_panics(text in text_mutated(config_seeds())) {
        exercise_config(&text);
    }

    #[test]
    fn config_trees_never_panic(text in mutated_config()) {
        exercise_config(text.as_bytes());
    }

    #[test]
    fn config_from_fragments_never_panics(text in yamlish_text()) {
        exercise_config(&text);
    }

    #[test]
    fn saved_plan_text_never_panics(text in text_mutated(vec![plan_seed()])) {
        exercise_plan(&text);
    }

    #[test]
    fn saved_plan_trees_never_panic(text in mutated_plan()) {
        exercise_plan(text.as_bytes());
    }

    #[test]
    fn any_bytes_as_a_saved_plan(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        exercise_plan(&bytes);
        exercise_config(&bytes);
    }

    #[test]
    fn deep_nesting_and_aliases(text in deep_nesting()) {
        exercise_bytes(&text);
    }

    #[test]
    fn any_string_through_the_parser(text in any::<String>()) {
        parse_and_validate(&text);
    }
}

/// Fixed cases worth keeping regardless of what the generators find.
#[test]
fn known_nasty_inputs_in_process() {
    for text in nasty_inputs() {
        exercise_bytes(&text);
    }
    // The quickstart itself still loads: the harness is not just rejecting everything.
    let files: Vec<Vec<u8>> = QUICKSTART.iter().map(|t| t.as_bytes().to_vec()).collect();
    let dir = tempfile::tempdir().expect("temp dir");
    for (i, f) in files.iter().enumerate() {
        std::fs::write(dir.path().join(format!("q{i}.yaml")), f).expect("write");
    }
    let set = manifest::load(&[dir.path().to_path_buf()], &env).expect("quickstart loads");
    resolve::resolve(set).expect("quickstart resolves");
    // Paths that are not there, or not manifests, are diagnostics too.
    let missing = PathBuf::from("/nonexistent/switchboard/manifests");
    assert!(manifest::load(&[missing], &env).is_err());
    assert!(manifest::load(&[], &env).is_err());
    // The saved-plan seed is a plan, so the mutations start from one that checksums.
    let plan: Plan = serde_json::from_str(&plan_seed()).expect("the plan seed deserializes");
    assert!(!plan.compute_checksum().is_empty());
    // So is the config seed.
    for text in CONFIGS {
        SwitchboardConfig::parse(text).expect("config seed parses");
    }
}

fn nasty_inputs() -> Vec<Vec<u8>> {
    let header = "apiVersion: switchboard/v1\nkind: Trunk\nmetadata: {name: t}\nspec:\n";
    vec![
        b"\xff\xfe\x00garbage".to_vec(),
        b"\xef\xbb\xbfapiVersion: switchboard/v1\n".to_vec(),
        format!("{header}  name: {}\n", "[".repeat(2000)).into_bytes(),
        format!(
            "{header}  name: {}1{}\n",
            "{a: ".repeat(2000),
            "}".repeat(2000)
        )
        .into_bytes(),
        format!("{header}  name: &a [*a, *a]\n").into_bytes(),
        // Once a stack overflow (exit 134): saphyr expands each alias by a recursive deep copy.
        format!(
            "{header}  a0: &a0 1\n{}",
            (1..60)
                .map(|i| format!(
                    "  a{i}: &a{i} {}*a{}{}\n",
                    "[".repeat(200),
                    i - 1,
                    "]".repeat(200)
                ))
                .collect::<String>()
        )
        .into_bytes(),
        // Both once overflowed the stack (an abort, exit 134) at ~3000 levels in a debug build:
        // saphyr's tree loader recurses per block level with no limit.
        format!("{header}  name:\n    {}x\n", "- ".repeat(200_000)).into_bytes(),
        format!(
            "{header}  name:\n{}",
            (0..3000)
                .map(|d| format!("{}a:\n", " ".repeat(d + 4)))
                .collect::<String>()
        )
        .into_bytes(),
        b"a: &a {b: *a}\n<<: *a\n".to_vec(),
        format!("{header}\tname: x\n").into_bytes(),
        format!("{header}  port: 99999999999999999999999999999999999999\n").into_bytes(),
        format!("{header}  port: 1e400\n  maxConcurrentCalls: -.inf\n").into_bytes(),
        format!("{header}  name: \"\\uD800\"\n").into_bytes(),
        format!("{header}  password: ${{env:}}\n  locationRef: ${{env:SET\n").into_bytes(),
        format!("{header}  locationRef: {{a: [1]}}\n  ? [complex, key]\n  : v\n").into_bytes(),
        json!({"apiVersion": "switchboard/v1", "kind": "Trunk", "metadata": {"name": "x"},
               "spec": {"name": "x", "locationRef": "x/~1", "password": "${env:SET}",
                        "trunkType": "REGISTERING"}})
        .to_string()
        .into_bytes(),
        format!("{}42\n", "---\n".repeat(5000)).into_bytes(),
        b"%YAML 1.2\n%YAML 1.2\n---\na: 1\n".to_vec(),
        b"!!binary aGVsbG8=\n".to_vec(),
    ]
}

/// The built binary on the nastiest inputs: exit 1 with diagnostics, never 101 (a panic) nor a
/// signal (a stack overflow).
#[test]
fn the_binary_rejects_nasty_input_without_panicking() {
    for (i, bytes) in nasty_inputs().iter().enumerate() {
        let ws = Workspace::new();
        std::fs::write(ws.file("manifests/zz-nasty.yaml"), bytes).expect("write");
        let out = ws.run(&["validate", "manifests"]);
        assert_eq!(
            out.code,
            1,
            "input #{i} ({:?}…): stdout: {}\nstderr: {}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(60)]),
            out.stdout,
            out.stderr
        );
        assert!(
            !out.stderr.contains("panicked"),
            "input #{i}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains("zz-nasty.yaml"),
            "input #{i}: {}",
            out.stderr
        );
    }
}
