//! The effect runner: tasks that do the notebook's IO. One watches the session, one tails
//! its log while the log pane shows, one follows each running statement, one sends each
//! cancel or keep-alive, and one wakes the app when it asked to be. They report to the app as
//! events; none of them touches the terminal.
//!
//! How often they ask the server: the watcher looks at a starting session every few hundred
//! ms, a busy one every 1–5 s, an idle one every 2 s growing to 15 s, a finished one never
//! again; a sent statement makes it look at the busy pace. A request that suggests the
//! session ended (a 404, "not active") looks at once and reports what it finds. The log is
//! read only while its pane shows, each time only the lines not seen yet, every 1 s growing
//! to 10 s while nothing arrives.

use crate::app::cell::PreparedOutput;
use crate::app::{AppEvent, CellId, Effect, ExportFormat, Generation, SessionEvent, SessionStartSpec, StatementEvent};
use crate::livy::{CreateStatement, LivyClient, LivyError, Session, SessionId, SessionState, Statement, StatementId};
use crate::notebook::{Notebook, RecoveryStore};
use crate::output::export::{ExportError, to_csv, to_json_lines};
use crate::output::save::save_new;
use crate::session::PollInterval;
use crate::session::log_follow::LogFollower;
use crate::session::statement_follower::{FinishedStatement, Observation, StatementFollower};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// Carries out the app's effects by spawning tasks.
pub struct EffectRunner {
    client: LivyClient,
    tx: UnboundedSender<AppEvent>,
    /// Cancels every task of the current session.
    session_tasks: CancellationToken,
    /// Where recovery copies of unsaved notebooks go (none: no state directory).
    recovery: Option<RecoveryStore>,
    /// The sessions and batches panes' watch and actions (`pane_watch.rs`).
    pub(super) panes: super::pane_watch::PaneRunner,
    /// Whether the log pane shows (the log is read only while it does).
    log_visible: watch::Sender<bool>,
    /// Told when a statement is sent: the session is about to be busy, so its watcher
    /// looks at the busy pace.
    sent: Arc<Notify>,
    /// Cancels the wake-up asked for last.
    wake: CancellationToken,
}

impl EffectRunner {
    /// A runner reporting on `tx`.
    pub fn new(client: LivyClient, tx: UnboundedSender<AppEvent>) -> EffectRunner {
        EffectRunner {
            panes: super::pane_watch::PaneRunner::new(client.clone(), tx.clone()),
            client,
            tx,
            session_tasks: CancellationToken::new(),
            recovery: RecoveryStore::from_env(),
            log_visible: watch::Sender::new(false),
            sent: Arc::default(),
            wake: CancellationToken::new(),
        }
    }

    /// Starts the work an effect asks for. Must be called within a tokio runtime.
    pub fn run(&mut self, effect: Effect) {
        match effect {
            Effect::StartSession { generation, start } => self.start_session(generation, start),
            Effect::Submit {
                generation,
                session,
                cell,
                code,
                kind,
            } => self.submit(generation, session, cell, CreateStatement { code, kind }),
            Effect::Export { table, format, base } => self.export(table, format, base),
            Effect::SaveImage { png, base } => self.save_image(png, base),
            Effect::Search { query, targets } => self.on_worker(move || {
                let matches = crate::app::search::find(&targets, &query);
                Some(AppEvent::Searched { query, matches })
            }),
            Effect::Prepare { cell, raw, mime } => self.on_worker(move || {
                let mut prepared = PreparedOutput::prepare(&raw, Some(&mime));
                prepared.raw = Some(raw);
                let prepared = Box::new(prepared);
                Some(AppEvent::Prepared { cell, prepared })
            }),
            Effect::Save {
                path,
                snapshot,
                version,
                previous: _,
            } => self.save(path, snapshot.into_notebook(), version),
            Effect::WriteRecovery { key, snapshot } => self.write_recovery(key, snapshot.into_notebook()),
            Effect::DiscardRecovery { key } => self.discard_recovery(key),
            Effect::PrepareNotebook(notebook) => self.on_worker(move || {
                let prepared = crate::app::cell::prepare_saved_outputs(&notebook);
                Some(AppEvent::NotebookPrepared { notebook, prepared })
            }),
            // The terminal layer writes to the clipboard; nothing to do here.
            Effect::Clipboard(_) => {}
            Effect::Cancel { session, statement } => self.cancel(session, statement),
            Effect::Complete { seq, session, request } => {
                super::completion::spawn(&self.client, &self.tx, seq, session, request)
            }
            Effect::Pane(request) => self.panes.run(request),
            Effect::KeepAlive { generation, session } => {
                let stop = self.session_tasks.child_token();
                tokio::spawn(self.watcher(generation).keep_alive(session, stop));
            }
            Effect::WakeAt(at) => self.wake_at(at),
            Effect::LogPane { visible } => {
                self.log_visible.send_replace(visible);
            }
            Effect::FollowStatement {
                generation,
                session,
                cell,
                statement,
            } => {
                let stop = self.session_tasks.child_token();
                tokio::spawn(self.watcher(generation).follow_existing(session, cell, statement, stop));
            }
        }
    }

    /// Runs `work` on a blocking worker and reports the event it returns, if any.
    fn on_worker(&self, work: impl FnOnce() -> Option<AppEvent> + Send + 'static) {
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            if let Some(event) = work() {
                let _ = tx.send(event);
            }
        });
    }

    /// The tasks of one session (or statement) report with this.
    fn watcher(&self, generation: Generation) -> Watcher {
        Watcher {
            client: self.client.clone(),
            tx: self.tx.clone(),
            generation,
            sent: self.sent.clone(),
            log_visible: self.log_visible.subscribe(),
        }
    }

    /// Stops the tasks of the previous session and watches a new one.
    fn start_session(&mut self, generation: Generation, start: SessionStartSpec) {
        self.session_tasks.cancel();
        self.session_tasks = CancellationToken::new();
        self.sent = Arc::default();
        tokio::spawn(self.watcher(generation).watch(start, self.session_tasks.clone()));
    }

    /// Sends `AppEvent::Tick` at `at`, instead of at the time asked for before.
    fn wake_at(&mut self, at: Instant) {
        self.wake.cancel();
        self.wake = CancellationToken::new();
        let (stop, tx) = (self.wake.clone(), self.tx.clone());
        tokio::spawn(async move {
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = tokio::time::sleep_until(at.into()) => {
                    let _ = tx.send(AppEvent::Tick);
                }
            }
        });
    }

    /// Submits a statement and follows it, until it finishes or the session changes.
    fn submit(&self, generation: Generation, session: SessionId, cell: CellId, request: CreateStatement) {
        self.sent.notify_one();
        let stop = self.session_tasks.child_token();
        tokio::spawn(self.watcher(generation).follow_statement(session, cell, request, stop));
    }

    fn export(&self, table: Arc<crate::output::Table>, format: ExportFormat, base: String) {
        self.on_worker(move || {
            let saved = write_export(&table, format, &base);
            Some(notice(saved.map(|path| {
                format!("saved {} rows to {}", table.rows.len(), shown(path).display())
            })))
        });
    }

    fn save_image(&self, png: Arc<Vec<u8>>, base: String) {
        self.on_worker(move || {
            let saved = crate::output::image::save_png(&png, Path::new("."), &base);
            Some(notice(
                saved.map(|path| format!("saved the image to {}", shown(path).display())),
            ))
        });
    }

    /// Writes the notebook, then drops its recovery copy.
    fn save(&self, path: PathBuf, notebook: Notebook, version: u64) {
        let recovery = self.recovery.clone();
        self.on_worker(move || {
            let result = crate::notebook::save(&path, &notebook);
            if result.is_ok()
                && let Some(store) = recovery
                && let Err(e) = store.discard(&path)
            {
                tracing::warn!("could not remove the recovery copy of {}: {e}", path.display());
            }
            Some(AppEvent::Saved { path, version, result })
        });
    }

    fn write_recovery(&self, key: PathBuf, notebook: Notebook) {
        let Some(store) = self.recovery.clone() else { return };
        self.on_worker(move || {
            let error = store.write(&key, &notebook).err()?;
            Some(notice(Err(format!("could not write the recovery copy: {error}"))))
        });
    }

    fn discard_recovery(&self, key: PathBuf) {
        let Some(store) = self.recovery.clone() else { return };
        self.on_worker(move || {
            if let Err(e) = store.discard(&key) {
                tracing::warn!("could not remove the recovery copy of {}: {e}", key.display());
            }
            None
        });
    }

    fn cancel(&self, session: SessionId, statement: StatementId) {
        let client = self.client.clone();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            if let Err(e) = client.cancel_statement(&session, &statement).await {
                let _ = tx.send(notice(Err(format!("could not cancel: {e}"))));
            }
        });
    }

    /// Stops every task.
    pub fn shutdown(&self) {
        self.session_tasks.cancel();
        self.panes.stop();
        self.wake.cancel();
    }
}

/// What the tasks of one session share.
#[derive(Clone)]
struct Watcher {
    client: LivyClient,
    tx: UnboundedSender<AppEvent>,
    generation: Generation,
    sent: Arc<Notify>,
    log_visible: watch::Receiver<bool>,
}

impl Watcher {
    fn session_event(&self, event: SessionEvent) {
        let _ = self.tx.send(AppEvent::Session(self.generation, event));
    }

    fn statement_event(&self, cell: CellId, event: StatementEvent) {
        let _ = self
            .tx
            .send(AppEvent::Statement(self.generation, cell, Box::new(event)));
    }

    /// Creates or attaches, then polls the session's state until it ends or the watcher is
    /// told to stop.
    async fn watch(self, start: SessionStartSpec, stop: CancellationToken) {
        let first = tokio::select! {
            _ = stop.cancelled() => return,
            r = self.connect(start) => r,
        };
        let Some(session) = first else { return };
        let id = session.id.clone();
        tokio::spawn(self.clone().tail_log(id.clone(), stop.child_token()));

        let mut last = session;
        let mut pace = SessionPace::new(&last.state);
        let mut failing = false;
        while !last.state.is_finished() {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(pace.next_delay()) => {}
                _ = self.sent.notified() => {
                    pace.sent();
                    continue;
                }
            }
            match self.client.get_session(&id).await {
                Ok(now) => {
                    if failing {
                        failing = false;
                        self.session_event(SessionEvent::Recovered);
                    }
                    if !last.is_same_session(&now) {
                        self.session_event(SessionEvent::Replaced(format!(
                            "session {id} is gone: the server now gives its id to another session (it restarted without recovery); that one is left alone"
                        )));
                        return;
                    }
                    pace.saw(&now.state);
                    if now != last {
                        self.session_event(SessionEvent::Updated(Box::new(now.clone())));
                        last = now;
                    }
                }
                Err(e) if e.is_not_found() => {
                    self.session_event(SessionEvent::Gone);
                    return;
                }
                Err(e) => {
                    failing = true;
                    self.session_event(SessionEvent::Trouble(e.to_string()));
                }
            }
        }
    }

    /// Looks at the session after a request suggested it ended; an ended one is reported
    /// at once (the watcher goes on polling until it sees it too). Whether it is over
    /// (`None`: the server could not say).
    async fn session_over(&self, id: &SessionId) -> Option<bool> {
        match self.client.get_session(id).await {
            Ok(session) if session.state.is_finished() => {
                self.session_event(SessionEvent::Updated(Box::new(session)));
                Some(true)
            }
            Ok(_) => Some(false),
            Err(e) if e.is_not_found() => {
                self.session_event(SessionEvent::Gone);
                Some(true)
            }
            Err(_) => None,
        }
    }

    /// Tells the server the session is in use (`POST …/connect`), and the app how that went.
    /// A 404 or 405 is a server without `/connect` if the session itself is still there.
    async fn keep_alive(self, id: SessionId, stop: CancellationToken) {
        let connected = tokio::select! {
            _ = stop.cancelled() => return,
            r = self.client.connect_session(&id) => r,
        };
        let event = match connected {
            Ok(_) => SessionEvent::KeptAlive,
            Err(e) if matches!(e.status, Some(404 | 405)) => match self.session_over(&id).await {
                Some(false) => SessionEvent::KeepAliveUnavailable("this server has no POST /connect".into()),
                _ => SessionEvent::KeepAliveFailed(e.to_string()),
            },
            Err(e) if e.status == Some(403) => SessionEvent::KeepAliveUnavailable(format!("refused: {}", e.message)),
            Err(e) => SessionEvent::KeepAliveFailed(e.to_string()),
        };
        self.session_event(event);
    }

    async fn connect(&self, start: SessionStartSpec) -> Option<Session> {
        let result = match start {
            SessionStartSpec::Create(request) => self.client.create_session(&request).await.map(|s| (s, true)),
            SessionStartSpec::Attach(id) => self.client.get_session(&id).await.map(|s| (s, false)).map_err(|e| {
                if e.is_not_found() {
                    crate::livy::LivyError::new(
                        crate::livy::ErrorKind::Usage,
                        format!("there is no session {id} on the server"),
                    )
                    .with_hint("see 'livy-tui sessions list'")
                } else {
                    e
                }
            }),
        };
        match result {
            Ok((session, created)) => {
                self.session_event(SessionEvent::Ready {
                    session: Box::new(session.clone()),
                    created,
                });
                Some(session)
            }
            Err(e) => {
                self.session_event(SessionEvent::Failed(e.to_string()));
                None
            }
        }
    }

    /// Follows the session log while the log pane shows, sending each new line once.
    async fn tail_log(mut self, id: SessionId, stop: CancellationToken) {
        let mut follower = LogFollower::new();
        let mut poll = PollInterval::new(Duration::from_secs(1), Duration::from_secs(10));
        loop {
            if !*self.log_visible.borrow_and_update() {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    shown = self.log_visible.wait_for(|visible| *visible) => if shown.is_err() { return },
                }
                poll.reset();
            }
            match follower.next(&self.client, &id).await {
                Ok(delta) => {
                    if !delta.lines.is_empty() || delta.gap {
                        poll.reset();
                        let _ = self.tx.send(AppEvent::Log(self.generation, delta));
                    }
                }
                Err(e) if e.is_not_found() => return,
                // The session watcher reports connection trouble.
                Err(_) => {}
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(poll.next_delay()) => {}
                // Hidden (or hidden and shown again): the top of the loop decides.
                changed = self.log_visible.changed() => if changed.is_err() { return },
            }
        }
    }

    /// Submits a statement and follows it until it finishes, reporting what it sees.
    async fn follow_statement(
        self,
        session: SessionId,
        cell: CellId,
        request: CreateStatement,
        stop: CancellationToken,
    ) {
        let follower = StatementFollower::new(&self.client, &session);
        let followed = follower.submit(&request, |seen| self.observed(cell, seen));
        let finished = tokio::select! {
            _ = stop.cancelled() => return,
            r = followed => r,
        };
        self.followed(&session, cell, finished).await;
    }

    /// Follows a statement an earlier run of the app submitted, until it finishes.
    async fn follow_existing(self, session: SessionId, cell: CellId, statement: StatementId, stop: CancellationToken) {
        let follower = StatementFollower::new(&self.client, &session);
        let followed = follower.follow_id(statement, |seen| self.observed(cell, seen));
        let finished = tokio::select! {
            _ = stop.cancelled() => return,
            r = followed => r,
        };
        self.followed(&session, cell, finished).await;
    }

    /// Reports what the follower saw of a cell's statement.
    fn observed(&self, cell: CellId, seen: Observation<'_>) {
        match seen {
            Observation::Submitted(statement) => {
                self.statement_event(cell, StatementEvent::Submitted(statement.clone()))
            }
            Observation::Progress(statement) => self.statement_event(cell, StatementEvent::Progress(statement.clone())),
            // The network, not the statement: say what is wrong while following on.
            Observation::Trouble(e) => {
                let _ = self
                    .tx
                    .send(AppEvent::Retrying(format!("following the statement: {}", e.message)));
            }
        }
    }

    /// Reports how following a cell's statement ended.
    async fn followed(&self, session: &SessionId, cell: CellId, finished: Result<FinishedStatement, LivyError>) {
        match finished {
            Ok(finished) => self.finish(cell, finished.statement).await,
            // The session ended under the statement: that is what the cell shows.
            Err(e) if session_may_be_over(&e) && self.session_over(session).await == Some(true) => {}
            Err(e) => self.statement_event(cell, StatementEvent::RequestFailed(e.to_string())),
        }
    }
}

impl Watcher {
    /// Prepares the output on a worker thread (big outputs take a while to lay out), then
    /// reports the statement finished.
    async fn finish(&self, cell: CellId, mut statement: Statement) {
        let Some(output) = statement.output.take().map(Arc::new) else {
            return self.statement_event(cell, StatementEvent::Finished(statement));
        };
        let prepare = move || PreparedOutput::of_finished(output);
        match tokio::task::spawn_blocking(prepare).await {
            Ok(prepared) => self.statement_event(cell, StatementEvent::FinishedPrepared(statement, Box::new(prepared))),
            Err(_) => self.statement_event(cell, StatementEvent::Finished(statement)),
        }
    }
}

/// Converts and writes a table to a new file in the working directory; never overwrites.
fn write_export(table: &crate::output::Table, format: ExportFormat, base: &str) -> Result<PathBuf, ExportError> {
    let (bytes, extension) = match format {
        ExportFormat::Csv => (to_csv(table)?, "csv"),
        ExportFormat::JsonLines => (to_json_lines(table).into_bytes(), "jsonl"),
    };
    Ok(save_new(Path::new("."), base, extension, &bytes)?)
}

/// A saved file's full path, to show (the path as given when that fails).
fn shown(path: PathBuf) -> PathBuf {
    std::fs::canonicalize(&path).unwrap_or(path)
}

/// A notice for the status line: what was done, or why it could not be.
fn notice(result: Result<String, impl std::fmt::Display>) -> AppEvent {
    match result {
        Ok(text) => AppEvent::Notice { text, is_error: false },
        Err(e) => AppEvent::Notice {
            text: e.to_string(),
            is_error: true,
        },
    }
}

/// How often the watcher looks at its session: at the pace of the state it last saw, or of
/// a busy session from the moment a statement is sent until it sees a state again.
struct SessionPace {
    /// The state the pace is for.
    state: SessionState,
    poll: PollInterval,
}

impl SessionPace {
    fn new(state: &SessionState) -> Self {
        SessionPace {
            state: state.clone(),
            poll: poll_for(state),
        }
    }

    fn next_delay(&mut self) -> Duration {
        self.poll.next_delay()
    }

    /// A statement was sent: the session is about to be busy.
    fn sent(&mut self) {
        *self = Self::new(&SessionState::Busy);
    }

    /// A poll saw `state`: a new state starts its own pace, the same one slows down.
    fn saw(&mut self, state: &SessionState) {
        if *state != self.state {
            *self = Self::new(state);
        }
    }
}

/// How often to look at a session in a given state: often while it starts, every few
/// seconds while it works, every 2 s growing to 15 s while idle (at most ~10 looks in the
/// first minute, then 4 a minute; each GET is work for the server).
fn poll_for(state: &SessionState) -> PollInterval {
    let secs = Duration::from_secs;
    match state {
        s if s.is_starting() => PollInterval::session_start(),
        SessionState::Busy | SessionState::Running => PollInterval::new(secs(1), secs(5)),
        _ => PollInterval::new(secs(2), secs(15)),
    }
}

/// A statement request failed in a way that may mean the session ended: Livy answers 404
/// for a session it no longer has and 400 "Session isn't active" for a dead one.
fn session_may_be_over(e: &LivyError) -> bool {
    e.is_not_found() || e.status == Some(400)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Session polls of an idle session in the `window` after it went idle, at the pace of
    /// `poll_for` (answers taking no time).
    fn idle_polls(window: Duration) -> usize {
        let mut poll = poll_for(&SessionState::Idle);
        let (mut at, mut polls) = (Duration::ZERO, 0);
        loop {
            at += poll.next_delay();
            if at > window {
                return polls;
            }
            polls += 1;
        }
    }

    #[test]
    fn after_a_statement_an_idle_session_slows_down_again() {
        let secs = Duration::from_secs;
        let mut pace = SessionPace::new(&SessionState::Idle);
        pace.next_delay();
        pace.sent();
        assert_eq!(pace.next_delay(), secs(1), "busy pace after a submit");
        // The statement was quick: the next look finds the session idle as before.
        pace.saw(&SessionState::Idle);
        let delays: Vec<Duration> = (0..8).map(|_| pace.next_delay()).collect();
        assert_eq!(delays[0], secs(2));
        assert_eq!(delays[7], secs(15), "{delays:?}");
        pace.saw(&SessionState::Idle);
        assert_eq!(pace.next_delay(), secs(15), "nothing changed: it stays slow");
    }

    #[test]
    fn an_idle_notebook_sends_at_most_12_requests_a_minute() {
        let minute = Duration::from_secs(60);
        // The busiest idle minute is the first (polling has just slowed down); the log pane
        // is closed (no log reads) and keep-alive is as frequent as the config allows.
        let keepalives = (minute.as_secs() / crate::config::KEEPALIVE_MIN.as_secs()) as usize;
        let first = idle_polls(minute);
        assert!(first + keepalives <= 12, "{first} polls + {keepalives} keep-alives");
        // Then four polls a minute, and one keep-alive every five minutes by default.
        let later = idle_polls(10 * minute) - idle_polls(9 * minute);
        assert!(later <= 4, "{later}");
    }
}
