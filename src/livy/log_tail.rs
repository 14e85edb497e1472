//! Tailing a Livy log so that each new line is delivered once.
//!
//! Livy holds a window of lines, not an append-only file: each stream (stdout, stderr) keeps
//! only its last N lines, so offsets shift as old lines drop, and new stdout lines appear
//! *before* the `stderr:` marker, in the middle of the window. Paging by offset would
//! duplicate or skip lines. Instead the tailer fetches the whole window each time and
//! aligns it with the previous one (a line diff): lines that were not there before are new.
//! When the two windows share nothing, more lines arrived than the server keeps between
//! two polls, and the tailer says so (`gap`) rather than skipping silently.

use similar::{Algorithm, DiffOp, capture_diff_slices_deadline};
use std::time::{Duration, Instant};

/// What changed since the previous window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LogDelta {
    /// Lines not seen before, in log order.
    pub lines: Vec<String>,
    /// Lines were lost between two polls: the server's window moved past all of them.
    pub gap: bool,
}

/// Remembers the last window seen.
#[derive(Clone, Debug, Default)]
pub struct LogTail {
    window: Vec<String>,
}

impl LogTail {
    /// A tailer that has seen nothing yet: the first window is all new.
    pub fn new() -> Self {
        Self::default()
    }

    /// The window as last seen.
    pub fn window(&self) -> &[String] {
        &self.window
    }

    /// Takes the server's current window (all the lines it holds) and returns what is new.
    pub fn update(&mut self, window: Vec<String>) -> LogDelta {
        if self.window.is_empty() {
            self.window = window;
            return LogDelta {
                lines: self.window.clone(),
                gap: false,
            };
        }
        // Bounded effort: past the deadline the diff is less minimal but still correct.
        let deadline = Instant::now() + Duration::from_millis(200);
        let ops = capture_diff_slices_deadline(Algorithm::Myers, &self.window, &window, Some(deadline));
        let mut lines = Vec::new();
        let mut shared = false;
        for op in ops {
            match op {
                DiffOp::Equal { .. } => shared = true,
                DiffOp::Insert { new_index, new_len, .. } | DiffOp::Replace { new_index, new_len, .. } => {
                    lines.extend_from_slice(&window[new_index..new_index + new_len]);
                }
                DiffOp::Delete { .. } => {}
            }
        }
        let gap = !shared && !window.is_empty();
        self.window = window;
        LogDelta { lines, gap }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(spec: &[&str]) -> Vec<String> {
        spec.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn first_window_is_all_new() {
        let mut t = LogTail::new();
        let d = t.update(lines(&["a", "b"]));
        assert_eq!(
            d,
            LogDelta {
                lines: lines(&["a", "b"]),
                gap: false
            }
        );
    }

    #[test]
    fn moving_window_delivers_each_line_once() {
        let mut t = LogTail::new();
        t.update(lines(&["1", "2", "3", "4"]));
        // two old lines dropped off the front, three new ones arrived
        let d = t.update(lines(&["3", "4", "5", "6", "7"]));
        assert_eq!(d.lines, lines(&["5", "6", "7"]));
        assert!(!d.gap);
        let d = t.update(lines(&["3", "4", "5", "6", "7"]));
        assert!(d.lines.is_empty());
    }

    #[test]
    fn stdout_lines_inserted_before_the_stderr_marker_are_new() {
        let mut t = LogTail::new();
        t.update(lines(&["stdout: ", "out1", "\nstderr: ", "err1"]));
        let d = t.update(lines(&["stdout: ", "out1", "out2", "\nstderr: ", "err1", "err2"]));
        assert_eq!(d.lines, lines(&["out2", "err2"]));
    }

    #[test]
    fn repeated_identical_lines_are_counted() {
        let mut t = LogTail::new();
        t.update(lines(&["tick", "tick"]));
        let d = t.update(lines(&["tick", "tick", "tick"]));
        assert_eq!(d.lines, lines(&["tick"]));
    }

    #[test]
    fn a_window_that_moved_past_everything_is_a_gap() {
        let mut t = LogTail::new();
        t.update(lines(&["a", "b"]));
        let d = t.update(lines(&["x", "y"]));
        assert!(d.gap);
        assert_eq!(d.lines, lines(&["x", "y"]));
    }
}
