//! The sessions pane (`S`) and the batches pane (`B`): the server's sessions or batches,
//! live while the pane is open, and what can be done to them — attach the notebook to a
//! session, kill one, start a session or submit a batch from a form, follow one's log.
//!
//! A pane is an [`Overlay`]: modal like the other dialogs (keys, paste and the mouse stop at
//! it), so `update` only dispatches its reports ([`App::on_pane_report`]). Its questions and
//! its form are modes of the pane ([`PaneMode`]). While it is open the effect runner watches
//! what it shows — the listing ([`PaneRequest::List`]) or one log
//! ([`PaneRequest::FollowLog`]), each under a fresh watch number — and closing it sends
//! [`PaneRequest::Stop`]: nothing is polled for a pane that is not on screen.

pub mod form;

use super::command::Command;
use super::events::{Effect, Generation, SessionStartSpec};
use super::log::LogView;
use super::{App, Overlay};
use crate::livy::{
    Batch, BatchId, CreateBatch, CreateSession, LogDelta, LogSource, Session, SessionId, SessionKind, SessionState,
};
use crate::output::sanitize::strip_all;
use crossterm::event::{KeyCode, KeyEvent};
use form::{Form, FormKey};
use std::cmp::Ordering;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::time::Instant;

/// Which of the server's lists a pane shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaneKind {
    Sessions,
    Batches,
}

impl PaneKind {
    /// `session`, `batch`.
    pub fn noun(self) -> &'static str {
        match self {
            PaneKind::Sessions => "session",
            PaneKind::Batches => "batch",
        }
    }

    /// `sessions`, `batches`.
    pub fn plural(self) -> &'static str {
        match self {
            PaneKind::Sessions => "sessions",
            PaneKind::Batches => "batches",
        }
    }

    /// The log of the session or batch `id`.
    pub fn log_source(self, id: &str) -> LogSource {
        match self {
            PaneKind::Sessions => LogSource::Session(SessionId::from(id)),
            PaneKind::Batches => LogSource::Batch(BatchId::from(id)),
        }
    }
}

/// When livy-tui first saw a session or batch. Livy does not say when one started, so its
/// age counts from then; one that was already there at the first listing is at least that
/// old.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Seen {
    pub since: Instant,
    /// It was in the first listing: older than `since` says.
    pub already_there: bool,
}

/// One session or batch as the pane lists it, its text made safe to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct PaneRow {
    pub id: String,
    pub name: Option<String>,
    /// Sessions only.
    pub kind: Option<SessionKind>,
    pub state: SessionState,
    pub owner: Option<String>,
    pub proxy_user: Option<String>,
    pub app_id: Option<String>,
    pub seen: Seen,
}

impl PaneRow {
    pub fn session(s: &Session, seen: Seen) -> PaneRow {
        PaneRow {
            id: strip_all(s.id.as_str()),
            name: clean(&s.name),
            kind: Some(s.kind.clone()),
            state: s.state.clone(),
            owner: clean(&s.owner),
            proxy_user: clean(&s.proxy_user),
            app_id: clean(&s.app_id),
            seen,
        }
    }

    pub fn batch(b: &Batch, seen: Seen) -> PaneRow {
        PaneRow {
            id: strip_all(b.id.as_str()),
            name: clean(&b.name),
            kind: None,
            state: b.state.clone(),
            owner: clean(&b.owner),
            proxy_user: clean(&b.proxy_user),
            app_id: clean(&b.app_id),
            seen,
        }
    }
}

/// Server text made safe to draw; empty is unset.
fn clean(text: &Option<String>) -> Option<String> {
    text.as_deref().map(strip_all).filter(|t| !t.is_empty())
}

/// What a pane asks the effect runner for.
#[derive(Clone, Debug, PartialEq)]
pub enum PaneRequest {
    /// List the sessions or batches now and again while nothing changes less and less often,
    /// reporting each listing; replaces the watch running before.
    List { watch: Generation, kind: PaneKind },
    /// Follow a log, reporting only new lines; replaces the watch running before.
    FollowLog { watch: Generation, source: LogSource },
    /// The pane closed: stop the watch.
    Stop,
    /// `DELETE` a session or batch.
    Kill { kind: PaneKind, id: String },
    /// `POST /sessions` (the profile's defaults are already under the form's fields).
    CreateSession(Box<CreateSession>),
    /// `POST /batches` with the form's fields; the runner puts them over the profile's batch
    /// defaults.
    SubmitBatch(Box<CreateBatch>),
}

/// What the runner reports to a pane.
#[derive(Debug)]
pub enum PaneReport {
    /// A listing (sent on every poll, so the ages move on).
    Listed {
        watch: Generation,
        rows: Vec<PaneRow>,
        /// How many the server has, when it says and it is more than listed.
        total: Option<u64>,
    },
    /// Listing failed; the watch tries again.
    ListFailed { watch: Generation, message: String },
    /// New lines of the log followed.
    Log { watch: Generation, delta: LogDelta },
    /// Reading the log failed (or it is gone).
    LogFailed { watch: Generation, message: String },
    /// A kill, create or submit finished: what to say, and the id it made.
    Done {
        kind: PaneKind,
        result: Result<Done, String>,
    },
}

/// An action that worked.
#[derive(Debug)]
pub struct Done {
    pub text: String,
    /// The session or batch created, to select once listed.
    pub id: Option<String>,
}

/// A sessions or batches pane on screen.
#[derive(Clone, Debug, PartialEq)]
pub struct Pane {
    pub kind: PaneKind,
    /// The watch now running for it; reports of older ones are dropped.
    pub watch: Generation,
    /// Newest first.
    pub rows: Vec<PaneRow>,
    pub total: Option<u64>,
    pub selected: usize,
    /// A listing has arrived.
    pub listed: bool,
    /// Why the last listing failed (one line).
    pub trouble: Option<String>,
    /// A row to select as soon as a listing shows it (one just created).
    pub select_next: Option<String>,
    pub mode: PaneMode,
}

/// What the pane shows over its listing.
#[derive(Clone, Debug, PartialEq)]
pub enum PaneMode {
    List,
    /// A yes/no question about the selected row.
    Ask(Question),
    /// A new session or batch being filled in.
    Form(Form),
    /// One session's or batch's log, in place of the listing.
    Log(Box<PaneLog>),
}

/// A question the pane asks before acting.
#[derive(Clone, Debug, PartialEq)]
pub enum Question {
    Attach(SessionId),
    Kill(String),
}

/// The log a pane follows.
#[derive(Clone, Debug, PartialEq)]
pub struct PaneLog {
    pub source: LogSource,
    pub view: LogView,
    pub trouble: Option<String>,
}

/// Rows a page key moves.
const PAGE: isize = 10;

/// A watch number never used before, across panes (a report still on its way from a closed
/// pane never matches the next one).
fn next_watch() -> Generation {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, AtomicOrdering::Relaxed)
}

fn stop() -> Effect {
    Effect::Pane(PaneRequest::Stop)
}

impl Pane {
    /// The selected row, if any.
    pub fn selected_row(&self) -> Option<&PaneRow> {
        self.rows.get(self.selected)
    }

    /// Shows the listing, watched under a new number.
    fn list(&mut self) -> Effect {
        self.watch = next_watch();
        self.mode = PaneMode::List;
        Effect::Pane(PaneRequest::List {
            watch: self.watch,
            kind: self.kind,
        })
    }

    /// Shows the log of `id` in place of the listing, which is no longer polled.
    fn follow(&mut self, id: &str) -> Effect {
        self.watch = next_watch();
        let source = self.kind.log_source(id);
        self.mode = PaneMode::Log(Box::new(PaneLog {
            source: source.clone(),
            view: LogView::default(),
            trouble: None,
        }));
        Effect::Pane(PaneRequest::FollowLog {
            watch: self.watch,
            source,
        })
    }

    fn step(&mut self, by: isize) {
        let last = self.rows.len().saturating_sub(1) as isize;
        self.selected = (self.selected as isize + by).clamp(0, last) as usize;
    }

    /// A new listing: newest first, the selection kept on its row.
    fn listed(&mut self, mut rows: Vec<PaneRow>, total: Option<u64>) {
        rows.sort_by(newest_first);
        let wanted = self.select_next.clone().filter(|id| rows.iter().any(|r| &r.id == id));
        if wanted.is_some() {
            self.select_next = None;
        }
        let keep = wanted.or_else(|| self.selected_row().map(|r| r.id.clone()));
        self.selected = keep
            .and_then(|id| rows.iter().position(|r| r.id == id))
            .unwrap_or(self.selected)
            .min(rows.len().saturating_sub(1));
        self.rows = rows;
        self.total = total;
        self.listed = true;
        self.trouble = None;
    }
}

/// Livy's ids count up: the highest is the newest. Other ids keep the server's order.
fn newest_first(a: &PaneRow, b: &PaneRow) -> Ordering {
    match (a.id.parse::<u64>(), b.id.parse::<u64>()) {
        (Ok(a), Ok(b)) => b.cmp(&a),
        _ => Ordering::Equal,
    }
}

/// What a key did to the pane: it stays (changed or not) or it closed, and the IO it needs.
type PaneHandled = (Option<Box<Pane>>, Vec<Effect>);

impl App {
    /// Opens the sessions or batches pane and starts watching its listing.
    pub(super) fn open_pane(&mut self, kind: PaneKind) -> Vec<Effect> {
        let mut pane = Box::new(Pane {
            kind,
            watch: 0,
            rows: Vec::new(),
            total: None,
            selected: 0,
            listed: false,
            trouble: None,
            select_next: None,
            mode: PaneMode::List,
        });
        let effect = pane.list();
        self.overlays.open(Overlay::Pane(pane));
        vec![effect]
    }

    /// A key for the pane on screen. The quit key works here too (it closes the pane first).
    pub(super) fn pane_key(&mut self, mut pane: Box<Pane>, key: KeyEvent) -> (Option<Overlay>, Vec<Effect>) {
        if self.keymap.lookup(&key, false) == Some(Command::Quit) {
            self.request_quit();
            return (None, vec![stop()]);
        }
        let (kept, effects) = match std::mem::replace(&mut pane.mode, PaneMode::List) {
            PaneMode::List => self.pane_list_key(pane, key),
            PaneMode::Ask(question) => self.pane_answer(pane, question, key),
            PaneMode::Form(form) => self.pane_form_key(pane, form, key),
            PaneMode::Log(log) => pane_log_key(pane, log, key),
        };
        (kept.map(Overlay::Pane), effects)
    }

    fn pane_list_key(&mut self, mut pane: Box<Pane>, key: KeyEvent) -> PaneHandled {
        let sessions = pane.kind == PaneKind::Sessions;
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => return (None, vec![stop()]),
            KeyCode::Up | KeyCode::Char('k') => pane.step(-1),
            KeyCode::Down | KeyCode::Char('j') => pane.step(1),
            KeyCode::PageUp => pane.step(-PAGE),
            KeyCode::PageDown => pane.step(PAGE),
            KeyCode::Home | KeyCode::Char('g') => pane.selected = 0,
            KeyCode::End | KeyCode::Char('G') => pane.selected = pane.rows.len().saturating_sub(1),
            KeyCode::Char('r') => {
                let effect = pane.list();
                return (Some(pane), vec![effect]);
            }
            KeyCode::Char('n') => {
                pane.mode = PaneMode::Form(match pane.kind {
                    PaneKind::Sessions => Form::new_session(&self.settings.default_kind),
                    PaneKind::Batches => Form::new_batch(),
                })
            }
            KeyCode::Char('x' | 'd' | 'l' | 'a') | KeyCode::Enter => {
                let Some(row) = pane.selected_row() else {
                    self.say(format!("no {} to act on", pane.kind.noun()));
                    return (Some(pane), Vec::new());
                };
                let (id, state) = (row.id.clone(), row.state.clone());
                match key.code {
                    KeyCode::Char('x' | 'd') => pane.mode = PaneMode::Ask(Question::Kill(id)),
                    KeyCode::Char('a') | KeyCode::Enter if sessions => match self.cannot_attach(&id, &state) {
                        Some(why) => self.complain(why),
                        None => pane.mode = PaneMode::Ask(Question::Attach(SessionId::from(id.as_str()))),
                    },
                    KeyCode::Char('l') | KeyCode::Enter => {
                        let effect = pane.follow(&id);
                        return (Some(pane), vec![effect]);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        (Some(pane), Vec::new())
    }

    /// Why the notebook cannot move to session `id` now, if it cannot.
    fn cannot_attach(&self, id: &str, state: &SessionState) -> Option<String> {
        if self.session.id.as_ref().is_some_and(|s| s.as_str() == id) && !self.session.is_over() {
            return Some(format!("the notebook is on session {id} already"));
        }
        if state.is_finished() {
            return Some(format!("session {id} is {state}: it runs no more code"));
        }
        if self.notebook.cells.iter().any(|c| c.is_busy()) {
            let key = self
                .keymap
                .keys_for(Command::CancelAll, false)
                .first()
                .map_or_else(|| Command::CancelAll.name().to_string(), |k| k.to_string());
            return Some(format!(
                "cells are running or queued on this session: cancel them first ({key}), then attach"
            ));
        }
        None
    }

    /// y does what was asked; n or Esc goes back to the list; other keys leave it asked.
    fn pane_answer(&mut self, mut pane: Box<Pane>, question: Question, key: KeyEvent) -> PaneHandled {
        match key.code {
            KeyCode::Char('y' | 'Y') => {}
            KeyCode::Char('n' | 'N') | KeyCode::Esc => return (Some(pane), Vec::new()),
            _ => {
                pane.mode = PaneMode::Ask(question);
                return (Some(pane), Vec::new());
            }
        }
        match question {
            Question::Attach(id) => {
                let mut effects = self.attach_notebook(id);
                effects.push(stop());
                (None, effects)
            }
            Question::Kill(id) => {
                let kind = pane.kind;
                self.say(format!("killing {} {id} …", kind.noun()));
                (Some(pane), vec![Effect::Pane(PaneRequest::Kill { kind, id })])
            }
        }
    }

    /// Moves the notebook to session `id`; the file records it on the next save.
    fn attach_notebook(&mut self, id: SessionId) -> Vec<Effect> {
        let left = self
            .session
            .id
            .clone()
            .filter(|_| self.session.created_here && !self.session.is_over());
        // The binding changes once the session answers: the file has something to save.
        self.touch();
        let effects = self.switch_session(SessionStartSpec::Attach(id.clone()));
        match left {
            Some(old) => self.say(format!(
                "attaching to session {id}; session {old}, started here, keeps running (kill it in this pane)"
            )),
            None => self.say(format!("attaching the notebook to session {id}")),
        }
        effects
    }

    fn pane_form_key(&mut self, mut pane: Box<Pane>, mut form: Form, key: KeyEvent) -> PaneHandled {
        match form.key(key) {
            FormKey::Editing => {}
            FormKey::Cancel => return (Some(pane), Vec::new()),
            FormKey::Submit => match self.form_request(pane.kind, &form) {
                Ok(request) => {
                    self.say(match pane.kind {
                        PaneKind::Sessions => "creating a session …",
                        PaneKind::Batches => "submitting the batch …",
                    });
                    return (Some(pane), vec![Effect::Pane(request)]);
                }
                Err(problem) => form.error = Some(problem),
            },
        }
        pane.mode = PaneMode::Form(form);
        (Some(pane), Vec::new())
    }

    /// The request a filled-in form makes: a session with the profile's defaults under the
    /// form, or a batch (the runner has the profile's batch defaults).
    fn form_request(&self, kind: PaneKind, form: &Form) -> Result<PaneRequest, String> {
        Ok(match kind {
            PaneKind::Sessions => {
                let mut request = self.settings.defaults.clone();
                request.overlay(form.session_request()?);
                PaneRequest::CreateSession(Box::new(request))
            }
            PaneKind::Batches => PaneRequest::SubmitBatch(Box::new(form.batch_request()?)),
        })
    }

    /// A report of the runner for the pane. A watch reporting while no pane is on screen is
    /// told to stop; reports of a watch the pane moved on from are dropped.
    pub(super) fn on_pane_report(&mut self, report: PaneReport) -> Vec<Effect> {
        if let PaneReport::Done { kind, result } = report {
            return self.pane_done(kind, result);
        }
        let Some(pane) = self.overlays.pane_mut() else {
            return vec![stop()];
        };
        match report {
            PaneReport::Listed { watch, rows, total } if watch == pane.watch => pane.listed(rows, total),
            PaneReport::ListFailed { watch, message } if watch == pane.watch => {
                pane.trouble = Some(strip_all(&message));
            }
            PaneReport::Log { watch, delta } if watch == pane.watch => {
                if let PaneMode::Log(log) = &mut pane.mode {
                    log.view.add(delta);
                    log.trouble = None;
                }
            }
            PaneReport::LogFailed { watch, message } if watch == pane.watch => {
                if let PaneMode::Log(log) = &mut pane.mode {
                    log.trouble = Some(strip_all(&message));
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// A kill, create or submit is done: say so, and list again at once so its row shows.
    fn pane_done(&mut self, kind: PaneKind, result: Result<Done, String>) -> Vec<Effect> {
        let created = match result {
            Ok(done) => {
                self.say(strip_all(&done.text));
                done.id
            }
            Err(message) => {
                self.complain(strip_all(&message));
                None
            }
        };
        let Some(pane) = self.overlays.pane_mut().filter(|p| p.kind == kind) else {
            return Vec::new();
        };
        if created.is_some() {
            pane.select_next = created;
        }
        match pane.mode {
            PaneMode::List | PaneMode::Ask(_) => {
                let mode = std::mem::replace(&mut pane.mode, PaneMode::List);
                let effect = pane.list();
                pane.mode = mode;
                vec![effect]
            }
            _ => Vec::new(),
        }
    }
}

/// Scrolling the log; Esc or q goes back to the listing (watched again).
fn pane_log_key(mut pane: Box<Pane>, mut log: Box<PaneLog>, key: KeyEvent) -> PaneHandled {
    if matches!(key.code, KeyCode::Esc | KeyCode::Char('q')) {
        let effect = pane.list();
        return (Some(pane), vec![effect]);
    }
    log.view.scroll_key(key.code, PAGE);
    pane.mode = PaneMode::Log(log);
    (Some(pane), Vec::new())
}
