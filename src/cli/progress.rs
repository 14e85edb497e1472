//! Progress on stderr while waiting: one self-rewriting line on a terminal; on a pipe, a
//! line per change and a reminder every half minute, so a log never looks hung.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Writes progress lines to stderr.
pub struct Progress {
    terminal: bool,
    last_text: String,
    last_print: Option<Instant>,
    line_open: bool,
    quiet: bool,
}

const PIPE_REMINDER: Duration = Duration::from_secs(30);

impl Progress {
    /// Progress on stderr, in the style its kind of output allows.
    pub fn stderr() -> Self {
        Self {
            terminal: std::io::stderr().is_terminal(),
            last_text: String::new(),
            last_print: None,
            line_open: false,
            quiet: false,
        }
    }

    /// Progress that prints nothing (for `--json`-style uses that want a clean stderr).
    pub fn quiet() -> Self {
        let mut progress = Self::stderr();
        progress.quiet = true;
        progress
    }

    /// Shows `text`. `key` is the part whose change matters on a pipe (a state, not a timer).
    pub fn update(&mut self, key: &str, text: &str) {
        if self.quiet {
            return;
        }
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let _ = write!(err, "\r\x1b[2K{text}");
            let _ = err.flush();
            self.line_open = true;
            return;
        }
        let due = self.last_print.is_none_or(|t| t.elapsed() >= PIPE_REMINDER);
        if key != self.last_text || due {
            let _ = writeln!(err, "{text}");
            self.last_text = key.to_string();
            self.last_print = Some(Instant::now());
        }
    }

    /// Ends the progress line so that what follows starts on a clean line.
    pub fn finish(&mut self) {
        if self.line_open {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
            let _ = std::io::stderr().flush();
            self.line_open = false;
        }
    }

    /// Prints a message line (not progress), keeping the progress line intact around it.
    pub fn message(&mut self, text: &str) {
        self.finish();
        eprintln!("{text}");
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

pub use crate::human::elapsed;
