//! The notebook's state and how it changes. `update` takes an event and returns the effects
//! (IO) to carry out; nothing here awaits or draws. May use `livy` types, `notebook`,
//! `output` and crossterm key events; never `ui`, `tui` or `cli`.

pub mod cell;
pub mod command;
mod commands;
pub mod document;
pub mod editor_keys;
pub mod events;
pub mod file_commands;
pub mod keymap;
mod output_cursor;
pub mod overlay;
pub mod search;
mod update;

pub use cell::{Cell, CellOutput, ImageOutput, Outcome, PreparedOutput, RunState, TableOutput};
pub use command::Command;

pub use events::{
    AppEvent, CellId, Effect, ExportFormat, Generation, SessionEvent, SessionStart, SessionStartSpec, StatementEvent,
};
pub use keymap::Keymap;
pub use overlay::Overlay;

use crate::livy::{CreateSession, SessionId, SessionKind, SessionState};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Lines of session log kept in memory: hours of a chatty Spark driver in ~15 MB. Drawing
/// does not depend on it (the benches draw a million lines); starting a log search scans
/// all of them on the UI loop, which stays a few milliseconds at this size.
pub const LOG_KEEP: usize = 100_000;

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
    /// Why the session ended or could not start.
    pub failure: Option<String>,
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
            failure: None,
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

/// The session log pane.
#[derive(Clone, Debug)]
pub struct LogView {
    pub lines: VecDeque<String>,
    pub visible: bool,
    pub height: u16,
    /// Keys go to the log pane (scrolling) instead of the cells.
    pub focused: bool,
    /// Lines scrolled up from the end; 0 follows new lines.
    pub scroll_back: usize,
    /// A search in the log, if one was started.
    pub search: Option<LogSearch>,
}

/// Searching the session log (case-insensitive).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct LogSearch {
    pub query: String,
    /// The query is still being typed.
    pub typing: bool,
    /// The line of the current match.
    pub current: Option<usize>,
    /// How many lines match, kept current as lines arrive and drop (never recounted per frame).
    pub count: usize,
}

impl LogSearch {
    /// Whether a line matches the query.
    pub fn hits(&self, line: &str) -> bool {
        !self.query.is_empty() && line.to_lowercase().contains(&self.query.to_lowercase())
    }
}

impl LogView {
    /// Lines that contain the query, oldest first.
    pub fn matches(&self, query: &str) -> Vec<usize> {
        if query.is_empty() {
            return Vec::new();
        }
        let q = query.to_lowercase();
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.to_lowercase().contains(&q))
            .map(|(i, _)| i)
            .collect()
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
}

/// The whole notebook state.
pub struct App {
    pub cells: Vec<Cell>,
    pub focus: usize,
    pub editing: bool,
    pub session: SessionView,
    pub log: LogView,
    /// Cells waiting to run, in order.
    pub queue: VecDeque<CellId>,
    pub overlay: Option<Overlay>,
    pub message: Option<StatusMessage>,
    pub keymap: Keymap,
    pub settings: Settings,
    /// The current time, moved on by ticks (tests set it).
    pub now: Instant,
    pub quit: Option<QuitPlan>,
    /// What the last frame laid out.
    pub layout: ScreenLayout,
    deleted: Vec<(usize, Cell)>,
    next_cell_id: u64,
    /// A cancel asked for before the server confirmed the statement.
    pending_cancel: Option<CellId>,
    /// The current search over cells and outputs.
    pub search: Option<search::Search>,
    /// The file behind the notebook.
    pub document: document::Document,
    /// Questions waiting for the one on screen to be answered.
    pub later_overlays: VecDeque<Overlay>,
}

impl App {
    /// A notebook with one empty cell in edit mode, so the user can type at once. Returns
    /// the effect that starts the session.
    pub fn new(settings: Settings, start: SessionStart, keymap: Keymap, now: Instant) -> (App, Vec<Effect>) {
        let kind = settings.default_kind.clone();
        let mut app = App {
            cells: Vec::new(),
            focus: 0,
            editing: true,
            session: SessionView::connecting(1, now),
            log: LogView {
                lines: VecDeque::new(),
                visible: false,
                height: 8,
                focused: false,
                scroll_back: 0,
                search: None,
            },
            queue: VecDeque::new(),
            overlay: None,
            message: None,
            keymap,
            settings,
            now,
            quit: None,
            layout: ScreenLayout::default(),
            deleted: Vec::new(),
            next_cell_id: 1,
            pending_cancel: None,
            search: None,
            document: document::Document::new(None, crate::notebook::Notebook::new(Some(kind.clone()))),
            later_overlays: VecDeque::new(),
        };
        let id = app.new_cell_id();
        app.cells.push(Cell::new(id, kind));
        let effect = Effect::StartSession {
            generation: 1,
            start: start.into(),
        };
        (app, vec![effect])
    }

    fn new_cell_id(&mut self) -> CellId {
        let id = CellId(self.next_cell_id);
        self.next_cell_id += 1;
        id
    }

    /// Adds a cell holding `code` at the end (for tests and, later, opening files).
    pub fn push_cell(&mut self, kind: SessionKind, code: &str) -> CellId {
        let id = self.new_cell_id();
        self.cells.push(Cell::with_code(id, kind, code));
        id
    }

    /// The focused cell.
    pub fn focused(&self) -> &Cell {
        &self.cells[self.focus.min(self.cells.len() - 1)]
    }

    fn focused_mut(&mut self) -> &mut Cell {
        let i = self.focus.min(self.cells.len() - 1);
        &mut self.cells[i]
    }

    /// Index of a cell by id.
    pub fn index_of(&self, id: CellId) -> Option<usize> {
        self.cells.iter().position(|c| c.id == id)
    }

    fn cell_mut(&mut self, id: CellId) -> Option<&mut Cell> {
        self.cells.iter_mut().find(|c| c.id == id)
    }

    /// The cell whose statement is in flight, if any.
    pub fn running_cell(&self) -> Option<&Cell> {
        self.cells.iter().find(|c| {
            matches!(
                c.run,
                RunState::Submitting { .. } | RunState::Running { .. } | RunState::Cancelling { .. }
            )
        })
    }

    /// Shows a status line for a few seconds.
    pub fn say(&mut self, text: impl Into<String>) {
        self.message = Some(StatusMessage {
            text: text.into(),
            is_error: false,
            until: self.now + Duration::from_secs(5),
        });
    }

    /// Shows an error status line for a while.
    pub fn complain(&mut self, text: impl Into<String>) {
        self.message = Some(StatusMessage {
            text: text.into(),
            is_error: true,
            until: self.now + Duration::from_secs(10),
        });
    }

    /// Whether time-driven redraws are needed (elapsed timers, spinners, expiring messages).
    pub fn needs_ticks(&self) -> bool {
        self.session.is_starting()
            || self.running_cell().is_some()
            || self.message.is_some()
            || (self.document.is_dirty() && self.document.recovered_version != self.document.version)
    }
}
