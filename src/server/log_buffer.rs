//! Session and batch logs with Livy's per-stream cap and `from`/`size` paging.
//!
//! Livy keeps the last `livy.cache-log.size` lines of the driver's stdout and of its stderr
//! and serves them as `["stdout: ", …, "\nstderr: ", …]`. Once a stream is full, old lines
//! fall off the front, so an offset names a different line on the next poll: clients must
//! tail with `from` omitted. This module reproduces exactly that.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

/// The marker line that opens the stdout part of a log.
pub const STDOUT_MARKER: &str = "stdout: ";
/// The marker line that opens the stderr part of a log.
pub const STDERR_MARKER: &str = "\nstderr: ";

/// The log lines of one session or batch.
#[derive(Debug)]
pub struct LogBuffer {
    cap: usize,
    /// False for a batch whose process never started: Livy then shows `log: []`.
    process_started: bool,
    stdout: VecDeque<String>,
    stderr: VecDeque<String>,
}

/// One page of a log, as `GET …/log` returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogPage {
    /// The offset actually used.
    pub from: i64,
    /// Lines held in total (markers included).
    pub total: usize,
    /// The lines of the page.
    pub lines: Vec<String>,
}

impl LogBuffer {
    /// An empty log of a started process (just the two markers), `cap` lines per stream.
    pub fn new(cap: usize) -> Self {
        LogBuffer {
            cap,
            process_started: true,
            stdout: VecDeque::new(),
            stderr: VecDeque::new(),
        }
    }

    /// A log with no process behind it: renders as no lines at all.
    pub fn without_process(cap: usize) -> Self {
        LogBuffer {
            process_started: false,
            ..LogBuffer::new(cap)
        }
    }

    /// Appends a stdout line, dropping the oldest one when the stream is full.
    pub fn push_stdout(&mut self, line: impl Into<String>) {
        self.process_started = true;
        push_capped(&mut self.stdout, self.cap, line.into());
    }

    /// Appends a stderr line, dropping the oldest one when the stream is full.
    pub fn push_stderr(&mut self, line: impl Into<String>) {
        self.process_started = true;
        push_capped(&mut self.stderr, self.cap, line.into());
    }

    /// All lines as Livy lists them.
    pub fn lines(&self) -> Vec<String> {
        if !self.process_started {
            return Vec::new();
        }
        let mut out = Vec::with_capacity(self.stdout.len() + self.stderr.len() + 2);
        out.push(STDOUT_MARKER.to_string());
        out.extend(self.stdout.iter().cloned());
        out.push(STDERR_MARKER.to_string());
        out.extend(self.stderr.iter().cloned());
        out
    }

    /// The last `n` lines (the `log` field of session and batch objects shows 10).
    pub fn tail(&self, n: usize) -> Vec<String> {
        let lines = self.lines();
        lines[lines.len().saturating_sub(n)..].to_vec()
    }

    /// One page with Livy's rules (`SessionServlet.serializeLogs`): `size` defaults to 100
    /// and a negative size means all lines; an omitted or negative `from` means the last
    /// `size` lines; a `from` past the end gives an empty page.
    pub fn page(&self, from: Option<i64>, size: Option<i64>) -> LogPage {
        let lines = self.lines();
        let total = lines.len() as i64;
        let size = size.unwrap_or(100);
        let size = if size < 0 { total } else { size };
        let from = match from {
            Some(f) if f >= 0 => f,
            _ => (total - size).max(0),
        };
        let until = from.saturating_add(size).min(total);
        let page = if from >= total {
            Vec::new()
        } else {
            lines[from as usize..until as usize].to_vec()
        };
        LogPage {
            from,
            total: lines.len(),
            lines: page,
        }
    }
}

fn push_capped(stream: &mut VecDeque<String>, cap: usize, line: String) {
    stream.push_back(line);
    while stream.len() > cap {
        stream.pop_front();
    }
}

/// A shared handle on a [`LogBuffer`], given to interpreters and batch runners so the
/// lines they write show up in `GET …/log` at once.
#[derive(Clone, Debug)]
pub struct LogSink {
    buffer: Arc<Mutex<LogBuffer>>,
}

impl LogSink {
    /// Wraps a buffer.
    pub fn new(buffer: LogBuffer) -> Self {
        LogSink {
            buffer: Arc::new(Mutex::new(buffer)),
        }
    }

    /// Appends a line to the stdout stream.
    pub fn stdout(&self, line: impl Into<String>) {
        self.lock().push_stdout(line);
    }

    /// Appends a line to the stderr stream (where a local Spark driver logs).
    pub fn stderr(&self, line: impl Into<String>) {
        self.lock().push_stderr(line);
    }

    /// Locks the buffer for reading or several writes.
    pub fn lock(&self) -> MutexGuard<'_, LogBuffer> {
        // A panic while holding the lock cannot leave a half-written line, so the data is
        // still good after poisoning.
        self.buffer.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_log() -> LogBuffer {
        let mut log = LogBuffer::new(200);
        for i in 0..250 {
            log.push_stderr(format!("line {i}"));
        }
        log
    }

    #[test]
    fn paging_matches_livy_table() {
        let log = full_log();
        let cases = [
            (None, None, 102, 100),
            (None, Some(3), 199, 3),
            (Some(-5), Some(2), 200, 2),
            (Some(10), Some(-1), 10, 192),
            (Some(100_000), None, 100_000, 0),
        ];
        for (from, size, used, len) in cases {
            let page = log.page(from, size);
            assert_eq!((page.from, page.total, page.lines.len()), (used, 202, len));
        }
    }

    #[test]
    fn window_drops_oldest_and_unstarted_is_empty() {
        let log = full_log();
        let lines = log.lines();
        assert_eq!(lines[0], STDOUT_MARKER);
        assert_eq!(lines[1], STDERR_MARKER);
        assert_eq!(lines[2], "line 50");
        assert_eq!(log.tail(1), vec!["line 249".to_string()]);
        assert!(LogBuffer::without_process(5).lines().is_empty());
    }
}
