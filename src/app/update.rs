//! Events → state changes and effects.

use super::cell::{CellOutput, Outcome, PreparedOutput, RunState};
use super::events::{AppEvent, CellId, Effect, SessionEvent, SessionStartSpec, StatementEvent};
use super::{App, LOG_KEEP, LogSearch, Overlay, Phase, QuitPlan};
use crate::livy::failure_reason::failure_reason;
use crate::livy::{LogDelta, Session, Statement, StatementState};
use crate::output::sanitize::strip_all;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind};
use std::time::{Duration, Instant};
use tui_textarea::Input;

impl App {
    /// Applies one event; returns the IO to carry out.
    pub fn update(&mut self, event: AppEvent) -> Vec<Effect> {
        match event {
            AppEvent::Key(key) => self.on_key(key),
            AppEvent::Paste(text) => {
                if self.overlay.is_none() && !self.log.focused {
                    self.editing = true;
                    // Pasted text is data, never commands: insert it as is (CRLF normalised).
                    self.focused_mut()
                        .editor
                        .insert_str(text.replace("\r\n", "\n").replace('\r', "\n"));
                    self.touch();
                }
                Vec::new()
            }
            AppEvent::Mouse(mouse) => {
                match mouse.kind {
                    MouseEventKind::ScrollUp if self.log.focused => self.scroll_log(3),
                    MouseEventKind::ScrollDown if self.log.focused => self.scroll_log(-3),
                    MouseEventKind::ScrollUp => self.focus = self.focus.saturating_sub(1),
                    MouseEventKind::ScrollDown => self.focus = (self.focus + 1).min(self.cells.len() - 1),
                    MouseEventKind::Down(crossterm::event::MouseButton::Left) if self.overlay.is_none() => {
                        let hit = self
                            .cell_hits
                            .borrow()
                            .iter()
                            .find(|h| (h.top..h.bottom).contains(&mouse.row))
                            .copied();
                        if let Some(hit) = hit
                            && let Some(index) = self.index_of(hit.cell)
                        {
                            self.focus = index;
                            self.log.focused = false;
                            // A click on the code edits it; on the frame or output, selects the cell.
                            self.editing = mouse.row > hit.top && mouse.row < hit.code_bottom;
                        }
                    }
                    _ => {}
                }
                Vec::new()
            }
            AppEvent::Resize => Vec::new(),
            AppEvent::Notice { text, is_error } => {
                if is_error {
                    self.complain(text)
                } else {
                    self.say(text)
                }
                Vec::new()
            }
            AppEvent::Retrying(text) => {
                self.session.trouble = Some(text);
                Vec::new()
            }
            AppEvent::Searched { query, matches } => {
                self.searched(query, matches);
                Vec::new()
            }
            AppEvent::Prepared { cell, prepared } => {
                self.prepared(cell, *prepared);
                Vec::new()
            }
            AppEvent::Tick => {
                // `now` is set by the event loop before every event (tests set it themselves)
                if self.message.as_ref().is_some_and(|m| m.until <= self.now) {
                    self.message = None;
                }
                self.autosave()
            }
            AppEvent::Saved { path, version, result } => self.saved(path, version, result),
            AppEvent::Session(generation, event) if generation == self.session.generation => self.on_session(event),
            AppEvent::Statement(generation, cell, event) if generation == self.session.generation => {
                self.on_statement(cell, *event)
            }
            AppEvent::Log(generation, delta) if generation == self.session.generation => {
                self.on_log(delta);
                Vec::new()
            }
            // A report about a session this notebook has moved on from.
            AppEvent::Session(..) | AppEvent::Statement(..) | AppEvent::Log(..) => Vec::new(),
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        if let Some(overlay) = self.overlay.clone() {
            let effects = self.on_overlay_key(overlay, key);
            if self.overlay.is_none() {
                self.overlay = self.later_overlays.pop_front();
            }
            return effects;
        }
        if self.log.focused && self.on_log_key(key) {
            return Vec::new();
        }
        if self.search.as_ref().is_some_and(|s| s.typing) {
            return self.on_search_key(key);
        }
        if let Some(command) = self.keymap.lookup(&key, self.editing) {
            return self.run_command(command);
        }
        if self.editing && self.focused_mut().editor.input(Input::from(key)) {
            self.touch();
        }
        Vec::new()
    }

    fn on_overlay_key(&mut self, overlay: Overlay, key: KeyEvent) -> Vec<Effect> {
        match overlay {
            Overlay::SaveAs { mut input } => match key.code {
                KeyCode::Enter => {
                    let typed = input.trim();
                    if typed.is_empty() {
                        self.say("type a file name: name.ipynb, or name.py / .scala / .r / .sql for a script");
                        return Vec::new();
                    }
                    let path = expand_home(typed);
                    if let Err(e) = crate::notebook::Format::from_path(&path) {
                        self.complain(e.to_string());
                        return Vec::new();
                    }
                    self.overlay = None;
                    return self.save_to(path);
                }
                KeyCode::Esc => {
                    self.overlay = None;
                    self.document.quit_after_save = false;
                }
                KeyCode::Backspace => {
                    input.pop();
                    self.overlay = Some(Overlay::SaveAs { input });
                }
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    input.push(c);
                    self.overlay = Some(Overlay::SaveAs { input });
                }
                _ => {}
            },
            Overlay::ConfirmUnsaved => match key.code {
                KeyCode::Char('s' | 'S') | KeyCode::Enter => {
                    self.overlay = None;
                    self.document.quit_after_save = true;
                    return self.save();
                }
                KeyCode::Char('d' | 'D') => {
                    self.overlay = None;
                    self.document.leaving = true;
                    let key = self.document.recovery_key();
                    self.request_quit();
                    return vec![Effect::DiscardRecovery { key }];
                }
                _ => self.overlay = None,
            },
            Overlay::Recover { notebook, .. } => match key.code {
                KeyCode::Char('r' | 'R') | KeyCode::Enter => {
                    self.overlay = None;
                    self.recover(*notebook);
                }
                KeyCode::Char('d' | 'D') => {
                    self.overlay = None;
                    self.say("dropped the recovered changes");
                    return vec![Effect::DiscardRecovery {
                        key: self.document.recovery_key(),
                    }];
                }
                KeyCode::Esc => {
                    self.overlay = None;
                    self.say("kept the recovery copy; it is offered again next time");
                }
                _ => {}
            },
            Overlay::Reattach { session, .. } => match key.code {
                KeyCode::Char('a' | 'A') | KeyCode::Enter => {
                    self.overlay = None;
                    return self.start_session(SessionStartSpec::Attach(session));
                }
                KeyCode::Char('n' | 'N') => {
                    self.overlay = None;
                    return match self.session_request() {
                        Ok(create) => self.start_session(SessionStartSpec::Create(Box::new(create))),
                        Err(e) => {
                            self.complain(e.to_string());
                            Vec::new()
                        }
                    };
                }
                _ => {}
            },
            Overlay::Rerun { cells, .. } => {
                self.overlay = None;
                if matches!(key.code, KeyCode::Char('r' | 'R') | KeyCode::Enter) {
                    let indices: Vec<usize> = cells.iter().filter_map(|id| self.index_of(*id)).collect();
                    return self.queue_cells(&indices);
                }
            }
            Overlay::Inspect {
                title,
                text,
                full,
                scroll,
                max_scroll,
            } => {
                let last = max_scroll.get();
                let scroll = match key.code {
                    KeyCode::Down | KeyCode::Char('j') => (scroll + 1).min(last),
                    KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
                    KeyCode::PageDown | KeyCode::Char(' ') => (scroll + 10).min(last),
                    KeyCode::PageUp => scroll.saturating_sub(10),
                    KeyCode::Home | KeyCode::Char('g') => 0,
                    KeyCode::End | KeyCode::Char('G') => last,
                    KeyCode::Char('y' | 'Y') => {
                        self.overlay = None;
                        return self.clipboard(full.to_string(), &title);
                    }
                    _ => {
                        self.overlay = None;
                        return Vec::new();
                    }
                };
                self.overlay = Some(Overlay::Inspect {
                    title,
                    text,
                    full,
                    scroll,
                    max_scroll,
                });
            }
            Overlay::Help { scroll } => {
                let last = self.keymap.help_rows().len().saturating_sub(1);
                let scroll = match key.code {
                    KeyCode::Down | KeyCode::Char('j') => (scroll + 1).min(last),
                    KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
                    KeyCode::PageDown | KeyCode::Char(' ') => (scroll + 10).min(last),
                    KeyCode::PageUp => scroll.saturating_sub(10),
                    _ => {
                        self.overlay = None;
                        return Vec::new();
                    }
                };
                self.overlay = Some(Overlay::Help { scroll });
            }
            Overlay::ConfirmQuit { delete_by_default } => {
                let delete = match key.code {
                    KeyCode::Char('y' | 'Y') => Some(true),
                    KeyCode::Char('n' | 'N') => Some(false),
                    KeyCode::Enter => Some(delete_by_default),
                    KeyCode::Esc => {
                        self.overlay = None;
                        None
                    }
                    _ => None,
                };
                if let Some(delete) = delete {
                    self.overlay = None;
                    let session = delete.then(|| self.session.id.clone()).flatten();
                    self.quit = Some(QuitPlan {
                        delete_session: session,
                    });
                }
            }
        }
        Vec::new()
    }

    /// Typing a search query.
    fn on_search_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(search) = self.search.as_mut() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => search.query.push(c),
            KeyCode::Backspace => {
                search.query.pop();
            }
            KeyCode::Enter => return self.start_search(),
            KeyCode::Esc => self.search = None,
            _ => {}
        }
        Vec::new()
    }

    /// Keys while the log pane has focus; false when the key is not the pane's.
    fn on_log_key(&mut self, key: KeyEvent) -> bool {
        if let Some(search) = self.log.search.as_mut()
            && search.typing
        {
            match key.code {
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => search.query.push(c),
                KeyCode::Backspace => {
                    search.query.pop();
                }
                KeyCode::Enter => {
                    search.typing = false;
                    let query = search.query.clone();
                    let count = self.log.matches(&query).len();
                    if let Some(search) = self.log.search.as_mut() {
                        search.count = count;
                    }
                    self.jump_to_match(true);
                }
                KeyCode::Esc => self.log.search = None,
                _ => return false,
            }
            return true;
        }
        let page = self.log.height.saturating_sub(2).max(1) as isize;
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => self.scroll_log(1),
            KeyCode::Down | KeyCode::Char('j') => self.scroll_log(-1),
            KeyCode::PageUp => self.scroll_log(page),
            KeyCode::PageDown => self.scroll_log(-page),
            KeyCode::Home | KeyCode::Char('g') => self.log.scroll_back = self.log.lines.len().saturating_sub(1),
            KeyCode::End | KeyCode::Char('G' | 'f') => self.log.scroll_back = 0,
            KeyCode::Char('/') => {
                self.log.search = Some(LogSearch {
                    typing: true,
                    ..LogSearch::default()
                })
            }
            KeyCode::Char('n') if self.log.search.is_some() => self.jump_to_match(true),
            KeyCode::Char('N') if self.log.search.is_some() => self.jump_to_match(false),
            KeyCode::Esc if self.log.search.is_some() => self.log.search = None,
            _ => return false,
        }
        true
    }

    /// Moves to the next older (`older`) or newer match and scrolls it into view.
    fn jump_to_match(&mut self, older: bool) {
        let Some(search) = self.log.search.clone() else { return };
        let matches = self.log.matches(&search.query);
        let len = self.log.lines.len();
        // Searching starts from the bottom of the view.
        let from = search.current.unwrap_or(len.saturating_sub(self.log.scroll_back));
        let found = if older {
            matches.iter().rev().find(|i| **i < from).or(matches.last()).copied()
        } else {
            matches.iter().find(|i| **i > from).or(matches.first()).copied()
        };
        match found {
            Some(line) => {
                self.log.scroll_back = len - line - 1;
                if let Some(s) = self.log.search.as_mut() {
                    s.current = Some(line);
                }
            }
            None => self.complain(format!("not in the log: {}", search.query)),
        }
    }

    fn scroll_log(&mut self, lines: isize) {
        let max = self.log.lines.len().saturating_sub(1);
        self.log.scroll_back = (self.log.scroll_back as isize + lines).clamp(0, max as isize) as usize;
    }

    fn on_session(&mut self, event: SessionEvent) -> Vec<Effect> {
        match event {
            SessionEvent::Ready { session, created } => {
                self.session.created_here = created;
                self.apply_session(*session);
                self.bind_session();
            }
            SessionEvent::Updated(session) => {
                self.session.trouble = None;
                self.apply_session(*session);
            }
            SessionEvent::Gone => {
                self.session.phase = Phase::Gone;
                self.session.since = self.now;
                self.session.failure = Some("the server no longer knows this session (deleted, or timed out)".into());
                self.abandon_work();
            }
            SessionEvent::Failed(message) => {
                self.session.phase = Phase::Failed;
                self.session.since = self.now;
                self.session.failure = Some(message);
                self.abandon_work();
            }
            SessionEvent::Trouble(message) => self.session.trouble = Some(message),
            SessionEvent::Recovered => self.session.trouble = None,
        }
        self.pump()
    }

    fn apply_session(&mut self, s: Session) {
        let state_changed = self.session.phase != Phase::Server(s.state.clone());
        if state_changed {
            self.session.since = self.now;
        }
        self.session.phase = Phase::Server(s.state.clone());
        self.session.id = Some(s.id.clone());
        self.session.name = s.name.clone();
        self.session.kind = Some(s.kind.clone());
        self.session.app_id = s.app_id.clone();
        self.session.owner = s.owner.clone();
        self.session.proxy_user = s.proxy_user.clone();
        self.session.spark_ui = s.app_info.spark_ui_url.clone();
        if s.state.is_finished() {
            if self.session.failure.is_none() {
                let reason = failure_reason(&s.log).map(|r| strip_all(&r));
                self.session.failure = Some(reason.unwrap_or_else(|| format!("the session is {}", s.state)));
            }
            if state_changed {
                self.abandon_work();
            }
        }
    }

    /// The session is over: nothing queued or running can finish.
    fn abandon_work(&mut self) {
        self.clear_queue();
        for cell in &mut self.cells {
            if matches!(
                cell.run,
                RunState::Submitting { .. } | RunState::Running { .. } | RunState::Cancelling { .. }
            ) {
                cell.run = RunState::Finished {
                    duration: None,
                    outcome: Outcome::Error,
                };
                cell.output = Some(CellOutput::RequestError("the session ended while this cell ran".into()));
            }
        }
    }

    fn on_statement(&mut self, id: CellId, event: StatementEvent) -> Vec<Effect> {
        let now = self.now;
        let mut effects = Vec::new();
        match event {
            StatementEvent::Submitted(statement) => {
                let cancel = self.take_pending_cancel(id);
                let Some(cell) = self.cells.iter_mut().find(|c| c.id == id) else {
                    return effects;
                };
                cell.execution_count = Some(statement.id.to_string());
                cell.run = running_state(&statement, now);
                if cancel
                    && let (Some(session), RunState::Running { statement, .. }) = (self.session.id.clone(), &cell.run)
                {
                    effects.push(Effect::Cancel {
                        session,
                        statement: statement.clone(),
                    });
                    cell.run = RunState::Cancelling {
                        statement: statement.clone(),
                        since: now,
                    };
                }
            }
            StatementEvent::Progress(statement) => {
                self.session.trouble = None;
                let Some(cell) = self.cells.iter_mut().find(|c| c.id == id) else {
                    return effects;
                };
                match (&cell.run, &statement.state) {
                    // Keep "cancelling" until the server says cancelled.
                    (RunState::Cancelling { .. }, _) => {}
                    (_, StatementState::Cancelling) => {
                        cell.run = RunState::Cancelling {
                            statement: statement.id.clone(),
                            since: now,
                        }
                    }
                    (RunState::Running { since, .. }, _) => {
                        let since = *since;
                        cell.run = running_state(&statement, since);
                    }
                    _ => cell.run = running_state(&statement, now),
                }
            }
            StatementEvent::Finished(statement) => {
                let prepared = statement.output.as_ref().map(|o| PreparedOutput::prepare(o, None));
                if let Some(cell) = self.cells.iter_mut().find(|c| c.id == id) {
                    finish_cell(cell, &statement, prepared, now);
                    self.touch();
                }
                effects.extend(self.pump());
            }
            StatementEvent::FinishedPrepared(statement, prepared) => {
                if let Some(cell) = self.cells.iter_mut().find(|c| c.id == id) {
                    finish_cell(cell, &statement, Some(*prepared), now);
                    self.touch();
                }
                effects.extend(self.pump());
            }
            StatementEvent::RequestFailed(message) => {
                self.take_pending_cancel(id);
                self.fail_cell(id, message);
                effects.extend(self.pump());
            }
        }
        effects
    }

    fn on_log(&mut self, delta: LogDelta) {
        if delta.gap {
            self.push_log_line("[… the server dropped log lines before they could be read …]".into());
        }
        for line in delta.lines {
            // Livy marks its streams with "\nstderr: "; keep that one line.
            let line = line.strip_prefix('\n').unwrap_or(&line);
            self.push_log_line(strip_all(line));
        }
    }

    fn push_log_line(&mut self, line: String) {
        if let Some(search) = self.log.search.as_mut().filter(|s| !s.typing)
            && search.hits(&line)
        {
            search.count += 1;
        }
        self.log.lines.push_back(line);
        if self.log.lines.len() > LOG_KEEP {
            let dropped = self.log.lines.pop_front();
            if let Some(search) = self.log.search.as_mut() {
                search.current = search.current.and_then(|c| c.checked_sub(1));
                if !search.typing && dropped.is_some_and(|d| search.hits(&d)) {
                    search.count = search.count.saturating_sub(1);
                }
            }
        }
        // Scrolled back: keep looking at the same lines as new ones arrive.
        if self.log.scroll_back > 0 {
            self.log.scroll_back = (self.log.scroll_back + 1).min(self.log.lines.len().saturating_sub(1));
        }
    }
}

fn running_state(statement: &Statement, since: Instant) -> RunState {
    RunState::Running {
        statement: statement.id.clone(),
        progress: statement.progress.clamp(0.0, 1.0),
        since,
        waiting: statement.state == StatementState::Waiting,
    }
}

fn finish_cell(cell: &mut super::Cell, statement: &Statement, prepared: Option<PreparedOutput>, now: Instant) {
    let measured = match (statement.started, statement.completed) {
        (Some(start), Some(end)) if end >= start => Some(Duration::from_millis(end - start)),
        _ => match &cell.run {
            RunState::Running { since, .. } | RunState::Cancelling { since, .. } | RunState::Submitting { since } => {
                Some(now.saturating_duration_since(*since))
            }
            _ => None,
        },
    };
    cell.execution_count = Some(statement.id.to_string());
    // The worker hands over the raw output it already shares; copy only when it did not.
    cell.raw = match prepared.as_ref().and_then(|p| p.raw.clone()) {
        Some(raw) => Some(raw),
        None => statement.output.clone().map(std::sync::Arc::new),
    };
    let jupyter = prepared.as_ref().and_then(|p| p.jupyter.clone());
    cell.mime = prepared.as_ref().and_then(|p| p.mime.clone());
    cell.mimes = prepared.as_ref().map(|p| p.mimes.clone()).unwrap_or_default();
    let (outcome, output) = match statement.outcome() {
        Some(crate::livy::Outcome::Cancelled) => (Outcome::Cancelled, CellOutput::Cancelled),
        Some(crate::livy::Outcome::Failed(e)) => (Outcome::Error, CellOutput::error(&e)),
        _ => match prepared {
            Some(p) => {
                let outcome = if matches!(p.output, CellOutput::Error { .. }) {
                    Outcome::Error
                } else {
                    Outcome::Ok
                };
                (outcome, p.output)
            }
            None => (Outcome::Ok, CellOutput::Text(Default::default())),
        },
    };
    cell.run = RunState::Finished {
        duration: measured,
        outcome,
    };
    cell.output = Some(output);
    record_in_doc(cell, statement, outcome, jupyter);
}

/// Keeps the file's view of the cell up to date: outputs as Jupyter outputs, the execution
/// count, and when it ran (the server's times when it reports them).
fn record_in_doc(
    cell: &mut super::Cell,
    statement: &Statement,
    outcome: Outcome,
    jupyter: Option<std::sync::Arc<Vec<crate::notebook::JupyterOutput>>>,
) {
    use std::time::{SystemTime, UNIX_EPOCH};
    cell.outputs = match (&cell.raw, outcome, jupyter) {
        (_, Outcome::Cancelled, _) | (None, _, _) => Default::default(),
        (Some(_), _, Some(made)) => made,
        // not prepared on a worker: small, or a test
        (Some(raw), _, None) => std::sync::Arc::new(crate::notebook::JupyterOutput::from_statement_output(raw)),
    };
    let count = cell.raw.as_ref().and_then(|r| r.execution_count);
    cell.doc.execution_count = count.or_else(|| statement.id.to_string().parse().ok());
    let at = |ms: u64| UNIX_EPOCH + Duration::from_millis(ms);
    match (statement.started, statement.completed) {
        (Some(start), Some(end)) if start > 0 && end >= start => {
            cell.doc.timing.start(at(start));
            cell.doc.timing.finish(at(end));
        }
        _ => cell.doc.timing.finish(SystemTime::now()),
    }
}

/// A typed path with `~/` meaning the home directory.
fn expand_home(typed: &str) -> std::path::PathBuf {
    match (typed.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::Path::new(&home).join(rest),
        _ => std::path::PathBuf::from(typed),
    }
}
