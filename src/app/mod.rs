//! The notebook's state and how it changes. `update` takes an event and returns the effects
//! (IO) to carry out; nothing here awaits or draws. May use `livy` types, `notebook`,
//! `output` and crossterm key events; never `ui`, `tui` or `cli`.
//!
//! [`App`] holds one value per concept:
//!
//! ```text
//! notebook  NotebookState: cells, focus, editing, the file (Document), search, undo stack
//!   cells[i]  Cell: id, kind, editor, run (RunState), output (RunOutput: shown, raw, mimes,
//!             execution count, Jupyter outputs), view (OutputView: unfolded, scroll), doc
//! session   SessionView: id, phase, what the server said about it, its activity (keep-alive)
//! runs      the queue, a cancel waiting for its statement, the cells that ran well and a
//!           re-run of them in a new session (private; App::queued)
//! log       LogView: lines, scroll, search
//! overlays  the dialog on screen and those waiting (private; App::overlay); the sessions
//!           and batches panes are an overlay too (`panes/`)
//! completion the Tab popup: candidates, filter, the request it answers
//! message, keymap, settings, now, last_input, quit, layout (ScreenLayout: what the last
//! frame drew)
//! ```
//!
//! Where the changes are made: `update.rs` (events), `commands.rs` (commands, by kind),
//! `output_commands.rs` and `output_cursor.rs` (output keys), `runs.rs` (queue, statement
//! reports, re-runs), `keepalive.rs` (keeping the session alive), `search.rs`, `log.rs`,
//! `overlay.rs` (dialog keys), `panes/` (the S and B panes), `completion.rs` (Tab),
//! `file_commands.rs` (open, save, recover).

pub mod cell;
pub mod command;
mod commands;
pub mod completion;
pub mod document;
pub mod editor_keys;
pub mod events;
pub mod file_commands;
pub mod keepalive;
pub mod keymap;
pub mod log;
pub mod notebook_state;
mod output_commands;
mod output_cursor;
pub mod overlay;
pub mod panes;
mod runs;
pub mod search;
mod update;

pub use cell::{Cell, CellOutput, ImageOutput, Outcome, OutputView, PreparedOutput, RunOutput, RunState, TableOutput};
pub use command::Command;

pub use events::{
    AppEvent, CellId, Effect, ExportFormat, Generation, SessionEvent, SessionStart, SessionStartSpec, StatementEvent,
};
pub use keepalive::{Activity, KeepAliveSettings, KeepAliveStatus};
pub use keymap::Keymap;
pub use log::{LOG_KEEP, LogSearch, LogView};
pub use notebook_state::NotebookState;
pub use overlay::Overlay;

use crate::livy::{CreateSession, SessionId, SessionKind, SessionState};
use overlay::Overlays;
use runs::Runs;
use std::time::{Duration, Instant};

/// What the notebook knows about its session.
#[derive(Clone, Debug)]
pub struct SessionView {
    pub generation: Generation,
    pub phase: Phase,
    pub id: Option<SessionId>,
    pub name: Option<String>,
    pub kind: Option<SessionKind>,
    pub app_id: Option<String>,
    pub owner: Option<String>,
    pub proxy_user: Option<String>,
    pub spark_ui: Option<String>,
    /// The notebook created it (so it may offer to delete it on quit).
    pub created_here: bool,
    /// When the current phase or state began.
    pub since: Instant,
    /// Polling trouble, e.g. "connection refused; retrying".
    pub trouble: Option<String>,
    /// When a retry notice's trouble stops showing (none for the watcher's own, which
    /// shows until its polls work again).
    pub trouble_until: Option<Instant>,
    /// Why the session ended or could not start.
    pub failure: Option<String>,
    /// Its activity as the server counts it, and keep-alive.
    pub activity: Activity,
}

/// The session's life as the notebook sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    /// Creating or attaching.
    Connecting,
    /// The server reports this state.
    Server(SessionState),
    /// The server no longer knows it.
    Gone,
    /// It could not be created or attached.
    Failed,
}

impl SessionView {
    /// A session being created or attached, knowing nothing yet.
    pub fn connecting(generation: Generation, now: Instant) -> SessionView {
        SessionView {
            generation,
            phase: Phase::Connecting,
            id: None,
            name: None,
            kind: None,
            app_id: None,
            owner: None,
            proxy_user: None,
            spark_ui: None,
            created_here: false,
            since: now,
            trouble: None,
            trouble_until: None,
            failure: None,
            activity: Activity::default(),
        }
    }

    /// Statements can be sent now.
    pub fn accepts_statements(&self) -> bool {
        self.id.is_some() && matches!(&self.phase, Phase::Server(s) if s.accepts_statements())
    }

    /// It has ended or never started: only a new session helps.
    pub fn is_over(&self) -> bool {
        match &self.phase {
            Phase::Gone | Phase::Failed => true,
            Phase::Server(s) => s.is_finished(),
            Phase::Connecting => false,
        }
    }

    /// Still on its way up.
    pub fn is_starting(&self) -> bool {
        match &self.phase {
            Phase::Connecting => true,
            Phase::Server(s) => s.is_starting(),
            _ => false,
        }
    }
}

/// Screen rows a drawn cell covers (rows as the terminal counts them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellHit {
    pub cell: CellId,
    pub top: u16,
    /// First row below the cell.
    pub bottom: u16,
    /// First row below its code.
    pub code_bottom: u16,
}

/// What the last frame laid out, as the drawing reported it (`AppEvent::Drawn`): the app
/// keeps these facts for the next frame and for mouse clicks and scroll limits, and the
/// drawing never writes into the app.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScreenLayout {
    /// Index of the first cell drawn (the view keeps the focused cell visible).
    pub first_visible: usize,
    /// Where each drawn cell is, for mouse clicks.
    pub cell_hits: Vec<CellHit>,
    /// The last row the value inspector can scroll to.
    pub inspect_last_scroll: usize,
    /// Where each drawn table's columns start (scrolled just enough to show its cursor).
    pub table_first_cols: Vec<(CellId, usize)>,
}

/// A transient line in the status bar.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusMessage {
    pub text: String,
    pub is_error: bool,
    pub until: Instant,
}

/// What to do once the UI is gone.
#[derive(Clone, Debug, PartialEq)]
pub struct QuitPlan {
    pub delete_session: Option<SessionId>,
}

/// Deleting the session on quit, when this notebook created it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DeleteOnQuit {
    /// Ask, with "yes" as the default answer.
    #[default]
    Ask,
    Always,
    Never,
}

/// Start-up settings the app keeps (to recreate the session, to label the status bar).
#[derive(Clone, Debug)]
pub struct Settings {
    /// The server, as shown in the status bar.
    pub server: String,
    pub default_kind: SessionKind,
    /// The command line's settings for a new session; each time one is created (at start,
    /// or after one died), the notebook's `%%configure` cells as they are then go under them.
    pub create: CreateSession,
    /// The profile's defaults for a new session, under the notebook's `%%configure`.
    pub defaults: CreateSession,
    pub delete_on_quit: DeleteOnQuit,
    /// Keeping the session alive while the user is active.
    pub keepalive: KeepAliveSettings,
}

/// The whole notebook state: the notebook (cells, focus, file, search), its session and the
/// cells waiting to run on it, the log pane, the overlays, the status message, and what the
/// app was started with.
pub struct App {
    /// The cells, which one has focus, the file behind them and a search over them.
    pub notebook: NotebookState,
    /// What the notebook knows about its session.
    pub session: SessionView,
    /// Cells waiting to run, and a cancel waiting for its statement's id.
    runs: Runs,
    /// The session log pane.
    pub log: LogView,
    /// The overlay on screen ([`App::overlay`]) and the questions waiting behind it.
    overlays: Overlays,
    /// A transient line in the status bar.
    pub message: Option<StatusMessage>,
    pub keymap: Keymap,
    pub settings: Settings,
    /// The current time, moved on by ticks (tests set it).
    pub now: Instant,
    /// When the user last pressed a key (or pasted, or clicked): keep-alive stops after
    /// `keepalive-for` without one.
    pub last_input: Instant,
    /// The wake-up asked for last ([`Effect::WakeAt`]).
    wake: Option<Instant>,
    /// Set when the user has quit: what to do once the UI is gone.
    pub quit: Option<QuitPlan>,
    /// What the last frame laid out.
    pub layout: ScreenLayout,
    /// Tab completion: the request waiting for its reply, the popup on screen.
    pub completion: completion::Completion,
}

impl App {
    /// A notebook with one empty cell in edit mode, so the user can type at once. Returns
    /// the effect that starts the session.
    pub fn new(settings: Settings, start: SessionStart, keymap: Keymap, now: Instant) -> (App, Vec<Effect>) {
        let app = App {
            notebook: NotebookState::new(settings.default_kind.clone()),
            session: SessionView::connecting(1, now),
            runs: Runs::default(),
            log: LogView::default(),
            overlays: Overlays::default(),
            message: None,
            keymap,
            settings,
            now,
            last_input: now,
            wake: None,
            quit: None,
            layout: ScreenLayout::default(),
            completion: Default::default(),
        };
        let effect = Effect::StartSession {
            generation: 1,
            start: start.into(),
        };
        (app, vec![effect])
    }

    /// Shows a status line for a few seconds.
    pub fn say(&mut self, text: impl Into<String>) {
        self.message = Some(StatusMessage {
            // messages often quote the server: plain text only
            text: crate::output::sanitize::strip_all(&text.into()),
            is_error: false,
            until: self.now + Duration::from_secs(5),
        });
    }

    /// Shows an error status line for a while.
    pub fn complain(&mut self, text: impl Into<String>) {
        self.message = Some(StatusMessage {
            // messages often quote the server: plain text only
            text: crate::output::sanitize::strip_all(&text.into()),
            is_error: true,
            until: self.now + Duration::from_secs(10),
        });
    }

    /// Whether time-driven redraws are needed (elapsed timers, spinners, expiring messages).
    pub fn needs_ticks(&self) -> bool {
        let document = &self.notebook.document;
        self.session.is_starting()
            || self.notebook.running_cell().is_some()
            || self.message.is_some()
            || self.session.trouble_until.is_some()
            || (document.is_dirty() && document.recovered_version != document.version)
    }
}
