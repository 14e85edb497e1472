//! The effect runner: tasks that do the notebook's IO. One watches the session, one tails
//! its log, one follows each running statement, one sends each cancel. They report to the app as
//! events; none of them touches the terminal.

use crate::app::cell::PreparedOutput;
use crate::app::{AppEvent, CellId, Effect, ExportFormat, Generation, SessionEvent, SessionStartSpec, StatementEvent};
use crate::livy::log_tail::LogTail;
use crate::livy::{CreateStatement, LivyClient, Session, SessionId, SessionState, Statement, StatementId};
use crate::notebook::{Notebook, RecoveryStore};
use crate::output::export::{ExportError, to_csv, to_json_lines};
use crate::output::save::save_new;
use crate::session::PollInterval;
use crate::session::statement_follower::{Observation, StatementFollower};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;
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
        }
    }

    /// Stops the tasks of the previous session and watches a new one.
    fn start_session(&mut self, generation: Generation, start: SessionStartSpec) {
        self.session_tasks.cancel();
        self.session_tasks = CancellationToken::new();
        tokio::spawn(self.watcher(generation).watch(start, self.session_tasks.clone()));
    }

    /// Submits a statement and follows it, until it finishes or the session changes.
    fn submit(&self, generation: Generation, session: SessionId, cell: CellId, request: CreateStatement) {
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
    }
}

/// What the tasks of one session share.
#[derive(Clone)]
struct Watcher {
    client: LivyClient,
    tx: UnboundedSender<AppEvent>,
    generation: Generation,
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

    /// Creates or attaches, then polls the session's state until told to stop.
    async fn watch(self, start: SessionStartSpec, stop: CancellationToken) {
        let first = tokio::select! {
            _ = stop.cancelled() => return,
            r = self.connect(start) => r,
        };
        let Some(session) = first else { return };
        let id = session.id.clone();
        tokio::spawn(self.clone().tail_log(id.clone(), stop.child_token()));

        let mut last = session;
        let mut poll = poll_for(&last.state);
        let mut failing = false;
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(poll.next_delay()) => {}
            }
            match self.client.get_session(&id).await {
                Ok(now) => {
                    if failing {
                        failing = false;
                        self.session_event(SessionEvent::Recovered);
                    }
                    if now.state != last.state {
                        poll = poll_for(&now.state);
                    }
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

    /// Follows the session log, sending each new line once.
    async fn tail_log(self, id: SessionId, stop: CancellationToken) {
        let mut tail = LogTail::new();
        let mut poll = PollInterval::new(Duration::from_millis(500), Duration::from_secs(3));
        loop {
            match self.client.session_log(&id, None, Some(-1)).await {
                Ok(page) => {
                    let delta = tail.update(page.log);
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
        let followed = follower.submit(&request, |seen| match seen {
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
        });
        let finished = tokio::select! {
            _ = stop.cancelled() => return,
            r = followed => r,
        };
        match finished {
            Ok(finished) => self.finish(cell, finished.statement).await,
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
        let prepare = move || {
            let mut prepared = PreparedOutput::prepare(&output, None);
            prepared.jupyter = Some(Arc::new(crate::notebook::JupyterOutput::from_statement_output(&output)));
            prepared.raw = Some(output);
            prepared
        };
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

/// How often to look at a session in a given state: often while it starts, every few
/// seconds while it works, rarely when idle or finished (each GET is work for the server).
fn poll_for(state: &SessionState) -> PollInterval {
    let secs = Duration::from_secs;
    match state {
        s if s.is_starting() => PollInterval::session_start(),
        SessionState::Busy | SessionState::Running => PollInterval::new(secs(1), secs(2)),
        s if s.is_finished() => PollInterval::new(secs(10), secs(30)),
        _ => PollInterval::new(secs(2), secs(5)),
    }
}
