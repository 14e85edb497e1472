//! Following a session log by asking only for the lines not seen yet.
//!
//! Livy's log is a window, not a file (`livy::log_tail`): a stdout and a stderr FIFO of a
//! few hundred lines each, so offsets shift when stdout grows or a full stream drops lines.
//! The follower asks for the lines from a few before the end of what it has (`from`, all
//! the rest); when those few lines are still there, at the same place, and the server's
//! `total` grew by exactly the lines that came after them, the window only grew at its end
//! and those are the new lines. Anything else (a stream that dropped lines, stdout growing
//! in the middle, a server that ignores `from`) costs one more request: the whole window,
//! aligned segment by segment by [`LogTail`].
//!
//! What this cannot see: the launcher's stdout growing while its stream is full *and*
//! nothing else changes (the total stays, the end stays). Such lines show with the next
//! change at the end of the log. A Livy session's driver logs to stderr, so stdout stays
//! still once the session has started.

use crate::livy::log_tail::LogTail;
use crate::livy::{LivyClient, LivyError, LogDelta, LogPage, SessionId};

/// Lines of the known window asked for again, to check that it has not shifted.
const OVERLAP: usize = 3;

/// Where a session log has been read up to.
#[derive(Debug, Default)]
pub struct LogFollower {
    tail: LogTail,
    /// The server's `total` when the window was last read (`None`: nothing read yet, or a
    /// server that gives no total).
    total: Option<usize>,
}

impl LogFollower {
    /// A follower that has read nothing: its first request reads the whole window.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads what is new in the log since the last call.
    pub async fn next(&mut self, client: &LivyClient, id: &SessionId) -> Result<LogDelta, LivyError> {
        if let Some(from) = self.resume_from() {
            let page = client.session_log(id, Some(from as i64), Some(-1)).await?;
            if let Some(delta) = self.take_page(from, page) {
                return Ok(delta);
            }
        }
        let page = client.session_log(id, None, Some(-1)).await?;
        Ok(self.take_window(page))
    }

    /// The offset to ask from: a few lines before the end of what is known.
    fn resume_from(&self) -> Option<usize> {
        let total = self.total.filter(|t| *t > 0 && *t == self.tail.window().len())?;
        Some(total - OVERLAP.min(total))
    }

    /// Takes the answer to a request from `from`, if it shows where the new lines are: the
    /// whole window (a server that ignores `from`), or the known end followed by new lines.
    fn take_page(&mut self, from: usize, page: LogPage) -> Option<LogDelta> {
        let total = page.total.map(|t| t as usize);
        if page.from == Some(0) && total == Some(page.log.len()) {
            return Some(self.take_window(page));
        }
        let window = self.tail.window();
        let overlap = window.len() - from;
        let grown = window.len() + page.log.len().checked_sub(overlap)?;
        let in_place = page.from == Some(from as u64) && page.log[..overlap] == window[from..];
        if !in_place || total != Some(grown) {
            return None;
        }
        let mut now = window.to_vec();
        now.extend_from_slice(&page.log[overlap..]);
        self.total = total;
        Some(self.tail.update(now))
    }

    /// Takes the whole window.
    fn take_window(&mut self, page: LogPage) -> LogDelta {
        self.total = page.total.map(|t| t as usize);
        self.tail.update(page.log)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(spec: &[&str]) -> Vec<String> {
        spec.iter().map(|s| s.to_string()).collect()
    }

    fn page(from: u64, total: u64, log: &[&str]) -> LogPage {
        LogPage {
            id: SessionId::from("0"),
            from: Some(from),
            total: Some(total),
            log: lines(log),
        }
    }

    fn following(window: &[&str]) -> LogFollower {
        let mut f = LogFollower::new();
        f.take_window(page(0, window.len() as u64, window));
        f
    }

    #[test]
    fn lines_after_the_known_end_are_new() {
        let mut f = following(&["stdout: ", "\nstderr: ", "a", "b", "c"]);
        assert_eq!(f.resume_from(), Some(2));
        let delta = f.take_page(2, page(2, 7, &["a", "b", "c", "d", "e"])).unwrap();
        assert_eq!(delta.lines, lines(&["d", "e"]));
        assert_eq!(f.resume_from(), Some(4));
        // nothing new: the same three lines
        let delta = f.take_page(4, page(4, 7, &["c", "d", "e"])).unwrap();
        assert!(delta.lines.is_empty() && !delta.gap);
    }

    #[test]
    fn a_shifted_window_is_not_taken_for_new_lines() {
        let mut f = following(&["stdout: ", "\nstderr: ", "a", "b", "c"]);
        // stdout grew by one: everything after it moved down
        assert!(
            f.take_page(2, page(2, 7, &["\nstderr: ", "a", "b", "c", "d"]))
                .is_none()
        );
        // a full stream dropped a line as one arrived: the total did not grow
        assert!(f.take_page(2, page(2, 5, &["b", "c", "d"])).is_none());
        // the known lines are there but the total says more arrived elsewhere
        assert!(f.take_page(2, page(2, 9, &["a", "b", "c", "d"])).is_none());
    }

    #[test]
    fn a_server_that_ignores_from_sends_its_whole_window() {
        let mut f = following(&["x", "y", "z", "w"]);
        let delta = f.take_page(1, page(0, 5, &["x", "y", "z", "w", "v"])).unwrap();
        assert_eq!(delta.lines, lines(&["v"]));
    }

    #[test]
    fn a_short_or_empty_log_is_read_whole() {
        let f = LogFollower::new();
        assert_eq!(f.resume_from(), None, "nothing read yet");
        let f = following(&[]);
        assert_eq!(f.resume_from(), None);
        let mut f = following(&["a", "b"]);
        assert_eq!(f.resume_from(), Some(0));
        let delta = f.take_page(0, page(0, 3, &["a", "b", "c"])).unwrap();
        assert_eq!(delta.lines, lines(&["c"]));
    }
}
