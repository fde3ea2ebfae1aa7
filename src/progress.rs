//! Progress on a terminal for long observations and applies: done/total, rate, ETA, and the
//! time the targets' rate budgets held requests back. Drawn on stderr with indicatif, and only
//! when stderr is a terminal and `--quiet` was not given; the final summary never changes.

use crate::transport::Gate;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// `--quiet`: no progress, whatever the terminal.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

pub struct Progress {
    bar: Option<ProgressBar>,
    gates: Vec<Arc<Gate>>,
}

impl Progress {
    /// A bar of `total` units, drawn only on a terminal.
    pub fn new(label: &str, unit: &str, total: u64, gates: Vec<Arc<Gate>>) -> Self {
        let show = !QUIET.load(Ordering::Relaxed) && std::io::stderr().is_terminal() && total > 0;
        let bar = show.then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let template = format!(
                "{{prefix}} [{{bar:30}}] {{pos}}/{{len}} {unit} · {{per_sec}} · ETA {{eta}} {{msg}}"
            );
            if let Ok(style) = ProgressStyle::with_template(&template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(label.to_string());
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
        Self { bar, gates }
    }

    /// Nothing is drawn (tests, offline plans).
    pub fn hidden() -> Self {
        Self {
            bar: None,
            gates: Vec::new(),
        }
    }

    pub fn inc(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
            let (waited, paused) = self.gates.iter().fold((0, 0), |(w, p), g| {
                let s = g.stats();
                (w + s.rate_wait_ms, p + s.throttled_ms)
            });
            if waited + paused > 0 {
                bar.set_message(format!(
                    "· held {:.1} s by the rate budget, {:.1} s by Retry-After",
                    waited as f64 / 1000.0,
                    paused as f64 / 1000.0
                ));
            }
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
