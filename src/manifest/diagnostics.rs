//! A problem found in the manifests, with where it is and what to do about it. All problems are
//! collected and reported together, then the command exits 1.

use crate::model::SourcePos;
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub pos: SourcePos,
    /// `Kind/name` of the document, when known.
    pub object: Option<String>,
    /// JSON pointer of the offending value inside the document.
    pub path: String,
    pub message: String,
    pub hint: Option<String>,
}

/// How much of a value a message echoes.
pub const SHOWN_CHARS: usize = 80;
/// A message longer than this (a value echoed by code that did not shorten it) is cut in the
/// middle, keeping the explanation at its end.
const MESSAGE_CHARS: usize = 600;

/// `value` as echoed in a message: at most `max` characters, then `… (N bytes)`.
pub fn shorten(value: &str, max: usize) -> String {
    match value.char_indices().nth(max) {
        None => value.to_string(),
        Some((cut, _)) => format!("{}… ({} bytes)", &value[..cut], value.len()),
    }
}

/// A whole message kept readable: the head and the tail, with the size of what was left out.
fn cap_message(message: String) -> String {
    let count = message.chars().count();
    if count <= MESSAGE_CHARS {
        return message;
    }
    let head: String = message.chars().take(MESSAGE_CHARS / 2).collect();
    let tail: String = message.chars().skip(count - MESSAGE_CHARS / 4).collect();
    format!(
        "{head} …({} bytes left out)… {tail}",
        message.len() - head.len() - tail.len()
    )
}

impl Diagnostic {
    pub fn new(pos: SourcePos, message: impl Into<String>) -> Self {
        Self {
            pos,
            object: None,
            path: String::new(),
            message: cap_message(message.into()),
            hint: None,
        }
    }
    pub fn object(mut self, object: impl Into<String>) -> Self {
        self.object = Some(shorten(&object.into(), SHOWN_CHARS * 2));
        self
    }
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = shorten(&path.into(), SHOWN_CHARS * 2);
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(cap_message(hint.into()));
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}:", self.pos)?;
        if let Some(object) = &self.object {
            write!(f, " {object}")?;
        }
        if !self.path.is_empty() {
            write!(f, " at {}", self.path)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Every problem found in one pass, sorted by file and line.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn into_result<T>(mut self, value: T) -> Result<T, Diagnostics> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            self.0.sort();
            self.0.dedup();
            Err(self)
        }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        write!(f, "{} problem(s) found; nothing was changed.", self.0.len())
    }
}

impl std::error::Error for Diagnostics {}
