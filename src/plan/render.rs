//! Views of a plan: text (coloured on a terminal), JSON (stable, versioned) and Markdown (for a
//! pull-request comment). All three read the same `Plan`; none computes anything.
//!
//! Values come from manifests and from the live target, so neither view trusts them: every
//! control, bidirectional-override and zero-width character is shown escaped (`\u{1b}`), so no
//! escape sequence reaches a terminal; in Markdown, text outside code is HTML- and
//! Markdown-escaped and each code block's fence is longer than any backtick run inside it, so
//! a value cannot close the block or the `<details>` around it.

use super::model::{Action, ActionType, Plan};
use crate::diff::FieldChange;
use owo_colors::OwoColorize;
use serde_json::Value;
use similar::{ChangeTag, TextDiff};
use std::borrow::Cow;
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

pub const NO_CHANGES: &str = "No changes. Live state matches the manifests.";

pub fn render(plan: &Plan, format: Format, title: &str) -> String {
    match format {
        Format::Text => text(plan, title),
        Format::Json => serde_json::to_string_pretty(plan).unwrap_or_default() + "\n",
        Format::Markdown => markdown(plan, title),
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) if s == crate::redact::SENSITIVE => s.clone(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

fn pretty(v: &Value) -> String {
    match v {
        Value::String(s) if s == crate::redact::SENSITIVE => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    }
}

/// One change as diff lines (`+`/`-`/` ` prefixed, no colour).
fn change_lines(c: &FieldChange) -> Vec<(char, String)> {
    let mut lines = value_lines(c);
    // The declaration a value came from goes on the line that names the field's new value.
    if let Some(from) = &c.from {
        // A compound value's first line is its header (` path:`); otherwise the last line.
        let at = if lines.first().is_some_and(|(sign, _)| *sign == ' ') {
            0
        } else {
            lines.len().saturating_sub(1)
        };
        if let Some((_, line)) = lines.get_mut(at) {
            line.push_str(&format!("  (from {from})"));
        }
    }
    lines
}

fn value_lines(c: &FieldChange) -> Vec<(char, String)> {
    let path = c.path.trim_start_matches('/');
    let compound = |v: &Value| v.is_array() || v.is_object();
    match &c.before {
        None => vec![('+', format!("{path}: {}", value_text(&c.after)))],
        Some(before) if compound(before) || compound(&c.after) => {
            let (old, new) = (pretty(before), pretty(&c.after));
            let mut lines = vec![(' ', format!("{path}:"))];
            for change in TextDiff::from_lines(&old, &new).iter_all_changes() {
                let sign = match change.tag() {
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                    ChangeTag::Equal => ' ',
                };
                lines.push((sign, format!("    {}", change.value().trim_end())));
            }
            lines
        }
        Some(before) => vec![
            ('-', format!("{path}: {}", value_text(before))),
            ('+', format!("{path}: {}", value_text(&c.after))),
        ],
    }
}

fn headline(a: &Action) -> String {
    match (&a.action, &a.pending) {
        (ActionType::Pending, Some(p)) => format!("pending({}): {}", p.code, p.message),
        (action, _) => action.name().to_string(),
    }
}

fn summary_line(plan: &Plan) -> String {
    let s = &plan.summary;
    format!(
        "Plan: {} to create, {} to update, {} to delete, {} pending, {} unchanged.",
        s.create, s.update, s.delete, s.pending, s.noop
    )
}

/// `trunk_create → dial_plan_patterns (200 pattern(s): …)`.
fn step_list(a: &Action, code: bool) -> String {
    a.steps
        .iter()
        .map(|s| {
            let name = if code {
                format!("`{}`", s.name)
            } else {
                s.name.clone()
            };
            if s.detail.is_empty() {
                name
            } else {
                format!("{name} ({})", s.detail)
            }
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

/// The object as shown: with its target when the plan spans several.
fn shown(plan: &Plan, a: &Action) -> String {
    if plan.targets.len() > 1 && a.action != ActionType::Delete {
        format!("{}@{}", a.object(), a.target)
    } else {
        a.object()
    }
}

/// The refusal lines of a plan that exceeds its safety thresholds.
pub fn threshold_lines(plan: &Plan) -> Vec<String> {
    plan.thresholds
        .iter()
        .map(|t| format!("Refused by the safety threshold: {}. Review the plan, then pass --force to accept it.", t.message()))
        .collect()
}

/// What a partial plan covers, and what it leaves out, for the head of every view.
pub fn partial_lines(plan: &Plan) -> Vec<String> {
    let Some(p) = &plan.partial else {
        return Vec::new();
    };
    let short = p.since.commit.get(..7).unwrap_or(&p.since.commit);
    let mut lines = vec![format!(
        "Partial plan: {} of {} objects changed since {} ({short}) and their dependents; deletes are not planned; run drift for a full check.",
        thousands(p.selected),
        thousands(p.total),
        p.since.revision
    )];
    if !p.deleted_documents.is_empty() {
        lines.push(format!(
            "Deleted since {}, not planned: {}. A full plan deletes what an Ownership rule owns.",
            p.since.revision,
            p.deleted_documents.join(", ")
        ));
    }
    lines
}

/// `10000` → `10,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn text(plan: &Plan, title: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} for {} (live state observed {})",
        safe(title).bold(),
        safe(&targets_phrase(plan)),
        safe(&plan.observed_at)
    );
    for line in partial_lines(plan) {
        let _ = writeln!(out, "{}", safe(&line).cyan());
    }
    if !plan.has_changes() {
        let _ = writeln!(out, "\n{}", NO_CHANGES.green());
        let _ = writeln!(out, "{}", summary_line(plan));
        return out;
    }
    for a in plan.actions.iter().filter(|a| a.action != ActionType::Noop) {
        let head = format!("{} {}  {}", a.action.symbol(), shown(plan, a), headline(a));
        let head = safe(&head);
        let head = match a.action {
            ActionType::Create => head.green().to_string(),
            ActionType::Update => head.yellow().to_string(),
            _ => head.red().to_string(),
        };
        let _ = writeln!(out, "\n{head}");
        if let Some(owner) = &a.owned_by {
            let owner = safe(owner);
            let _ = writeln!(out, "    owned by {owner}, absent from the manifests");
        }
        if !a.steps.is_empty() {
            let _ = writeln!(out, "    steps: {}", safe(&step_list(a, false)).dimmed());
        }
        for c in &a.changes {
            for (sign, line) in change_lines(c) {
                let line = format!("    {sign} {}", safe(&line));
                let line = match sign {
                    '+' => line.green().to_string(),
                    '-' => line.red().to_string(),
                    _ => line,
                };
                let _ = writeln!(out, "{line}");
            }
        }
    }
    let _ = writeln!(out, "\n{}", summary_line(plan).bold());
    for line in threshold_lines(plan) {
        let _ = writeln!(out, "{}", safe(&line).red());
    }
    out
}

fn targets_phrase(plan: &Plan) -> String {
    match plan.targets.as_slice() {
        [] => "no target (nothing to read)".to_string(),
        [one] => format!("target \"{one}\""),
        many => format!(
            "environment \"{}\" (targets {})",
            plan.environment,
            many.join(", ")
        ),
    }
}

fn markdown(plan: &Plan, title: &str) -> String {
    let s = &plan.summary;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### {} — {}\n",
        md_text(title),
        md_text(&targets_phrase(plan)).replace('"', "`")
    );
    for line in partial_lines(plan) {
        let _ = writeln!(out, "> {}\n", md_text(&line));
    }
    if !plan.has_changes() {
        let _ = writeln!(out, "{NO_CHANGES}\n");
    }
    let _ = writeln!(
        out,
        "| create | update | delete | pending | unchanged |\n|---:|---:|---:|---:|---:|"
    );
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} |\n",
        s.create, s.update, s.delete, s.pending, s.noop
    );
    for line in threshold_lines(plan) {
        let _ = writeln!(out, "> **{}**\n", escape_html(&safe(&line)));
    }
    for a in plan.actions.iter().filter(|a| a.action != ActionType::Noop) {
        let _ = writeln!(
            out,
            "<details><summary><code>{} {}</code> — {}</summary>\n",
            a.action.symbol(),
            escape_html(&safe(&shown(plan, a))),
            escape_html(&safe(&headline(a)))
        );
        if !a.steps.is_empty() {
            let _ = writeln!(out, "Steps: {}\n", md_step_list(a));
        }
        if !a.changes.is_empty() {
            let lines: Vec<String> = a
                .changes
                .iter()
                .flat_map(change_lines)
                .map(|(sign, line)| format!("{sign} {}", safe(&line)))
                .collect();
            let fence = fence_for(&lines);
            let _ = writeln!(out, "{fence}diff");
            for line in &lines {
                let _ = writeln!(out, "{line}");
            }
            let _ = writeln!(out, "{fence}\n");
        }
        let _ = writeln!(out, "</details>\n");
    }
    let _ = writeln!(
        out,
        "<sub>plan checksum `{}` · observed {}</sub>",
        md_text(plan.checksum.get(..12).unwrap_or(&plan.checksum)),
        md_text(&plan.observed_at)
    );
    out
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `s` with every control, bidirectional-override and zero-width character written as
/// `\u{…}`; borrowed when there is none (the ordinary case).
pub fn safe(s: &str) -> Cow<'_, str> {
    if s.chars()
        .any(|c| crate::manifest::validate::refused_character(c).is_some())
    {
        Cow::Owned(crate::manifest::validate::visible(s))
    } else {
        Cow::Borrowed(s)
    }
}

/// Text for Markdown outside code: visible, HTML-escaped, and with the characters that start
/// Markdown markup (code spans, links, images, emphasis, tables) backslash-escaped.
fn md_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in escape_html(&safe(s)).chars() {
        if matches!(c, '\\' | '`' | '[' | ']' | '*' | '_' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The steps line: registry step names in code spans, each detail as escaped text.
fn md_step_list(a: &Action) -> String {
    a.steps
        .iter()
        .map(|s| {
            let name = format!("`{}`", s.name.replace('`', ""));
            if s.detail.is_empty() {
                name
            } else {
                format!("{name} ({})", md_text(&s.detail))
            }
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

/// A code fence no line can close: longer than the longest backtick run in the block.
fn fence_for(lines: &[String]) -> String {
    let longest = lines
        .iter()
        .flat_map(|l| l.split(|c| c != '`'))
        .map(str::len)
        .max()
        .unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}
