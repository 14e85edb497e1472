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

/// `4.2s`, `1m05s`, `2h03m`.
pub fn elapsed(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 60 {
        format!("{:.1}s", d.as_secs_f64())
    } else if secs < 3600 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_is_short() {
        assert_eq!(elapsed(Duration::from_millis(4200)), "4.2s");
        assert_eq!(elapsed(Duration::from_secs(65)), "1m05s");
        assert_eq!(elapsed(Duration::from_secs(7380)), "2h03m");
    }
}
