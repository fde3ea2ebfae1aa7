//! One place that knows how secrets are hidden. Every secret value in play (the credentials of
//! every configured target, every value filled from a `${env:…}` template, the plan-signing
//! key) is registered here once, and everything Switchboard writes — stdout, stderr, logs,
//! journals, plans, snapshots, summaries, the dead letter, failures — passes through `scrub`
//! on its way out, so a leak needs more than one mistake.

use serde_json::Value;
use std::sync::RwLock;

pub const SENSITIVE: &str = "(sensitive)";
/// Shorter values are not scrubbed from free text: they would blank out ordinary words.
const MIN_SECRET_LEN: usize = 4;

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Remember a secret value for the rest of the process: it is scrubbed from all output.
pub fn register(secret: &str) {
    let secret = secret.trim();
    if secret.len() < MIN_SECRET_LEN {
        return;
    }
    if let Ok(mut all) = SECRETS.write() {
        // Also its JSON-escaped form, as it appears inside serialized files.
        let escaped = serde_json::to_string(secret).unwrap_or_default();
        let escaped = escaped.trim_matches('"').to_string();
        for form in [secret.to_string(), escaped] {
            if !all.contains(&form) {
                all.push(form);
            }
        }
        // Longest first, so a secret that contains another is replaced whole.
        all.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

/// `text` with every registered secret replaced by `(sensitive)`; borrowed when there is
/// nothing to replace (a large plan is not copied to be printed).
pub fn scrub_all(text: &str) -> std::borrow::Cow<'_, str> {
    let Ok(all) = SECRETS.read() else {
        return std::borrow::Cow::Borrowed(text);
    };
    let mut out = std::borrow::Cow::Borrowed(text);
    for secret in all.iter() {
        if out.contains(secret.as_str()) {
            out = std::borrow::Cow::Owned(out.replace(secret.as_str(), SENSITIVE));
        }
    }
    out
}

/// Write text to stdout, scrubbed (and without colour when it is not a terminal).
pub fn stdout(text: &str) {
    use std::io::Write;
    let mut out = anstream::stdout();
    let _ = out.write_all(scrub_all(text).as_bytes());
    let _ = out.flush();
}

/// Write text to stderr, scrubbed.
pub fn stderr(text: &str) {
    use std::io::Write;
    let mut err = anstream::stderr();
    let _ = err.write_all(scrub_all(text).as_bytes());
    let _ = err.flush();
}

/// `println!` through the redactor.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => { $crate::redact::stdout(&format!("{}\n", format_args!($($arg)*))) };
}

/// `eprintln!` through the redactor.
#[macro_export]
macro_rules! shout {
    ($($arg:tt)*) => { $crate::redact::stderr(&format!("{}\n", format_args!($($arg)*))) };
}

/// Write a state file, owner-only. For structured state whose free text (errors) was scrubbed
/// where it was made: scrubbing names and keys as free text would corrupt them whenever a
/// secret happens to equal a word in a name.
pub fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.flush()
}

/// Write an owner-only file whose whole text is scrubbed: for what a server said (snapshots),
/// which no Switchboard code has vetted.
pub fn write_scrubbed(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    write_private(path, &scrub_all(text))
}

/// A tracing writer that scrubs every log line.
#[derive(Clone, Copy, Default)]
pub struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        stderr(&String::from_utf8_lossy(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogWriter;
    fn make_writer(&'a self) -> Self::Writer {
        LogWriter
    }
}

/// Replace the values at the given JSON pointers with the `(sensitive)` marker.
pub fn redact_pointers(value: &Value, pointers: &[String]) -> Value {
    let mut out = value.clone();
    for pointer in pointers {
        if let Some(slot) = out.pointer_mut(pointer) {
            *slot = Value::String(SENSITIVE.to_string());
        }
    }
    out
}

/// True when `pointer` is one of `sensitive` or lies below one of them.
pub fn is_sensitive(pointer: &str, sensitive: &[String]) -> bool {
    sensitive.iter().any(|s| {
        pointer == s
            || pointer.starts_with(&format!("{s}/"))
            || s.starts_with(&format!("{pointer}/"))
    })
}

/// The pointers of a spec template whose value comes from a secret template (`${env:…}`):
/// what the manifest itself says is sensitive, whatever a saved plan claims.
pub fn template_pointers(template: &Value) -> Vec<String> {
    fn walk(value: &Value, at: &str, out: &mut Vec<String>) {
        match value {
            Value::String(s) if s.contains("${env:") => out.push(at.to_string()),
            Value::Object(map) => {
                for (k, v) in map {
                    walk(
                        v,
                        &format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                        out,
                    );
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, &format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(template, "", &mut out);
    out
}

/// Scrub known secret strings out of free text (error bodies, messages) before it is recorded.
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| s.len() >= MIN_SECRET_LEN) {
        out = out.replace(secret.as_str(), SENSITIVE);
    }
    scrub_all(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_are_scrubbed_from_any_text_in_both_forms() {
        register("Tok\"en-Secret-1234");
        let text = r#"Bearer Tok"en-Secret-1234 and {"a":"Tok\"en-Secret-1234"}"#;
        let out = scrub_all(text);
        assert!(!out.contains("en-Secret-1234"), "{out}");
        assert_eq!(out.matches(SENSITIVE).count(), 2, "{out}");
        register("abc"); // too short to scrub from free text
        assert_eq!(scrub_all("abc"), "abc");
    }

    #[test]
    fn template_pointers_find_every_secret_template() {
        let t = serde_json::json!({"a": "${env:X}", "b": [{"c": "x ${env:Y} y"}], "d": "plain"});
        assert_eq!(template_pointers(&t), vec!["/a", "/b/0/c"]);
    }
}
