//! The state names Livy reports for sessions, statements and batches.

use std::fmt;

/// A session or batch state (`core/.../sessions/SessionState.scala`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionState {
    /// Created, the interpreter not yet asked to start.
    NotStarted,
    /// The driver is launching.
    Starting,
    /// Ready for statements.
    Idle,
    /// A statement is running or queued.
    Busy,
    /// A batch application is running.
    Running,
    /// An interpreter died but the session still takes statements.
    Error,
    /// The driver exited or crashed; nothing more will run.
    Dead,
    /// Killed by the cluster manager or deleted.
    Killed,
    /// Stopping.
    ShuttingDown,
    /// A batch finished with exit code 0.
    Success,
}

impl SessionState {
    /// Livy's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::NotStarted => "not_started",
            SessionState::Starting => "starting",
            SessionState::Idle => "idle",
            SessionState::Busy => "busy",
            SessionState::Running => "running",
            SessionState::Error => "error",
            SessionState::Dead => "dead",
            SessionState::Killed => "killed",
            SessionState::ShuttingDown => "shutting_down",
            SessionState::Success => "success",
        }
    }

    /// `isActive` in Livy: statement reads are refused on inactive sessions.
    pub fn is_active(self) -> bool {
        !matches!(
            self,
            SessionState::Dead | SessionState::Killed | SessionState::ShuttingDown | SessionState::Success
        )
    }

    /// Whether the REPL is up and takes statements (`ensureRunning` in Livy).
    pub fn accepts_statements(self) -> bool {
        matches!(self, SessionState::Idle | SessionState::Busy | SessionState::Error)
    }
}

impl fmt::Display for SessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A statement state (`rsc/.../driver/StatementState.java`); there is no `error` state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatementState {
    /// Queued behind another statement.
    Waiting,
    /// Executing.
    Running,
    /// Finished; the output says `ok` or `error`.
    Available,
    /// Cancel requested while running.
    Cancelling,
    /// Cancelled.
    Cancelled,
}

impl StatementState {
    /// Livy's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            StatementState::Waiting => "waiting",
            StatementState::Running => "running",
            StatementState::Available => "available",
            StatementState::Cancelling => "cancelling",
            StatementState::Cancelled => "cancelled",
        }
    }

    /// True once the statement will not change any more.
    pub fn is_final(self) -> bool {
        matches!(self, StatementState::Available | StatementState::Cancelled)
    }
}

impl fmt::Display for StatementState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
