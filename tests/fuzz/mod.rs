//! Structured mutations for the loader's property tests: the quickstart's documents as JSON
//! values, edited as data (random keys, values, kinds, dangling references, duplicates across
//! files) and written back as JSON or block YAML.

pub mod saved;

use proptest::prelude::*;
use serde_json::{Map, Value};
use switchboard::manifest::yaml::parse_documents;

const QUICKSTART: [&str; 3] = [
    include_str!("../../examples/quickstart/10-locations.yaml"),
    include_str!("../../examples/quickstart/20-routing.yaml"),
    include_str!("../../examples/quickstart/30-madrid-calling.yaml"),
];

/// The quickstart's documents as JSON values: the seed of the structured mutations.
fn quickstart_documents() -> Vec<Value> {
    QUICKSTART
        .iter()
        .flat_map(|text| parse_documents("quickstart.yaml", text).expect("quickstart parses"))
        .map(|d| d.value)
        .collect()
}

/// Strings the validator and resolver care about, plus hostile ones.
#[rustfmt::skip]
const INTERESTING_STRINGS: &[&str] = &[
    "", "Madrid HQ", "madrid-hq", "Austin HQ", "madrid-sbc-1", "rg-main", "RG Main",
    "REGISTERING", "CERTIFICATE_BASED", "businessHours", "holidays", "+1408XXXXXXX",
    "${env:SET}", "${env:UNSET}", "${env:UNSET:-d}", "${env:", "${env:}", "switchboard/v1",
    "Trunk", "Location", "RouteGroup", "DialPlan", "Schedule", "LocationInternalDialing",
    "Person", "/", "~", "~1", "a/b~c", "09:00", "25:99", "2026-02-30", "\u{0}", "🦀",
];

/// The fields the kinds declare, plus a merge key and names that need pointer escaping.
#[rustfmt::skip]
const FIELD_NAMES: &[&str] = &[
    "apiVersion", "kind", "metadata", "spec", "name", "labels", "locationRef", "trunkRef",
    "routeGroupRef", "password", "trunkType", "maxConcurrentCalls", "port", "localGateways",
    "priority", "dialPatterns", "events", "recurrence", "recurWeekly", "recurForEver",
    "startDate", "endDate", "startTime", "endTime", "allDayEnabled", "type", "address",
    "timeZone", "unknownExtensionRouteIdentity", "enableUnknownExtensionRoutePolicy",
    "<<", "", "a/b", "~0",
];

/// A meaningful string or any string at all.
fn interesting_string() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(INTERESTING_STRINGS).prop_map(str::to_string),
        any::<String>(),
    ]
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(FIELD_NAMES).prop_map(str::to_string),
        1 => any::<String>(),
    ]
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        interesting_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((field_name(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// One change to a document tree; a `usize` picks the node it applies to.
#[derive(Debug, Clone)]
enum TreeEdit {
    Replace(usize, Value),
    AddField(usize, String, Value),
    RemoveField(usize, usize),
    SetKind(String),
    SetRef(usize, String),
}

fn tree_edit() -> impl Strategy<Value = TreeEdit> {
    prop_oneof![
        3 => (any::<usize>(), arbitrary_json()).prop_map(|(t, v)| TreeEdit::Replace(t, v)),
        2 => (any::<usize>(), field_name(), arbitrary_json())
            .prop_map(|(t, k, v)| TreeEdit::AddField(t, k, v)),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(t, k)| TreeEdit::RemoveField(t, k)),
        1 => interesting_string().prop_map(TreeEdit::SetKind),
        2 => (any::<usize>(), interesting_string()).prop_map(|(t, s)| TreeEdit::SetRef(t, s)),
    ]
}

/// JSON pointers of every node, in pre-order.
fn node_pointers(v: &Value, pointer: String, out: &mut Vec<String>) {
    match v {
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                node_pointers(c, format!("{pointer}/{i}"), out);
            }
        }
        Value::Object(o) => {
            for (k, c) in o {
                let segment = k.replace('~', "~0").replace('/', "~1");
                node_pointers(c, format!("{pointer}/{segment}"), out);
            }
        }
        _ => {}
    }
    out.push(pointer);
}

/// The node picked by `target` (modulo the number of nodes).
fn node_mut(v: &mut Value, target: usize) -> &mut Value {
    let mut pointers = Vec::new();
    node_pointers(v, String::new(), &mut pointers);
    let pointer = &pointers[target % pointers.len()];
    v.pointer_mut(pointer).expect("pointer of an existing node")
}

fn apply_tree_edit(doc: &mut Value, edit: &TreeEdit) {
    match edit {
        TreeEdit::Replace(t, value) => *node_mut(doc, *t) = value.clone(),
        TreeEdit::AddField(t, k, value) => {
            if let Value::Object(o) = node_mut(doc, *t) {
                o.insert(k.clone(), value.clone());
            }
        }
        TreeEdit::RemoveField(t, k) => {
            if let Value::Object(o) = node_mut(doc, *t)
                && !o.is_empty()
            {
                let key = o.keys().nth(k % o.len()).cloned().expect("in range");
                o.remove(&key);
            }
        }
        TreeEdit::SetKind(kind) => {
            if let Value::Object(o) = doc {
                o.insert("kind".into(), Value::String(kind.clone()));
            }
        }
        TreeEdit::SetRef(t, name) => {
            let fields = ["locationRef", "trunkRef", "routeGroupRef"];
            if let Value::Object(o) = node_mut(doc, *t) {
                o.insert(fields[t % fields.len()].into(), Value::String(name.clone()));
            }
        }
    }
}

/// How a document tree is written back out: JSON is YAML 1.2 flow style; the block emitter
/// below gives indentation-sensitive text.
fn to_block_yaml(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(o) if !o.is_empty() => {
            for (k, child) in o {
                out.push_str(&pad);
                out.push_str(&serde_json::to_string(k).expect("string"));
                out.push(':');
                match child {
                    Value::Object(c) if !c.is_empty() => {
                        out.push('\n');
                        to_block_yaml(child, indent + 2, out);
                    }
                    Value::Array(c) if !c.is_empty() => {
                        out.push('\n');
                        to_block_yaml(child, indent + 2, out);
                    }
                    _ => {
                        out.push(' ');
                        out.push_str(&child.to_string());
                        out.push('\n');
                    }
                }
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for child in a {
                out.push_str(&pad);
                out.push_str("-\n");
                to_block_yaml(child, indent + 2, out);
            }
        }
        scalar => {
            out.push_str(&pad);
            out.push_str(&scalar.to_string());
            out.push('\n');
        }
    }
}

/// A set of files made from the quickstart documents, each possibly mutated, some duplicated
/// (duplicate names, two manifests for one live object), spread over up to three files.
pub fn mutated_document_set() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let docs = quickstart_documents();
    let n = docs.len();
    proptest::collection::vec(
        (
            0..n,
            proptest::collection::vec(tree_edit(), 0..4),
            0usize..3,
            any::<bool>(),
        ),
        1..10,
    )
    .prop_map(move |picks| {
        let mut files = vec![String::new(); 3];
        for (i, edits, file, block) in picks {
            let mut doc = docs[i].clone();
            for e in &edits {
                apply_tree_edit(&mut doc, e);
            }
            let text = &mut files[file];
            text.push_str("---\n");
            if block {
                to_block_yaml(&doc, 0, text);
            } else {
                text.push_str(&doc.to_string());
                text.push('\n');
            }
        }
        files.into_iter().map(String::into_bytes).collect()
    })
}
