//! What flows into the app (terminal input, task reports) and what it asks for (effects).
//! `update` turns events into state changes and effects; tasks carry out effects and report
//! back with events. The draw loop never waits on either.

use crate::livy::{CreateSession, LogDelta, Session, SessionId, SessionKind, Statement, StatementId};
use crossterm::event::{KeyEvent, MouseEvent};

/// A cell's identity, stable while cells move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellId(pub u64);

/// Counts session incarnations; reports from an older one are ignored.
pub type Generation = u64;

/// Something that happened.
#[derive(Debug)]
pub enum AppEvent {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    Resize,
    /// Time passed (elapsed timers, status messages expiring).
    Tick,
    Session(Generation, SessionEvent),
    Statement(Generation, CellId, Box<StatementEvent>),
    Log(Generation, LogDelta),
    /// A one-off message for the status bar.
    Notice {
        text: String,
        is_error: bool,
    },
    /// The client is retrying a request (connection health for the status bar).
    Retrying(String),
    /// A worker finished a search.
    Searched {
        query: String,
        matches: Vec<super::search::Match>,
    },
    /// A worker saved the notebook (or could not).
    Saved {
        path: std::path::PathBuf,
        version: u64,
        result: Result<(), crate::notebook::NotebookError>,
    },
    /// A worker prepared the saved outputs of a notebook (a recovery copy) for showing.
    NotebookPrepared {
        notebook: Box<crate::notebook::Notebook>,
        prepared: Vec<Option<super::cell::PreparedOutput>>,
    },
    /// What the last frame laid out (drawing reports it; it never writes into the app).
    Drawn(super::ScreenLayout),
    /// A worker prepared an output as another of its types.
    Prepared {
        cell: CellId,
        prepared: Box<super::cell::PreparedOutput>,
    },
    /// The session's completion candidates for request `seq` (`Effect::Complete`), or why
    /// there are none.
    Completions {
        seq: u64,
        result: Result<Vec<String>, String>,
    },
    /// A report for the sessions or batches pane (a listing, log lines, an action done).
    Pane(super::panes::PaneReport),
}

/// Reports from the session watcher.
#[derive(Debug)]
pub enum SessionEvent {
    /// The session exists (created by us, or found when attaching).
    Ready { session: Box<Session>, created: bool },
    /// A fresh view of the session.
    Updated(Box<Session>),
    /// The server no longer knows the session (404).
    Gone,
    /// Creating or attaching failed.
    Failed(String),
    /// Polling fails; the watcher keeps trying.
    Trouble(String),
    /// Polling works again.
    Recovered,
    /// A keep-alive (`POST …/connect`) was counted as activity.
    KeptAlive,
    /// The server has no keep-alive (no `/connect`) or refuses it: why, in a few words.
    KeepAliveUnavailable(String),
    /// A keep-alive could not be sent (the network, the server); it is tried again later.
    KeepAliveFailed(String),
    /// The id now names another session (the server restarted without recovery): this one
    /// is gone, and the other must never be used or deleted. Why, in words.
    Replaced(String),
}

/// Reports from a statement's runner.
#[derive(Debug)]
pub enum StatementEvent {
    /// The server took the statement.
    Submitted(Statement),
    /// A poll saw it still waiting or running.
    Progress(Statement),
    /// It finished (succeeded, failed or was cancelled); the app prepares its output.
    Finished(Statement),
    /// It finished, and its output was prepared off the UI loop.
    FinishedPrepared(Statement, Box<super::cell::PreparedOutput>),
    /// The request failed; the statement may not exist.
    RequestFailed(String),
}

/// How the notebook gets its session.
#[derive(Clone, Debug)]
pub enum SessionStart {
    Create(Box<CreateSession>),
    Attach(SessionId),
}

/// IO the app asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Start (or restart) watching a session, creating it first if asked.
    StartSession {
        generation: Generation,
        start: SessionStartSpec,
    },
    /// Run code as a statement and follow it.
    /// `kind` is set when it differs from the session's (Livy 0.5+ mixes languages).
    Submit {
        generation: Generation,
        session: SessionId,
        cell: CellId,
        code: String,
        kind: Option<SessionKind>,
    },
    /// Ask the server to cancel a statement.
    Cancel { session: SessionId, statement: StatementId },
    /// Search the cells on a worker; report with `AppEvent::Searched`.
    Search {
        query: String,
        targets: Vec<super::search::SearchTarget>,
    },
    /// Write the notebook to `path` on a worker (atomically, keeping a backup), then drop
    /// its recovery copy; report with `AppEvent::Saved`.
    Save {
        path: std::path::PathBuf,
        snapshot: Box<super::file_commands::NotebookSnapshot>,
        version: u64,
        /// The file it was saved as before (a "save as" moves the recovery copy).
        previous: Option<std::path::PathBuf>,
    },
    /// Write a recovery copy of unsaved changes, keyed by the notebook's path.
    WriteRecovery {
        key: std::path::PathBuf,
        snapshot: Box<super::file_commands::NotebookSnapshot>,
    },
    /// Drop the recovery copy kept for `key`.
    DiscardRecovery { key: std::path::PathBuf },
    /// Prepare a cell's output as `mime` on a worker; report with `AppEvent::Prepared`.
    Prepare {
        cell: CellId,
        raw: std::sync::Arc<crate::livy::StatementOutput>,
        mime: String,
    },
    /// Prepare a notebook's saved outputs on a worker; report with
    /// `AppEvent::NotebookPrepared`.
    PrepareNotebook(Box<crate::notebook::Notebook>),
    /// Put text on the user's clipboard through the terminal (OSC 52; works over ssh).
    Clipboard(String),
    /// Write a PNG to a new file in the working directory, named from `base`.
    SaveImage { png: std::sync::Arc<Vec<u8>>, base: String },
    /// Write a table to a new file in the working directory, named from `base`.
    Export {
        table: std::sync::Arc<crate::output::Table>,
        format: ExportFormat,
        base: String,
    },
    /// Ask the session for completion candidates; report with `AppEvent::Completions`.
    Complete {
        seq: u64,
        session: SessionId,
        request: crate::livy::CompletionRequest,
    },
    /// Work for the sessions or batches pane: watch a listing or a log, stop, or act.
    Pane(super::panes::PaneRequest),
    /// Tell the server the session is in use (`POST …/connect`, Livy's activity for its idle
    /// timeout); report with `SessionEvent::KeptAlive` or why not.
    KeepAlive { generation: Generation, session: SessionId },
    /// Send `AppEvent::Tick` at this time (a keep-alive falls due, a status line changes),
    /// replacing the wake-up asked for before.
    WakeAt(std::time::Instant),
    /// The log pane was shown or hidden: the session log is read only while it shows.
    LogPane { visible: bool },
    /// Follow a statement submitted before (by an earlier run of the app that went away)
    /// until it finishes, reporting on `cell` as `Submit` does.
    FollowStatement {
        generation: Generation,
        session: SessionId,
        cell: CellId,
        statement: StatementId,
    },
}

/// File formats for exporting a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    JsonLines,
}

/// `SessionStart` in a comparable form for tests.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionStartSpec {
    Create(Box<CreateSession>),
    Attach(SessionId),
}

impl From<SessionStart> for SessionStartSpec {
    fn from(s: SessionStart) -> Self {
        match s {
            SessionStart::Create(c) => SessionStartSpec::Create(c),
            SessionStart::Attach(id) => SessionStartSpec::Attach(id),
        }
    }
}
