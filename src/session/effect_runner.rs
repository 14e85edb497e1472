//! The effect runner: tasks that do the notebook's IO. One watches the session, one tails
//! its log, one follows each running statement, one sends each cancel. They report to the app as
//! events; none of them touches the terminal.

use crate::app::cell::PreparedOutput;
use crate::app::{AppEvent, CellId, Effect, ExportFormat, Generation, SessionEvent, SessionStartSpec, StatementEvent};
use crate::livy::log_tail::LogTail;
use crate::livy::{CreateStatement, LivyClient, Session, SessionId, SessionKind, SessionState, Statement};
use crate::notebook::RecoveryStore;
use crate::session::PollInterval;
use crate::session::statement_follower::{Observation, StatementFollower};
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
}

impl EffectRunner {
    /// A runner reporting on `tx`.
    pub fn new(client: LivyClient, tx: UnboundedSender<AppEvent>) -> EffectRunner {
        EffectRunner {
            client,
            tx,
            session_tasks: CancellationToken::new(),
            recovery: RecoveryStore::from_env(),
        }
    }

    /// Starts the work an effect asks for. Must be called within a tokio runtime.
    pub fn run(&mut self, effect: Effect) {
        match effect {
            Effect::StartSession { generation, start } => {
                self.session_tasks.cancel();
                self.session_tasks = CancellationToken::new();
                let watcher = Watcher {
                    client: self.client.clone(),
                    tx: self.tx.clone(),
                    generation,
                };
                tokio::spawn(watcher.watch(start, self.session_tasks.clone()));
            }
            Effect::Submit {
                generation,
                session,
                cell,
                code,
                kind,
            } => {
                let follower = Watcher {
                    client: self.client.clone(),
                    tx: self.tx.clone(),
                    generation,
                };
                tokio::spawn(follower.follow_statement(session, cell, code, kind, self.session_tasks.child_token()));
            }
            Effect::Export { table, format, base } => self.export(table, format, base),
            Effect::SaveImage { png, base } => {
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let notice = match crate::output::image::save_png(&png, std::path::Path::new("."), &base) {
                        Ok(path) => {
                            let path = std::fs::canonicalize(&path).unwrap_or(path);
                            AppEvent::Notice {
                                text: format!("saved the image to {}", path.display()),
                                is_error: false,
                            }
                        }
                        Err(e) => AppEvent::Notice {
                            text: e,
                            is_error: true,
                        },
                    };
                    let _ = tx.send(notice);
                });
            }
            Effect::Search { query, targets } => {
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let matches = crate::app::search::find(&targets, &query);
                    let _ = tx.send(AppEvent::Searched { query, matches });
                });
            }
            Effect::Prepare { cell, raw, mime } => {
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let mut prepared = PreparedOutput::prepare(&raw, Some(&mime));
                    prepared.raw = Some(raw);
                    let _ = tx.send(AppEvent::Prepared {
                        cell,
                        prepared: Box::new(prepared),
                    });
                });
            }
            Effect::Save {
                path,
                snapshot,
                version,
                previous: _,
            } => {
                let tx = self.tx.clone();
                let recovery = self.recovery.clone();
                tokio::task::spawn_blocking(move || {
                    let notebook = snapshot.into_notebook();
                    let result = crate::notebook::save(&path, &notebook);
                    if result.is_ok()
                        && let Some(store) = recovery
                        && let Err(e) = store.discard(&path)
                    {
                        tracing::warn!("could not remove the recovery copy of {}: {e}", path.display());
                    }
                    let _ = tx.send(AppEvent::Saved { path, version, result });
                });
            }
            Effect::WriteRecovery { key, snapshot } => {
                let Some(store) = self.recovery.clone() else { return };
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    if let Err(e) = store.write(&key, &snapshot.into_notebook()) {
                        let _ = tx.send(AppEvent::Notice {
                            text: format!("could not write the recovery copy: {e}"),
                            is_error: true,
                        });
                    }
                });
            }
            Effect::DiscardRecovery { key } => {
                let Some(store) = self.recovery.clone() else { return };
                tokio::task::spawn_blocking(move || {
                    if let Err(e) = store.discard(&key) {
                        tracing::warn!("could not remove the recovery copy of {}: {e}", key.display());
                    }
                });
            }
            Effect::PrepareNotebook(notebook) => {
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let prepared = crate::app::cell::prepare_saved_outputs(&notebook);
                    let _ = tx.send(AppEvent::NotebookPrepared { notebook, prepared });
                });
            }
            // The terminal layer writes to the clipboard; nothing to do here.
            Effect::Clipboard(_) => {}
            Effect::Cancel { session, statement } => {
                let client = self.client.clone();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    if let Err(e) = client.cancel_statement(&session, &statement).await {
                        let _ = tx.send(AppEvent::Notice {
                            text: format!("could not cancel: {e}"),
                            is_error: true,
                        });
                    }
                });
            }
        }
    }

    fn export(&self, table: std::sync::Arc<crate::output::Table>, format: ExportFormat, base: String) {
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let notice = match write_export(&table, format, &base) {
                Ok(path) => AppEvent::Notice {
                    text: format!("saved {} rows to {path}", table.rows.len()),
                    is_error: false,
                },
                Err(e) => AppEvent::Notice {
                    text: e,
                    is_error: true,
                },
            };
            let _ = tx.send(notice);
        });
    }

    /// Stops every task.
    pub fn shutdown(&self) {
        self.session_tasks.cancel();
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
        code: String,
        kind: Option<SessionKind>,
        stop: CancellationToken,
    ) {
        let request = CreateStatement { code, kind };
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
        let Some(output) = statement.output.take().map(std::sync::Arc::new) else {
            return self.statement_event(cell, StatementEvent::Finished(statement));
        };
        let prepare = move || {
            let mut prepared = PreparedOutput::prepare(&output, None);
            prepared.jupyter = Some(std::sync::Arc::new(
                crate::notebook::JupyterOutput::from_statement_output(&output),
            ));
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
fn write_export(table: &crate::output::Table, format: ExportFormat, base: &str) -> Result<String, String> {
    use crate::output::export::{to_csv, to_json_lines};
    let (bytes, extension) = match format {
        ExportFormat::Csv => (to_csv(table)?, "csv"),
        ExportFormat::JsonLines => (to_json_lines(table).into_bytes(), "jsonl"),
    };
    for n in 0..1000 {
        let name = if n == 0 {
            format!("{base}.{extension}")
        } else {
            format!("{base}-{n}.{extension}")
        };
        let file = std::fs::OpenOptions::new().write(true).create_new(true).open(&name);
        match file {
            Ok(mut f) => {
                use std::io::Write;
                f.write_all(&bytes).map_err(|e| format!("cannot write {name}: {e}"))?;
                let path = std::fs::canonicalize(&name).map_or(name, |p| p.display().to_string());
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("cannot save {name} in the working directory: {e}")),
        }
    }
    Err(format!("too many files named {base}-N.{extension} here"))
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
