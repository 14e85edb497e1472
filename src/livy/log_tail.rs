//! Tailing a Livy log so that each new line is delivered once.
//!
//! Livy holds a window of lines, not an append-only file. The window is made of segments
//! that each start with a marker line (`stdout: `, `\nstderr: `, `\nYARN Diagnostics: `),
//! and each segment is a FIFO that keeps only its last N lines. So offsets shift as old
//! lines drop, and new stdout lines appear in the *middle* of the window; paging by offset
//! would duplicate or skip lines. Instead the tailer fetches the whole window each time and
//! aligns every segment with its previous version: the new segment must be the old one with
//! some lines dropped from the front and some appended, and the appended ones are new.
//! When a segment kept none of its old lines, more lines may have arrived than the server
//! keeps between two polls; the tailer says so (`gap`) rather than skipping silently.

use super::{BatchId, LivyClient, LogPage, Result, SessionId, SessionState};

/// Whose log: a session's or a batch's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogSource {
    Session(SessionId),
    Batch(BatchId),
}

impl LogSource {
    /// The whole window of lines the server holds (`size=-1`), so a tailer can align it.
    pub async fn window(&self, client: &LivyClient) -> Result<LogPage> {
        match self {
            LogSource::Session(id) => client.session_log(id, None, Some(-1)).await,
            LogSource::Batch(id) => client.batch_log(id, None, Some(-1)).await,
        }
    }

    /// The session's or batch's state.
    pub async fn state(&self, client: &LivyClient) -> Result<SessionState> {
        match self {
            LogSource::Session(id) => client.session_state(id).await.map(|s| s.state),
            LogSource::Batch(id) => client.batch_state(id).await.map(|s| s.state),
        }
    }
}

impl std::fmt::Display for LogSource {
    /// `session 7`, `batch 3`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LogSource::Session(id) => write!(f, "session {id}"),
            LogSource::Batch(id) => write!(f, "batch {id}"),
        }
    }
}

/// What changed since the previous window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LogDelta {
    /// Lines not seen before, in log order.
    pub lines: Vec<String>,
    /// Lines may have been lost between two polls: a segment moved past all it held before.
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
        let mut delta = LogDelta::default();
        {
            let old = segments(&self.window);
            for segment in segments(&window) {
                match old.iter().find(|o| o.key == segment.key) {
                    Some(before) => {
                        let (appended, gap) = appended_lines(before.body, segment.body);
                        delta.lines.extend_from_slice(appended);
                        delta.gap |= gap;
                    }
                    None => {
                        delta.lines.extend(segment.marker.cloned());
                        delta.lines.extend_from_slice(segment.body);
                    }
                }
            }
        }
        self.window = window;
        delta
    }
}

/// One FIFO of the window: its marker line (none for lines before any marker) and body.
struct Segment<'a> {
    key: Option<&'a str>,
    marker: Option<&'a String>,
    body: &'a [String],
}

/// Which segment a marker line starts, if it is one.
fn marker_of(line: &str) -> Option<&str> {
    let t = line.trim();
    matches!(t, "stdout:" | "stderr:" | "YARN Diagnostics:").then_some(t)
}

/// Splits a window at its marker lines.
fn segments(window: &[String]) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut current = Segment {
        key: None,
        marker: None,
        body: &window[..0],
    };
    let mut body_start = 0;
    for (i, line) in window.iter().enumerate() {
        if let Some(key) = marker_of(line) {
            current.body = &window[body_start..i];
            if current.marker.is_some() || !current.body.is_empty() {
                out.push(current);
            }
            current = Segment {
                key: Some(key),
                marker: Some(line),
                body: &window[..0],
            };
            body_start = i + 1;
        }
    }
    current.body = &window[body_start..];
    if current.marker.is_some() || !current.body.is_empty() {
        out.push(current);
    }
    out
}

/// The FIFO alignment: the smallest `k` with `old[k..]` a prefix of `new` (the most overlap,
/// so the fewest lines counted as new); what follows that overlap in `new` was appended.
/// No overlap at all means every old line was pushed out: at least as many lines arrived as
/// the server keeps, so some may have been lost.
fn appended_lines<'a>(old: &[String], new: &'a [String]) -> (&'a [String], bool) {
    for k in 0..old.len() {
        let kept = &old[k..];
        if kept.len() <= new.len() && new[..kept.len()] == *kept {
            return (&new[kept.len()..], false);
        }
    }
    (new, !old.is_empty() && !new.is_empty())
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
        assert!(!d.gap);
    }

    #[test]
    fn repeated_identical_lines_are_counted_not_misaligned() {
        let mut t = LogTail::new();
        t.update(lines(&["a", "tick", "tick"]));
        // window of 3: "a" dropped, one more "tick" arrived
        let d = t.update(lines(&["tick", "tick", "tick"]));
        assert_eq!(d.lines, lines(&["tick"]));
        assert!(!d.gap);
    }

    #[test]
    fn a_segment_that_moved_past_everything_is_a_gap() {
        let mut t = LogTail::new();
        t.update(lines(&["stdout: ", "o", "\nstderr: ", "a", "b"]));
        let d = t.update(lines(&["stdout: ", "o", "\nstderr: ", "x", "y"]));
        assert!(d.gap);
        assert_eq!(d.lines, lines(&["x", "y"]));
    }

    #[test]
    fn a_new_segment_appearing_is_new_lines_not_a_gap() {
        let mut t = LogTail::new();
        t.update(lines(&["stdout: ", "o"]));
        let d = t.update(lines(&["stdout: ", "o", "\nstderr: ", "e"]));
        assert_eq!(d.lines, lines(&["\nstderr: ", "e"]));
        assert!(!d.gap);
    }

    #[test]
    fn a_marker_only_segment_filling_up_is_not_a_gap() {
        let mut t = LogTail::new();
        t.update(lines(&["stdout: ", "\nstderr: "]));
        let d = t.update(lines(&["stdout: ", "\nstderr: ", "e1", "e2"]));
        assert_eq!(d.lines, lines(&["e1", "e2"]));
        assert!(!d.gap);
    }
}
