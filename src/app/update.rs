//! Events → state changes and effects.

use super::cell::CellOutput;
use super::events::{AppEvent, Effect, SessionEvent};
use super::{App, KeepAliveStatus, Phase};
use crate::livy::Session;
use crate::livy::failure_reason::failure_reason;
use crate::output::sanitize::strip_all;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

/// How long a retry notice shows after the last retry.
const RETRY_NOTICE_SHOWS: std::time::Duration = std::time::Duration::from_secs(15);

impl App {
    /// Applies one event; returns the IO to carry out. What any event may lead to is added
    /// here, in one place: the user's presence (keep-alive), the server's activity (a
    /// statement sent, a cancel), the log pane shown or hidden, a keep-alive or a wake-up due.
    pub fn update(&mut self, event: AppEvent) -> Vec<Effect> {
        if matches!(event, AppEvent::Drawn(_)) {
            // A frame's facts; the drawing does not carry out effects.
            return self.apply(event);
        }
        if is_user_input(&event) {
            self.last_input = self.now;
        }
        let log_shown = self.log.visible;
        let mut effects = self.apply(event);
        if effects
            .iter()
            .any(|e| matches!(e, Effect::Submit { .. } | Effect::Cancel { .. }))
        {
            self.note_activity();
        }
        if self.log.visible != log_shown {
            effects.push(Effect::LogPane {
                visible: self.log.visible,
            });
        }
        effects.extend(self.keepalive_effects());
        effects
    }

    fn apply(&mut self, event: AppEvent) -> Vec<Effect> {
        match event {
            AppEvent::Key(key) => return self.on_key(key),
            AppEvent::Paste(text) => self.paste(&text),
            AppEvent::Mouse(mouse) => self.on_mouse(mouse),
            AppEvent::Resize => {}
            AppEvent::Drawn(layout) => self.laid_out(layout),
            AppEvent::NotebookPrepared { notebook, prepared } => return self.recovered(*notebook, prepared),
            AppEvent::Notice { text, is_error: true } => self.complain(text),
            AppEvent::Notice { text, is_error: false } => self.say(text),
            // A retry is news of the moment: it shows while retries go on and goes by itself
            // once they stop (nothing else says the server answers again).
            AppEvent::Retrying(text) => {
                self.session.trouble = Some(strip_all(&text));
                self.session.trouble_until = Some(self.now + RETRY_NOTICE_SHOWS);
            }
            AppEvent::Searched { query, matches } => self.searched(query, matches),
            AppEvent::Prepared { cell, prepared } => self.prepared(cell, *prepared),
            AppEvent::Completions { seq, result } => self.completed(seq, result),
            AppEvent::Pane(report) => return self.on_pane_report(report),
            AppEvent::Tick => return self.tick(),
            AppEvent::Saved { path, version, result } => return self.saved(path, version, result),
            AppEvent::Session(generation, event) if generation == self.session.generation => {
                return self.on_session(event);
            }
            AppEvent::Statement(generation, cell, event) if generation == self.session.generation => {
                return self.on_statement(cell, *event);
            }
            AppEvent::Log(generation, delta) if generation == self.session.generation => self.log.add(delta),
            // A report about a session this notebook has moved on from.
            AppEvent::Session(..) | AppEvent::Statement(..) | AppEvent::Log(..) => {}
        }
        Vec::new()
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        let mut effects = Vec::new();
        if self.overlay_key(key, &mut effects) {
            return effects;
        }
        if self.notebook.document.recovering {
            self.say("recovering the unsaved changes … a moment");
            return effects;
        }
        if self.log.focused && self.on_log_key(key) {
            return Vec::new();
        }
        if self.notebook.search.as_ref().is_some_and(|s| s.typing) {
            return self.on_search_key(key);
        }
        if let Some(effects) = self.completion_key(key) {
            return effects;
        }
        if let Some(command) = self.keymap.lookup(&key, self.notebook.editing) {
            return self.run_command(command);
        }
        let input = super::editor_keys::editor_input(key);
        if self.notebook.editing && self.notebook.focused_mut().editor.input(input) {
            self.touch();
        }
        Vec::new()
    }

    /// Pasted text is data, never commands: it goes into the focused cell as is (CRLF
    /// normalised), unless something else has the keys.
    fn paste(&mut self, text: &str) {
        if self.overlay().is_some() || self.log.focused || self.notebook.document.recovering {
            return;
        }
        self.notebook.editing = true;
        self.notebook
            .focused_mut()
            .editor
            .insert_str(text.replace("\r\n", "\n").replace('\r', "\n"));
        self.touch();
    }

    /// The wheel scrolls the log or moves between cells; a click focuses the cell under it.
    fn on_mouse(&mut self, mouse: MouseEvent) {
        // A dialog is modal: the wheel and clicks do not reach the cells under it.
        if self.overlay().is_some() {
            return;
        }
        let notebook = &mut self.notebook;
        match mouse.kind {
            MouseEventKind::ScrollUp if self.log.focused => self.log.scroll(3),
            MouseEventKind::ScrollDown if self.log.focused => self.log.scroll(-3),
            MouseEventKind::ScrollUp => notebook.focus = notebook.focus.saturating_sub(1),
            MouseEventKind::ScrollDown => notebook.focus = (notebook.focus + 1).min(notebook.cells.len() - 1),
            MouseEventKind::Down(MouseButton::Left) => self.click(mouse.row),
            _ => {}
        }
    }

    /// A click on a cell's code edits it; on its frame or output, selects the cell.
    fn click(&mut self, row: u16) {
        let hit = self
            .layout
            .cell_hits
            .iter()
            .find(|h| (h.top..h.bottom).contains(&row))
            .copied();
        if let Some(hit) = hit
            && let Some(index) = self.notebook.index_of(hit.cell)
        {
            self.notebook.focus = index;
            self.log.focused = false;
            self.notebook.editing = row > hit.top && row < hit.code_bottom;
        }
    }

    /// Time passed: an expired message goes, and a recovery copy is written when due.
    fn tick(&mut self) -> Vec<Effect> {
        // `now` is set by the event loop before every event (tests set it themselves)
        if self.message.as_ref().is_some_and(|m| m.until <= self.now) {
            self.message = None;
        }
        if self.session.trouble_until.is_some_and(|until| until <= self.now) {
            self.session.trouble = None;
            self.session.trouble_until = None;
        }
        self.autosave()
    }

    /// Takes the facts of the frame just drawn.
    fn laid_out(&mut self, layout: super::ScreenLayout) {
        for (id, first) in &layout.table_first_cols {
            if let Some(CellOutput::Table(t)) = self.notebook.cell_mut(*id).and_then(|c| c.output.shown.as_mut()) {
                t.first_col = *first;
            }
        }
        self.layout = layout;
    }

    /// Typing a search query.
    fn on_search_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(search) = self.notebook.search.as_mut() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => search.query.push(c),
            KeyCode::Backspace => {
                search.query.pop();
            }
            KeyCode::Enter => return self.start_search(),
            KeyCode::Esc => self.notebook.search = None,
            _ => {}
        }
        Vec::new()
    }

    fn on_session(&mut self, event: SessionEvent) -> Vec<Effect> {
        match event {
            SessionEvent::Ready { session, created } => {
                self.session.created_here = created;
                if created {
                    // Livy records activity when it registers a session.
                    self.note_activity();
                }
                self.apply_session(*session);
                self.bind_session();
                let mut effects = self.resume_marked();
                effects.extend(self.pump());
                return effects;
            }
            SessionEvent::Updated(session) => {
                self.session.trouble = None;
                self.apply_session(*session);
            }
            SessionEvent::Gone => {
                let why = self.gone_reason();
                self.session_ended(Phase::Gone, why);
            }
            SessionEvent::Failed(message) => self.session_ended(Phase::Failed, message),
            SessionEvent::Replaced(why) => self.session_ended(Phase::Gone, why),
            SessionEvent::Trouble(message) => {
                self.session.trouble = Some(strip_all(&message));
                self.session.trouble_until = None;
            }
            SessionEvent::Recovered => self.session.trouble = None,
            SessionEvent::KeptAlive => {
                self.session.activity.asking = false;
                self.note_activity();
            }
            SessionEvent::KeepAliveUnavailable(why) => {
                self.session.activity.asking = false;
                self.complain(format!(
                    "keep-alive is unavailable: {why}; the session times out as the server decides"
                ));
                self.session.activity.unavailable = Some(why);
            }
            SessionEvent::KeepAliveFailed(why) => {
                self.session.activity.asking = false;
                tracing::info!("keep-alive failed, trying again later: {why}");
            }
        }
        self.pump()
    }

    /// Why the server no longer knows the session (it answers 404: "not found").
    fn gone_reason(&self) -> String {
        let session = self
            .session
            .id
            .as_ref()
            .map_or_else(|| "the session".to_string(), |id| format!("session {id}"));
        let keepalive = match self.keepalive_status() {
            Some(KeepAliveStatus::Stopped) => "; keep-alive had stopped",
            Some(KeepAliveStatus::Unavailable(_)) => "; this server has no keep-alive",
            Some(KeepAliveStatus::Off) => "; keep-alive was off",
            _ => "",
        };
        format!("{session} was deleted (the server no longer knows it){keepalive}")
    }

    /// The session is gone or could not start, for this reason.
    fn session_ended(&mut self, phase: Phase, failure: String) {
        self.session.phase = phase;
        self.session.since = self.now;
        self.session.failure = Some(strip_all(&failure));
        self.abandon_work();
    }

    fn apply_session(&mut self, s: Session) {
        let state_changed = self.session.phase != Phase::Server(s.state.clone());
        if state_changed {
            self.session.since = self.now;
        }
        self.session.phase = Phase::Server(s.state.clone());
        self.session.id = Some(s.id.clone());
        // What the server names things is drawn in the status bar: plain text only.
        let plain = |text: &Option<String>| text.as_deref().map(strip_all);
        self.session.name = plain(&s.name);
        self.session.kind = Some(s.kind.clone());
        self.session.app_id = plain(&s.app_id);
        self.session.owner = plain(&s.owner);
        self.session.proxy_user = plain(&s.proxy_user);
        self.session.spark_ui = plain(&s.app_info.spark_ui_url);
        if s.state.is_finished() {
            if self.session.failure.is_none() {
                // The exception the log names, else its last line.
                let reason = failure_reason(&s.log).map(|r| strip_all(&r));
                self.session.failure = Some(reason.unwrap_or_else(|| format!("the session is {}", s.state)));
            }
            if state_changed {
                self.abandon_work();
            }
        }
    }
}

/// The user did something (keep-alive runs while they do).
fn is_user_input(event: &AppEvent) -> bool {
    match event {
        AppEvent::Key(key) => key.kind != KeyEventKind::Release,
        AppEvent::Paste(_) | AppEvent::Mouse(_) => true,
        _ => false,
    }
}
